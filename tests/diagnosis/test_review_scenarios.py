"""The two training scenarios of the fix review (issue 22): an admin runtime role, and a script-overwrite route.
Each scenario file says what the review must find (``expected_review``); a trainee's escalation prediction is
graded on it."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from glue_iam_kit.account import open_investigation
from glue_iam_kit.jupyter.training import grade, record_prediction

SCENARIOS = ("admin-runtime-role", "script-overwrite-route")


def expected(name: str) -> dict:
    path = resources.files("glue_iam_kit.sources.sandbox") / "scenarios" / f"{name}.json"
    return json.loads(path.read_text())["expected_review"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_review_finds_what_the_scenario_says(name):
    want = expected(name)
    inv = open_investigation("sandbox", scenario=name)
    try:
        inv.run()
        review = inv.fix["review"]
        assert (review["escalation"], review["admin"]) == (want["escalation"], want["admin"])
        assert set(want.get("routes_include", [])) <= {r["route"] for r in review["routes"]}
    finally:
        inv.finish()


@pytest.mark.parametrize("name, said, right", [("admin-runtime-role", "yes", True),
                                               ("admin-runtime-role", "no", False),
                                               ("script-overwrite-route", "yes", True)])
def test_an_escalation_prediction_is_graded(name, said, right):
    inv = open_investigation("sandbox", scenario=name)
    try:
        for key in ("failure", "account", "user-policies", "groups", "trust", "job"):
            inv.step(key)
        record_prediction(inv, "no-allow", "", escalation=said)
        for key in ("simulate", "explicit-deny", "implicit-deny", "verify", "verdict"):
            inv.step(key)
        finding = grade(inv)
        rows = {r["what"]: r for r in finding.evidence.to_dict("records")}
        assert rows["escalation (security review)"]["right"] is right
        assert (finding.status == "ok") is right, finding.summary
        if not right:
            assert "security review found escalation" in finding.summary
    finally:
        inv.finish()
