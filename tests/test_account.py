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


# -- what an SRE trying the API in a notebook ran into (adversarial review of issue 23) ------------------------
PUA = ("\ue000", "\ue001", "\ue002")  # the anonymiser's marks (engine.marks): never shown to a person


def _shown(obj) -> str:
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        return obj.to_string() + obj.to_html() + json.dumps(obj.attrs, default=str, ensure_ascii=False)
    return obj if isinstance(obj, str) else json.dumps(obj, default=str, ensure_ascii=False)


def test_what_a_person_reads_of_an_investigation_carries_no_marks(acct, tmp_path):
    result = acct.investigate()
    shown = [repr(result), result._repr_html_(), result.summary(), result.fix, result.findings]
    for step in result.steps:
        shown += [step.summary, repr(step), step._repr_html_() or "", step.details, "\n".join(step.reproduce)]
        if step.frame is not None:
            shown.append(step.frame)
    shown.append(result.step("implicit-deny").frame)
    leaks = [_shown(s) for s in shown if any(c in _shown(s) for c in PUA)]
    assert not leaks, leaks[0][:300]
    why = " ".join(result.step("implicit-deny").frame.astype(str).to_numpy().ravel())
    assert f"role/{NAMES['role']} does not match" in why  # the value, as it is
    result.write_reports(str(tmp_path))  # the reports are still anonymised from the marked findings
    for name in ("report.md", "report.html", "findings.json"):
        text = (tmp_path / name).read_text()
        assert NAMES["role"] not in text and not any(c in text for c in PUA), name


def test_simulations_and_frames_carry_no_marks(acct):
    for mfa in (None, True, False):
        sim = acct.simulate(NAMES["user"], "iam:PassRole", NAMES["role"], mfa=mfa, source_ip="203.0.113.9")
        for shown in (sim.frame, sim.trace, sim.explanation, sim.context, repr(sim), sim._repr_html_()):
            assert not any(c in _shown(shown) for c in PUA)
    for frame in (acct.statements(NAMES["user"]), acct.who_can_pass(NAMES["role"]), acct.escalation()):
        assert not any(c in _shown(frame) for c in PUA)


def test_a_sandbox_replaced_by_a_second_connect_refuses_in_one_line():
    first = glue_iam_kit.connect(sandbox="seed-incident", user="ana")
    second = glue_iam_kit.connect(sandbox="passrole-star", user="bob")
    try:  # moto holds one state per process: the first would read the second's (or the network)
        with pytest.raises(KitError, match="another sandbox opened"):
            first.policies("ana")
        with pytest.raises(KitError, match="another sandbox opened"):
            first.investigate()
        assert repr(first).endswith("(closed)>")
        assert set(second.policies("bob").policy_name) == {"AWSGlueConsoleFullAccess", "PassAnyRole"}
    finally:
        second.close()
    with pytest.raises(KitError, match="this account is closed"):
        second.policies("bob")  # even what it read before
    second.close()  # closing twice is harmless


@pytest.mark.parametrize("call", [
    lambda a: a.trust("arn:aws:iam::999999999999:role/" + NAMES["role"]),
    lambda a: a.role("arn:aws:iam::999999999999:role/" + NAMES["role"]),
    lambda a: a.who_can_pass("arn:aws:iam::999999999999:role/" + NAMES["role"]),
    lambda a: a.trust(f"arn:aws:iam::{NAMES['account_id']}:role/other/path/{NAMES['role']}"),
    lambda a: a.policies("arn:aws:iam::999999999999:user/" + NAMES["user"]),
    lambda a: a.passable_roles("arn:aws:iam::999999999999:user/" + NAMES["user"]),
    lambda a: a.simulate("arn:aws:iam::999999999999:user/" + NAMES["user"], "iam:PassRole", NAMES["role"]),
    lambda a: a.simulate(NAMES["user"], "iam:PassRole", "arn:aws:iam::999999999999:role/" + NAMES["role"]),
], ids=["trust", "role", "who_can_pass", "path", "policies", "passable_roles", "simulate-principal", "simulate-role"])
def test_an_arn_of_another_account_is_not_answered_for_its_namesake(acct, call):
    with pytest.raises(KitError, match="is not one of this account's"):
        call(acct)


def test_unknown_names_get_one_clear_line(acct):
    with pytest.raises(KitError, match="role 'nope' not found"):
        acct.who_can_pass(f"arn:aws:iam::{NAMES['account_id']}:role/nope")  # an ARN too, not an empty frame
    with pytest.raises(KitError, match=f"is a role: pass its ARN .*role/{NAMES['role']}"):
        acct.policies(NAMES["role"])
    with pytest.raises(KitError, match="give a user name"):
        acct.simulate(None, "iam:PassRole", NAMES["role"])
    with pytest.raises(KitError, match="not service:Action"):
        acct.simulate(NAMES["user"], "PassRole", NAMES["role"])
    with pytest.raises(KitError, match=r"give the resource's ARN.*did you mean iam:PassRole"):
        acct.simulate(NAMES["user"], "iam:PasRole", NAMES["role"])
    sim = acct.simulate(NAMES["user"], "iam:PassRole", "nope")
    assert any("role 'nope' not found" in n for n in sim.notes)
    assert "glue:CreateJob" not in " ".join(acct.simulate(NAMES["user"], "glue:CreateJob", "*").notes)


def test_connect_says_what_is_wrong_before_the_first_question(monkeypatch, tmp_path):
    with pytest.raises(KitError, match="region= alone chooses no target"):
        glue_iam_kit.connect(region="eu-west-1")
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(KitError, match=r"no AWS credentials found.*connect\(profile=\.\.\.\)"):
        glue_iam_kit.connect(aws=True, region="eu-west-1")
    with pytest.raises(KitError, match="not found"):
        glue_iam_kit.connect(snapshot=str(tmp_path / "missing.json"))


def test_each_investigation_counts_its_own_aws_calls(acct):
    first = acct.investigate()
    acct.policies(NAMES["user"]), acct.who_can_pass(NAMES["role"])
    second = acct.investigate()
    assert second.findings["aws_calls"] == first.findings["aws_calls"] and first.findings["aws_calls"]


def test_a_user_arn_of_another_account_is_the_wrong_account(tmp_path):
    from glue_iam_kit.sources.snapshot import build_snapshot

    with glue_iam_kit.connect(sandbox="seed-incident", **NAMES) as a:
        (tmp_path / "snap.json").write_text(json.dumps(build_snapshot(a.target), default=str))
    with glue_iam_kit.connect(snapshot=str(tmp_path / "snap.json")) as offline:
        result = offline.investigate(user=f"arn:aws:iam::999999999999:user/{NAMES['user']}", job=NAMES["job"])
        assert result.verdicts[0] == "wrong-account"
        assert "the ARN given names 999999999999" in result.step("account").summary
        assert offline.investigate(user=NAMES["user"], job=NAMES["job"]).verdicts == ["explicit-deny", "no-allow"]


def test_a_glue_name_holding_the_marks_code_points_reads_plainly_and_stays_anonymised(tmp_path):
    job = "ev\ue001il job"  # Glue's name pattern allows private-use characters
    with glue_iam_kit.connect(sandbox="seed-incident", user="qzx9", role="rrr", job=job) as a:
        result = a.investigate()
        assert result.step("job").summary == "job evil job uses rrr"  # not "jobevil job": no kind word in the name
        result.write_reports(str(tmp_path))
    for name in ("report.md", "report.html", "findings.json"):
        text = (tmp_path / name).read_text()
        assert job not in text and "evil job" not in text and "qzx9" not in text, name


def test_reports_into_a_file_path_are_one_clear_line(acct, tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(KitError, match="it is a file, not a folder"):
        acct.investigate().write_reports(str(tmp_path / "taken"))


def test_simulate_context_is_typed_and_never_silently_overridden(acct):
    u, r = NAMES["user"], NAMES["role"]
    for kwargs, message in [({"mfa": True, "context": {"aws:MultiFactorAuthPresent": False}}, "given twice, by mfa="),
                            ({"source_ip": "10.0.0.1", "context": {"aws:SourceIp": "10.0.0.2"}}, "by source_ip="),
                            ({"service": "glue.amazonaws.com", "context": {"iam:PassedToService": "x"}}, "by service="),
                            ({"context": ["aws:SourceIp"]}, "context must map condition keys"),
                            ({"context": {"aws:SourceIp": "nope"}}, r"'aws:SourceIp' \(ip\)")]:
        with pytest.raises(KitError, match=message):
            acct.simulate(u, "iam:PassRole", r, **kwargs)
    sim = acct.simulate(u, "iam:PassRole", r,
                        context={"aws:MultiFactorAuthPresent": "true", "aws:SourceIp": "10.0.0.9"})
    typed = {e["ContextKeyName"]: e["ContextKeyType"] for e in sim.context}
    assert typed["aws:MultiFactorAuthPresent"] == "boolean" and typed["aws:SourceIp"] == "ip"
    assert sim.decision == "implicitDeny"  # the MFA session, given as text, satisfies RequireMFA
    assert "ContextKeyName=aws:SourceIp,ContextKeyValues=10.0.0.9,ContextKeyType=ip" in sim.reproduce[0]


def test_a_user_arn_with_a_path_builds_that_user_and_is_answered():
    arn = "arn:aws:iam::210987654321:user/team/a/ana"
    with glue_iam_kit.connect(sandbox="seed-incident", user=arn) as a:
        assert {"AWSGlueConsoleFullAccess", "RequireMFA"} <= set(a.policies(arn).policy_name)
        assert a.simulate(arn, "iam:PassRole", "etl-runtime-role").decision == "explicitDeny"
        result = a.investigate()
        assert result.verdicts == ["explicit-deny", "no-allow"] and arn in result.step("failure").summary
