"""The one over-broad-grant rule, shared by the investigation's security finding and the matrix's grants table.

An Allow of iam:PassRole is over-broad when it selects every role of the account, or when it has no
``iam:PassedToService`` condition (any service may receive the role): what IAM Access Analyzer's policy checks
warn about ("Pass role with star in resource"; IAM User Guide, "Granting a user permissions to pass a role
to an AWS service" recommends naming the role and the service).
"""

from __future__ import annotations

from dataclasses import dataclass

from glue_iam_kit.engine.patterns import Lookup, Pattern, Unresolved
from glue_iam_kit.engine.policy import Statement

# Role names no grant targets on purpose: a Resource that selects both selects every role of the account.
_PROBE_ROLE_NAMES = ("a", "service-role/zZ9+=,.@_-probe")


def selects_every_role(statement: Statement, account: str, lookup: Lookup | None = None) -> bool:
    """Whether the statement's Resource (or NotResource) selects every role ARN of *account*."""
    probes = [f"arn:aws:iam::{account}:role/{name}" for name in _PROBE_ROLE_NAMES]
    matched = [any(_matches(p, arn, lookup) for p in statement.resources or ()) for arn in probes]
    return not any(matched) if statement.not_resource else all(matched)


def _matches(pattern: Pattern, arn: str, lookup: Lookup | None) -> bool:
    try:
        return pattern.matches(arn, lookup)
    except Unresolved:  # a variable without a value never matches (the evaluator records the missing key)
        return False


@dataclass(frozen=True)
class Breadth:
    """How broad one PassRole Allow statement is."""

    every_role: bool
    literal_star: bool  # Resource "*" itself
    services: tuple[str, ...]  # the iam:PassedToService values; empty: any service
    not_action: bool  # granted through NotAction

    @property
    def any_service(self) -> bool:
        return not self.services

    @property
    def overbroad(self) -> bool:
        return self.every_role or self.any_service

    @property
    def severity(self) -> str:
        """``high``: every role to any service; ``medium``: one of the two; ``""``: not over-broad."""
        if not self.overbroad:
            return ""
        return "high" if self.every_role and self.any_service else "medium"

    def reasons(self) -> list[str]:
        """One phrase per reason (the matrix's grants table)."""
        out = []
        if self.every_role:
            out.append("Resource selects every role" + (' ("*")' if self.literal_star else ""))
        if self.any_service:
            out.append("no iam:PassedToService condition: any service")
        if out and self.not_action:
            out.append("granted through NotAction")
        return out

    def why(self) -> str:
        """One sentence (the investigation's security finding)."""
        what = ('iam:PassRole on Resource "*"' if self.literal_star else
                "iam:PassRole on every role" if self.every_role else "iam:PassRole")
        return what + (" without an iam:PassedToService condition" if self.any_service else "")


ADVICE = "AWS Access Analyzer warns on this: name the role ARN and add iam:PassedToService"


def evaluate_breadth(statement: Statement, account: str, lookup: Lookup | None = None) -> Breadth:
    """The breadth of an Allow statement that grants iam:PassRole."""
    services = tuple(sorted({v for c in statement.conditions if c.key.lower() == "iam:passedtoservice"
                             for v in c.values}))
    literal_star = not statement.not_resource and any(p.raw == "*" for p in statement.resources or ())
    return Breadth(selects_every_role(statement, account, lookup), literal_star, services, statement.not_action)
