"""Every step's ``reproduce`` commands: the AWS CLI commands a person runs to see the same evidence. Each one is
checked against botocore's service models: the operation exists and every ``--option`` is a member of its input
shape (the AWS CLI's kebab-case of the member names), or one of the CLI's global options."""

from __future__ import annotations

import shlex
from functools import cache

import botocore.session
import pytest
from botocore import xform_name

from glue_iam_kit.account import open_investigation
from glue_iam_kit.diagnosis.reproduce import GLOBAL_OPTIONS, render_simulate_command
from glue_iam_kit.engine.context import RequestContext, context_value
from glue_iam_kit.sources.sandbox import scenario_names

CLI_TO_BOTOCORE = {"s3api": "s3"}  # the CLI's low-level S3 commands; every other name is botocore's


@cache
def _model(service: str):
    return botocore.session.get_session().get_service_model(CLI_TO_BOTOCORE.get(service, service))


def check_command(command: str) -> None:
    words = shlex.split(command)
    assert words[:1] == ["aws"], command
    service, operation = words[1], words[2]
    model = _model(service)
    by_cli = {xform_name(op, "-"): op for op in model.operation_names}
    assert operation in by_cli, f"{service} has no operation {operation}: {command}"
    shape = model.operation_model(by_cli[operation]).input_shape
    members = {xform_name(m, "-") for m in (shape.members if shape else {})}
    for word in words[3:]:
        if word.startswith("--"):
            assert word in GLOBAL_OPTIONS or word[2:] in members, f"{service} {operation} has no {word}: {command}"
    assert not any(operation.startswith(p) for p in ("put-", "create-", "delete-", "attach-", "update-")), command


def _commands(scenario: str, **params) -> dict[str, list[str]]:
    inv = open_investigation("sandbox", scenario=scenario, **params)
    try:
        inv.run()
        inv.step("grade")
        return {f.key: f.reproduce for f in inv.findings}
    finally:
        inv.target.close()


@pytest.mark.parametrize("scenario", scenario_names())
def test_every_command_of_every_scenario_is_an_aws_cli_command(scenario):
    commands = _commands(scenario, profile="prod-readonly")
    assert commands["account"] == ["aws sts get-caller-identity --profile prod-readonly"]
    for cmds in commands.values():
        for command in cmds:
            check_command(command)
            assert command.endswith("--profile prod-readonly"), command


def test_the_write_ups_commands_with_the_users_real_names():
    commands = _commands("seed-incident", user="alice", role="etl-runtime", job="nightly")
    flat = "\n".join(c for cmds in commands.values() for c in cmds)
    for expected in ("aws sts get-caller-identity", "aws iam list-attached-user-policies --user-name alice",
                     "aws iam list-user-policies --user-name alice", "aws iam list-groups-for-user --user-name alice",
                     "aws iam get-role --role-name etl-runtime", "aws glue get-job --job-name nightly",
                     "aws iam get-group-policy --group-name GlueAccess --policy-name"):
        assert expected in flat, expected
    first, *_ = [c for c in commands["simulate"] if "simulate-principal-policy" in c]
    # long-term keys: the MFA key absent; with it satisfied (step 7): set to true
    assert "iam:PassedToService,ContextKeyValues=glue.amazonaws.com,ContextKeyType=string" in first
    assert "aws:MultiFactorAuthPresent" not in first
    assert "ContextKeyName=aws:MultiFactorAuthPresent,ContextKeyValues=true,ContextKeyType=boolean" in \
        commands["explicit-deny"][0]
    assert "--policy-input-list" in commands["implicit-deny"][0]  # the what-if: the fix as an extra policy
    assert commands["grade"] == [c for k in ("failure", "account", "user-policies", "groups", "trust", "job",
                                             "simulate", "explicit-deny", "implicit-deny", "verify")
                                 for c in commands[k]]


def test_values_without_a_shorthand_become_json_and_quote_safely():
    ctx = RequestContext([context_value("aws:PrincipalTag/team", "data, platform"),
                          context_value("aws:SourceIp", "203.0.113.7", "ip")])
    command = render_simulate_command("arn:aws:iam::123456789012:user/a", "iam:PassRole",
                                      "arn:aws:iam::123456789012:role/r", ctx, profile="p q")
    check_command(command)
    words = shlex.split(command)
    entries = words[words.index("--context-entries") + 1]
    assert entries.startswith("[") and "data, platform" in entries
    assert words[-2:] == ["--profile", "p q"]


@pytest.mark.parametrize("scenario,event_id", [("seed-incident", "0f6c1a7e-0000-4000-8000-0000000000c1"),
                                               ("source-ip", "5a1b2c3d-0000-4000-8000-0000000000ff")])
def test_an_events_investigation_reproduces_the_lookup_and_its_real_context(scenario, event_id):
    commands = _commands(scenario, event_id=event_id)
    assert commands["failure"] == [f"aws cloudtrail lookup-events --lookup-attributes "
                                   f"AttributeKey=EventId,AttributeValue={event_id} --region "
                                   f"{shlex.split(commands['failure'][0])[-1]}"]
    for cmds in commands.values():
        for command in cmds:
            check_command(command)
    if scenario == "source-ip":  # the event's source IP is in the simulated context, as AWS would see it
        assert "ContextKeyName=aws:SourceIp" in commands["simulate"][-1]


def test_resource_policy_reads_are_aws_cli_commands():
    from glue_iam_kit.diagnosis.reproduce import render_command

    for command in (render_command("kms", "get-key-policy", [("--key-id", "1234abcd"), ("--policy-name", "default")],
                                   region="eu-west-1"),
                    render_command("s3api", "get-bucket-policy", [("--bucket", "b")], profile="p"),
                    render_command("organizations", "list-policies-for-target",
                                   [("--target-id", "111122223333"), ("--filter", "SERVICE_CONTROL_POLICY")]),
                    render_command("sso-admin", "list-instances", region="eu-west-1")):
        check_command(command)
