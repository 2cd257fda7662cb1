"""Every notebook, executed by papermill on the sandbox; the reports; anonymisation with hostile names."""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path

import nbformat
import pytest

from glue_iam_kit.cli import main
from glue_iam_kit.jupyter.run import run_investigation
from glue_iam_kit.reports.bundle import check_fix_intact, survivors_in_files
from glue_iam_kit.reports.postmortem import SECTIONS
from glue_iam_kit.sources.aws import is_read_only
from glue_iam_kit.sources.sandbox import list_scenarios

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = {s["name"]: s["expected_verdicts"] for s in list_scenarios()}
REPORTS = ("report.html", "report.md", "findings.json")


def _params(**overrides):
    base = {"target": "sandbox", "scenario": "seed-incident", "profile": "", "region": "", "snapshot_path": "",
            "user": "", "job": "", "role": "", "service": "glue.amazonaws.com", "error_text": "",
            "apply_fix": False, "account_id": "", "endpoint_url": ""}
    return {**base, **overrides}


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_investigation_notebook_reaches_every_verdict(scenario, tmp_path):
    result = run_investigation(_params(scenario=scenario), str(tmp_path), progress=False)
    assert result["verdicts"] == EXPECTED[scenario]
    for name in ("investigation.ipynb", *REPORTS):
        assert (tmp_path / name).stat().st_size > 0
    findings = json.loads((tmp_path / "findings.json").read_text())
    assert [v["verdict"] for v in findings["verdicts"]] == EXPECTED[scenario]
    # the kernel's own record: every AWS operation of the run was read-only
    assert findings["aws_calls"] and all(is_read_only(op.split(":", 1)[1]) for op in findings["aws_calls"])
    assert [s["step"] for s in findings["steps"]] == list(range(11))
    html = (tmp_path / "report.html").read_text()
    assert all(v in html for v in EXPECTED[scenario])
    assert "open_investigation(" not in html  # code hidden
    md = (tmp_path / "report.md").read_text()
    headings = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert headings == list(SECTIONS), headings  # the postmortem's sections, in order
    assert all(f">{s}</h2>" in html for s in SECTIONS)
    # the fix a reader copies is the same in every output, and its policy is JSON
    check_fix_intact({name: (tmp_path / name).read_text() for name in REPORTS})


def _random_name(rng: random.Random, n: int) -> str:
    return rng.choice(string.ascii_letters) + "".join(rng.choice(string.ascii_letters + string.digits + "+=,.@_-")
                                                      for _ in range(n - 1))


HOSTILE = [
    # names equal to AWS words, substrings of other words, regex metacharacters, unicode
    {"user": "glue", "role": "Admin", "job": "nightly.etl+1 (ジョブ)", "glue_group": "data", "dev_group": "AWS",
     "account_id": "000000000001"},
    {"user": "a.b+c@d", "role": "role", "job": "job", "glue_group": "Glue", "dev_group": "policy",
     "account_id": "123123123123"},
]


@pytest.mark.parametrize("names", [*HOSTILE, "random-1", "random-2"])
def test_anonymised_reports_keep_no_identifier(names, tmp_path):
    if isinstance(names, str):
        rng = random.Random(names)
        names = {"user": _random_name(rng, 12), "role": _random_name(rng, 14), "job": _random_name(rng, 16),
                 "glue_group": _random_name(rng, 10), "dev_group": _random_name(rng, 11),
                 "account_id": "".join(rng.choice(string.digits) for _ in range(12))}
    argv = ["investigate", "--sandbox", "seed-incident", "--out", str(tmp_path), "-q", "--user", names["user"],
            "--role", names["role"], "--job", names["job"], "--glue-group", names["glue_group"],
            "--dev-group", names["dev_group"], "--account-id", names["account_id"]]
    assert main(argv) == 0
    raw = (tmp_path / "investigation.ipynb").read_text()
    assert names["account_id"] in raw  # the investigator's own notebook keeps the real names
    identifiers = {"account": names["account_id"], "user": names["user"], "role": names["role"],
                   "job": names["job"], "groups": [names["glue_group"], names["dev_group"]]}
    files = {name: (tmp_path / name).read_text() for name in REPORTS}
    # prose and data as text; the fix by type (its code is the forms' words around anonymised values)
    assert survivors_in_files(files, identifiers) == {name: [] for name in REPORTS}
    for report in REPORTS:
        text = files[report]
        assert names["account_id"] not in text, report
        for key in ("user", "role", "job"):
            if len(names[key]) >= 12:  # long random names cannot hide inside other words: plain search
                assert names[key] not in text, (report, key)
        assert "<human-user>" in text or "&lt;human-user&gt;" in text, report


def test_failed_run_is_one_line_and_leaves_no_report(tmp_path, capsys):
    from glue_iam_kit.files import write_json_atomic
    from glue_iam_kit.sources.base import open_target
    from glue_iam_kit.sources.snapshot import build_snapshot

    with open_target("sandbox") as t:
        write_json_atomic(str(tmp_path / "s.json"), build_snapshot(t))
    out = tmp_path / "out"
    code = main(["investigate", "--snapshot", str(tmp_path / "s.json"), "--user", "ghost", "--out", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 1 and "user 'ghost' not found" in err and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_committed_clean_and_paired(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "commit notebooks with outputs stripped"
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for line in params[0].source.splitlines():
        assert re.match(r"^\w+: \w+ = .+  # \S", line), f"parameters are `name: type = value  # help`: {line!r}"
    paired = path.with_suffix(".py")
    assert paired.exists(), "pair every notebook with a jupytext percent script"
    import jupytext

    from_py = jupytext.read(paired)
    assert [c.source for c in from_py.cells] == [c.source for c in nb.cells], "run `jupytext --sync` on the pair"


def test_explorer_notebook_runs(tmp_path):
    from glue_iam_kit.jupyter.run import execute_notebook

    out = tmp_path / "explore.ipynb"
    execute_notebook("02_explore.ipynb", str(out), {"scenario": "seed-incident"}, progress=False, cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in shown)
    assert not any(o.get("output_type") == "error" for o in shown)


@pytest.mark.parametrize("verdict,policy,right", [("no-allow", "AWSGlueConsoleFullAccess", True),
                                                  ("explicit-deny", "", False)])
def test_training_notebook_grades_the_prediction(tmp_path, capsys, verdict, policy, right):
    argv = ["train", "--scenario", "seed-incident", "--verdict", verdict, "--out", str(tmp_path), "-q"]
    assert main([*argv, "--policy", policy] if policy else argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("grade: right" if right else "grade: not quite")  # the grade first, then the answer
    assert "answer: seed-incident: explicit-deny, no-allow" in out
    findings = json.loads((tmp_path / "findings.json").read_text())
    grade = next(s for s in findings["steps"] if s["key"] == "grade")
    assert (grade["status"] == "ok") is right
    if not right:
        assert "did not decide the reported request: no-allow did" in grade["summary"]


def test_train_needs_a_scenario(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--out", "x"])
    assert exc.value.code == 2 and "one of the arguments --scenario --all is required" in capsys.readouterr().err
    assert main(["train", "--scenario", "nope", "--out", "x", "-q"]) == 1
    assert "scenario 'nope' not found" in capsys.readouterr().err


@pytest.mark.parametrize("source", ["sandbox", "synthetic"])
def test_account_matrix_notebook_runs(tmp_path, source):
    from glue_iam_kit.files import write_json_atomic
    from glue_iam_kit.jupyter.run import execute_notebook
    from glue_iam_kit.sources.base import open_target
    from glue_iam_kit.sources.snapshot import build_snapshot
    from glue_iam_kit.sources.synthetic import synthetic_snapshot

    snap = tmp_path / "snapshot.json"
    if source == "sandbox":
        with open_target("sandbox", scenario="passrole-star") as t:
            write_json_atomic(str(snap), build_snapshot(t))
    else:
        write_json_atomic(str(snap), synthetic_snapshot(users=30, roles=40, groups=5, policies=14))
    out = tmp_path / "matrix.ipynb"
    execute_notebook("04_account_matrix.ipynb", str(out), {"snapshot_path": str(snap), "top": 5,
                                                           "out_path": str(tmp_path / "m.parquet")},
                     progress=False, cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not any(o.get("output_type") == "error" for o in shown)
    assert any("image/png" in o.get("data", {}) for o in shown), "the heatmap"
    html = "".join(o.get("data", {}).get("text/html", "") for o in shown)
    assert "principals_allowed" in html and "roles_allowed" in html and "severity" in html
    assert (tmp_path / "m.parquet").stat().st_size > 0
    if source == "synthetic":
        assert ">high<" in html  # PassRole on * without a condition, riskiest first
        assert "gains_sample" in html and ">dev-endpoint<" in html  # the escalation routes section


@pytest.mark.parametrize("source", ["synthetic", "dataset"])
def test_organization_notebook_runs(tmp_path, source):
    from glue_iam_kit.jupyter.run import execute_notebook

    params = {"top": 5}
    if source == "dataset":
        from glue_iam_kit.org.matrix import org_matrix
        from glue_iam_kit.sources.synthetic import synthetic_org

        synthetic_org(str(tmp_path / "snaps"), accounts=3, users=10, roles=12)
        (tmp_path / "snaps" / "failures.json").write_text(json.dumps(
            [{"account_id": "210987654321", "name": "closed", "reason": "account is suspended"}]))
        org_matrix(str(tmp_path / "snaps"), str(tmp_path / "ds"), "glue.amazonaws.com", progress=False,
                   processes=False, workers=2)
        params["dataset"] = str(tmp_path / "ds")
    out = tmp_path / "org.ipynb"
    execute_notebook("05_organization.ipynb", str(out), params, progress=False, cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not any(o.get("output_type") == "error" for o in shown)
    html = "".join(o.get("data", {}).get("text/html", "") for o in shown)
    assert "overbroad_high" in html and "severity" in html and "used_by" in html and "implicitDeny" in html
    if source == "dataset":  # the account org snapshot could not read is counted, with its reason
        assert "210987654321" in html and "not snapshotted" in html and "account is suspended" in html


def test_python_api_notebook_runs(tmp_path):
    from glue_iam_kit.jupyter.run import execute_notebook

    out = tmp_path / "api.ipynb"
    execute_notebook("06_python_api.ipynb", str(out), {"user": "ana", "role": "etl-rt-9"}, progress=False,
                     cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not any(o.get("output_type") == "error" for o in shown)
    text = "".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "") for o in shown)
    assert "explicitDeny" in text and "implicitDeny" in text and "simulate-principal-policy" in text
    assert "aws iam put-group-policy" in text  # the fix's CLI form
    assert "gains_sample" in text  # escalation(): none in the seed incident, its columns shown


def test_the_investigation_form_of_the_reports(tmp_path):
    assert main(["investigate", "--sandbox", "seed-incident", "--report", "investigation", "--out", str(tmp_path),
                 "-q"]) == 0
    md = (tmp_path / "report.md").read_text()
    assert "## Investigation, step by step" in md and "## The rule to keep next time" in md
    check_fix_intact({name: (tmp_path / name).read_text() for name in REPORTS})
