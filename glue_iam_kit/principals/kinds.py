"""What a principal kind is: how it is read, the keys AWS puts in its requests, and where a fix for it goes.

One module per kind (:mod:`~glue_iam_kit.principals.user`, :mod:`~glue_iam_kit.principals.role`) provides one
:class:`PrincipalKind`; :data:`glue_iam_kit.principals.KINDS` lists them. Code outside this folder asks the
kind (``pp.kind.has_groups``, ``pp.kind.fix_target(...)``) instead of testing its name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from glue_iam_kit.engine.context import ContextValue
    from glue_iam_kit.principals.base import PrincipalPolicies


class PrincipalKind(Protocol):
    name: str  # the principal_type the findings carry: user | role | identity-center | service-linked | ...
    noun: str  # how the reports call it
    arn_types: tuple[str, ...]  # the ARN resource types that name it (user; role, assumed-role)
    has_groups: bool
    scp_exempt: bool  # service control policies never apply to it
    changeable: bool  # a fix may go on it (AWS accepts a change)
    why_unchangeable: str
    mfa_advice: str  # what satisfies an MFA restriction for it
    # aws:PrincipalType for its requests (IAM User Guide, "AWS global condition context keys"):
    # Account | User | FederatedUser | AssumedRole | Anonymous.
    aws_principal_type: str

    def recognises(self, entity: dict[str, Any]) -> bool:
        """Whether a role read from IAM (path, name) is of this kind."""
        ...

    def gather(self, target: Any, name: str) -> PrincipalPolicies:
        """Read it and every policy that applies to it (raises NotFoundError when it does not exist)."""
        ...

    def context_values(self, pp: PrincipalPolicies) -> list[ContextValue]:
        """The request-context keys only this kind carries (aws:username for a user, ...)."""
        ...

    def fix_target(self, pp: PrincipalPolicies, probe_action: str) -> tuple[str, str]:
        """(user | group | role, name): where a grant for *pp* belongs."""
        ...
