"""The four output files: rendered from one list, checked for survivors, written atomically."""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.errors import KitError
from glue_iam_kit.files import OUTPUT_FILES, atomic_path
from glue_iam_kit.reports.bundle import render_outputs, write_outputs

RESULTS = {"format": "glue-iam-kit/findings@1", "verdicts": [{"verdict": "no-allow"}], "steps": [],
           "fix": None, "what_if": [], "verification": {}, "security": [], "aws_calls": {}, "rule": "r"}
NOTEBOOK = {"cells": [{"id": "c1", "cell_type": "markdown", "metadata": {}, "source": "alice was denied"}],
            "metadata": {},
            "nbformat": 4, "nbformat_minor": 5}


def test_every_output_file_is_rendered_and_written(tmp_path):
    files = render_outputs(json.dumps(NOTEBOOK), RESULTS, {"user": "alice"})
    assert set(files) == {f.name for f in OUTPUT_FILES}
    assert "alice" not in files["report.html"] and "alice" in files["investigation.ipynb"]
    paths = write_outputs(str(tmp_path / "out"), files)
    assert sorted(p.rsplit("/", 1)[1] for p in paths.values()) == sorted(f.name for f in OUTPUT_FILES)
    assert not list((tmp_path / "out").glob(".*partial"))


def test_a_survivor_refuses_the_whole_bundle(monkeypatch):
    import glue_iam_kit.reports.bundle as bundle

    monkeypatch.setattr(bundle, "find_survivors", lambda text, ids, kind: ["x"])
    with pytest.raises(KitError, match="survived anonymisation"):
        render_outputs(json.dumps(NOTEBOOK), RESULTS, {"user": "alice"})


def test_a_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "f.txt"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert not target.exists() and list(tmp_path.iterdir()) == []
