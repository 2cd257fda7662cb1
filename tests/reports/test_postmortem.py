"""Every built-in scenario's postmortem, read for contradictions: the deciding layer, the fix's status, the
headline, the resolution and the timeline are one story (they all come from the incident model)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from glue_iam_kit.account import open_investigation
from glue_iam_kit.diagnosis.incident import NONE_POSSIBLE, NOT_NEEDED, PROPOSED
from glue_iam_kit.model import VERDICTS
from glue_iam_kit.reports.bundle import render_outputs
from glue_iam_kit.reports.page import render_postmortem_html
from glue_iam_kit.reports.postmortem import build_postmortem, render_postmortem_md
from glue_iam_kit.sources.sandbox import scenario_names

SEED_EVENT = "0f6c1a7e-0000-4000-8000-00000000c0de"


def _run(scenario: str, **parameters: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    inv = open_investigation("sandbox", scenario=scenario, **parameters)
    try:
        inv.run()
        inv.step("verdict")
        return inv.results(), inv.identifiers()
    finally:
        inv.target.close()


def _results(scenario: str, **parameters: Any) -> dict[str, Any]:
    return _run(scenario, **parameters)[0]


@pytest.fixture(scope="module")
def investigated() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return {name: _run(name) for name in scenario_names()}


@pytest.fixture(scope="module")
def every_scenario(investigated) -> dict[str, dict[str, Any]]:
    return {name: results for name, (results, _) in investigated.items()}


def _when(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def contradictions(results: dict[str, Any]) -> list[str]:
    """Every sentence of the postmortem that contradicts the deciding layer or the fix's status."""
    pm, md = build_postmortem(results), render_postmortem_md(results)
    inc = results["incident"]
    main = md.split("## Appendix")[0]
    status, denied = inc["fix_status"], inc["denied"]
    out = []
    head = pm.title + " " + pm.summary
    if not denied and ("could not" in head or "was denied" in head):
        out.append("a denial in the headline of an allowed request")
    if "None needed" in main and status != NOT_NEEDED:
        out.append(f"'None needed' beside a fix whose status is {status}")
    grant_words = ("Grant on the", "verified by a what-if", "Not applied by the kit", "Fix: ")
    if status in (NONE_POSSIBLE, NOT_NEEDED):
        out += [f"a fix claimed ({w!r}) where the status is {status}" for w in grant_words if w in main]
    if status == NONE_POSSIBLE and "No grant fixes" not in main:
        out.append("no fix possible, and the resolution does not say so")
    if status == PROPOSED and ("No grant fixes" in main or "None needed" in main):
        out.append("a proposed fix beside a resolution that says none")
    if "no grant can fix" in main and any(w in main for w in grant_words):
        out.append("'no grant can fix that' beside a grant")
    steps = {s["key"]: s for s in results["steps"]}
    if denied and "already allowed" in steps["verify"]["summary"]:
        out.append("step 9 says 'already allowed' for a denied request")
    if status == NONE_POSSIBLE and "Fix:" in steps["implicit-deny"]["summary"]:
        out.append("step 8 proposes a grant where none is possible")
    times = [t.replace(microsecond=0) for t in (_when(w) for w, _ in pm.timeline) if t]  # generated_at: seconds
    if times != sorted(times):
        out.append(f"timeline out of order: {pm.timeline}")
    if pm.verdicts != sorted(pm.verdicts, key=VERDICTS.index):
        out.append("the verdicts out of the procedure's order")
    return out


@pytest.mark.parametrize("name", scenario_names())
def test_no_postmortem_contradicts_itself(every_scenario, name):
    results = every_scenario[name]
    assert results["incident"]["decided_by"]["verdict"] in (*VERDICTS, "no verdict")
    assert contradictions(results) == []
    html = render_postmortem_html(results)
    assert 'id="decided"' in html


@pytest.mark.parametrize("name", scenario_names())
def test_the_anonymised_postmortem_is_written_with_its_fix_intact(investigated, name):
    results, identifiers = investigated[name]
    files = render_outputs('{"cells": []}', results, identifiers)  # raises when the fix differs or a name survives
    anonymous = json.loads(files["findings.json"])
    assert contradictions(anonymous) == []


def test_the_seed_incident_leads_with_the_missing_allow(every_scenario):
    results = every_scenario["seed-incident"]
    incident = results["incident"]
    assert incident["decided_by"]["verdict"] == "no-allow" and incident["decided_by"]["layer"] == 2
    assert "MFA session" in incident["decided_by"]["why"]
    pm = build_postmortem(results)
    assert pm.causes[0].startswith("Decided the reported request (layer 2): No identity policy allows")
    assert pm.causes[1].startswith("Also found: An explicit deny") and "RequireMFA" in pm.causes[1]
    assert "long-term keys" in pm.causes[1]
    assert pm.summary.index("No identity policy allows") < pm.summary.index("explicit-deny (for")


@pytest.mark.parametrize("name, decided, status", [
    ("seed-incident", "no-allow", PROPOSED),
    ("scp-deny", "explicit-deny", NONE_POSSIBLE),
    ("source-ip", "explicit-deny", NONE_POSSIBLE),
    ("role-not-found", "no-allow", NONE_POSSIBLE),
    ("trust-missing", "trust-missing-service", NONE_POSSIBLE),
    ("wrong-account", "wrong-account", NONE_POSSIBLE),
    ("fixed", "allowed", NOT_NEEDED),
    ("boundary-without-passrole", "no-allow", PROPOSED),
    # an existing grant to EC2 and Lambda is not the fix's doing: its what-if behaves as expected
    ("other-service-allow", "no-allow", PROPOSED),
])
def test_the_deciding_layer_and_the_fix_status(every_scenario, name, decided, status):
    incident = every_scenario[name]["incident"]
    assert (incident["decided_by"]["verdict"], incident["fix_status"]) == (decided, status)


@pytest.mark.parametrize("name, expected", [
    ("scp-deny", "SCP"),  # the action item is the SCP's, not the MFA runbook
    ("source-ip", "source network"),
    ("seed-incident", "MFA"),
])
def test_action_items_follow_the_restriction(every_scenario, name, expected):
    items = build_postmortem(every_scenario[name]).action_items
    assert any(expected in item for item in items)
    if name != "seed-incident":
        assert not any("MFA" in item for item in items)


def test_with_a_cloudtrail_event_the_timeline_is_in_time_order():
    results = _results("seed-incident", event_id=SEED_EVENT)
    pm = build_postmortem(results)
    whats = [what for _, what in pm.timeline]
    assert whats[0].startswith("the failure") and "CloudTrail event" in whats[0]  # 2026-11-30, before the job's
    assert whats[1].startswith("the job's last change (after the failure")  # moto dates the job now
    assert contradictions(results) == []
    assert results["incident"]["decided_by"]["layer"] == 1  # the event's context: an MFA session


def test_older_findings_without_the_incident_still_render(investigated):
    """findings@1 written before the incident model: derived again; a grant on a missing role (as older runs
    proposed) is kept, since it is in findings.json, and said not to fix the incident."""
    results, identifiers = investigated["role-not-found"]
    seed = investigated["seed-incident"][0]
    older = {k: v for k, v in results.items() if k != "incident"}
    older.update(fix=seed["fix"], what_if=seed["what_if"])
    files = render_outputs('{"cells": []}', older, identifiers)
    assert "no grant fixes this incident: create the role" in files["report.md"]
    assert "No grant fixes it" in build_postmortem(older).summary


def test_findings_with_nothing_in_them_still_make_a_postmortem():
    md = render_postmortem_md({"format": "glue-iam-kit/findings@1"})
    assert "no verdict reached" in md and "No grant fixes it: make the steps" in md



LOGGED = ("2026-11-29T08:01:13.456Z ERROR [deploy] glue update failed\n"
          "2026-11-29T08:01:13.457Z ERROR An error occurred (AccessDeniedException) when calling the UpdateJob "
          "operation: User: arn:aws:iam::111122223333:user/dev-user is not authorized to perform: iam:PassRole on "
          "resource: arn:aws:iam::111122223333:role/etl-runtime-role because no identity-based policy allows the "
          "iam:PassRole action")


def test_a_pasted_log_time_reaches_the_anonymised_report_in_order():
    """Anonymising drops the log lines, and with them the time: report.md keeps the incident's timeline as
    investigated (the one findings.json holds), not one derived again from the anonymised text."""
    results, identifiers = _run("seed-incident", error_text=LOGGED)
    files = render_outputs('{"cells": []}', results, identifiers)
    md = files["report.md"]
    timeline = md.split("## Timeline")[1].split("## Root cause")[0]
    assert "`2026-11-29T08:01:13+00:00` | `the failure" in timeline, timeline
    assert timeline.index("2026-11-29T08:01:13") < timeline.index("the job's last change")
    assert "not recorded" not in timeline
    assert json.loads(files["findings.json"])["incident"]["times"][0]["when"] == "2026-11-29T08:01:13+00:00"


def test_the_mfa_action_item_names_the_service_of_the_error():
    lam = LOGGED.split("ERROR ")[-1].replace("UpdateJob", "CreateFunction").replace("etl-runtime-role", "lambda-exec")
    items = build_postmortem(_results("seed-incident", error_text=lam)).action_items
    mfa = [i for i in items if "MFA" in i]
    assert mfa and "before Lambda work" in mfa[0] and "Glue" not in mfa[0]


@pytest.mark.parametrize("name", ["runtime-role-s3-read", "ci-oidc-role", "identity-center"])
def test_a_role_session_is_never_said_to_use_long_term_keys(every_scenario, name):
    why = every_scenario[name]["incident"]["decided_by"]["why"]
    assert "a role session" in why and "long-term keys" not in why


def test_a_grant_that_is_needed_but_not_enough_says_what_else():
    """A Lambda PassRole error on a role that trusts only Glue: the grant is proposed, and the summary says the
    trust policy must name Lambda too; the Glue job's scoped-role alternative is not offered for a Lambda role."""
    lam = LOGGED.split("ERROR ")[-1].replace("UpdateJob", "CreateFunction").replace("etl-runtime-role", "lambda-exec")
    results = _results("seed-incident", role="lambda-exec", error_text=lam)
    incident = results["incident"]
    assert "trust-missing-service" in [v["verdict"] for v in results["verdicts"]]
    assert incident["fix_status"] == PROPOSED and "lambda.amazonaws.com added to the role's trust" in incident["remedy"]
    summary = build_postmortem(results).summary
    assert "What lifts it: the grant, and lambda.amazonaws.com added" in summary
    assert "scoped_role" not in (results["fix"].get("review") or {})
    assert contradictions(results) == []


def test_the_summary_says_what_lifts_the_deciding_layer_once_in_plain_words():
    """The CLI event of the seed incident (long-term keys): the MFA deny decides; its 'lifted by' is not said a
    second time as 'What lifts it', and the failure reads 'an identity-based policy', as AWS words it."""
    results = _results("seed-incident", event_id="0f6c1a7e-0000-4000-8000-0000000000c1")
    summary = build_postmortem(results).summary
    assert results["incident"]["decided_by"]["verdict"] == "explicit-deny"
    assert summary.count("an MFA session: sign in with MFA") == 1 and "What lifts it" not in summary
    failure = next(s for s in results["steps"] if s["key"] == "failure")["summary"]
    assert failure.endswith("an explicit deny in an identity-based policy")
    assert contradictions(results) == []


def test_a_pasted_time_later_than_the_investigation_stays_in_order_and_is_flagged():
    """A local log time without a zone (read as UTC) can land after the investigation: the timeline stays in
    time order and says why the failure is dated after it."""
    future = LOGGED.replace("2026-11-29T08:01:13.457Z", "2999-01-01 09:00:00")
    results = _results("seed-incident", error_text=future.split("\n", 1)[1])
    pm = build_postmortem(results)
    whats = [what for _, what in pm.timeline]
    assert whats[-1].startswith("the failure") and "dated after the investigation" in whats[-1]
    assert contradictions(results) == []
