"""Principal kinds, one module each; :func:`gather_principal` reads any of them from a name or an ARN.

To add a kind: a module with a :class:`~glue_iam_kit.principals.kinds.PrincipalKind` named ``KIND``, listed in
:data:`KINDS`.
"""

from __future__ import annotations

from typing import Any

from glue_iam_kit.engine.arns import parse_arn
from glue_iam_kit.errors import ArnError, KitError
from glue_iam_kit.principals import role, user
from glue_iam_kit.principals.base import PolicyRecord, PrincipalPolicies, gather_scps
from glue_iam_kit.principals.kinds import PrincipalKind

KINDS: dict[str, PrincipalKind] = {k.name: k for k in (user.KIND, role.KIND)}


def kind_named(name: str) -> PrincipalKind:
    return KINDS[name]


def principal_name(name_or_arn: str) -> tuple[PrincipalKind, str]:
    """(kind, name) of a bare user name or a user, role or assumed-role ARN."""
    if not name_or_arn.startswith("arn:"):
        return user.KIND, name_or_arn
    try:
        arn = parse_arn(name_or_arn)
    except ArnError as exc:
        raise KitError(str(exc)) from None
    for kind in KINDS.values():
        if arn.resource_type in kind.arn_types:
            # arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION names its role second-to-last
            return kind, arn.resource.split("/")[1] if arn.resource_type == "assumed-role" else arn.name
    raise KitError(f"{name_or_arn!r} is neither an IAM user nor a role ARN")


def gather_principal(target: Any, name_or_arn: str) -> PrincipalPolicies:
    """A user (bare name or user ARN) or a role (role or assumed-role ARN), with every policy that applies."""
    kind, name = principal_name(name_or_arn)
    return kind.gather(target, name)


__all__ = ["KINDS", "PolicyRecord", "PrincipalKind", "PrincipalPolicies", "gather_principal", "gather_scps",
           "kind_named", "principal_name"]
