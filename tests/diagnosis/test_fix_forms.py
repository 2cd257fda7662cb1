"""The fix record and its forms (glue_iam_kit.diagnosis.fix, fix_forms): in every built-in scenario with a fix,
the document inside ``fix.command`` and each IaC form is ``fix.policy`` (the whole document, merged where the
call replaces one), the forms validate (cfn-lint, HCL2, botocore's models); an S3 key with a space, quotes or
``$`` keeps its exact ARN and a command a shell reads back."""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.diagnosis.fix import render_fix
from glue_iam_kit.diagnosis.investigation import open_investigation
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
