"""The investigator's own missing permissions, with moto's IAM authentication switched on: one permission at a
time is left out of required-permissions.json; the affected step says so and the run completes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from moto.core import enable_iam_authentication

from glue_iam_kit.diagnosis.investigation import Investigation
from glue_iam_kit.sources.aws import AwsTarget, make_session
from glue_iam_kit.sources.base import open_target
from glue_iam_kit.sources.sandbox.target import _account_header

ROOT = Path(__file__).resolve().parents[2]


def _investigator(sandbox, without: str) -> AwsTarget:
    """An investigator user whose policy is required-permissions.json less *without*, and a target for it."""
    policy = json.loads((ROOT / "required-permissions.json").read_text())
    for st in policy["Statement"]:
        st["Action"] = [a for a in st["Action"] if a != without]
    iam = sandbox.session.client("iam")  # the scenario's own (unguarded) client: this is set-up, not investigation
    iam.create_user(UserName="investigator")
    iam.put_user_policy(UserName="investigator", PolicyName="kit", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="investigator")["AccessKey"]
    params = sandbox.scenario["parameters"]
    session = make_session(region=params["region"],
                           credentials=(key["AccessKeyId"], key["SecretAccessKey"], None))
    session.events.register("before-sign", _account_header(params["account_id"]))
    return AwsTarget(session, kind="aws", region=params["region"])


@pytest.mark.parametrize("missing,step", [
    ("iam:ListGroupsForUser", "groups"),
    ("iam:GetPolicyVersion", "groups"),
    ("iam:GetRole", "trust"),
    ("glue:GetJob", "job"),
])
def test_each_missing_permission_is_reported_and_the_run_goes_on(missing, step):
    with open_target("sandbox") as sandbox:
        target = _investigator(sandbox, missing)
        with enable_iam_authentication():
            inv = Investigation(target, error_text=sandbox.scenario["error_text"],
                                job=sandbox.scenario["parameters"]["job"])
            findings = {f.key: f for f in inv.run()}
    finding = findings[step]
    assert finding.status == "could not check", finding.summary
    assert f"AccessDenied on {missing} — grant it or use a snapshot" in finding.summary
    verdict = findings["verdict"]
    assert any(missing in u for u in verdict.details["unconfirmed"]), verdict.details["unconfirmed"]
    assert findings["simulate"].status in ("problem", "ok")  # the run went on to a decision


def test_with_every_permission_nothing_is_missing():
    with open_target("sandbox") as sandbox:
        target = _investigator(sandbox, without="")
        with enable_iam_authentication():
            inv = Investigation(target, error_text=sandbox.scenario["error_text"],
                                job=sandbox.scenario["parameters"]["job"])
            findings = inv.run()
    unconfirmed = findings[-1].details["unconfirmed"]
    assert all("SimulatePrincipalPolicy" in u or "not implemented" in u for u in unconfirmed) or not unconfirmed
    assert findings[-1].summary.startswith("verdict: explicit-deny, no-allow")


def test_a_denied_simulator_falls_back_to_the_local_evaluator():
    with open_target("sandbox") as sandbox:
        target = _investigator(sandbox, "iam:SimulatePrincipalPolicy")
        with enable_iam_authentication():
            inv = Investigation(target, error_text=sandbox.scenario["error_text"])
            finding = inv.step("simulate")
    assert "AccessDenied on iam:SimulatePrincipalPolicy" in finding.details["aws_note"]
    assert finding.details["decision"] == "explicitDeny"
