"""Service-linked roles (path ``/aws-service-role/``): AWS defines their permissions and only the linked
service may change them, so they are never a fix target; and service control policies never restrict them
(AWS Organizations User Guide, "Service control policies": "SCPs don't affect service-linked roles")."""

from __future__ import annotations

from typing import Any

from glue_iam_kit.principals.base import PrincipalPolicies
from glue_iam_kit.principals.role import RoleKind

SERVICE_ROLE_PATH_PREFIX = "/aws-service-role/"


class ServiceLinkedKind(RoleKind):
    name = "service-linked"
    noun = "service-linked role"
    scp_exempt = True
    changeable = False
    why_unchangeable = ("AWS manages a service-linked role's permissions: only the linked service can change them "
                        "(pass a role of your own instead)")

    def recognises(self, entity: dict[str, Any]) -> bool:
        return entity.get("Path", "/").startswith(SERVICE_ROLE_PATH_PREFIX)

    def fix_target(self, pp: PrincipalPolicies, probe_action: str) -> tuple[str, str]:
        return "service-linked", pp.name


KIND = ServiceLinkedKind()
