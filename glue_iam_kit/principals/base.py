"""What every principal kind shares: its policies as records with their source, the permissions boundary kept
apart, the SCP levels above it, and the problems met reading them.

A policy that cannot be read (the investigator's own AccessDenied, a snapshot without it) is recorded as a
problem, not dropped silently. Each kind (``user``, ``role``) is one module beside this one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glue_iam_kit.engine.arns import parse_arn
from glue_iam_kit.engine.evaluator import PolicySet
from glue_iam_kit.engine.marks import ident
from glue_iam_kit.engine.policy import Policy, PolicySource, parse_policy

if TYPE_CHECKING:
    from glue_iam_kit.principals.kinds import PrincipalKind
from glue_iam_kit.errors import CouldNotCheck


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

    principal_type: str  # the kind's name (see glue_iam_kit.principals.KINDS)
    name: str
    arn: str
    unique_id: str = ""  # UserId / RoleId (AIDA..., AROA...): aws:userid
    tags: dict[str, str] = field(default_factory=dict)  # aws:PrincipalTag/*
    path: str = "/"
    session: str = ""  # a role session's name (from an assumed-role ARN), when known
    records: list[PolicyRecord] = field(default_factory=list)
    boundary: PolicyRecord | None = None
    groups: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "could not check" notes
    unreadable: str | None = None  # why the principal itself could not be read (its policies are unknown)

    @property
    def account(self) -> str:
        return parse_arn(self.arn).account

    @property
    def kind(self) -> PrincipalKind:
        from glue_iam_kit.principals import kind_named

        return kind_named(self.principal_type)

    @property
    def managed_by(self) -> str:
        """The infrastructure-as-code owner its tags name ("CloudFormation stack X"), or ""."""
        return iac_owner(self.tags)

    def policy_set(self, scp_levels: list[list[PolicyRecord]] | None = None, extra: list[PolicyRecord] = ()) \
            -> PolicySet:
        """Compile into a :class:`PolicySet` (raises PolicyError naming a malformed policy). SCPs are left out
        for a kind they never apply to (service-linked roles)."""
        levels = [] if self.kind.scp_exempt else scp_levels or []
        return PolicySet(
            identity=tuple(r.compile() for r in [*self.records, *extra]),
            boundary=(self.boundary.compile(),) if self.boundary else (),
            scp_levels=tuple(tuple(r.compile() for r in level) for level in levels),
        )


# CloudFormation tags every resource of a stack with these (AWS CloudFormation User Guide, "Resource tag");
# Terraform and CDK have no tag of their own, so only these are certain.
CLOUDFORMATION_STACK_TAG = "aws:cloudformation:stack-name"


def iac_owner(tags: dict[str, str]) -> str:
    """"CloudFormation stack NAME" when the tags say a stack manages the entity, else ""."""
    stack = tags.get(CLOUDFORMATION_STACK_TAG)
    return f"CloudFormation stack {stack}" if stack else ""


def marked_owner(owner: str) -> str:
    """*owner* (:func:`iac_owner`) with the stack name marked for the anonymiser (:mod:`glue_iam_kit.engine.marks`)."""
    prefix = "CloudFormation stack "
    return prefix + ident("stack", owner.removeprefix(prefix)) if owner.startswith(prefix) else owner


def managed_type(arn: str) -> str:
    """``aws-managed`` for ``arn:aws:iam::aws:policy/...``, else ``user-managed``."""
    return "aws-managed" if arn.split(":")[4:5] == ["aws"] else "user-managed"


def managed_source(attached: dict[str, str], via_group: str | None = None) -> PolicySource:
    """Where an attached managed policy comes from (``AttachedManagedPolicies`` entry; name derived from the ARN
    when absent)."""
    arn = attached["PolicyArn"]
    return PolicySource(attached.get("PolicyName") or arn.rsplit("/", 1)[-1], managed_type(arn), arn=arn,
                        via_group=via_group, attachment="managed")


def tag_map(entity: dict[str, Any]) -> dict[str, str]:
    """``Tags`` ([{Key, Value}], as IAM returns them) as a dict."""
    return {t["Key"]: t.get("Value", "") for t in entity.get("Tags") or [] if isinstance(t, dict) and "Key" in t}


def read_managed(target: Any, attached: list[dict[str, str]], via_group: str | None,
             problems: list[str]) -> list[PolicyRecord]:
    out = []
    for a in attached:
        source = managed_source(a, via_group)
        try:
            _, doc = target.get_managed_policy(a["PolicyArn"])
        except CouldNotCheck as exc:
            problems.append(f"could not read managed policy {ident('policy', source.name)}: {exc}")
            continue
        out.append(PolicyRecord(source, doc))
    return out


def read_boundary(target: Any, entity: dict[str, Any], problems: list[str]) -> PolicyRecord | None:
    arn = (entity.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if not arn:
        return None
    try:
        _, doc = target.get_managed_policy(arn)
    except CouldNotCheck as exc:
        problems.append(f"could not read the permissions boundary {ident('arn', arn)}: {exc}")
        return None
    return PolicyRecord(PolicySource(arn.rsplit("/", 1)[-1], "boundary", "boundary", arn=arn, attachment="managed"),
                        doc)


def attempt(problems: list[str], what: str, read: Callable[[], list[Any]]) -> list[Any]:
    """*read*, or an empty list and a "could not <what>" problem when the target cannot answer."""
    try:
        return read()
    except CouldNotCheck as exc:
        problems.append(f"could not {what}: {exc}")
        return []


def gather_scps(target: Any) -> list[list[PolicyRecord]]:
    """SCP levels (root first) as records; raises CouldNotCheck when Organizations cannot be read."""
    levels = []
    for n, level in enumerate(target.service_control_policies(), start=1):
        levels.append([PolicyRecord(PolicySource(name, "scp", "scp", scp_level=n, attachment="managed"), doc)
                       for name, doc in level])
    return levels
