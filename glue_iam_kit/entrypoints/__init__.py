"""Glue entry points: the Glue resources that run as a role. One module each, listed in :data:`ENTRY_POINTS`;
:func:`entry_point_for` picks one from the operation an error names."""

from __future__ import annotations

from glue_iam_kit.entrypoints import crawler, dev_endpoint, job, ml_transform, session
from glue_iam_kit.entrypoints.base import EntryPoint

ENTRY_POINTS: dict[str, EntryPoint] = {e.name: e for e in (job.ENTRY_POINT, crawler.ENTRY_POINT, session.ENTRY_POINT,
                                                            dev_endpoint.ENTRY_POINT, ml_transform.ENTRY_POINT)}


def entry_point_for(operation: str) -> EntryPoint | None:
    """The entry point whose Glue calls include *operation* (``UpdateCrawler``, ``createSession``...)."""
    op = operation[:1].upper() + operation[1:]
    return next((e for e in ENTRY_POINTS.values() if op in e.passing_operations), None)


__all__ = ["ENTRY_POINTS", "EntryPoint", "entry_point_for"]
