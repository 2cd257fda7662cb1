"""CloudTrail as the record of what failed: events from the sandbox, a snapshot and (Stubber-tested) the aws
target; `denials` lists them; `investigate --event-id` takes the event's message, principal and real context."""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.account import open_investigation
from glue_iam_kit.cli import main
from glue_iam_kit.files import write_json_atomic
from glue_iam_kit.sources.base import open_target
from glue_iam_kit.sources.cloudtrail import denials, parse_event, parse_since
from glue_iam_kit.sources.snapshot import build_snapshot

CONSOLE_MFA = "0f6c1a7e-0000-4000-8000-00000000c0de"
CLI_KEYS = "0f6c1a7e-0000-4000-8000-0000000000c1"
OUTSIDE = "5a1b2c3d-0000-4000-8000-0000000000ff"


@pytest.mark.parametrize("scenario,event_id", [
    ("seed-incident", CONSOLE_MFA),  # the console with MFA: only the missing allow
    ("seed-incident", CLI_KEYS),  # the CLI with long-term keys: the MFA deny, then the missing allow
    ("source-ip", OUTSIDE),  # from outside the office network
])
def test_the_event_decides_the_first_layer(scenario, event_id):
    with open_target("sandbox", scenario=scenario) as t:
        want = next(json.loads(e["CloudTrailEvent"])["expected_verdicts"] for e in t.cloudtrail_events(None)
                    if e["EventId"] == event_id)
    inv = open_investigation("sandbox", scenario=scenario, event_id=event_id)
    try:
        inv.run()
        assert [v["verdict"] for v in inv.verdicts] == want
        assert "CloudTrail event's context" in inv.layers[0].label
        assert inv.results()["event"]["event_id"] == event_id
    finally:
        inv.target.close()


def test_denials_from_the_sandbox_and_a_snapshot(tmp_path, capsys):
    assert main(["denials", "--sandbox", "seed-incident", "--json", "--action", "iam:PassRole"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["event_id"] for r in rows] == [CLI_KEYS, CONSOLE_MFA]  # newest first
    assert rows[0]["mfa"] == "absent" and rows[1]["mfa"] == "true" and rows[0]["action"] == "iam:PassRole"
    with open_target("sandbox") as t:
        data = build_snapshot(t)
    assert len(data["CloudTrailEvents"]) == 2  # as `aws cloudtrail lookup-events` prints them
    write_json_atomic(tmp_path / "s.json", data)
    assert main(["investigate", "--snapshot", str(tmp_path / "s.json"), "--event-id", CLI_KEYS, "--job",
                 "nightly-sales-etl", "--out", str(tmp_path / "out"), "-q"]) == 0
    findings = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert [v["verdict"] for v in findings["verdicts"]] == ["explicit-deny", "no-allow"]
    text = (tmp_path / "out" / "report.md").read_text()
    findings_text = (tmp_path / "out" / "findings.json").read_text()
    assert "198.51.100.20" not in text and "AKIAEXAMPLELONGTERM1" not in findings_text
    assert "2026-11-30T09:31:47Z" in text  # the timeline carries the event time


def test_the_aws_target_looks_events_up_read_only_and_paged():
    from botocore.stub import ANY, Stubber

    from glue_iam_kit.sources.aws import AwsTarget, make_session

    target = AwsTarget(make_session(region="eu-west-1", credentials=("testing", "testing", None)))
    record = {"eventID": "e1", "eventTime": "2026-11-30T09:00:00Z", "eventName": "UpdateJob",
              "errorCode": "AccessDeniedException", "errorMessage": "User: arn:aws:iam::111122223333:user/u is not "
              "authorized to perform: iam:PassRole on resource: arn:aws:iam::111122223333:role/r",
              "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/u"}}
    entry = {"EventId": "e1", "EventName": "UpdateJob", "CloudTrailEvent": json.dumps(record)}
    client = target.client("cloudtrail")
    with Stubber(client) as stub:
        params = {"LookupAttributes": ANY, "StartTime": ANY, "EndTime": ANY, "MaxResults": 50}
        stub.add_response("lookup_events", {"Events": [entry], "NextToken": "t"}, params)
        stub.add_response("lookup_events", {"Events": []}, {**params, "NextToken": "t"})
        stub.add_response("lookup_events", {"Events": []}, params)
        events = target.cloudtrail_events(parse_since("24h"))
        stub.assert_no_pending_responses()
    assert [e.event_id for e in denials(events)] == ["e1"]
    assert parse_event(events[0]).mfa_mode == "absent"


def test_since_is_checked():
    with pytest.raises(Exception, match="--since takes a number and a unit"):
        parse_since("yesterday")


@pytest.mark.parametrize("user,app", [("aws", "cli"), ("glue", "x"), ("o.brien+etl", "deploy.o.brien"),
                                      ("user-1", "nightly")])
def test_event_fields_are_anonymised_with_adversarial_names(tmp_path, user, app):
    """Access key ids, source IPs, session names and an app id in the user agent never survive anonymisation."""
    from dataclasses import replace

    from glue_iam_kit.reports.anonymise import Anonymiser

    inv = open_investigation("sandbox", scenario="seed-incident", user=user, event_id=CLI_KEYS)
    try:
        inv.run()
        ev = inv.evidence
        ev.event = replace(ev.event, user_agent=f"Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux app/{app} "
                                                f"exec-env/AWS_ECS_FARGATE cfg/retry-mode#standard {user}")
        results, identifiers = inv.results(), inv.identifiers()
    finally:
        inv.target.close()
    text = json.dumps(Anonymiser(identifiers).anonymise_object(results))
    event = json.loads(text)["event"]
    for secret in (event["source_ip"], event["access_key_id"]):
        assert secret.startswith("<"), secret
    assert f"app/{app} " not in event["user_agent"] and f" {user}" not in event["user_agent"].split("linux", 1)[1]
    assert "Boto3/1.35.0" in event["user_agent"]  # the SDK and its version: the lesson, not a secret
