"""Collectors: one ``fetch_*`` per step of the procedure, each taking the target first and returning a pandas
DataFrame with fixed, documented columns (present even when the frame is empty).

Steps that cannot be checked raise :class:`~glue_iam_kit.errors.CouldNotCheck`; callers record
``could not check: <why>`` and go on.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from glue_iam_kit.engine.arns import name_from
from glue_iam_kit.engine.policy import PolicySource, as_list, load_document
from glue_iam_kit.entrypoints.job import fetch_job
from glue_iam_kit.errors import ArnError, CouldNotCheck, KitError
from glue_iam_kit.frames import (
    CALL_COLUMNS,
    ROLE_POLICY_COLUMNS,
    SCP_COLUMNS,
    STATEMENT_COLUMNS,
    TRUST_COLUMNS,
    compact,
    group_frame,
    identity_frame,
    make_frame,
    policy_frame,
    statement_rows,
)
from glue_iam_kit.principals import gather_principal
from glue_iam_kit.principals.base import PolicyRecord, PrincipalPolicies, gather_scps, managed_source, tag_map
from glue_iam_kit.principals.role import gather_role


def fetch_caller_identity(target: Any, expected_account: str | None = None) -> pd.DataFrame:
    """Step 1: who the investigator is, and whether the account is the one in the error."""
    return identity_frame(target.caller_identity(), expected_account)


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


def _gathered(target: Any, principal: str | PrincipalPolicies) -> PrincipalPolicies:
    """The principal's policies: as already gathered, or read now."""
    return principal if isinstance(principal, PrincipalPolicies) else gather_principal(target, principal)


def fetch_principal_policies(target: Any, principal: str | PrincipalPolicies) -> pd.DataFrame:
    """Step 2 for any principal kind (a name or a user, role, role-session ARN, or its policies as already
    gathered): its own attached and inline policies, with :data:`POLICY_COLUMNS`."""
    pp = _gathered(target, principal)
    frame = policy_frame(pp.name, [r for r in pp.records if r.source.via_group is None])
    frame.attrs["problems"] = list(pp.problems)
    return frame


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


def fetch_principal_groups(target: Any, principal: str | PrincipalPolicies) -> pd.DataFrame:
    """Step 3 from the gathered principal: its groups, one row per group policy (like :func:`fetch_user_groups`)."""
    pp = _gathered(target, principal)
    return group_frame(pp.groups, [r for r in pp.records if r.source.via_group])


def fetch_identity_statements(target: Any, principal: str | PrincipalPolicies) -> pd.DataFrame:
    """Every identity statement that applies to a user or role, plus its permissions boundary's."""
    pp = _gathered(target, principal)
    rows = statement_rows(pp.name, pp.records)
    if pp.boundary:
        rows += statement_rows(pp.name, [pp.boundary], kind="boundary")
    frame = make_frame(rows, STATEMENT_COLUMNS)
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
    tags = tag_map(r)
    for i, st in enumerate(as_list(trust.get("Statement")), start=1):
        principal = st.get("Principal", {})
        pairs = [("*", "*")] if principal == "*" else [
            (ptype, p) for ptype, values in principal.items() for p in as_list(values)]
        for ptype, p in pairs or [("", "")]:
            rows.append({**base, "statement": i, "effect": st.get("Effect", ""), "principal_type": ptype,
                         "principal": p, "action": compact(st.get("Action")),
                         "condition": compact(st.get("Condition"))})
    frame = make_frame(rows, TRUST_COLUMNS)
    frame.attrs["tags"] = tags  # the role's tags: iam:ResourceTag/* when it is passed
    frame.attrs["document"] = trust  # the trust policy itself: the evaluator decides who may assume the role
    return frame


def fetch_role_policies(target: Any, role: str) -> pd.DataFrame:
    """A role's own attached and inline policies (what the job may do once it runs)."""
    name = _role_name(role)
    pp = gather_role(target, name)
    rows = [{"role_name": name, "policy_name": r.source.name, "policy_type": r.source.policy_type,
             "attachment": r.source.attachment, "policy_arn": r.source.arn or "",
             "statements": len(as_list(r.document.get("Statement")))} for r in pp.records]
    return make_frame(rows, ROLE_POLICY_COLUMNS)


def fetch_service_control_policies(target: Any) -> pd.DataFrame:
    """The SCP statements that apply to the account, by level (root first); could-not-check when unreadable."""
    rows = []
    for level in gather_scps(target):
        for r in level:
            for i, st in enumerate(as_list(r.document.get("Statement")), start=1):
                rows.append({"level": r.source.scp_level, "policy_name": r.source.name, "statement": i,
                             "sid": st.get("Sid", ""), "effect": st.get("Effect", ""),
                             "action": compact(st.get("Action", st.get("NotAction"))),
                             "resource": compact(st.get("Resource", st.get("NotResource"))),
                             "condition": compact(st.get("Condition"))})
    return make_frame(rows, SCP_COLUMNS)


def render_call_tally(target: Any, before: dict[str, int] | None = None) -> pd.DataFrame:
    """The AWS calls made so far (since *before*, the tally then), per operation (the cost of an investigation)."""
    before = before or {}
    rows = [{"operation": op, "calls": n - before.get(op, 0)} for op, n in sorted(target.calls.items())
            if n > before.get(op, 0)]
    return make_frame(rows, CALL_COLUMNS)


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
