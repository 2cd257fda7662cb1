"""The request context of a principal's iam:PassRole request: the one builder the investigation, the explorer,
the training and the matrix all call.

AWS fills in the principal's own keys on every request (IAM User Guide, "AWS global condition context keys"):
``aws:PrincipalArn``, ``aws:PrincipalAccount``, ``aws:PrincipalType``, ``aws:userid`` (when known) and, for IAM
users, ``aws:username``; ``aws:PrincipalTag/<key>`` for each tag on the principal. ``iam:PassedToService`` is
the service the role is passed to (IAM User Guide, "Granting a user permissions to pass a role").

``aws:MultiFactorAuthPresent`` is *absent* (not false) for calls signed with long-term access keys, so "absent"
is the requester's real context for the CLI; "present" is an MFA session; "false" is what a few tools send.
"""

from __future__ import annotations

from collections.abc import Iterable

from glue_iam_kit.engine.context import ContextValue, RequestContext, context_value
from glue_iam_kit.errors import KitError
from glue_iam_kit.principals.base import PrincipalPolicies

MFA_MODES = ("absent", "present", "false")


def mfa_values(mfa: str) -> list[ContextValue]:
    """aws:MultiFactorAuthPresent for an MFA mode (nothing for long-term keys)."""
    if mfa not in MFA_MODES:
        raise KitError(f"mfa must be one of {', '.join(MFA_MODES)}, not {mfa!r}")
    if mfa == "absent":
        return []
    if mfa == "present":  # an MFA session also carries the seconds since MFA sign-in: at its best, just signed in
        return [context_value("aws:MultiFactorAuthPresent", "true", "boolean"),
                context_value("aws:MultiFactorAuthAge", "0", "numeric")]
    return [context_value("aws:MultiFactorAuthPresent", "false", "boolean")]


def principal_values(pp: PrincipalPolicies) -> list[ContextValue]:
    """The keys AWS fills in for the principal itself."""
    values = [context_value("aws:PrincipalArn", pp.arn), context_value("aws:PrincipalAccount", pp.account),
              context_value("aws:PrincipalType", pp.kind.aws_principal_type)]
    values += pp.kind.context_values(pp)
    values += [context_value(f"aws:PrincipalTag/{key}", value) for key, value in sorted(pp.tags.items())]
    return values


# The condition-key prefixes role_values fills (lower-cased, as keys compare).
RESOURCE_TAG_PREFIXES = ("iam:resourcetag/", "aws:resourcetag/")


def role_values(tags: dict[str, str]) -> list[ContextValue]:
    """The passed role's tags, as ``iam:ResourceTag/<key>`` and ``aws:ResourceTag/<key>`` (the Service
    Authorization Reference lists both for IAM's ``role`` resource type, on which iam:PassRole acts)."""
    out = []
    for key, value in sorted(tags.items()):
        out += [context_value(f"iam:ResourceTag/{key}", value), context_value(f"aws:ResourceTag/{key}", value)]
    return out


def request_context(pp: PrincipalPolicies, service: str, mfa: str = "absent",
                    extra: Iterable[ContextValue] = ()) -> RequestContext:
    """The context of *pp* passing a role to *service*, with MFA as *mfa*; with no *service* (a request that
    passes no role: ``s3:GetObject``, ...) there is no ``iam:PassedToService``."""
    passed = [context_value("iam:PassedToService", service)] if service else []
    return RequestContext([*passed, *principal_values(pp), *mfa_values(mfa), *extra])


__all__ = ["MFA_MODES", "RESOURCE_TAG_PREFIXES", "mfa_values", "principal_values", "request_context",
           "role_values"]
