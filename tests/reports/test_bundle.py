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


def test_a_refusal_names_the_file_section_and_kind_never_the_value(monkeypatch):
    import glue_iam_kit.reports.bundle as bundle
    from glue_iam_kit.errors import IdentifierSurvived

    real = bundle.find_survivors
    monkeypatch.setattr(bundle.Anonymiser, "anonymise_text", lambda self, text, as_html=False: text)
    monkeypatch.setattr(bundle.Anonymiser, "typed", lambda self, kind, value: value)  # a broken anonymiser
    results = {**RESULTS, "verdicts": [{"verdict": "no-allow", "policy": "ops-admins"}]}
    with pytest.raises(IdentifierSurvived) as exc:
        render_outputs(json.dumps(NOTEBOOK), results, {"user": "alice", "groups": ["ops-admins"]})
    assert exc.value.file == "findings.json" and bundle.find_survivors is real
    message = str(exc.value)
    assert "at verdicts[0].policy: a group name" in message and "ops-admins" not in message and "alice" not in message


def test_the_run_writes_the_notebook_when_the_reports_are_refused(monkeypatch, tmp_path):
    import glue_iam_kit.jupyter.run as run_module
    import glue_iam_kit.reports.bundle as bundle
    from glue_iam_kit.errors import IdentifierSurvived

    handover = {"results": RESULTS, "identifiers": {"user": "alice"}}
    executed = {**NOTEBOOK, "cells": [{"id": "c2", "cell_type": "code", "metadata": {}, "source": "", "outputs": [
        {"output_type": "execute_result", "metadata": {}, "execution_count": 1,
         "data": {run_module.RESULTS_MEDIA_TYPE: json.dumps(handover)}}], "execution_count": 1}]}

    def execute(name, output, *args, while_running=None, **kwargs):
        if while_running is not None:
            while_running()
        with open(output, "w", encoding="utf-8") as fh:
            json.dump(executed, fh)

    def refuse(*args, **kwargs):
        raise IdentifierSurvived("report.md", ["section 'Summary': a user name"])

    monkeypatch.setattr(run_module, "execute_notebook", execute)
    monkeypatch.setattr(bundle, "render_outputs", refuse)
    with pytest.raises(IdentifierSurvived) as exc:
        run_module.run_investigation({}, str(tmp_path / "out"), progress=False)
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["investigation.ipynb"]  # the investigator's own file; no anonymised file
    assert exc.value.notebook == str(tmp_path / "out" / "investigation.ipynb") and exc.value.notebook in str(exc.value)
