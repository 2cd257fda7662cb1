"""Principal kinds, one module each; :func:`gather_principal` reads any of them from a name or an ARN.

To add a kind: a module with a :class:`~glue_iam_kit.principals.kinds.PrincipalKind` named ``KIND``, listed in
:data:`KINDS`.
"""

from __future__ import annotations

from typing import Any

from glue_iam_kit.engine.arns import parse_arn
from glue_iam_kit.errors import ArnError, KitError
from glue_iam_kit.principals import federated, identity_center, role, service_linked, user
from glue_iam_kit.principals.base import PolicyRecord, PrincipalPolicies, gather_scps
from glue_iam_kit.principals.kinds import PrincipalKind

KINDS: dict[str, PrincipalKind] = {k.name: k for k in (user.KIND, role.KIND, identity_center.KIND,
                                                        service_linked.KIND, federated.KIND)}


def kind_named(name: str) -> PrincipalKind:
    return KINDS[name]


def principal_name(name_or_arn: str) -> tuple[PrincipalKind, str, str]:
    """(kind, name, session) of a bare user name or a user, role, assumed-role or federated-user ARN. A role's
    kind is refined once the role is read (Identity Center, service-linked)."""
    if not name_or_arn.startswith("arn:"):
        return user.KIND, name_or_arn, ""
    try:
        arn = parse_arn(name_or_arn)
    except ArnError as exc:
        raise KitError(str(exc)) from None
    if arn.resource_type == "assumed-role":
        # arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION: the role, and who or what acts through it
        parts = arn.resource.split("/", 2)
        return role.KIND, parts[1], parts[2] if len(parts) > 2 else ""
    for kind in KINDS.values():
        if arn.resource_type in kind.arn_types:
            return kind, arn.name, ""
    raise KitError(f"{name_or_arn!r} is not an IAM user, role, role session or federated user ARN")


def gather_principal(target: Any, name_or_arn: str) -> PrincipalPolicies:
    """Any principal (a bare user name, or its ARN), with every policy that applies."""
    kind, name, session = principal_name(name_or_arn)
    pp = kind.gather(target, name)
    pp.session = session
    return pp


__all__ = ["KINDS", "PolicyRecord", "PrincipalKind", "PrincipalPolicies", "gather_principal", "gather_scps",
           "kind_named", "principal_name"]
