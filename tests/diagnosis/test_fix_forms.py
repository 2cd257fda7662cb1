"""The fix record and its forms (glue_iam_kit.diagnosis.fix, fix_forms): in every built-in scenario with a fix,
the document inside ``fix.command`` and each IaC form is ``fix.policy`` (the whole document, merged where the
call replaces one), the forms validate (cfn-lint, HCL2, botocore's models); an S3 key with a space, quotes or
``$`` keeps its exact ARN and a command a shell reads back."""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.account import open_investigation
from glue_iam_kit.diagnosis.fix import render_fix
from glue_iam_kit.sources.sandbox import scenario_names
from tests.diagnosis.fix_checks import assert_forms_put_the_policy, cli_calls, cli_document


def _fix(scenario: str, **params: object) -> dict:
    inv = open_investigation("sandbox", scenario=scenario, **params)
    try:
        inv.run()
    finally:
        inv.target.close()
    return inv.fix


FIXES = {name: fix for name in scenario_names() if (fix := _fix(name)) and fix.get("policy")}


def test_the_scenarios_cover_every_kind_of_fix():
    assert {f["where"] for f in FIXES.values()} >= {"group", "role", "permission-set", "boundary"}


@pytest.mark.parametrize("name", sorted(FIXES))
def test_every_form_puts_fix_policy(name):
    assert_forms_put_the_policy(FIXES[name])


def test_a_merged_fix_says_what_it_puts():
    fix = FIXES["boundary-without-passrole"]
    assert len(fix["policy"]["Statement"]) > len(fix["statement"]) == 1  # the boundary's grants are kept
    assert fix["statement"][0]["Sid"] == "AllowPassGlueRuntimeRoleToGlue"
    ic = FIXES["identity-center"]
    assert ic["where"] == "permission-set" and len(ic["policy"]["Statement"]) == len(ic["statement"]) + 1


# (name in the S3 key, the key) — a space, quotes, a dollar, unicode, shell metacharacters
KEYS = [("space", "raw data/orders 2026.csv"), ("quote", "it's/\"quoted\".csv"), ("dollar", "cost/$HOME/${x}.csv"),
        ("unicode", "données/été.csv"), ("shell", "a;b|c&d/`e`.csv")]


@pytest.mark.parametrize("key", [k for _, k in KEYS], ids=[n for n, _ in KEYS])
def test_an_s3_key_keeps_its_exact_arn(key):
    arn = f"arn:aws:s3:::example-etl-data/{key}"
    error = (f"User: arn:aws:sts::111122223333:assumed-role/etl-runtime-role/GlueJobRunnerSession is not "
             f"authorized to perform: s3:GetObject on resource: \"{arn}\" because no identity-based policy allows "
             "the s3:GetObject action (Service: Amazon S3; Status Code: 403)")
    fix = _fix("runtime-role-s3-read", error_text=error)
    assert fix["statement"][0]["Resource"] == arn
    assert cli_document(fix["command"]) == fix["policy"]  # the shell reads the document back whole
    assert_forms_put_the_policy(fix)


def test_every_value_is_quoted_for_the_shell():
    fix = {"where": "group", "principal": "ops; rm -rf ~", "policy_name": "AllowX", "profile": "a b",
           "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                              "Resource": "arn:aws:s3:::b/it's $x"}]},
           "statement": []}
    ((_, _, options),) = cli_calls(render_fix(fix)["command"])
    assert options["--group-name"] == "ops; rm -rf ~" and options["--profile"] == "a b"
    assert json.loads(str(options["--policy-document"])) == fix["policy"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.diagnosis.fix_checks import cfn_document, normalised, terraform_document  # noqa: E402

_TEXT = st.text(st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(where=st.sampled_from(["user", "group", "role", "permission-set", "boundary", "key-policy"]),
       principal=_TEXT, key=_TEXT, value=_TEXT, sid=st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True))
def test_any_value_reads_back_from_every_form(where, principal, key, value, sid):
    statement = {"Sid": sid, "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b/{key}",
                 "Condition": {"StringEquals": {"aws:PrincipalTag/team": value}}}
    if where == "key-policy":
        statement["Principal"] = {"AWS": f"arn:aws:iam::111122223333:role/{principal}"}
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    fix = render_fix({"where": where, "principal": principal, "policy_name": "AllowS3GetObject", "policy": policy,
                      "statement": [statement], "policy_arn": f"arn:aws:iam::111122223333:policy/{principal}",
                      "profile": value})
    assert cli_document(fix["command"]) == policy
    assert cfn_document(fix) == policy
    assert normalised(terraform_document(fix["forms"]["terraform"])) == normalised(policy)
