"""The kit's exceptions: each carries a message meant for a person, not a traceback."""

from __future__ import annotations


class KitError(Exception):
    """An error the CLI prints as one clear line (exit status 1)."""


class NotFoundError(KitError):
    """A user, role, group, job, policy or scenario that does not exist in the target."""

    def __init__(self, kind: str, name: str, where: str = "") -> None:
        self.kind, self.name = kind, name
        suffix = f" in {where}" if where else ""
        super().__init__(f"{kind} {name!r} not found{suffix}")


class PolicyError(KitError):
    """A malformed policy document; names the policy and, when known, the statement."""


class ContextError(KitError):
    """A malformed request context entry (ContextEntries)."""


class ArnError(KitError):
    """A malformed ARN."""


class CouldNotCheck(KitError):
    """A step that could not be checked: the investigator's own AccessDenied, throttling, missing data.

    Not fatal: the investigation records ``could not check: <why>`` for the step and goes on.
    """

    def __init__(self, why: str, operation: str | None = None) -> None:
        self.why, self.operation = why, operation
        super().__init__(why)


class MutatingCallBlocked(KitError):
    """A mutating AWS call attempted while the target is read-only (the default)."""
