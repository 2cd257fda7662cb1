"""IAM Identity Center permission-set roles: ``AWSReservedSSO_<PermissionSet>_<hex>`` under
``/aws-reserved/sso.amazonaws.com/``. AWS refuses changes to these roles (UnmodifiableEntity): their
policies come from the permission set, so a grant belongs on the permission set's inline policy
(``sso-admin put-inline-policy-to-permission-set``, which replaces the whole document, then
``provision-permission-set``), run where Identity Center is administered (IAM Identity Center User Guide,
"Permission sets" and "Referencing permission sets in resource policies").
"""

from __future__ import annotations

import re
from typing import Any

from glue_iam_kit.principals.base import PrincipalPolicies
from glue_iam_kit.principals.role import RoleKind

SSO_PATH_PREFIX = "/aws-reserved/sso.amazonaws.com/"
_ROLE_NAME = re.compile(r"^AWSReservedSSO_(?P<permission_set>.+)_(?P<suffix>[0-9a-f]{16})$")


def permission_set_name(role_name: str) -> str:
    """The permission set a role was provisioned from (``AWSReservedSSO_DataEngineer_0123...`` -> DataEngineer)."""
    m = _ROLE_NAME.match(role_name)
    return m.group("permission_set") if m else ""


class IdentityCenterKind(RoleKind):
    name = "identity-center"
    noun = "Identity Center permission-set role"
    changeable = False
    why_unchangeable = ("AWS refuses changes to Identity Center roles (UnmodifiableEntity): change the permission "
                        "set, where Identity Center is administered")
    mfa_advice = "an Identity Center sign-in with MFA (the session's credentials then carry MFA)"

    def recognises(self, entity: dict[str, Any]) -> bool:
        return entity.get("Path", "/").startswith(SSO_PATH_PREFIX) or bool(permission_set_name(entity.get(
            "RoleName", "")))

    def fix_target(self, pp: PrincipalPolicies, probe_action: str) -> tuple[str, str]:
        return "permission-set", permission_set_name(pp.name) or pp.name


KIND = IdentityCenterKind()
