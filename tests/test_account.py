"""The Python API: ``glue_iam_kit.connect(...)`` and the account's methods, on the seed sandbox with any names."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import glue_iam_kit
from glue_iam_kit.account import PASS_COLUMNS
from glue_iam_kit.errors import KitError
from glue_iam_kit.frames import GROUP_COLUMNS, POLICY_COLUMNS, STATEMENT_COLUMNS, TRUST_COLUMNS

NAMES = {"user": "ana.b+1", "role": "etl_rt-2", "job": "nightly etl", "account_id": "210987654321"}


@pytest.fixture
def acct():
    with glue_iam_kit.connect(sandbox="seed-incident", **NAMES) as a:
        yield a


def test_importing_the_kit_stays_cheap():
    code = "import sys, glue_iam_kit; print(sorted(m for m in sys.modules if m.startswith(('pandas', 'boto'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_policies_name_both_group_policies_with_their_route(acct):
    frame = acct.policies(NAMES["user"])
    assert set(POLICY_COLUMNS) <= set(frame.columns)
    assert {"AWSGlueConsoleFullAccess", "RequireMFA"} <= set(frame.policy_name)
    assert set(frame.via) == {"group GlueAccess", "group Developers"}
    assert list(acct.groups(NAMES["user"]).columns) == GROUP_COLUMNS
    assert list(acct.statements(NAMES["user"]).columns) == STATEMENT_COLUMNS
    assert list(acct.trust(NAMES["role"]).columns) == TRUST_COLUMNS
    assert acct.glue_resource("job", NAMES["job"]).loc[0, "role_name"] == NAMES["role"]
    assert acct.scps().empty and "level" in acct.scps().columns  # columns present when empty


def test_simulate_in_the_requesters_context(acct):
    without = acct.simulate(NAMES["user"], "iam:PassRole", NAMES["role"])
    assert without.decision == "explicitDeny"
    assert "RequireMFA" in set(without.frame.policy)
    with_mfa = acct.simulate(NAMES["user"], "iam:PassRole", NAMES["role"], mfa=True)
    assert with_mfa.decision == "implicitDeny"
    assert not any(e["ContextKeyName"] == "aws:MultiFactorAuthPresent" for e in without.context)  # absent
    assert "simulate-principal-policy" in without.reproduce[0] and "_repr_html_" in dir(without)


def test_who_can_pass_lists_the_user_as_not_allowed(acct):
    frame = acct.who_can_pass(NAMES["role"])
    assert list(frame.columns) == PASS_COLUMNS
    row = frame[frame.principal == NAMES["user"]].iloc[0]
    assert row.decision != "allowed"
    assert NAMES["role"] in set(acct.passable_roles(NAMES["user"]).role)


def test_escalation_returns_the_commands_routes():
    from glue_iam_kit.matrix.escalation import ESCALATION_COLUMNS

    with glue_iam_kit.connect(sandbox="script-overwrite-route", user="ana.b+1", account_id="210987654321") as a:
        routes = a.escalation()
        assert list(routes.columns) == list(ESCALATION_COLUMNS)
        row = routes.iloc[0]
        assert (row.principal, row.route, row.actions) == ("arn:aws:iam::210987654321:user/ana.b+1", "script",
                                                           "s3:PutObject")
        assert row.gains > 0 and not row.mfa and routes.attrs["problems"] == []
        assert a.escalation() is not routes and a.escalation().equals(routes)  # computed once, a fresh frame


def test_escalation_when_there_is_none_keeps_its_columns(acct):
    from glue_iam_kit.matrix.escalation import ESCALATION_COLUMNS

    routes = acct.escalation()
    assert routes.empty and list(routes.columns) == list(ESCALATION_COLUMNS)


def test_investigate_in_process_and_write_the_reports(acct, tmp_path):
    result = acct.investigate()
    assert result.verdicts == ["explicit-deny", "no-allow"]
    assert result.fix["where"] == "group" and result.fix["policy"]
    assert len(result.steps) >= 9
    every = [c for s in result.steps for c in s.reproduce]
    assert f"aws iam list-groups-for-user --user-name {NAMES['user']}" in every
    assert f"aws iam get-role --role-name {NAMES['role']}" in every
    assert all(hasattr(s, "frame") and s.status and s.summary and s.key for s in result.steps)
    paths = result.write_reports(str(tmp_path))
    findings = json.loads((tmp_path / "findings.json").read_text())
    assert [v["verdict"] for v in findings["verdicts"]] == result.verdicts
    for name in ("report.md", "report.html", "findings.json"):
        text = (tmp_path / name).read_text()
        assert NAMES["user"] not in text and NAMES["account_id"] not in text, name
    assert set(paths) == {"investigation.ipynb", "report.html", "report.md", "findings.json"}


def test_one_target_only():
    with pytest.raises(KitError, match="one target"):
        glue_iam_kit.connect(sandbox="seed-incident", snapshot="x.json")
