"""Crawlers, interactive sessions, dev endpoints and ML transforms pass roles too: on every target, from the CLI,
and chosen from the operation an error names; for a Create* call the resource does not exist yet."""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.account import open_investigation
from glue_iam_kit.cli import main
from glue_iam_kit.diagnosis.investigation import Investigation
from glue_iam_kit.entrypoints import ENTRY_POINTS, entry_point_for
from glue_iam_kit.files import write_json_atomic
from glue_iam_kit.sources.base import open_target
from glue_iam_kit.sources.snapshot import SnapshotTarget, build_snapshot


@pytest.mark.parametrize("operation,kind", [
    ("UpdateJob", "job"), ("createJob", "job"), ("CreateCrawler", "crawler"), ("UpdateCrawler", "crawler"),
    ("CreateSession", "session"), ("CreateDevEndpoint", "dev-endpoint"), ("CreateMLTransform", "ml-transform"),
    ("UpdateMLTransform", "ml-transform"),
])
def test_the_operation_names_the_entry_point(operation, kind):
    assert entry_point_for(operation).name == kind


@pytest.mark.parametrize("scenario,kind,status", [
    ("crawler-update", "crawler", "ok"), ("ml-transform-update", "ml-transform", "ok"),
    ("session-create", "session", "info"), ("dev-endpoint-create", "dev-endpoint", "info"),
])
def test_each_entry_point_on_the_sandbox(scenario, kind, status):
    inv = open_investigation("sandbox", scenario=scenario)
    try:
        inv.run()
        assert inv.evidence.entry_point.name == kind
        step = inv.finding("job")
        assert step.status == status, step.summary
        assert step.title == f"The {ENTRY_POINTS[kind].noun} really uses that role"
        if status == "info":
            assert "does not exist yet" in step.summary
    finally:
        inv.target.close()


def test_a_snapshot_carries_crawlers_and_older_snapshots_still_load(tmp_path):
    with open_target("sandbox", scenario="crawler-update") as t:
        data = build_snapshot(t)
    assert [c["Name"] for c in data["Crawlers"]] == ["sales-crawler"]
    inv = Investigation(SnapshotTarget(data), user="data-engineer", entry_point="crawler", resource="sales-crawler")
    assert inv.step("job").status == "ok"
    del data["Crawlers"]
    inv = Investigation(SnapshotTarget(data), user="data-engineer", entry_point="crawler", resource="sales-crawler")
    assert inv.step("job").status == "could not check"


def test_the_cli_takes_a_crawler(tmp_path, capsys):
    with open_target("sandbox", scenario="crawler-update") as t:
        write_json_atomic(tmp_path / "s.json", build_snapshot(t))
    assert main(["investigate", "--snapshot", str(tmp_path / "s.json"), "--user", "data-engineer",
                 "--crawler", "sales-crawler", "--role", "crawler-runtime", "--out", str(tmp_path / "out"),
                 "-q"]) == 0
    findings = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert [v["verdict"] for v in findings["verdicts"]] == ["no-allow"]
    assert "sales-crawler" not in (tmp_path / "out" / "report.md").read_text()
    with pytest.raises(SystemExit, match="name one Glue resource"):
        main(["investigate", "--crawler", "a", "--session", "b", "--out", str(tmp_path / "x")])
