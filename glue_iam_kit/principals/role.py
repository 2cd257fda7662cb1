"""IAM roles as principals: a CI pipeline's role, a role session (an assumed-role ARN resolves to its role)."""

from __future__ import annotations

from typing import Any

from glue_iam_kit.engine.context import ContextValue
from glue_iam_kit.engine.policy import PolicySource
from glue_iam_kit.principals.base import (
    PolicyRecord,
    PrincipalPolicies,
    attempt,
    read_boundary,
    read_managed,
    tag_map,
)


def gather_role(target: Any, role: str) -> PrincipalPolicies:
    """A role's own policies and boundary (when the principal is a role, e.g. a CI pipeline)."""
    r = target.get_role(role)
    pp = PrincipalPolicies("role", r["RoleName"], r["Arn"], r.get("RoleId", ""), tag_map(r))
    p = pp.problems
    pp.records += attempt(p, "list the role's attached policies", lambda: read_managed(
        target, target.list_attached_role_policies(role), None, p))
    pp.records += attempt(p, "list the role's inline policies", lambda: [
        PolicyRecord(PolicySource(n, "role"), doc) for n, doc in target.list_role_inline_policies(role)])
    pp.boundary = read_boundary(target, r, p)
    return pp


class RoleKind:
    name = "role"
    arn_types = ("role", "assumed-role")
    has_groups = False
    aws_principal_type = "AssumedRole"  # a role acts only through a session

    def gather(self, target: Any, name: str) -> PrincipalPolicies:
        return gather_role(target, name)

    def context_values(self, pp: PrincipalPolicies) -> list[ContextValue]:
        # A session's aws:userid is "<role id>:<session name>"; without the session it is unknown, so absent.
        return []

    def fix_target(self, pp: PrincipalPolicies, probe_action: str) -> tuple[str, str]:
        return "role", pp.name


KIND = RoleKind()
