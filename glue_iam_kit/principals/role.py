"""IAM roles as principals: a CI pipeline's role, a role session (an assumed-role ARN resolves to its role and
keeps its session name). Reading a role also tells its kind: a role under ``/aws-reserved/sso.amazonaws.com/``
is an Identity Center permission-set role, one under ``/aws-service-role/`` a service-linked role."""

from __future__ import annotations

from typing import Any

from glue_iam_kit.engine.context import ContextValue, context_value
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
    pp = PrincipalPolicies(role_kind(r), r["RoleName"], r["Arn"], r.get("RoleId", ""), tag_map(r), r.get("Path", "/"))
    p = pp.problems
    pp.records += attempt(p, "list the role's attached policies", lambda: read_managed(
        target, target.list_attached_role_policies(role), None, p))
    pp.records += attempt(p, "list the role's inline policies", lambda: [
        PolicyRecord(PolicySource(n, "role"), doc) for n, doc in target.list_role_inline_policies(role)])
    pp.boundary = read_boundary(target, r, p)
    return pp


def role_kind(entity: dict[str, Any]) -> str:
    """The kind of a role, from its path and name (IAM User Guide: "Service-linked roles" live under
    /aws-service-role/; IAM Identity Center creates AWSReservedSSO_* roles under /aws-reserved/sso.amazonaws.com/)."""
    from glue_iam_kit.principals import identity_center, service_linked

    for kind in (service_linked.KIND, identity_center.KIND):
        if kind.recognises(entity):
            return kind.name
    return "role"


class RoleKind:
    name = "role"
    noun = "role"
    arn_types = ("role", "assumed-role")
    has_groups = False
    scp_exempt = False
    changeable = True
    why_unchangeable = ""
    aws_principal_type = "AssumedRole"  # a role acts only through a session
    mfa_advice = ("a session whose credentials carry MFA: assume the role with --serial-number/--token-code (or "
                  "through a login that requires MFA)")

    def recognises(self, entity: dict[str, Any]) -> bool:
        return True

    def gather(self, target: Any, name: str) -> PrincipalPolicies:
        return gather_role(target, name)

    def context_values(self, pp: PrincipalPolicies) -> list[ContextValue]:
        # A session's aws:userid is "<role id>:<session name>" (IAM User Guide, "AWS global condition context
        # keys"); without the session it is unknown, so absent.
        if pp.session and pp.unique_id:
            return [context_value("aws:userid", f"{pp.unique_id}:{pp.session}")]
        return []

    def fix_target(self, pp: PrincipalPolicies, probe_action: str) -> tuple[str, str]:
        return "role", pp.name


KIND = RoleKind()
