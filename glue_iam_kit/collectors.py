"""Collectors: one ``fetch_*`` per step of the procedure, each taking the target first and returning a pandas
DataFrame with fixed, documented columns (present even when the frame is empty).

Steps that cannot be checked raise :class:`~glue_iam_kit.errors.CouldNotCheck`; callers record
``could not check: <why>`` and go on.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from glue_iam_kit.engine.arns import name_from
from glue_iam_kit.engine.policy import PolicySource, as_list, load_document
from glue_iam_kit.errors import ArnError, CouldNotCheck, KitError
from glue_iam_kit.principals.base import PolicyRecord, gather_principal, gather_role, gather_scps, managed_source

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
SCP_COLUMNS = ["level", "policy_name", "statement", "sid", "effect", "action", "resource", "condition"]
CALL_COLUMNS = ["operation", "calls"]


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _compact(value: Any) -> str:
    """A policy element as one readable line: a single value bare, a list or object as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def fetch_caller_identity(target: Any, expected_account: str | None = None) -> pd.DataFrame:
    """Step 1: who the investigator is, and whether the account is the one in the error."""
    ident = target.caller_identity()
    matches = None if not expected_account else ident["Account"] == expected_account
    return _frame([{"account": ident["Account"], "arn": ident["Arn"], "user_id": ident["UserId"],
                    "expected_account": expected_account or "", "matches": matches}], IDENTITY_COLUMNS)


def empty_frame(columns: list[str]) -> pd.DataFrame:
    """A frame with the fixed columns and no rows."""
    return _frame([], columns)


def policy_frame(principal: str, records: list[PolicyRecord]) -> pd.DataFrame:
    """One row per policy, with :data:`POLICY_COLUMNS` (pure)."""
    rows = [{"principal": principal, "policy_name": r.source.name, "policy_type": r.source.policy_type,
             "attachment": r.source.attachment, "via_group": r.source.via_group or "",
             "policy_arn": r.source.arn or "", "statements": len(as_list(r.document.get("Statement"))),
             "document": json.dumps(r.document, sort_keys=True)} for r in records]
    return _frame(rows, POLICY_COLUMNS)


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
    return _frame(rows, GROUP_COLUMNS)


def fetch_user_policies(target: Any, user: str) -> pd.DataFrame:
    """Step 2: the user's own attached managed policies (default-version documents) and inline policies."""
    name = _user_name(user)
    target.get_user(name)  # a clear NotFoundError for an unknown user
    records: list[PolicyRecord] = []
    for a in target.list_attached_user_policies(name):
        _, doc = target.get_managed_policy(a["PolicyArn"])
        records.append(PolicyRecord(managed_source(a, None), doc))
    records += [PolicyRecord(PolicySource(n, "user"), doc) for n, doc in target.list_user_inline_policies(name)]
    return policy_frame(name, records)


def fetch_user_groups(target: Any, user: str) -> pd.DataFrame:
    """Step 3: the user's groups, one row per group policy (a group without policies gets one empty row)."""
    name = _user_name(user)
    target.get_user(name)
    groups = target.list_groups_for_user(name)
    records: list[PolicyRecord] = []
    for g in groups:
        gname = g["GroupName"]
        records += [PolicyRecord(managed_source(a, gname), target.get_managed_policy(a["PolicyArn"])[1])
                    for a in target.list_attached_group_policies(gname)]
        records += [PolicyRecord(PolicySource(n, "group", via_group=gname), doc)
                    for n, doc in target.list_group_inline_policies(gname)]
    return group_frame(groups, records)


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
                "action": _compact(st.get("Action", st.get("NotAction"))), "not_action": "NotAction" in st,
                "resource": _compact(st.get("Resource", st.get("NotResource"))), "not_resource": "NotResource" in st,
                "condition": _compact(st.get("Condition")),
            })
    return rows


def fetch_identity_statements(target: Any, principal: str) -> pd.DataFrame:
    """Every identity statement that applies to a user or role, plus its permissions boundary's."""
    pp = gather_principal(target, principal)
    rows = statement_rows(pp.name, pp.records)
    if pp.boundary:
        rows += statement_rows(pp.name, [pp.boundary], kind="boundary")
    frame = _frame(rows, STATEMENT_COLUMNS)
    frame.attrs["problems"] = list(pp.problems)
    return frame


def fetch_role(target: Any, role: str) -> pd.DataFrame:
    """Step 4: a role's trust policy as rows: who may assume it (one row per principal)."""
    name = _role_name(role)
    r = target.get_role(name)
    trust = load_document(r.get("AssumeRolePolicyDocument", {"Statement": []}), f"{name} trust policy")
    base = {"role_name": r["RoleName"], "role_arn": r["Arn"], "path": r.get("Path", "/"),
            "boundary_arn": (r.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", "")}
    rows = []
    for i, st in enumerate(as_list(trust.get("Statement")), start=1):
        principal = st.get("Principal", {})
        pairs = [("*", "*")] if principal == "*" else [
            (ptype, p) for ptype, values in principal.items() for p in as_list(values)]
        for ptype, p in pairs or [("", "")]:
            rows.append({**base, "statement": i, "effect": st.get("Effect", ""), "principal_type": ptype,
                         "principal": p, "action": _compact(st.get("Action")),
                         "condition": _compact(st.get("Condition"))})
    return _frame(rows, TRUST_COLUMNS)


def fetch_role_policies(target: Any, role: str) -> pd.DataFrame:
    """A role's own attached and inline policies (what the job may do once it runs)."""
    name = _role_name(role)
    pp = gather_role(target, name)
    rows = [{"role_name": name, "policy_name": r.source.name, "policy_type": r.source.policy_type,
             "attachment": r.source.attachment, "policy_arn": r.source.arn or "",
             "statements": len(as_list(r.document.get("Statement")))} for r in pp.records]
    return _frame(rows, ROLE_POLICY_COLUMNS)


def fetch_job(target: Any, job: str) -> pd.DataFrame:
    """Step 5: the Glue job, the role as stored (a name or an ARN) and the resolved role ARN."""
    j = target.get_job(job)
    stored = j.get("Role", "")
    role_arn, role_name = "", ""
    if stored.startswith("arn:"):
        role_arn, role_name = stored, stored.rsplit("/", 1)[-1]
    elif stored:
        role_name = stored
        try:
            role_arn = target.get_role(stored)["Arn"]
        except KitError:
            role_arn = ""  # the role the job names does not exist: the investigation reports it
    return _frame([{"job_name": j.get("Name", job), "role_as_stored": stored, "role_arn": role_arn,
                    "role_name": role_name, "command": (j.get("Command") or {}).get("Name", ""),
                    "last_modified": str(j.get("LastModifiedOn", ""))}], JOB_COLUMNS)


def fetch_service_control_policies(target: Any) -> pd.DataFrame:
    """The SCP statements that apply to the account, by level (root first); could-not-check when unreadable."""
    rows = []
    for level in gather_scps(target):
        for r in level:
            for i, st in enumerate(as_list(r.document.get("Statement")), start=1):
                rows.append({"level": r.source.scp_level, "policy_name": r.source.name, "statement": i,
                             "sid": st.get("Sid", ""), "effect": st.get("Effect", ""),
                             "action": _compact(st.get("Action", st.get("NotAction"))),
                             "resource": _compact(st.get("Resource", st.get("NotResource"))),
                             "condition": _compact(st.get("Condition"))})
    return _frame(rows, SCP_COLUMNS)


def render_call_tally(target: Any) -> pd.DataFrame:
    """The AWS calls made so far, per operation (the cost of an investigation)."""
    rows = [{"operation": op, "calls": n} for op, n in sorted(target.calls.items())]
    return _frame(rows, CALL_COLUMNS)


def _user_name(user: str) -> str:
    try:
        return name_from(user, "user")
    except ArnError as exc:
        raise KitError(str(exc)) from None


def _role_name(role: str) -> str:
    try:
        return name_from(role, "role")
    except ArnError as exc:
        raise KitError(str(exc)) from None


__all__ = [
    "CouldNotCheck", "fetch_caller_identity", "fetch_identity_statements", "fetch_job", "fetch_role",
    "fetch_role_policies", "fetch_service_control_policies", "fetch_user_groups", "fetch_user_policies",
    "render_call_tally", "statement_rows",
]
