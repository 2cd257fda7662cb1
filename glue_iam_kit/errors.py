"""The kit's exceptions: each carries a message meant for a person, not a traceback."""

from __future__ import annotations


class KitError(Exception):
    """An error the CLI prints as one clear line (exit status 1)."""


class NotFoundError(KitError):
    """A user, role, group, job, policy or scenario that does not exist in the target."""

    def __init__(self, kind: str, name: str, where: str = "") -> None:
        self.kind, self.name = kind, name
        self.suffix = f" in {where}" if where else ""
        super().__init__(f"{kind} {name!r} not found{self.suffix}")

    @property
    def marked(self) -> str:
        """The message with the name marked by its kind, for reports (:mod:`glue_iam_kit.engine.marks`)."""
        from glue_iam_kit.engine.marks import ident

        kind = {"user": "user", "role": "role", "permission set": "permission-set"}.get(
            self.kind, "job" if self.kind.startswith("Glue ") else "resource")
        return f"{self.kind} '{ident(kind, self.name)}' not found{self.suffix}"


def marked_message(exc: Exception) -> str:
    """*exc*'s message, its identifiers marked where the exception knows them (for reports)."""
    return getattr(exc, "marked", None) or str(exc)


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


class IdentifierSurvived(KitError):
    """The last check found a real identifier in an anonymised file: nothing anonymised is written (the CLI exits
    with :data:`EXIT_IDENTIFIER_SURVIVED`). *where* says in which section and what kind of identifier, never its
    value (this message may end up in a ticket); *notebook* is where the un-anonymised notebook was written."""

    def __init__(self, file: str, where: list[str], notebook: str = "") -> None:
        self.file, self.where, self.notebook = file, where, notebook
        found = "; ".join(where) or "an identifier"
        kept = (f"; the executed notebook (not anonymised: for you only, never to share) is {notebook}" if notebook
                else "")
        super().__init__(
            f"refusing to write {file}: {len(where) or 1} identifier(s) survived anonymisation ({found}). None of "
            f"the anonymised files were written{kept}. Share nothing from this run; report the file, section and "
            "kind above (never the value) as a glue-iam-kit bug, and read the investigation in the notebook")


EXIT_IDENTIFIER_SURVIVED = 3  # the CLI's exit status when IdentifierSurvived: distinct from 1 (could not run)
