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


def _investigation_page(scenario: str = "seed-incident", **names: str) -> dict[str, str]:
    """The investigation form's files, its page from a notebook whose outputs are the findings' own displays (what
    the executed notebook shows), in process."""
    from glue_iam_kit.account import open_investigation
    from glue_iam_kit.reports.bundle import render_outputs
    from glue_iam_kit.reports.finding import render_finding_html
    from tests.reports.test_typed_outputs import SCENARIO_PARAMS

    params = {k: names.pop(k) for k in list(names) if k in SCENARIO_PARAMS}
    inv = open_investigation("sandbox", scenario=scenario, scenario_params=params, **names)
    try:
        inv.run()
        cells = [{"id": f"c{i}", "cell_type": "code", "source": "", "metadata": {}, "execution_count": 1, "outputs": [
            {"output_type": "display_data", "metadata": {}, "data": {"text/html": render_finding_html(f)}}]}
            for i, f in enumerate(inv.findings)]
        notebook = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
        return render_outputs(notebook, inv.results(), inv.identifiers(), report="investigation")
    finally:
        inv.target.close()


def test_the_investigation_forms_page_replaces_names_that_are_the_kits_words():
    # The page of `--report investigation` is the executed notebook, anonymised as text, where a kit word is never
    # a name: reproduce commands (--user-name data, --group-name Policy), a verdict's details JSON
    # ("via_group": "IAM") and "the least-privilege change, on the group Policy" kept the real names.
    words = dict(user="data", role="Resource", job="test", glue_group="Policy", dev_group="IAM")
    got = normalised(_investigation_page(**words))["report.html"]
    assert got == normalised(_investigation_page(**NEUTRAL))["report.html"]
    assert "--user-name <human-user>" in got and "--group-name <group-N>" in got


def test_the_pages_trust_conditions_and_details_are_replaced_by_kind():
    # A trust condition (sts:ExternalId "test") or a verdict's details in a table cell, and the values of a
    # reproduce command, are marked on the notebook's page: its anonymised form replaces them by type.
    import pandas as pd

    from glue_iam_kit.model import Finding
    from glue_iam_kit.reports.anonymise import Anonymiser
    from glue_iam_kit.reports.bundle import visible_text
    from glue_iam_kit.reports.finding import render_finding_html

    condition = json.dumps({"StringEquals": {"sts:ExternalId": "test", "aws:SourceAccount": "111122223333"}},
                           separators=(",", ":"), sort_keys=True)
    finding = Finding(4, "trust", "Trust", "ok", "trusted", pd.DataFrame([
        {"principal": "glue.amazonaws.com", "condition": condition, "details": json.dumps({"via_group": "IAM"})}]),
        reproduce=["aws iam get-role --role-name Resource --profile admin"])
    page = render_finding_html(finding)
    assert condition in visible_text(page)  # the notebook shows the values as they are
    anonymous = visible_text(Anonymiser({"account": "111122223333", "role": "Resource", "groups": ["IAM"],
                                         "profile": "admin"}).anonymise_html(page))
    assert '"sts:ExternalId":"<value-1>"' in anonymous and '"aws:SourceAccount":"<account-id>"' in anonymous
    assert '"via_group": "<group-1>"' in anonymous
    assert "aws iam get-role --role-name <glue-runtime-role> --profile <production-profile>" in anonymous


def test_a_log_prefix_before_the_error_is_no_operation_kept_in_clear():
    # "NAME: AccessDeniedException: ..." reads NAME as the operation (the console writes "updateJob: ..."); a
    # logger or script name there ("carolwhite_deploy") was kept as it was in the quoted message and in
    # findings.json's operation. Only an operation botocore's models define stays.
    message = ("User: arn:aws:iam::111122223333:user/dev-user is not authorized to perform: iam:PassRole on resource: "
               "arn:aws:iam::111122223333:role/etl-runtime-role because no identity-based policy allows the "
               "iam:PassRole action")
    files, _ = outputs(error_text=f"carolwhite_deploy: AccessDeniedException: {message}", **NEUTRAL)
    for name, text in files.items():
        if name != "investigation.ipynb":
            assert "carolwhite" not in text.lower(), name
    error = json.loads(files["findings.json"])["error"]
    assert error["operation"] == "<text-1>" and error["text"].startswith("(<text-1>) User: arn:aws:iam::<account-id>")
    kept, _ = outputs(error_text=f"updateJob: AccessDeniedException: {message}", **NEUTRAL)
    assert json.loads(kept["findings.json"])["error"]["text"].startswith("(updateJob) User:")


def test_a_resource_named_without_an_arn_and_an_scps_arn():
    # "on resource: NAME" (no ARN) kept NAME in clear in the quoted message and findings' error.resource; an SCP's
    # ARN lost AWS's word service_control_policy to a placeholder.
    message = ("User: arn:aws:iam::111122223333:user/dev-user is not authorized to perform: iam:PassRole on resource: "
               "{resource} {cause}")
    files, _ = outputs(error_text=message.format(resource="carolwhite-role", cause="because no identity-based "
                                                 "policy allows the iam:PassRole action"), **NEUTRAL)
    for name, text in files.items():
        if name != "investigation.ipynb":
            assert "carolwhite" not in text, name
    scp = "arn:aws:organizations::999988887777:policy/o-carol12345/service_control_policy/p-carol1234"
    files, _ = outputs(error_text=message.format(resource="arn:aws:iam::111122223333:role/etl-runtime-role",
                                                 cause=f"with an explicit deny in a service control policy: {scp}"),
                       **NEUTRAL)
    assert "carol" not in files["findings.json"] and "999988887777" not in files["findings.json"]
    assert "/service_control_policy/" in json.loads(files["findings.json"])["error"]["text"]
