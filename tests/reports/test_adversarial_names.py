"""Names an adversarial tester tried after issue 20 (in process, fast): IAM's own punctuation in a role's name,
a role named after AWS's ``service-role`` path, ..."""

from __future__ import annotations

import json

from tests.reports.test_typed_outputs import NEUTRAL, normalised, outputs


def test_a_role_named_with_iams_punctuation_keeps_the_pasted_messages_cause():
    # IAM names may hold "+=,.@_-". The role's ARN (with a comma) was replaced whole in every string first, the
    # pasted error too, which then no longer parsed: its message was cut at "arn:aws:iam" and its cause lost.
    names = dict(NEUTRAL, role="etl+prod=x,y", user="carol.white@example.com")
    files, _ = outputs(**names)
    text = json.loads(files["findings.json"])["error"]["text"]
    assert text.startswith("(updateJob) User: arn:aws:iam::<account-id>:user/<human-user> is not authorized")
    assert "on resource: arn:aws:iam::<account-id>:role/<glue-runtime-role> because no identity-based policy" in text
    assert normalised(files) == normalised(outputs(**NEUTRAL)[0])


def test_a_role_named_service_role_leaves_awss_path_in_the_managed_policys_patterns():
    # AWSGlueConsoleFullAccess passes arn:aws:iam::*:role/service-role/AWSGlueServiceRole*: the lesson, AWS's
    # words; a role named "service-role" turned it into role/<glue-runtime-role>/AWSGlueServiceRole*.
    files, _ = outputs(**dict(NEUTRAL, role="service-role"))
    for name, text in files.items():
        if name != "investigation.ipynb":
            assert "role/<glue-runtime-role>/" not in text, name
            assert "role/service-role/AWSGlueServiceRole*" in text, name
    assert normalised(files) == normalised(outputs(**NEUTRAL)[0])


def test_a_stack_named_with_a_kit_word_is_anonymised_in_the_fix_record():
    # The fix's managed_by ("CloudFormation stack NAME") was anonymised as untyped text, where a name that is
    # also a kit word ("platform") stays: it leaked into findings.json, and the check (which skips kit words in
    # text) let it through.
    files, _ = outputs("cloudformation-managed-role", stack="platform")
    fix = json.loads(files["findings.json"])["fix"]
    assert fix["managed_by"] == "CloudFormation stack <stack-1>"
    assert normalised(files) == normalised(outputs("cloudformation-managed-role", stack="zq-stack")[0])


def test_the_survivor_check_reads_typed_fields_by_their_key_even_for_a_kit_word():
    from glue_iam_kit.reports.survivors import find_survivors

    ids = {"stacks": ["platform"], "groups": ["admin"]}
    leaked = json.dumps({"fix": {"managed_by": "CloudFormation stack platform"}, "via_group": "admin"})
    assert find_survivors(leaked, ids, "json") == ["admin", "platform"]
    prose = json.dumps({"summary": "the platform team's admin", "verdict": "allowed"})
    assert find_survivors(prose, ids, "json") == []  # the kit's own words in prose are no survivors
