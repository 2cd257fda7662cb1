"""Anonymisation, property-tested: random IAM names never survive, and AWS-owned names (the lesson) stay."""

from __future__ import annotations

import html
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glue_iam_kit.engine.marks import ident
from glue_iam_kit.reports.anonymise import Anonymiser, find_survivors

IAM_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-"
names = st.text(alphabet=IAM_CHARS, min_size=1, max_size=24)


@settings(max_examples=300, deadline=None)
@given(user=names, role=names, job=st.text(min_size=1, max_size=24).filter(lambda s: s.strip() == s and s),
       groups=st.lists(names, max_size=3), account=st.from_regex(r"\A[0-9]{12}\Z"))
def test_random_identifiers_never_survive(user, role, job, groups, account):
    identifiers = {"account": account, "user": user, "role": role, "job": job, "groups": groups}
    text = (f"User: arn:aws:iam::{account}:user/{user} is not authorized to perform: iam:PassRole on resource: "
            f"arn:aws:iam::{account}:role/{role} because no identity-based policy allows the iam:PassRole action\n"
            f"job {job} uses {role}; groups {', '.join(groups)}; AWSGlueConsoleFullAccess glue.amazonaws.com "
            f'{{"user": "{user}", "role": "{role}", "job": "{job}"}} ({user}) [{role}] {job}.')
    anon = Anonymiser(identifiers)
    out = anon.anonymise_text(text)
    assert find_survivors(out, identifiers) == []
    assert account not in out
    assert "iam:PassRole" in out and "glue.amazonaws.com" in out and "AWSGlueConsoleFullAccess" in out


ADVERSARIAL = {"account": "111122223333", "user": "aws", "role": "etl-runtime-role",
               "groups": ["mfa", "GlueAccess"], "accounts": ["aws"],
               "roles": ["AWSGlueServiceRole-Acme", "AWSReservedSSO_DataEngineer_0123456789abcdef",
                         "AWSServiceRoleForAutoScaling", "OrganizationAccountAccessRole"]}
REGIONAL_ARNS = [  # ten services, each with a region: the resource is the customer's
    "arn:aws:glue:eu-west-1:111122223333:crawler/sales-crawler",
    "arn:aws:glue:eu-west-1:111122223333:database/sales_db",
    "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-pass-AbCdEf",
    "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:logs:eu-west-1:111122223333:log-group:sales-etl-logs",
    "arn:aws:lambda:eu-west-1:111122223333:function:sales-trigger",
    "arn:aws:cloudformation:eu-west-1:111122223333:stack/sales-stack/abc",
    "arn:aws:sqs:eu-west-1:111122223333:sales-queue",
    "arn:aws:sns:eu-west-1:111122223333:sales-topic",
    "arn:aws:dynamodb:eu-west-1:111122223333:table/sales-table",
]


@pytest.mark.parametrize("arn", REGIONAL_ARNS)
def test_regional_arns_of_every_service_lose_their_names(arn):
    out = Anonymiser(ADVERSARIAL).anonymise_text(f"see {arn} now")
    assert "sales" not in out and "111122223333" not in out and "1234abcd" not in out, out
    assert out.startswith(f"see arn:aws:{arn.split(':')[2]}:eu-west-1:<account-id>:")


@pytest.mark.parametrize("text,kept,gone", [
    # a kit word is replaced where the kit marked it as a name, never as a word of prose
    (f"group {ident('group', 'mfa')} denies iam:PassRole; restriction mfa", ["iam:PassRole", "restriction mfa"],
     ["group mfa"]),
    ("role/AWSGlueServiceRole-Acme", [], ["Acme"]),
    ("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/"
     "AWSReservedSSO_DataEngineer_0123456789abcdef", ["AWSReservedSSO_<permission-set-1>_"], ["SecurityAudit"]),
    ("AWSServiceRoleForAutoScaling and OrganizationAccountAccessRole",
     ["AWSServiceRoleForAutoScaling", "OrganizationAccountAccessRole"], []),
    ("aws iam put-role-policy --role-name etl-runtime-role", ["aws iam put-role-policy --role-name"],
     ["etl-runtime-role"]),
    ("arn:aws:iam::111122223333:role/glue-* and arn:aws:iam::*:role/AWSGlueServiceRole*",
     ["role/<prefix-1>*", "role/AWSGlueServiceRole*"], ["glue-"]),
    ("https://sales-data.s3.eu-west-1.amazonaws.com/x and s3://sales-data/key", ["s3.eu-west-1.amazonaws.com"],
     ["sales-data"]),
])
def test_misses_and_over_reaches(text, kept, gone):
    out = Anonymiser(ADVERSARIAL).anonymise_text(text)
    assert all(k in out for k in kept), out
    assert not [g for g in gone if g in out], out


def test_the_kit_words_stay_where_the_schema_holds_them():
    a = Anonymiser(ADVERSARIAL)
    out = a.anonymise_object({"restriction": "mfa", "status": "ok", "summary": f"group {ident('group', 'mfa')}: mfa",
                              "via_group": "mfa"})
    assert out == {"restriction": "mfa", "status": "ok", "summary": "group <group-1>: mfa", "via_group": "<group-1>"}
    assert find_survivors(json.dumps(out), ADVERSARIAL, "json") == []


def test_html_is_anonymised_on_its_text_not_its_escapes():
    policy = {"Resource": "arn:aws:iam::111122223333:role/etl-runtime-role", "Sid": "It's"}
    page = f"<pre>{html.escape(json.dumps(policy))}</pre>"
    out = Anonymiser(ADVERSARIAL).anonymise_html(page)
    text = html.unescape(out.removeprefix("<pre>").removesuffix("</pre>"))
    assert json.loads(text)["Resource"] == "arn:aws:iam::<account-id>:role/<glue-runtime-role>"


def test_a_user_named_aws_leaves_arns_and_commands_intact():
    a = Anonymiser(ADVERSARIAL)
    text = ("User: arn:aws:iam::111122223333:user/aws may not pass arn:aws:iam::111122223333:role/etl-runtime-role; "
            f"aws iam put-user-policy --user-name {ident('user', 'aws')}")
    out = a.anonymise_text(text)
    assert out == ("User: arn:aws:iam::<account-id>:user/<human-user> may not pass arn:aws:iam::<account-id>:role/"
                   "<glue-runtime-role>; aws iam put-user-policy --user-name <human-user>")
    assert find_survivors(out, ADVERSARIAL) == []


def test_a_local_snapshot_path_never_reaches_a_report():
    path = "/home/alice/incidents/prod-111122223333.json"
    ids = {**ADVERSARIAL, "paths": [path, "prod-111122223333.json"]}
    out = Anonymiser(ids).anonymise_text(f"snapshot_path = \"{path}\"")
    assert "alice" not in out and "incidents" not in out and find_survivors(out, ids) == []
