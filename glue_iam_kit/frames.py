"""Pure DataFrame builders with fixed columns (present even when a frame is empty): the evidence tables of the
steps, a decision's trace, ``simulate`` results. No I/O: the ``fetch_*`` functions in
:mod:`glue_iam_kit.collectors` read a target and call these.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from glue_iam_kit.engine.decision import Decision
from glue_iam_kit.engine.explain import TRACE_COLUMNS, trace_rows
from glue_iam_kit.engine.policy import as_list
from glue_iam_kit.principals.base import PolicyRecord

IDENTITY_COLUMNS = ["account", "arn", "user_id", "expected_account", "matches"]
POLICY_COLUMNS = ["principal", "policy_name", "policy_type", "attachment", "via_group", "policy_arn",
                  "statements", "document"]
GROUP_COLUMNS = ["group_name", "group_arn", "policy_name", "policy_type", "attachment", "policy_arn",
                 "statements", "document"]
STATEMENT_COLUMNS = ["principal", "kind", "policy_name", "policy_type", "attachment", "via_group", "policy_arn",
                     "statement", "sid", "effect", "action", "not_action", "resource", "not_resource", "condition"]
TRUST_COLUMNS = ["role_name", "role_arn", "path", "boundary_arn", "statement", "effect", "principal_type",
                 "principal", "action", "condition"]
ROLE_POLICY_COLUMNS = ["role_name", "policy_name", "policy_type", "attachment", "policy_arn", "statements"]
JOB_COLUMNS = ["job_name", "role_as_stored", "role_arn", "role_name", "command", "last_modified"]
RESOURCE_COLUMNS = ["kind", "name", "role_as_stored", "role_arn", "role_name", "last_modified"]
SCP_COLUMNS = ["level", "policy_name", "statement", "sid", "effect", "action", "resource", "condition"]
CALL_COLUMNS = ["operation", "calls"]


def make_frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def compact(value: Any) -> str:
    """A policy element as one readable line: a single value bare, a list or object as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def identity_frame(ident: dict[str, str], expected_account: str | None = None) -> pd.DataFrame:
    """The caller identity (``sts get-caller-identity``) and whether its account is the expected one."""
    matches = None if not expected_account else ident["Account"] == expected_account
    return make_frame([{"account": ident["Account"], "arn": ident["Arn"], "user_id": ident["UserId"],
                        "expected_account": expected_account or "", "matches": matches}], IDENTITY_COLUMNS)


def empty_frame(columns: list[str]) -> pd.DataFrame:
    """A frame with the fixed columns and no rows."""
    return make_frame([], columns)


def policy_frame(principal: str, records: list[PolicyRecord]) -> pd.DataFrame:
    """One row per policy, with :data:`POLICY_COLUMNS` (pure)."""
    rows = [{"principal": principal, "policy_name": r.source.name, "policy_type": r.source.policy_type,
             "attachment": r.source.attachment, "via_group": r.source.via_group or "",
             "policy_arn": r.source.arn or "", "statements": len(as_list(r.document.get("Statement"))),
             "document": json.dumps(r.document, sort_keys=True)} for r in records]
    return make_frame(rows, POLICY_COLUMNS)


def group_frame(groups: list[dict[str, Any]], records: list[PolicyRecord]) -> pd.DataFrame:
    """One row per group policy, with :data:`GROUP_COLUMNS`; a group without policies gets one empty row (pure)."""
    rows = []
    for g in groups:
        gname = g["GroupName"]
        base = {"group_name": gname, "group_arn": g.get("Arn", "")}
        mine = [r for r in records if r.source.via_group == gname]
        if not mine:
            rows.append({**base, "policy_name": "", "policy_type": "", "attachment": "", "policy_arn": "",
                         "statements": 0, "document": ""})
        for r in mine:
            rows.append({**base, "policy_name": r.source.name, "policy_type": r.source.policy_type,
                         "attachment": r.source.attachment, "policy_arn": r.source.arn or "",
                         "statements": len(as_list(r.document.get("Statement"))),
                         "document": json.dumps(r.document, sort_keys=True)})
    return make_frame(rows, GROUP_COLUMNS)


def statement_rows(principal: str, records: list[PolicyRecord], kind: str | None = None) -> list[dict[str, Any]]:
    """One row per statement with its source (pure)."""
    rows = []
    for r in records:
        for i, st in enumerate(as_list(r.document.get("Statement")), start=1):
            if not isinstance(st, dict):
                continue
            rows.append({
                "principal": principal, "kind": kind or r.source.kind, "policy_name": r.source.name,
                "policy_type": r.source.policy_type, "attachment": r.source.attachment,
                "via_group": r.source.via_group or "", "policy_arn": r.source.arn or "", "statement": i,
                "sid": st.get("Sid", ""), "effect": st.get("Effect", ""),
                "action": compact(st.get("Action", st.get("NotAction"))), "not_action": "NotAction" in st,
                "resource": compact(st.get("Resource", st.get("NotResource"))), "not_resource": "NotResource" in st,
                "condition": compact(st.get("Condition")),
            })
    return rows


def render_trace_frame(d: Decision) -> pd.DataFrame:
    """The trace as a DataFrame with the fixed columns :data:`TRACE_COLUMNS`."""
    import pandas as pd

    return pd.DataFrame(trace_rows(d), columns=TRACE_COLUMNS)


def simulate_frame(path: str) -> pd.DataFrame:
    """The same as ``glue-iam-kit simulate --cases PATH``, as a DataFrame: one row per action × resource."""
    from glue_iam_kit.engine.cases import simulate_lines

    rows = []
    with open(path, encoding="utf-8") as fh:
        for out, decisions in simulate_lines(fh):
            if "error" in out:
                rows.append({"id": out["id"], "action": None, "resource": None, "decision": None,
                             "blocked_by": None, "matched": "", "error": out["error"]})
            for d in decisions:
                rows.append({"id": out["id"], "action": d.action, "resource": d.resource, "decision": d.decision,
                             "blocked_by": d.blocked_by, "matched": "; ".join(t.label for t in d.deciding),
                             "error": None})
    return pd.DataFrame(rows, columns=["id", "action", "resource", "decision", "blocked_by", "matched", "error"])
