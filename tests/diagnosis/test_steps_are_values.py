"""Steps are values: running a step twice, out of order, or after a skipped one gives the clean run's findings
(the verdicts, the fix, its what-if, the security findings, the simulations and every step that ran)."""

from __future__ import annotations

import random

import pytest

from glue_iam_kit.account import open_investigation
from glue_iam_kit.diagnosis.steps import STEPS
from glue_iam_kit.reports.anonymise import Anonymiser
from glue_iam_kit.sources.sandbox import scenario_names
from tests.diagnosis.test_golden import mask

KEYS = [s.key for s in STEPS]
COMPARED = ("verdicts", "fix", "what_if", "security", "simulations", "verification", "error", "rule")


def _findings(scenario: str, order: list[str]) -> dict:
    inv = open_investigation("sandbox", scenario=scenario)
    try:
        for key in order:
            inv.step(key)
        # anonymised as the reports are: moto makes up its ids per sandbox (Identity Center ARNs, user ids)
        data = mask(Anonymiser(inv.identifiers()).anonymise_object(inv.results()))
    finally:
        inv.target.close()
    return {**{k: data[k] for k in COMPARED}, "steps": {s["key"]: s for s in data["steps"]}}


@pytest.mark.parametrize("scenario", scenario_names())
def test_twice_out_of_order_or_skipped_gives_the_clean_run(scenario):
    clean = _findings(scenario, KEYS)
    rng = random.Random(scenario)
    shuffled = KEYS * 2
    rng.shuffle(shuffled)
    messy = _findings(scenario, shuffled)
    assert {k: messy[k] for k in COMPARED} == {k: clean[k] for k in COMPARED}
    assert messy["steps"] == clean["steps"]
    skipped = [k for k in KEYS if k != "explicit-deny"] + ["implicit-deny"]  # skip one, re-run another
    partial = _findings(scenario, skipped)
    assert {k: partial[k] for k in COMPARED} == {k: clean[k] for k in COMPARED}
    assert partial["steps"] == {k: v for k, v in clean["steps"].items() if k != "explicit-deny"}


def test_rerunning_the_implicit_deny_step_keeps_one_security_finding():
    inv = open_investigation("sandbox", scenario="passrole-star")
    try:
        inv.run()
        before = list(inv.security)
        inv.step("implicit-deny")
        inv.step("implicit-deny")
        assert inv.security == before and len(before) == 1
        assert inv.results()["security"] == before
    finally:
        inv.target.close()


def test_an_unexpected_failure_is_logged_with_its_traceback_and_the_debug_switch_raises(monkeypatch, caplog):
    from glue_iam_kit.diagnosis import investigation

    def broken(inv):
        raise ZeroDivisionError("boom")

    step = investigation.STEP_BY_KEY["trust"]
    monkeypatch.setitem(investigation.STEP_BY_KEY, "trust", type(step)(step.number, step.key, step.title, broken))
    inv = open_investigation("sandbox")
    try:
        with caplog.at_level("ERROR", logger="glue_iam_kit"):
            finding = inv.step("trust")
        assert finding.status == "could not check" and "unexpected ZeroDivisionError: boom" in finding.summary
        assert caplog.records and caplog.records[0].exc_info and "GLUE_IAM_KIT_DEBUG" in caplog.text
        monkeypatch.setenv("GLUE_IAM_KIT_DEBUG", "1")
        with pytest.raises(ZeroDivisionError):
            inv.step("trust")
    finally:
        inv.target.close()


def test_a_role_session_arn_is_investigated_on_the_sandbox():
    arn = "arn:aws:sts::111122223333:assumed-role/etl-runtime-role/nightly-run"
    inv = open_investigation("sandbox", user=arn)  # the scenario keeps its names; the session is the principal
    try:
        assert inv.principal.name == "etl-runtime-role" and inv.principal.session == "nightly-run"
        assert inv.step("user-policies").status == "ok"
    finally:
        inv.target.close()
