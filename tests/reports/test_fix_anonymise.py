"""The fix in the anonymised files (glue_iam_kit.reports.fix_anonymise, through bundle.render_outputs): names
taken from the forms' own vocabulary give a fix identical to a neutral-name run once placeholders are
normalised, in report.md, report.html and findings.json alike; the fix is anonymised by type."""

from __future__ import annotations

import html
import json
import re

import pytest

from glue_iam_kit.account import open_investigation
from glue_iam_kit.diagnosis.fix import render_fix
from glue_iam_kit.reports.anonymise import Anonymiser
from glue_iam_kit.reports.bundle import render_outputs
from glue_iam_kit.reports.fix_anonymise import anonymise_fix
from tests.diagnosis.fix_checks import assert_forms_put_the_policy

NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
# Keys and keywords of the CLI, CloudFormation and Terraform forms, and the kit's own fix name.
VOCABULARY = ["Policy", "IAM", "AWS", "name", "resource", "values", "Users", "Statement", "Resource", "data", "test",
              "condition", "Type", "Properties", "policy", "group", "AllowPassGlueRuntimeRoleToGlue"]
# The scenario's name slots; the fix goes on glue_group (each word in turn), and the next word takes another slot.
OTHER_SLOTS = ["user", "role", "job", "dev_group"]
NEUTRAL = {"user": "u-neutral", "role": "r-neutral", "job": "j-neutral", "glue_group": "g-neutral",
           "dev_group": "d-neutral"}


def _outputs(names: dict[str, str], scenario: str = "seed-incident", **params: str) -> dict[str, str]:
    if names:
        params.update({"user": names["user"], "role": names["role"], "job": names["job"],
                       "scenario_params": {"glue_group": names["glue_group"], "dev_group": names["dev_group"]}})
    inv = open_investigation("sandbox", scenario=scenario, **params)
    try:
        inv.run()
        results, ids = inv.results(), inv.identifiers()
    finally:
        inv.target.close()
    return render_outputs(NOTEBOOK, results, ids)


def _normalised(blocks: list[str]) -> list[str]:
    """Numbered placeholders renumbered by first appearance: two runs name the same things alike."""
    seen: dict[str, str] = {}

    def number(m: re.Match[str]) -> str:
        label = m.group(1)
        return seen.setdefault(m.group(0), f"<{label}-#{sum(k.startswith(f'<{label}-') for k in seen) + 1}>")

    return [re.sub(r"<([a-z]+(?:-[a-z]+)*)-(\d+)>", number, b) for b in blocks]


def fix_blocks(files: dict[str, str]) -> dict[str, list[str]]:
    """The fix a reader copies, from each file: the policy, then each form."""
    fix = json.loads(files["findings.json"])["fix"]
    # the fix's own blocks: the Security review (issue 22) that follows has its own
    md = files["report.md"].split("## Resolution", 1)[1].split("## Action items", 1)[0].split("### Security review")[0]
    page = files["report.html"]
    return {
        "findings.json": _normalised([json.dumps(fix["policy"], indent=2), *fix["forms"].values()]),
        "report.md": _normalised(re.findall(r"```(?:json|sh|yaml|hcl)\n(.*?)\n```", md, re.DOTALL)),
        "report.html": _normalised([html.unescape(b) for b in re.findall(
            r'<pre (?:id="fix-policy"|class="fix-\w+")><code>(.*?)</code></pre>', page, re.DOTALL)]),
    }


@pytest.fixture(scope="module")
def neutral() -> dict[str, list[str]]:
    return fix_blocks(_outputs(NEUTRAL))


@pytest.mark.parametrize("i,word", list(enumerate(VOCABULARY)), ids=VOCABULARY)
def test_a_name_from_the_forms_vocabulary_never_changes_the_fix(neutral, i, word):
    other = next(w for w in VOCABULARY[i + 1:] + VOCABULARY if w.lower() != word.lower())
    names = {**NEUTRAL, "glue_group": word, OTHER_SLOTS[i % len(OTHER_SLOTS)]: other}
    files = _outputs(names)
    got = fix_blocks(files)
    assert len(got["report.md"]) == 4 and got["report.md"] == got["report.html"] == got["findings.json"]
    assert got == neutral
    assert_forms_put_the_policy(json.loads(files["findings.json"])["fix"])  # anonymised, and still valid


def test_an_s3_key_with_a_space_is_one_placeholder_in_every_file():
    key = "raw data/carol's orders.csv"
    error = ("User: arn:aws:sts::111122223333:assumed-role/etl-runtime-role/GlueJobRunnerSession is not authorized "
             f"to perform: s3:GetObject on resource: \"arn:aws:s3:::example-etl-data/{key}\" because no "
             "identity-based policy allows the s3:GetObject action")
    files = _outputs({}, "runtime-role-s3-read", error_text=error)
    fix = json.loads(files["findings.json"])["fix"]
    assert re.fullmatch(r"arn:aws:s3:::<bucket-\d+>/<resource-\d+>/<resource-\d+>", fix["statement"][0]["Resource"])
    assert_forms_put_the_policy(fix)
    for name in ("report.md", "report.html", "findings.json"):
        assert "carol" not in files[name] and "raw data" not in files[name], name


def test_the_fix_is_anonymised_by_type():
    real = {"where": "group", "principal_type": "group", "principal": "Statement", "policy_name": "AllowX",
            "profile": "prod-admin",
            "policy": {"Version": "2012-10-17", "Statement": [
                {"Sid": "CarolsGrant", "Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::corp-data/raw data/carol.csv",
                 "Condition": {"StringEquals": {"aws:PrincipalTag/owner": "carol.white",
                                                "aws:SourceVpce": "vpce-1a2b", "aws:RequestedRegion": "eu-west-1",
                                                "aws:SourceAccount": "444455556666",
                                                "aws:PrincipalOrgID": "o-corp12345",
                                                "aws:PrincipalType": "AssumedRole"},
                               "Bool": {"aws:SecureTransport": "true"}}},
                {"Sid": "AllowX", "Effect": "Allow", "Action": "iam:PassRole",
                 "Resource": "arn:aws:iam::111122223333:role/Resource",
                 "Condition": {"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}}}]}}
    real["statement"] = real["policy"]["Statement"][1:]
    a = Anonymiser({"account": "111122223333", "groups": ["Statement"], "roles": ["Resource"], "profile": "prod-admin",
                    "buckets": ["corp-data"]})
    fix = anonymise_fix(real, a)
    text = json.dumps(fix)
    for secret in ("carol", "corp-data", "raw data", "vpce-1a2b", "444455556666", "111122223333", "prod-admin",
                   "CarolsGrant", "role/Resource", "o-corp12345"):
        assert secret not in text, secret
    first, grant = fix["policy"]["Statement"]
    assert first["Condition"]["StringEquals"]["aws:RequestedRegion"] == "eu-west-1"  # AWS's vocabulary stays
    assert first["Condition"]["StringEquals"]["aws:PrincipalType"] == "AssumedRole"
    assert first["Condition"]["Bool"] == {"aws:SecureTransport": "true"}
    assert grant["Sid"] == "AllowX" and fix["policy_name"] == "AllowX"  # the kit's own name stays
    assert fix["principal"] == "<group-1>" and grant["Resource"] == "arn:aws:iam::<account-id>:role/<role-1>"
    assert fix["statement"] == [grant]
    assert_forms_put_the_policy(fix)  # rendered from the anonymised values: still valid, still the same document


# Other kinds of fix (a boundary, a permission set, a stack-managed role): the scenario's name slot, each word.
OTHER_FIXES = [("boundary-without-passrole", "deployer"), ("identity-center", "permission_set"),
               ("cloudformation-managed-role", "stack")]


@pytest.mark.parametrize("scenario,slot", OTHER_FIXES, ids=[s for s, _ in OTHER_FIXES])
def test_other_kinds_of_fix_keep_the_neutral_fix(scenario, slot):
    def blocks(name: str) -> dict[str, list[str]]:
        files = _outputs({}, scenario, scenario_params={slot: name})
        assert_forms_put_the_policy(json.loads(files["findings.json"])["fix"])
        return fix_blocks(files)

    neutral = blocks("n-neutral")
    for word in ("Statement", "Resource", "data", "Policy", "test", "Properties"):
        assert blocks(word) == neutral, word


def test_a_key_policy_fix_hides_the_existing_key_policy():
    key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    existing = [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                 "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
                {"Sid": "AllowCarolWhiteAdmin", "Effect": "Allow",
                 "Principal": {"AWS": ["arn:aws:iam::111122223333:user/carol", "444455556666"]},
                 "Action": "kms:*", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5", "aws:SourceVpce": "vpce-0abc"}}}]
    grant = {"Sid": "AllowKmsDecrypt", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/etl"},
             "Action": "kms:Decrypt", "Resource": "*"}
    real = render_fix({"where": "key-policy", "principal_type": "key-policy", "principal": key,
                       "policy_name": "AllowKmsDecrypt", "statement": [grant],
                       "policy": {"Version": "2012-10-17", "Statement": [*existing, grant]}})
    a = Anonymiser({"account": "111122223333", "users": ["carol"], "roles": ["etl"],
                    "kms_keys": ["1234abcd-12ab-34cd-56ef-1234567890ab"]})
    fix = anonymise_fix(real, a)
    text = json.dumps(fix)
    for secret in ("111122223333", "444455556666", "carol", "Carol", "o-a1b2c3d4e5", "vpce-0abc", "1234abcd", "etl"):
        assert secret not in text, secret
    assert [st["Sid"] for st in fix["policy"]["Statement"]] == ["Enable IAM User Permissions", "<sid-1>",
                                                                "AllowKmsDecrypt"]
    assert fix["principal"] == "arn:aws:kms:eu-west-1:<account-id>:key/<kms-key-1>"
    assert_forms_put_the_policy(fix)
