"""A step's outcome, and a step of the procedure as data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class Outcome:
    """What a step found; the runner adds the step's number, key and title."""

    status: str
    summary: str
    evidence: pd.DataFrame | None = None
    details: dict[str, Any] = field(default_factory=dict)
    title: str = ""  # a narrower title for this outcome (e.g. "Groups" when there are none)


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
