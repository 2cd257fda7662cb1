"""required-permissions.json lists every AWS operation the kit calls to investigate, and nothing mutating."""

from __future__ import annotations

import json
import re
from pathlib import Path

from glue_iam_kit.sources.aws import is_read_only

ROOT = Path(__file__).resolve().parents[2]
WRITES_FOR_APPLY_FIX = {"iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy"}


def _required() -> set[str]:
    doc = json.loads((ROOT / "required-permissions.json").read_text())
    return {a for st in doc["Statement"] for a in st["Action"]}


def _camel(snake: str) -> str:
    return "".join(p.title() for p in snake.split("_"))


# boto3's client name -> the IAM action prefix
ACTION_PREFIX = {"sso-admin": "sso"}


def test_every_operation_in_the_boto3_edge_is_listed():
    source = "\n".join(p.read_text() for p in (ROOT / "glue_iam_kit" / "sources").rglob("*.py"))
    calls = re.findall(r'(?:self|target)\.(?:call|paginate)\(\s*"([\w-]+)",\s*"(\w+)"', source)
    # The one direct paginator in aws.py is IAM's (authorization details).
    calls += [("iam", op) for op in re.findall(r'client\.get_paginator\("(\w+)"\)', source)]
    used = {f"{ACTION_PREFIX.get(svc, svc)}:{_camel(op)}" for svc, op in calls}
    assert used, "the scan found no calls: update the pattern"
    assert used - WRITES_FOR_APPLY_FIX <= _required(), f"missing: {sorted(used - WRITES_FOR_APPLY_FIX - _required())}"


def test_required_permissions_are_read_only():
    assert all(is_read_only(a.split(":", 1)[1]) for a in _required())


def test_a_whole_investigation_needs_nothing_else():
    from glue_iam_kit.diagnosis.investigation import open_investigation

    inv = open_investigation("sandbox")
    inv.run()
    inv.identifiers()
    ops = set(inv.target.operations)
    inv.finish()
    assert ops <= _required(), sorted(ops - _required())


def test_readme_links_it():
    assert "required-permissions.json" in (ROOT / "README.md").read_text()
