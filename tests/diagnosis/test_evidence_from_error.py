"""The service and the Glue resource come from the evidence: the error's operation names the service the role is
passed to; a tool's error (Go SDK, Terraform, CloudFormation) names the resource, or the target holds only one;
a timestamp in the pasted text enters the timeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from glue_iam_kit.account import open_investigation
from glue_iam_kit.diagnosis.errortext import named_resource
from glue_iam_kit.errors import KitError
from glue_iam_kit.files import write_json_atomic
from glue_iam_kit.reports.anonymise import Anonymiser
from glue_iam_kit.reports.postmortem import build_postmortem, render_postmortem_md
from glue_iam_kit.sources.base import open_target
from glue_iam_kit.sources.snapshot import build_snapshot

ACCOUNT = "111122223333"


def denied(user: str, role: str, prefix: str = "") -> str:
    return (f"{prefix}User: arn:aws:iam::{ACCOUNT}:user/{user} is not authorized to perform: iam:PassRole on "
            f"resource: arn:aws:iam::{ACCOUNT}:role/{role} because no identity-based policy allows the "
            "iam:PassRole action")


def _run(**parameters: Any) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    inv = open_investigation(**parameters)
    try:
        inv.run()
        inv.step("verdict")
        return inv, inv.results(), inv.identifiers()
    finally:
        inv.target.close()


@pytest.mark.parametrize("operation, service, name", [
    ("CreateFunction", "lambda.amazonaws.com", "Lambda"),
    ("RegisterTaskDefinition", "ecs-tasks.amazonaws.com", "ECS"),
    ("CreateTrainingJob", "sagemaker.amazonaws.com", "SageMaker"),
])
def test_a_passrole_error_for_another_service_is_investigated_for_it(operation, service, name):
    text = denied("dev-user", "lambda-exec",
                  f"An error occurred (AccessDeniedException) when calling the {operation} operation: ")
    inv, results, ids = _run(target="sandbox", scenario="managed-policy-only", role="lambda-exec", error_text=text)
    assert results["fix"]["policy"]["Statement"][0]["Condition"] == {"StringEquals": {"iam:PassedToService": service}}
    assert inv.finding("trust").summary.startswith(f"the trust policy of lambda-exec does not let {service}")
    assert inv.finding("job").summary.startswith(f"not a Glue call: the role is passed to {service}")
    md = render_postmortem_md(Anonymiser(ids).anonymise_object(results))
    assert f"could not pass a {name} runtime role" in md and "<glue-runtime-role>" not in md
    assert "role/<passed-role>" in md and "only to glue.amazonaws.com" not in md


def test_an_operation_the_kit_cannot_place_is_refused_in_one_line():
    text = denied("dev-user", "build-role", "An error occurred (AccessDeniedException) when calling the "
                                            "CreateProject operation: ")
    with pytest.raises(KitError, match="several AWS services that take a role") as exc:
        open_investigation("sandbox", scenario="managed-policy-only", error_text=text)
    assert "\n" not in str(exc.value)


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for key, scenario, names in (("crawler", "crawler-update", {}), ("job", "managed-policy-only",
                                                                     {"job": "nightly"})):
        path = tmp_path_factory.mktemp(key) / "snapshot.json"
        with open_target("sandbox", scenario=scenario, **names) as t:
            write_json_atomic(str(path), build_snapshot(t))
        out[key] = path
    return out


GO = "operation error Glue: UpdateCrawler, https response error StatusCode: 400, RequestID: 1a2b3c, " \
     "AccessDeniedException: "
TF = "Error: updating Glue Job (nightly): AccessDeniedException: "
TF_ADDRESS = "Error: AccessDeniedException: {}\n\n  with aws_glue_job.nightly,\n  on main.tf line 12"
CFN = "NightlyJob UPDATE_FAILED AWS::Glue::Job Resource handler returned message: \"{}\""


@pytest.mark.parametrize("snapshot, text, step5", [
    ("crawler", GO + denied("data-engineer", "crawler-runtime"),
     "crawler {name} (the only crawler in the snapshot target) uses crawler-runtime"),
    ("job", TF + denied("dev-user", "etl-runtime-role"),
     "job nightly (named by Terraform's 'updating Glue Job (nightly)') uses etl-runtime-role"),
    ("job", TF_ADDRESS.format(denied("dev-user", "etl-runtime-role")),
     "job nightly (named by the Terraform address aws_glue_job.nightly) uses etl-runtime-role"),
    ("job", CFN.format(denied("dev-user", "etl-runtime-role")),
     "job nightly (the only job in the snapshot target (the CloudFormation logical id NightlyJob names no job "
     "there)) uses etl-runtime-role"),
])
def test_the_glue_resource_comes_from_the_error_and_the_snapshot(snapshots, snapshot, text, step5):
    inv, _, _ = _run(target="snapshot", snapshot_path=str(snapshots[snapshot]), error_text=text)
    crawlers = json.loads(snapshots[snapshot].read_text()).get("Crawlers") or [{}]
    assert inv.finding("job").summary == step5.format(name=crawlers[0].get("Name"))
    assert inv.finding("job").status == "ok"


@pytest.mark.parametrize("text, kind, name, exact", [
    ("Error: creating Glue Crawler (sales): AccessDeniedException", "crawler", "sales", True),
    ("with aws_glue_dev_endpoint.notebook,", "dev-endpoint", "notebook", False),
    ("Ingest CREATE_FAILED AWS::Glue::MLTransform Resource handler", "ml-transform", "Ingest", False),
    ("Resource handler returned message (AWS::Glue::Job)", "job", "", False),
])
def test_a_tool_names_the_glue_resource(text, kind, name, exact):
    found = named_resource(text)
    assert (found.entry_point, found.name, found.exact) == (kind, name, exact)


def test_a_timestamp_in_the_pasted_error_enters_the_timeline():
    text = "2026-11-30T09:14:02Z Failed to update job\nupdateJob: AccessDeniedException:\n" + \
        denied("dev-user", "etl-runtime-role")
    _, results, _ = _run(target="sandbox", scenario="seed-incident", error_text=text)
    timeline = build_postmortem(results).timeline
    assert timeline[0][0] == "2026-11-30T09:14:02+00:00" and "the time in the pasted error" in timeline[0][1]


@pytest.mark.parametrize("operation, entry_point, service", [
    ("UpdateCrawler", "crawler", "glue.amazonaws.com"),
    ("CreateFunction", "job", "lambda.amazonaws.com"),  # the job: the scenario's default, not read (not Glue's)
])
def test_a_cloudtrail_event_s_operation_names_the_entry_point_and_the_service(operation, entry_point, service):
    from glue_iam_kit.diagnosis.investigation import Investigation
    from glue_iam_kit.sources.cloudtrail import DeniedEvent

    message = denied("data-engineer", "crawler-runtime")
    event = DeniedEvent("e-1", "2026-11-30T09:14:02Z", operation, "AccessDeniedException", message,
                        f"arn:aws:iam::{ACCOUNT}:user/data-engineer", "IAMUser", "", "203.0.113.10", "aws-cli",
                        "eu-west-1", "")
    with open_target("sandbox", scenario="seed-incident") as t:  # its default entry point: a job
        ev = Investigation(t, error_text=message, event=event).evidence
        assert (ev.entry_point.name, ev.service, ev.glue_call) == (entry_point, service, operation != "CreateFunction")
