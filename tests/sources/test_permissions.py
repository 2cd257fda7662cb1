"""required-permissions.json lists every AWS operation the kit calls to investigate, and nothing mutating."""

from __future__ import annotations

import json
import re
from pathlib import Path

from glue_iam_kit.sources.aws import is_read_only
from glue_iam_kit.sources.glue_resources import GLUE_KINDS

ROOT = Path(__file__).resolve().parents[2]
WRITES_FOR_APPLY_FIX = {"iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy"}


def _required() -> set[str]:
    doc = json.loads((ROOT / "required-permissions.json").read_text())
    return {a for st in doc["Statement"] for a in st["Action"]}


def _org_management() -> set[str]:
    doc = json.loads((ROOT / "org-management-permissions.json").read_text())
    return {a for st in doc["Statement"] for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])}


def _api_name(service: str, method: str) -> str:
    """boto3's method name as the API's operation name (get_ml_transforms -> GetMLTransforms)."""
    import boto3

    client = boto3.client(service, region_name="eu-west-1")
    return client.meta.method_to_api_mapping[method]


# boto3's client name -> the IAM action prefix
ACTION_PREFIX = {"sso-admin": "sso", "accessanalyzer": "access-analyzer"}


def test_every_operation_in_the_boto3_edge_is_listed():
    source = "\n".join(p.read_text() for p in (ROOT / "glue_iam_kit" / "sources").rglob("*.py"))
    calls = re.findall(r'(?:self|target)\.(?:call|paginate)\(\s*"([\w-]+)",\s*"(\w+)"', source)
    # The one direct paginator in aws.py is IAM's (authorization details).
    calls += [("iam", op) for op in re.findall(r'client\.get_paginator\("(\w+)"\)', source)]
    # Glue resources are read through one table: every Get* and list call in it.
    calls += [("glue", op) for k in GLUE_KINDS.values() for op in (k.get, k.list_op)]
    used = {f"{ACTION_PREFIX.get(svc, svc)}:{_api_name(svc, op)}" for svc, op in calls}
    assert used, "the scan found no calls: update the pattern"
    listed = _required() | _org_management()  # the org sweep's own calls are in its policy
    assert used - WRITES_FOR_APPLY_FIX <= listed, f"missing: {sorted(used - WRITES_FOR_APPLY_FIX - listed)}"


def test_required_permissions_are_read_only():
    assert all(is_read_only(a.split(":", 1)[1]) for a in _required())


def test_a_whole_investigation_needs_nothing_else():
    from glue_iam_kit.account import open_investigation

    inv = open_investigation("sandbox")
    inv.run()
    inv.identifiers()
    ops = set(inv.target.operations)
    inv.finish()
    assert ops <= _required(), sorted(ops - _required())


def test_readme_links_it():
    assert "required-permissions.json" in (ROOT / "README.md").read_text()


def test_the_org_sweeps_policies_are_read_only():
    """The management account's policy for `org snapshot` reads and assumes only; the audit role's trust is a
    template whose permissions are required-permissions.json."""
    actions = sorted(_org_management())
    assert actions and all(is_read_only(a.split(":", 1)[1]) for a in actions)
    assert "sts:AssumeRole" in actions
    trust = json.loads((ROOT / "org-audit-role-trust.json").read_text())
    assert trust["Statement"][0]["Action"] == "sts:AssumeRole"
    source = (ROOT / "glue_iam_kit" / "sources" / "organizations.py").read_text() + (
        ROOT / "glue_iam_kit" / "sources" / "members.py").read_text()
    for op in re.findall(r'\.(?:call|paginate)\(\s*"organizations",\s*"(\w+)"', source):
        assert f"organizations:{_api_name('organizations', op)}" in actions
