"""``train`` on the terminal: the grade first (right or wrong per answer, what was missed, where to look), then
the answer; unknown verdict words and --all beside --scenario are usage errors; the folders default outside the
repository and the CLI says the notebook in them is not anonymised. The notebook run is replaced by the same
steps run in process (tests/jupyter/test_notebooks.py runs the real notebook)."""

from __future__ import annotations

from pathlib import Path

import pytest

from glue_iam_kit.cli import main
from glue_iam_kit.cli.train import render_grade
from glue_iam_kit.model import VERDICTS


def training_steps(scenario: str, verdict: str = "", policy: str = "") -> dict:
    """What the training notebook hands over, computed in process."""
    from glue_iam_kit.account import open_investigation
    from glue_iam_kit.diagnosis.steps import TRAINING_ORDER

    inv = open_investigation("sandbox", scenario=scenario)
    try:
        for key in TRAINING_ORDER:
            inv.step(key, **({"verdict": verdict, "policy": policy} if key == "prediction" else {}))
        return {"verdicts": [v["verdict"] for v in inv.verdicts], "steps": inv.results()["steps"]}
    finally:
        inv.target.close()


@pytest.fixture
def runs(monkeypatch, tmp_path):
    import glue_iam_kit.jupyter.run as run_module

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    calls = []

    def fake(params, out, **kwargs):
        calls.append((params, out))
        done = training_steps(params["scenario"], params["predicted_verdict"], params["predicted_policy"])
        return {**done, "paths": {n: str(Path(out) / n) for n in ("investigation.ipynb", "report.html", "report.md",
                                                                   "findings.json")}}

    monkeypatch.setattr(run_module, "run_investigation", fake)
    return calls


@pytest.mark.parametrize("argv,message", [
    (["--scenario", "seed-incident", "--verdict", "explict-deny"],
     "argument --verdict: unknown verdict 'explict-deny' (did you mean explicit-deny?); the verdicts are: "
     + ", ".join(VERDICTS)),
    (["--scenario", "seed-incident", "--verdict", "denied"], "unknown verdict 'denied'; the verdicts are: "),
    (["--all", "--scenario", "seed-incident"], "argument --scenario: not allowed with argument --all"),
    ([], "one of the arguments --scenario --all is required"),
    (["--all", "--verdict", "no-allow"],
     "--verdict, --policy and --escalation grade one scenario: give --scenario NAME, "),
    (["--scenario", "seed-incident", "--policy", "RequireMFA"],
     "--policy and --escalation are graded beside a predicted --verdict: add --verdict (wrong-account, "),
], ids=["misspelt-verdict", "unknown-verdict", "all-and-scenario", "neither", "all-with-a-prediction",
        "policy-without-verdict"])
def test_usage_errors_say_what_is_valid(capsys, runs, argv, message):
    with pytest.raises(SystemExit) as exc:
        main(["train", *argv, "-q"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and message in err and not runs, err


def test_the_grade_comes_first_then_the_answer(capsys, runs, tmp_path):
    assert main(["train", "--scenario", "seed-incident", "--verdict", "explicit-deny", "--policy", "RequireMFA",
                 "-q"]) == 0
    printed = capsys.readouterr()
    lines = printed.out.splitlines()
    assert lines[0] == "grade: not quite"
    assert lines[1].split()[:2] == ["verdict", "wrong"] and "you said explicit-deny" in lines[1]
    assert lines[2].split()[:3] == ["deciding", "policy", "right"]
    # graded as the postmortem reads it: the error's cause (no identity policy allows) rules the MFA deny out
    assert lines[3] == "missed:" and "explicit-deny holds, but it did not decide the reported request: no-allow " \
                                     "did (the error's cause (no identity policy allows)" in lines[4]
    assert not any(c in printed.out for c in "\ue000\ue001\ue002"), "the reports' marks on the terminal"
    assert "denied by RequireMFA (group, via group Developers)" in printed.out
    where = next(line for line in lines if line.startswith("where to look: "))
    assert "report.md, Appendix: step 7 " in where or "report.md, Appendix: step 6 " in where
    answer = lines.index(next(line for line in lines if line.startswith("answer: ")))
    assert answer > lines.index(where) and lines[answer].startswith("answer: seed-incident: explicit-deny, no-allow")


def test_the_folders_default_outside_the_repository_and_the_notebook_is_named_not_anonymised(capsys, runs,
                                                                                               tmp_path):
    assert main(["train", "--scenario", "seed-incident", "-q"]) == 0
    assert runs[0][1] == str(tmp_path / "data" / "glue-iam-kit" / "practice" / "seed-incident")
    printed = capsys.readouterr()
    assert printed.out.startswith("grade: nothing to grade (no prediction recorded")
    assert "investigation.ipynb in " + runs[0][1] + " is not anonymised" in printed.err


@pytest.mark.parametrize("verdict,policy,first,marks", [
    ("no-allow", "AWSGlueConsoleFullAccess", "grade: right", ["right", "right"]),
    ("no-allow", "", "grade: right", ["right", "not graded"]),
    ("explicit-deny", "OfficeNetworkOnly", "grade: not quite", ["wrong", "wrong"]),
])
def test_render_grade(verdict, policy, first, marks):
    steps = training_steps("seed-incident", verdict, policy)["steps"]
    text = render_grade(steps, "OUT/report.md")
    lines = text.splitlines()
    assert lines[0] == first
    assert [line[19:29].strip() for line in lines[1:3]] == marks  # "  {what:<16} {mark:<10} ..."
    assert ("where to look: OUT/report.md" in text) is (first != "grade: right")


def test_the_repository_ignores_the_readmes_folders():
    ignored = (Path(__file__).resolve().parents[2] / ".gitignore").read_text().splitlines()
    assert "/practice/" in ignored and "/answer-key/" in ignored
