"""Who can pass which role to a service? The account-wide PassRole matrix from a snapshot (any target works).

One row per (principal, role) pair, for every user and role principal × every role. Principals with the same
effective policies (identity + boundary; the property tests show statement and policy order never change a
decision) are evaluated once, their policies compiled once. Policies that use variables or principal keys
make a principal's decisions its own, so such principals are evaluated alone.

Status: correct and grouped by principal; grouping roles by the resource patterns that select them, and the
columnar writer for tens of millions of rows, are the next steps (issue 7).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .context import RequestContext, context_value
from .errors import CouldNotCheck
from .evaluator import PolicySet, Request, evaluate_request
from .principals import PolicyRecord, PrincipalPolicies, gather_role, gather_scps, gather_user

MATRIX_COLUMNS = ["principal_arn", "role_arn", "decision", "blocked_by", "statements"]
MFA_MODES = ("absent", "present", "false")
_PRINCIPAL_SPECIFIC = ("${", "aws:username", "aws:userid", "aws:principalarn", "aws:principaltag")


def _signature(pp: PrincipalPolicies) -> tuple[Any, ...]:
    docs = sorted(json.dumps(r.document, sort_keys=True) for r in pp.records)
    boundary = json.dumps(pp.boundary.document, sort_keys=True) if pp.boundary else ""
    key: tuple[Any, ...] = (tuple(docs), boundary)
    if any(marker in doc.lower() for doc in (*docs, boundary) for marker in _PRINCIPAL_SPECIFIC):
        key += (pp.arn,)
    return key


def matrix_context(service: str, mfa: str) -> RequestContext:
    """iam:PassedToService, and MFA as long-term keys (absent), an MFA session (present) or false."""
    values = [context_value("iam:PassedToService", service)]
    if mfa == "present":
        values.append(context_value("aws:MultiFactorAuthPresent", "true", "boolean"))
    elif mfa == "false":
        values.append(context_value("aws:MultiFactorAuthPresent", "false", "boolean"))
    return RequestContext(values)


def gather_principals(target: Any) -> list[PrincipalPolicies]:
    """Every user and role of the target, with their policies."""
    auth = target.authorization_details()
    return ([gather_user(target, u["UserName"]) for u in auth["UserDetailList"]]
            + [gather_role(target, r["RoleName"]) for r in auth["RoleDetailList"]])


def iter_matrix(target: Any, service: str = "glue.amazonaws.com", mfa: str = "absent") -> Iterator[dict[str, Any]]:
    """The matrix as rows (dicts with :data:`MATRIX_COLUMNS`), principal by principal."""
    if mfa not in MFA_MODES:
        raise ValueError(f"mfa must be one of {', '.join(MFA_MODES)}")
    try:
        scps: list[list[PolicyRecord]] = gather_scps(target)
    except CouldNotCheck:
        scps = []
    role_arns = [r["Arn"] for r in target.authorization_details()["RoleDetailList"]]
    base = matrix_context(service, mfa)
    decided: dict[tuple[Any, ...], list[tuple[str, str, str]]] = {}
    for pp in gather_principals(target):
        key = _signature(pp)
        if key not in decided:
            policies: PolicySet = pp.policy_set(scps)
            context = base.with_values(context_value("aws:PrincipalArn", pp.arn))
            if pp.principal_type == "user":
                context = context.with_values(context_value("aws:username", pp.name))
            results = []
            for role in role_arns:
                d = evaluate_request(policies, Request("iam:PassRole", role, pp.arn, context))
                results.append((d.decision, d.blocked_by or "", "; ".join(t.label for t in d.deciding)))
            decided[key] = results
        for role, (decision, blocked_by, statements) in zip(role_arns, decided[key], strict=True):
            yield {"principal_arn": pp.arn, "role_arn": role, "decision": decision, "blocked_by": blocked_by,
                   "statements": statements}


def evaluate_matrix(target: Any, service: str = "glue.amazonaws.com", mfa: str = "absent"):
    """The matrix as a DataFrame with :data:`MATRIX_COLUMNS`."""
    import pandas as pd

    return pd.DataFrame(list(iter_matrix(target, service, mfa)), columns=MATRIX_COLUMNS)
