"""Decisions with their trace, as data (renderings: :mod:`glue_iam_kit.engine.explain`).

Every decision says, for each policy and statement, whether action, resource (and principal) and each
condition matched, with the request value against the policy value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glue_iam_kit.engine.conditions import ConditionTrace
from glue_iam_kit.engine.marks import ident
from glue_iam_kit.engine.policy import PolicySource, Statement, unmarked

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitDeny", "implicitDeny"


@dataclass(frozen=True, slots=True)
class StatementTrace:
    """How one statement fared against one request."""

    source: PolicySource
    statement: Statement
    action: str
    action_matched: bool
    matched: bool = False  # action, resource, principal and every condition matched
    resource: str = ""
    resource_matched: bool | None = None  # None: not evaluated (the action did not match)
    unresolved: tuple[str, ...] = ()  # policy variables in Resource without a value
    principal_matched: bool | None = None  # resource-based policies only
    principal_reason: str = ""
    conditions: tuple[ConditionTrace, ...] = ()
    missing_keys: tuple[str, ...] = ()

    @property
    def index(self) -> int:
        return self.statement.index

    @property
    def sid(self) -> str | None:
        return self.statement.sid

    @property
    def effect(self) -> str:
        return self.statement.effect

    @property
    def action_reason(self) -> str:
        # Derived on demand: most statements never need their reason formatted.
        patterns = ", ".join(p.raw for p in self.statement.actions)
        if self.statement.not_action:
            return (f"action {self.action} is excluded by NotAction [{patterns}]" if not self.action_matched
                    else f"action {self.action} is not in NotAction [{patterns}]")
        return (f"action {self.action} matches [{patterns}]" if self.action_matched
                else f"action {self.action} does not match [{patterns}]")

    @property
    def resource_reason(self) -> str:
        return self._resource_reason(False)

    def _resource_reason(self, marked: bool) -> str:
        st = self.statement
        if st.resources is None:
            return "no Resource element: the policy's own resource"
        mark = ident if marked else unmarked
        patterns = ", ".join(mark("arn", p.raw) for p in st.resources)
        hit = self.resource_matched != st.not_resource
        resource = mark("arn", self.resource)
        if st.not_resource:
            text = f"resource {resource} {'is' if hit else 'is not'} in NotResource [{patterns}]"
        else:
            text = f"resource {resource} {'matches' if hit else 'does not match'} [{patterns}]"
        if self.unresolved:
            text += f" (no value for {', '.join('${' + k + '}' for k in self.unresolved)})"
        return text

    @property
    def label(self) -> str:
        return self.source.label + self._statement_label(unmarked)

    @property
    def marked_label(self) -> str:
        """:attr:`label` with its names marked (:mod:`glue_iam_kit.engine.marks`), for reports."""
        return self.source.marked_label + self._statement_label(ident)

    def _statement_label(self, mark: Any) -> str:
        return f" statement {self.index + 1}" + (f" ({mark('sid', self.sid)})" if self.sid else "")

    @property
    def failures(self) -> list[str]:
        """Why this statement did not apply, one reason per failed part; empty when it matched."""
        return self._failures(False)

    @property
    def marked_failures(self) -> list[str]:
        """:attr:`failures` with the values marked, for reports."""
        return self._failures(True)

    def _failures(self, marked: bool) -> list[str]:
        out = []
        if not self.action_matched:
            out.append(self.action_reason)
            return out
        if self.resource_matched is False:
            out.append(self._resource_reason(marked))
        if self.principal_matched is False:
            out.append(self.principal_reason)
        out.extend(c.marked_reason if marked else c.reason for c in self.conditions if not c.matched)
        return out

    @property
    def distance(self) -> int:
        """How far from applying: the number of failed parts (for ranking the nearest allows), counted as
        :attr:`failures` lists them but without formatting their reasons."""
        if not self.action_matched:
            return 1
        return ((self.resource_matched is False) + (self.principal_matched is False)
                + sum(not c.matched for c in self.conditions))


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one request (action × resource) with its whole trace."""

    action: str
    resource: str
    decision: str  # allowed | explicitDeny | implicitDeny
    blocked_by: str | None  # identity | boundary | scp | resource (None when allowed)
    deciding: tuple[StatementTrace, ...]  # the matched denies, or the allows that granted
    evaluated: tuple[StatementTrace, ...]  # the statements whose action matched, fully evaluated
    nearest_allows: tuple[StatementTrace, ...] = ()
    missing_context: tuple[str, ...] = ()
    allowed_by_boundary: bool | None = None  # None: no boundary in play
    allowed_by_organizations: bool | None = None  # None: no SCPs in play
    notes: tuple[str, ...] = field(default=())
    policies: Any = field(default=None, repr=False, compare=False)  # the PolicySet, for the full listing

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED

    @property
    def statements(self) -> tuple[StatementTrace, ...]:
        """Every statement of every policy consulted, in evaluation order (SCPs, resource, identity, boundary).

        Statements whose action did not match are listed without further evaluation; they are built here, on
        demand, because most decisions are never listed in full.
        """
        ps = self.policies
        if ps is None:
            return self.evaluated
        ordered = [p for level in ps.scp_levels for p in level]
        ordered += ([ps.resource] if ps.resource is not None else []) + list(ps.identity) + list(ps.boundary)
        by_statement = {id(t.statement): t for t in self.evaluated}
        return tuple(by_statement.get(id(st)) or StatementTrace(pol.source, st, self.action, False)
                     for pol in ordered for st in pol.statements)

    def __bool__(self) -> bool:  # pragma: no cover - guard against "if decision:" mistakes
        raise TypeError("a Decision is not a bool: use decision.allowed or decision.decision")
