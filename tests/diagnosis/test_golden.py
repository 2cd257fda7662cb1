"""Golden findings: every built-in scenario's findings.json (anonymised, volatile fields masked) is unchanged.

The proof that a restructuring did not change behaviour. After an intended change of behaviour, regenerate
with ``GOLDEN_UPDATE=1 pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from glue_iam_kit.account import open_investigation
from glue_iam_kit.reports.bundle import anonymise_results
from glue_iam_kit.sources.sandbox import scenario_names

GOLDEN = Path(__file__).parent / "golden"
# moto makes these up per run (ids, timestamps)
VOLATILE_KEYS = {"last_modified", "user_id", "generated_at", "when"}  # "when": the incident timeline
VOLATILE_CONTEXT = {"aws:userid"}
# ... and inside the reproduce commands' --context-entries (shorthand or JSON)
VOLATILE_IN_TEXT = re.compile(r'((?:aws:userid,ContextKeyValues=)|(?:"aws:userid","ContextKeyValues":\["))[^,"]+')


def mask(obj: Any) -> Any:
    if isinstance(obj, dict):
        if obj.get("ContextKeyName", "").lower() in VOLATILE_CONTEXT:
            return {**obj, "ContextKeyValues": ["<volatile>"]}
        return {k: ("<volatile>" if k in VOLATILE_KEYS else mask(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [mask(v) for v in obj]
    if isinstance(obj, str):
        return VOLATILE_IN_TEXT.sub(r"\1<volatile>", obj)
    return obj


def scenario_findings(name: str) -> dict[str, Any]:
    """findings.json of the investigation of *name*, as the reports write it, volatile fields masked."""
    inv = open_investigation("sandbox", scenario=name)
    try:
        inv.run()
        results, ids = inv.results(), inv.identifiers()
    finally:
        inv.target.close()
    return json.loads(json.dumps(mask(anonymise_results(results, ids)[0]), default=str))


@pytest.mark.parametrize("name", scenario_names())
def test_golden_findings(name: str) -> None:
    path = GOLDEN / f"{name}.json"
    got = scenario_findings(name)
    if os.environ.get("GOLDEN_UPDATE"):
        path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert got == json.loads(path.read_text(encoding="utf-8"))
