"""The findings schema as types: one spelling of every word the kit writes.

Everything that reaches ``findings.json``, the reports, the notebook and the CLI is named here once: the step
statuses, the verdicts, the decisions (AWS's simulator words, from the engine), the action under
investigation, the rule to keep, and the typed findings document (``glue-iam-kit/findings@1``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from glue_iam_kit.engine.decision import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY

PASSROLE = "iam:PassRole"
GLUE_SERVICE = "glue.amazonaws.com"

# A step's status.
OK, PROBLEM, COULD_NOT_CHECK, INFO = "ok", "problem", "could not check", "info"
STATUSES = (OK, PROBLEM, COULD_NOT_CHECK, INFO)

# A pair's decision: the simulator's three words, and one for "could not be decided" in the same camelCase
# spelling (the matrix's decision column); as a status it is COULD_NOT_CHECK.
DECISION_COULD_NOT_CHECK = "couldNotCheck"
DECISIONS = (ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, DECISION_COULD_NOT_CHECK)

# The verdicts, in the order of the procedure (several may hold at once).
VERDICTS = ("wrong-account", "role-not-found", "job-uses-other-role", "trust-missing-service", "explicit-deny",
            "no-allow", "allowed", "evidence-disagrees")

RULE = ("glue:* or AWSGlueConsoleFullAccess is not \"may pass any Glue role\": iam:PassRole is its own action, and "
        "the managed policy only covers roles named AWSGlueServiceRole*. Grant iam:PassRole on exactly the runtime "
        "role the job needs, only to glue.amazonaws.com.")

# The rule when the error is about another action (the runtime role's own access, e.g. s3:GetObject in a run).
ACTION_RULE = ("A Glue job's runtime role needs its own grants for what the job reads and writes: passing the role "
               "(iam:PassRole) only lets Glue start the run. Grant the runtime role exactly the actions and paths the "
               "job uses, in the same change that points the job at new data.")


# The rule when the role is passed to another service than Glue (a Lambda function's, an ECS task's role).
PASSROLE_RULE = ("A service's full-access policy is not \"may pass any role to it\": iam:PassRole is its own action. "
                 "Grant iam:PassRole on exactly the role the resource needs, only to the service that uses it "
                 "(iam:PassedToService).")


def rule_for(action: str, service: str = GLUE_SERVICE) -> str:
    """The rule to keep next time, for the denied *action* (and the service a role is passed to)."""
    if action.lower() != PASSROLE.lower():
        return ACTION_RULE
    return RULE if service == GLUE_SERVICE else PASSROLE_RULE


FINDINGS_FORMAT = "glue-iam-kit/findings@1"


def could_not_check(why: str) -> str:
    """The one spelling of a step summary that could not be checked."""
    return f"{COULD_NOT_CHECK}: {why}"


@dataclass
class Finding:
    """One step's outcome: status, summary, evidence (a DataFrame) and details (data, for findings.json).

    Renderings live in :mod:`glue_iam_kit.reports.finding`, which registers them in :data:`FINDING_RENDERERS`.
    """

    step: int
    key: str
    title: str
    status: str
    summary: str
    evidence: Any = None  # pandas.DataFrame | None
    details: dict[str, Any] = field(default_factory=dict)
    reproduce: list[str] = field(default_factory=list)  # the AWS CLI commands that reproduce the evidence

    @property
    def frame(self) -> Any:
        """The evidence (a DataFrame, or None): the name the Python API uses."""
        return self.evidence

    # The summary as the step wrote it, identifiers marked (glue_iam_kit.engine.marks): what findings.json
    # carries to the anonymiser. ``summary`` is what people read.
    marked_summary: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        from glue_iam_kit.engine.marks import has_marks, strip_marks

        if has_marks(self.summary):
            self.marked_summary, self.summary = self.summary, strip_marks(self.summary)

    def shown_evidence(self) -> Any:
        """The evidence without whole policy documents (kept in ``evidence`` for the notebook, too wide to show)."""
        if self.evidence is None:
            return None
        return self.evidence.drop(columns=[col for col in ("document",) if col in self.evidence.columns])

    def evidence_records(self) -> list[dict[str, Any]]:
        """The evidence rows as plain data (whole policy documents left out: they are in the notebook)."""
        if self.evidence is None:
            return []
        return json.loads(self.shown_evidence().to_json(orient="records", default_handler=str))

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "key": self.key, "title": self.title, "status": self.status,
                "summary": self.marked_summary or self.summary, "evidence": self.evidence_records(),
                "details": self.details, "reproduce": list(self.reproduce)}

    def _repr_html_(self) -> str | None:
        render = FINDING_RENDERERS.get("html")
        return render(self) if render else None  # None: Jupyter shows the text form

    def __repr__(self) -> str:
        render = FINDING_RENDERERS.get("text")
        return render(self) if render else f"[{self.status}] {self.summary}"


# How people see a Finding (Jupyter's HTML, the text repr): registered by the presentation layer
# (glue_iam_kit.reports.finding, loaded by the Python API and the notebooks), so that this module holds data only.
FINDING_RENDERERS: dict[str, Callable[[Finding], str]] = {}


@dataclass
class Findings:
    """``findings.json``: the verdicts, every step, every simulation, the fix, its what-if and verification, the
    security findings, the AWS call tally and the rule. Reads ``findings@1`` (absent keys get their empty value).
    """

    verdicts: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    simulations: list[dict[str, Any]] = field(default_factory=list)
    fix: dict[str, Any] | None = None
    what_if: list[dict[str, Any]] = field(default_factory=list)
    verification: dict[str, Any] = field(default_factory=dict)
    security: list[dict[str, Any]] = field(default_factory=list)
    aws_calls: dict[str, int] = field(default_factory=dict)
    rule: str = RULE
    generated_at: str = ""  # when the investigation ran (UTC, ISO 8601): the postmortem's timeline
    event: dict[str, Any] | None = None  # the CloudTrail event investigated (time, context), when one was
    # The incident the prose is derived from: the request, the layer that decided it (``decided_by``), the other
    # layers, the fix's status (glue_iam_kit.diagnosis.incident). Absent in older findings@1: derived again.
    incident: dict[str, Any] | None = None
    format: str = FINDINGS_FORMAT

    def to_dict(self) -> dict[str, Any]:
        """The JSON document, keys in the order findings@1 has always had."""
        data = {"format": self.format}
        data.update({f.name: getattr(self, f.name) for f in fields(self) if f.name != "format"})
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Findings:
        from glue_iam_kit.errors import KitError

        if data.get("format", FINDINGS_FORMAT) != FINDINGS_FORMAT:
            raise KitError(f"unknown findings format {data.get('format')!r}; expected {FINDINGS_FORMAT}")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def verdict_names(self) -> list[str]:
        return [v["verdict"] for v in self.verdicts]

    def step(self, key: str) -> dict[str, Any] | None:
        """The step with *key* (``failure``, ``account``, ..., ``verdict``), or None."""
        return next((s for s in self.steps if s["key"] == key), None)
