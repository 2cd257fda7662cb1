"""The investigation: verdicts for every scenario, layers of cause, the fix and its what-if, apply_fix, read-only."""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.account import open_investigation
from glue_iam_kit.engine.marks import strip_marks
from glue_iam_kit.sources.aws import is_read_only
from glue_iam_kit.sources.sandbox import list_scenarios

SCENARIOS = {s["name"]: s for s in list_scenarios()}


def run_all_steps(inv, apply_fix=False):
    return inv.run(apply_fix=apply_fix)[-1]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_reaches_its_verdicts(name):
    inv = open_investigation("sandbox", scenario=name)
    try:
        verdict = run_all_steps(inv)
        assert [v["verdict"] for v in inv.verdicts] == SCENARIOS[name]["expected_verdicts"], verdict.summary
        # Investigation never calls a mutating AWS API.
        assert all(is_read_only(op.split(":", 1)[1]) for op in inv.target.operations), inv.target.operations
    finally:
        inv.finish()


def test_seed_incident_layers_nearest_allow_and_fix():
    inv = open_investigation("sandbox")
    try:
        run_all_steps(inv)
        assert [layer.final for layer in inv.layers] == ["explicitDeny", "implicitDeny"]
        assert "aws:MultiFactorAuthPresent" not in inv.layers[0].context
        explicit = next(v for v in inv.verdicts if v["verdict"] == "explicit-deny")
        assert (explicit["policy"], explicit["restriction"], explicit["via_group"]) == \
            ("RequireMFA", "mfa", "Developers")
        no_allow = next(v for v in inv.verdicts if v["verdict"] == "no-allow")
        nearest = no_allow["nearest_allows"][0]
        assert nearest["policy"] == "AWSGlueConsoleFullAccess"
        assert "does not match [arn:aws:iam::*:role/AWSGlueServiceRole*]" in strip_marks(nearest["why"])
        fix = inv.fix
        assert (fix["where"], fix["principal"]) == ("group", "GlueAccess")
        statement = fix["policy"]["Statement"][0]
        assert statement["Resource"] == "arn:aws:iam::111122223333:role/etl-runtime-role"
        assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}}
        assert strip_marks(fix["command"]).startswith("aws iam put-group-policy --group-name GlueAccess")
        assert [(w["after"], w["as_expected"]) for w in inv.what_if] == [
            ("allowed", True), ("implicitDeny", True), ("implicitDeny", True)]
    finally:
        inv.finish()


def test_apply_fix_puts_reads_back_and_resimulates():
    inv = open_investigation("sandbox", scenario="managed-policy-only")  # no MFA layer: the fix alone decides
    try:
        inv.step("trust")
        inv.step("simulate")
        inv.step("explicit-deny")
        inv.step("implicit-deny")
        before = list(inv.target.operations)
        finding = inv.step("verify", apply_fix=True)
        assert finding.status == "ok", finding.summary
        assert inv.verification == {"applied": True, "policy_printed": json.dumps(inv.fix["policy"]),
                                    "read_back_matches": True, "before": "implicitDeny", "after": "allowed"}
        mutating = [op for op in inv.target.operations[len(before):] if not is_read_only(op.split(":", 1)[1])]
        assert mutating == ["iam:PutGroupPolicy"]
    finally:
        inv.finish()


def test_unknown_user_is_a_clear_error(tmp_path):
    from glue_iam_kit.errors import NotFoundError
    from glue_iam_kit.files import write_json_atomic
    from glue_iam_kit.sources.base import open_target
    from glue_iam_kit.sources.snapshot import build_snapshot

    with open_target("sandbox") as t:
        write_json_atomic(str(tmp_path / "s.json"), build_snapshot(t))
    with pytest.raises(NotFoundError, match="user 'ghost' not found"):
        open_investigation("snapshot", snapshot_path=str(tmp_path / "s.json"), user="ghost")


def test_bad_error_text_is_a_finding_not_a_crash():
    inv = open_investigation("sandbox", error_text="Job failed: S3 bucket not found")
    try:
        header = inv.step("failure")
        assert header.status == "could not check" and "not an AccessDenied message" in header.summary
        assert run_all_steps(inv).summary == ("verdict: explicit-deny, no-allow — not confirmed: 1 step(s) could not "
                                              "be checked")
    finally:
        inv.finish()


def test_snapshot_target_decides_locally(tmp_path):
    from glue_iam_kit.files import write_json_atomic
    from glue_iam_kit.sources.base import open_target
    from glue_iam_kit.sources.snapshot import build_snapshot

    with open_target("sandbox") as t:
        write_json_atomic(str(tmp_path / "s.json"), build_snapshot(t))
        error = t.scenario["error_text"]
    inv = open_investigation("snapshot", snapshot_path=str(tmp_path / "s.json"), error_text=error,
                             job="nightly-sales-etl")
    try:
        assert run_all_steps(inv).summary == "verdict: explicit-deny, no-allow"
        assert sum(inv.target.calls.values()) == 0
    finally:
        inv.finish()


def _result(decision, role_arn):
    """The documented SimulatePrincipalPolicy result shape (IAM API reference, EvaluationResult)."""
    return {"EvalActionName": "iam:PassRole", "EvalResourceName": role_arn, "EvalDecision": decision,
            "MatchedStatements": [], "MissingContextValues": [],
            "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
            "PermissionsBoundaryDecisionDetail": {"AllowedByPermissionsBoundary": True}}


def test_aws_target_uses_the_simulator_as_authority(aws_target):
    """moto implements no simulator: botocore's Stubber, fed the documented shape, stands in for AWS."""
    from botocore.stub import ANY, Stubber

    from glue_iam_kit.diagnosis.investigation import Investigation

    inv = Investigation(aws_target, error_text=aws_target.scenario["error_text"], job="nightly-sales-etl")
    inv.principal  # noqa: B018 - read the policies first: the stub then answers the simulator calls only
    inv.evidence.scp_levels()
    role = "arn:aws:iam::123456789012:role/etl-runtime-role"
    iam = aws_target.client("iam")
    with Stubber(iam) as stub:
        stub.add_response("simulate_principal_policy", {"EvaluationResults": [_result("explicitDeny", role)],
                                                        "IsTruncated": False},
                          {"PolicySourceArn": "arn:aws:iam::123456789012:user/dev-user",
                           "ActionNames": ["iam:PassRole"], "ResourceArns": [role], "ContextEntries": ANY})
        for decision in ("implicitDeny", "allowed", "implicitDeny", "implicitDeny"):
            stub.add_response("simulate_principal_policy",
                              {"EvaluationResults": [_result(decision, role)], "IsTruncated": False}, None)
        first = inv.step("simulate")
        assert inv.layers[0].aws_decision == "explicitDeny" and first.details["local_decision"] == "explicitDeny"
        inv.step("explicit-deny")
        assert [layer.aws_decision for layer in inv.layers] == ["explicitDeny", "implicitDeny"]
        inv.step("implicit-deny")
        stub.assert_no_pending_responses()
    assert [w["after"] for w in inv.what_if] == ["allowed", "implicitDeny", "implicitDeny"]


def test_the_what_if_sends_the_proposed_policy(aws_target, monkeypatch):
    from glue_iam_kit.diagnosis.investigation import Investigation

    sent = []
    monkeypatch.setattr(aws_target, "simulate_principal_policy",
                        lambda **p: sent.append(p) or [_result("implicitDeny", p["ResourceArns"][0])])
    inv = Investigation(aws_target, error_text=aws_target.scenario["error_text"])
    for key in ("trust", "simulate", "explicit-deny", "implicit-deny"):
        inv.step(key)
    what_if = [p for p in sent if "PolicyInputList" in p]
    assert what_if and json.loads(what_if[0]["PolicyInputList"][0]) == inv.fix["policy"]
    entries = {e["ContextKeyName"]: e for e in sent[0]["ContextEntries"]}
    assert entries["iam:PassedToService"]["ContextKeyValues"] == ["glue.amazonaws.com"]
    assert "aws:MultiFactorAuthPresent" not in entries  # the first layer: long-term keys


def test_aws_simulator_unavailable_falls_back_to_local(aws_target):
    from glue_iam_kit.diagnosis.investigation import Investigation

    inv = Investigation(aws_target, error_text=aws_target.scenario["error_text"])
    finding = inv.step("simulate")
    # moto's server answers SimulatePrincipalPolicy with an error: the local evaluator decides, and says so.
    assert finding.details["aws_decision"] is None and "local evaluator decides" in finding.details["aws_note"]
    assert finding.details["decision"] == "explicitDeny"


def test_disagreement_is_a_finding(aws_target, monkeypatch):
    from glue_iam_kit.diagnosis.investigation import Investigation

    monkeypatch.setattr(aws_target, "simulate_principal_policy",
                        lambda **p: [{"EvalDecision": "allowed", "EvalActionName": "iam:PassRole"}])
    inv = Investigation(aws_target, error_text=aws_target.scenario["error_text"])
    finding = inv.step("simulate")
    assert finding.details.get("disagreement") and "a disagreement to look into" in finding.summary


def test_a_malformed_policy_is_a_clear_could_not_check(tmp_path):
    from glue_iam_kit.files import write_json_atomic
    from glue_iam_kit.sources.base import open_target
    from glue_iam_kit.sources.snapshot import build_snapshot

    with open_target("sandbox") as t:
        data = json.loads(json.dumps(build_snapshot(t), default=str))
    group = next(g for g in data["AuthorizationDetails"]["GroupDetailList"] if g["GroupPolicyList"])
    group["GroupPolicyList"][0]["PolicyDocument"]["Statement"][0]["Effect"] = "Perhaps"
    write_json_atomic(str(tmp_path / "s.json"), data)
    inv = open_investigation("snapshot", snapshot_path=str(tmp_path / "s.json"), user="dev-user",
                             role="etl-runtime-role")
    try:
        finding = inv.step("simulate")
        assert finding.status == "could not check"
        assert "policy 'RequireMFA' statement 1 (DenyAllExceptListedIfNoMFA): Effect must be" in finding.summary
        assert inv.step("verdict").details["unconfirmed"]
    finally:
        inv.finish()


@pytest.mark.parametrize("scenario,check", [
    ("boundary-without-passrole", lambda inv: inv.fix["where"] == "boundary"
     and inv.principal.principal_type == "role" and inv.layers[-1].decision.blocked_by == "boundary"),
    ("passrole-star", lambda inv: "Resource \"*\"" in inv.security[0]["why"]),
    ("other-service-allow", lambda inv: inv.verdicts[0]["nearest_allows"][0]["policy"] == "AllowPassToComputeServices"),
    ("source-ip", lambda inv: [layer.final for layer in inv.layers] == ["explicitDeny", "allowed"]
     and "aws:SourceIp=203.0.113.1" in inv.layers[1].label),
    ("scp-deny", lambda inv: inv.verdicts[0]["policy_type"] == "scp" and inv.verdicts[0]["restriction"] == "scp"),
    ("service-role-name", lambda inv: inv.layers[0].decision.deciding[0].source.name == "AWSGlueConsoleFullAccess"),
])
def test_scenario_details(scenario, check):
    inv = open_investigation("sandbox", scenario=scenario)
    try:
        run_all_steps(inv)
        assert check(inv), [f.summary for f in inv.findings]
    finally:
        inv.finish()
