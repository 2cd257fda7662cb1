"""``simulate`` on worker processes writes exactly what one process writes: same lines, same order, the same
line numbers in the errors of malformed lines."""

from __future__ import annotations

import io
import json

import pytest

from glue_iam_kit.cli import main
from glue_iam_kit.cli import simulate as sim

GLUE_ONLY = {"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}}
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                                               "Condition": GLUE_ONLY}]}


def _lines() -> list[str]:
    out = []
    for n in range(40):
        if n % 13 == 5:
            out.append("{not json\n")
        elif n % 11 == 7:
            out.append("\n")
        else:
            out.append(json.dumps({"id": n, "PolicyInputList": [DOC], "ActionNames": ["iam:PassRole"],
                                   "ContextEntries": [{"ContextKeyName": "iam:PassedToService",
                                                       "ContextKeyValues": ["glue.amazonaws.com" if n % 2 else
                                                                            "ec2.amazonaws.com"]}]}) + "\n")
    return out


@pytest.mark.parametrize("jobs", [2, 3])
def test_workers_write_what_one_process_writes(monkeypatch, jobs):
    serial, parallel = io.StringIO(), io.StringIO()
    sim.write_simulation(_lines(), serial.write, jobs=1)
    monkeypatch.setattr(sim, "PARALLEL_MIN_LINES", 4)
    monkeypatch.setattr(sim, "CHUNK_LINES", 3)
    sim.write_simulation(_lines(), parallel.write, jobs=jobs)
    assert parallel.getvalue() == serial.getvalue()
    errors = [json.loads(line)["error"] for line in serial.getvalue().splitlines() if "error" in line]
    assert errors[0].startswith("line 6: not valid JSON")  # numbered in the whole file, chunk or not


def test_jobs_must_be_positive(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text("".join(_lines()))
    with pytest.raises(SystemExit, match="--jobs takes a number"):
        main(["simulate", "--cases", str(path), "--jobs", "0"])
