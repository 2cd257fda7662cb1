"""A step's outcome, and a step of the procedure as data.

A step is a function of the gathered evidence (and of the outcomes of the steps it builds on, which the runner
supplies) that *returns* everything it found: its finding, the verdicts it reached, the simulation layers, the
fix and its what-if, security findings, a verification. Nothing is written into shared state, so running a
step twice, or after a skipped one, gives the same result as a clean run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from glue_iam_kit.model import VERDICTS

if TYPE_CHECKING:
    from glue_iam_kit.diagnosis.layers import Layer


@dataclass
class Outcome:
    """What a step found; the runner adds the step's number, key and title."""

    status: str
    summary: str
    evidence: pd.DataFrame | None = None
    details: dict[str, Any] = field(default_factory=dict)
    title: str = ""  # a narrower title for this outcome (e.g. "Groups" when there are none)
    verdicts: list[dict[str, Any]] = field(default_factory=list)  # the verdicts this step reached
    layers: list[Layer] | None = None  # the simulations (None: not this step's business)
    fix: dict[str, Any] | None = None
    what_if: list[dict[str, Any]] = field(default_factory=list)
    security: list[dict[str, Any]] = field(default_factory=list)
    verification: dict[str, Any] = field(default_factory=dict)


class InvestigationView(Protocol):
    """What a step reads of the investigation running it (the runner, :mod:`glue_iam_kit.diagnosis.investigation`,
    provides it; the steps never import the runner): the evidence, the outcomes of other steps (computed when
    skipped), and, for training and the verdict, what was found so far."""

    evidence: Any
    prediction: dict[str, str]
    findings: list[Any]

    def outcome(self, key: str) -> Outcome: ...

    def title_of(self, key: str) -> str: ...

    def document(self) -> Any: ...  # findings so far, with the incident (the layer that decided the request)

    @property
    def verdicts(self) -> list[dict[str, Any]]: ...

    @property
    def layers(self) -> list[Any]: ...


def make_verdict(name: str, **details: Any) -> dict[str, Any]:
    """A verdict (one of VERDICTS) with its details."""
    if name not in VERDICTS:
        raise ValueError(f"not a verdict: {name}")
    return {"verdict": name, **details}


@dataclass(frozen=True)
class Step:
    number: int
    key: str
    title: str  # may name {service}, {noun} (the principal's kind: user, role, ...), {resource}, {request}
    run: Callable[..., Outcome]

    def title_for(self, service: str, noun: str = "principal", resource: str = "Glue job",
                  request: str = "") -> str:
        request = request or f"iam:PassRole with iam:PassedToService={service}"
        return self.title.format(service=service, noun=noun, resource=resource, request=request)
