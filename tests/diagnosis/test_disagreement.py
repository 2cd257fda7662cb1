"""``evidence-disagrees``: the error claims a denial the evidence does not show, with ranked reasons; SCPs that
could not be read are a visible "could not check", never silence."""

from __future__ import annotations

import copy

import pytest

from glue_iam_kit.diagnosis.investigation import Investigation
from glue_iam_kit.sources.snapshot import SnapshotTarget
from tests.diagnosis.test_real_principals import ACCOUNT, ROLE, _doc, _role, _snapshot

ALLOW = _doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE})
CI = _role("ci", policies={"Pass": ALLOW})
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/run-1"


def _error(because: str) -> str:
    return (f"An error occurred (AccessDeniedException) when calling the UpdateJob operation: User: {SESSION} is "
            f"not authorized to perform: iam:PassRole on resource: {ROLE} {because}")


def _run(data: dict, error: str) -> Investigation:
    inv = Investigation(SnapshotTarget(copy.deepcopy(data)), error_text=error)
    inv.run()
    return inv


@pytest.mark.parametrize("because,reason", [
    ("with an explicit deny in a service control policy", "service control policy"),
    ("because no session policy allows the iam:PassRole action", "session policies"),
    ("because no identity-based policy allows the iam:PassRole action", "eventually consistent"),
])
def test_a_denial_the_evidence_does_not_show(because, reason):
    data = _snapshot(CI, [_role("etl-runtime")])
    del data["ServiceControlPolicies"]
    data.pop("CallerIdentity")  # a bare authorization-details file: SCPs unknown
    inv = _run(data, _error(because))
    verdicts = {v["verdict"]: v for v in inv.verdicts}
    assert "allowed" in verdicts and "evidence-disagrees" in verdicts
    assert any(reason in r for r in verdicts["evidence-disagrees"]["reasons"])
    assert "could not check" in inv.finding("simulate").summary  # unread SCPs are visible


def test_an_error_the_evidence_shows_is_no_disagreement():
    data = _snapshot(_role("ci"), [_role("etl-runtime")])
    inv = _run(data, _error("because no identity-based policy allows the iam:PassRole action"))
    assert [v["verdict"] for v in inv.verdicts] == ["no-allow"]
