"""Federated users (``arn:aws:sts::ACCOUNT:federated-user/NAME``, from ``sts:GetFederationToken``): their
permissions are the calling IAM user's policies intersected with the session policy passed then (IAM User
Guide, "Permissions for GetFederationToken"); IAM records neither, so the kit says what to investigate instead.
"""

from __future__ import annotations

from typing import Any

from glue_iam_kit.engine.context import ContextValue
from glue_iam_kit.errors import KitError
from glue_iam_kit.principals.base import PrincipalPolicies


class FederatedUserKind:
    name = "federated-user"
    noun = "federated user"
    arn_types = ("federated-user",)
    has_groups = False
    scp_exempt = False
    changeable = False
    why_unchangeable = "a federated user has no policies of its own: change the IAM user that federates it"
    aws_principal_type = "FederatedUser"
    mfa_advice = "credentials from a user signed in with MFA"

    def recognises(self, entity: dict[str, Any]) -> bool:
        return False

    def gather(self, target: Any, name: str) -> PrincipalPolicies:
        raise KitError(f"federated user {name!r}: its permissions are those of the IAM user that called "
                       "sts:GetFederationToken, intersected with the session policy passed then, which IAM does not "
                       "record: investigate that IAM user (--user NAME) and the session policy it passes")

    def context_values(self, pp: PrincipalPolicies) -> list[ContextValue]:
        return []

    def fix_target(self, pp: PrincipalPolicies, probe_action: str) -> tuple[str, str]:
        return "federated-user", pp.name


KIND = FederatedUserKind()
