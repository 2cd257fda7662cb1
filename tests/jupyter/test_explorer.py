"""The explorer's behaviour, driven without a browser (the e2e test drives it in JupyterLab)."""

from __future__ import annotations

import pytest

from glue_iam_kit.jupyter.explorer import Explorer


@pytest.fixture
def explorer():
    e = Explorer()
    yield e
    e.close()


def test_seed_incident_decisions_follow_the_toggles(explorer):
    assert explorer.principal.value.endswith(":user/dev-user")
    assert explorer.role.value.endswith(":role/etl-runtime-role")
    assert explorer.shown_decision == "explicitDeny"
    explorer.mfa.value = "present"
    assert explorer.shown_decision == "implicitDeny"
    assert "AWSGlueConsoleFullAccess" in explorer.nearest.value
    assert "Security review: ESCALATION" in explorer.review.value  # the role may do what the user may not
    explorer.fix_button.click()
    assert explorer.shown_decision == "allowed" and "allowed" in explorer.fix_result.value
    explorer.mfa.value = "false"
    assert explorer.shown_decision == "explicitDeny"


def test_the_service_and_the_source_ip(explorer):
    explorer.mfa.value = "present"
    explorer.service.value = "ec2.amazonaws.com"
    explorer.fix_button.click()
    assert explorer.shown_decision == "allowed"  # the fix for *this* choice: pass to ec2
    explorer.source_ip.value = "not-an-ip"
    assert "could not check" in explorer.trace.value


def test_another_scenario_loads(explorer):
    explorer.scenario.value = "source-ip"
    explorer.load()
    assert explorer.shown_decision == "explicitDeny"
    explorer.source_ip.value = "203.0.113.7"
    assert explorer.shown_decision == "allowed"


def test_a_bad_target_is_reported_in_the_widget(explorer):
    explorer.target_kind.value = "snapshot"
    explorer.snapshot_path.value = "/nonexistent.json"
    explorer.load()
    assert "could not load" in explorer.status.value and "not found" in explorer.status.value


def test_every_glue_entry_point_is_offered():
    e = Explorer(scenario="crawler-update")
    try:
        labels = [label for label, _ in e.job.options]
        assert "crawler: sales-crawler" in labels
        assert e.job.value == ("crawler", "sales-crawler")
        assert e.shown_decision == "implicitDeny"
    finally:
        e.close()
