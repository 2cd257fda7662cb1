"""Gather every policy that applies to a principal, through any target (no boto3 here).

A user's policies are its own attached and inline ones plus, for each of its groups, the group's attached
and inline ones; a role's are its own. The permissions boundary is kept apart. A policy that cannot be read
(the investigator's own AccessDenied, a snapshot without it) is recorded as a problem, not dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from glue_iam_kit.engine.arns import parse_arn
from glue_iam_kit.engine.evaluator import PolicySet
from glue_iam_kit.engine.policy import Policy, PolicySource, parse_policy
from glue_iam_kit.errors import ArnError, CouldNotCheck, KitError


@dataclass(frozen=True)
class PolicyRecord:
    """A policy document and where it came from."""

    source: PolicySource
    document: dict[str, Any]

    def compile(self) -> Policy:
        return parse_policy(self.document, self.source)


@dataclass
class PrincipalPolicies:
    """Everything that decides what a user or role may do."""

    principal_type: str  # user | role
    name: str
    arn: str
    records: list[PolicyRecord] = field(default_factory=list)
    boundary: PolicyRecord | None = None
    groups: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "could not check" notes
    unreadable: str | None = None  # why the principal itself could not be read (its policies are unknown)

    @property
    def account(self) -> str:
        return parse_arn(self.arn).account

    def policy_set(self, scp_levels: list[list[PolicyRecord]] | None = None, extra: list[PolicyRecord] = ()) \
            -> PolicySet:
        """Compile into a :class:`PolicySet` (raises PolicyError naming a malformed policy)."""
        return PolicySet(
            identity=tuple(r.compile() for r in [*self.records, *extra]),
            boundary=(self.boundary.compile(),) if self.boundary else (),
            scp_levels=tuple(tuple(r.compile() for r in level) for level in scp_levels or []),
        )


def managed_type(arn: str) -> str:
    """``aws-managed`` for ``arn:aws:iam::aws:policy/...``, else ``user-managed``."""
    return "aws-managed" if arn.split(":")[4:5] == ["aws"] else "user-managed"


def managed_source(attached: dict[str, str], via_group: str | None = None) -> PolicySource:
    """Where an attached managed policy comes from (``AttachedManagedPolicies`` entry; name derived from the ARN
    when absent)."""
    arn = attached["PolicyArn"]
    return PolicySource(attached.get("PolicyName") or arn.rsplit("/", 1)[-1], managed_type(arn), arn=arn,
                        via_group=via_group, attachment="managed")


def _managed(target: Any, attached: list[dict[str, str]], via_group: str | None,
             problems: list[str]) -> list[PolicyRecord]:
    out = []
    for a in attached:
        source = managed_source(a, via_group)
        try:
            _, doc = target.get_managed_policy(a["PolicyArn"])
        except CouldNotCheck as exc:
            problems.append(f"could not read managed policy {source.name}: {exc}")
            continue
        out.append(PolicyRecord(source, doc))
    return out


def _boundary(target: Any, entity: dict[str, Any], problems: list[str]) -> PolicyRecord | None:
    arn = (entity.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if not arn:
        return None
    try:
        _, doc = target.get_managed_policy(arn)
    except CouldNotCheck as exc:
        problems.append(f"could not read the permissions boundary {arn}: {exc}")
        return None
    return PolicyRecord(PolicySource(arn.rsplit("/", 1)[-1], "boundary", "boundary", arn=arn, attachment="managed"),
                        doc)


def _attempt(problems: list[str], what: str, read: Callable[[], list[Any]]) -> list[Any]:
    """*read*, or an empty list and a "could not <what>" problem when the target cannot answer."""
    try:
        return read()
    except CouldNotCheck as exc:
        problems.append(f"could not {what}: {exc}")
        return []


def gather_user(target: Any, user: str) -> PrincipalPolicies:
    """A user's own and its groups' policies, and its boundary. Raises NotFoundError for an unknown user."""
    u = target.get_user(user)
    pp = PrincipalPolicies("user", u["UserName"], u["Arn"])
    p = pp.problems
    pp.records += _attempt(p, "list the user's attached policies", lambda: _managed(
        target, target.list_attached_user_policies(user), None, p))
    pp.records += _attempt(p, "list the user's inline policies", lambda: [
        PolicyRecord(PolicySource(n, "user"), doc) for n, doc in target.list_user_inline_policies(user)])
    pp.groups = _attempt(p, "list the user's groups", lambda: target.list_groups_for_user(user))
    for gname in [g["GroupName"] for g in pp.groups]:
        pp.records += _attempt(p, f"list group {gname}'s attached policies", lambda g=gname: _managed(
            target, target.list_attached_group_policies(g), g, p))
        pp.records += _attempt(p, f"list group {gname}'s inline policies", lambda g=gname: [
            PolicyRecord(PolicySource(n, "group", via_group=g), doc)
            for n, doc in target.list_group_inline_policies(g)])
    pp.boundary = _boundary(target, u, p)
    return pp


def gather_role(target: Any, role: str) -> PrincipalPolicies:
    """A role's own policies and boundary (when the principal is a role, e.g. a CI pipeline)."""
    r = target.get_role(role)
    pp = PrincipalPolicies("role", r["RoleName"], r["Arn"])
    p = pp.problems
    pp.records += _attempt(p, "list the role's attached policies", lambda: _managed(
        target, target.list_attached_role_policies(role), None, p))
    pp.records += _attempt(p, "list the role's inline policies", lambda: [
        PolicyRecord(PolicySource(n, "role"), doc) for n, doc in target.list_role_inline_policies(role)])
    pp.boundary = _boundary(target, r, p)
    return pp


def gather_principal(target: Any, name_or_arn: str) -> PrincipalPolicies:
    """A user (bare name or user ARN) or a role (role or assumed-role ARN)."""
    if not name_or_arn.startswith("arn:"):
        return gather_user(target, name_or_arn)
    try:
        arn = parse_arn(name_or_arn)
    except ArnError as exc:
        raise KitError(str(exc)) from None
    if arn.resource_type == "user":
        return gather_user(target, arn.name)
    if arn.resource_type == "role":
        return gather_role(target, arn.name)
    if arn.resource_type == "assumed-role":
        return gather_role(target, arn.resource.split("/")[1])
    raise KitError(f"{name_or_arn!r} is neither an IAM user nor a role ARN")


def gather_scps(target: Any) -> list[list[PolicyRecord]]:
    """SCP levels (root first) as records; raises CouldNotCheck when Organizations cannot be read."""
    levels = []
    for n, level in enumerate(target.service_control_policies(), start=1):
        levels.append([PolicyRecord(PolicySource(name, "scp", "scp", scp_level=n, attachment="managed"), doc)
                       for name, doc in level])
    return levels
