"""Glue entry points: the Glue resources that run as a role. One module each, listed in :data:`ENTRY_POINTS`."""

from __future__ import annotations

from glue_iam_kit.entrypoints import job
from glue_iam_kit.entrypoints.base import EntryPoint

ENTRY_POINTS: dict[str, EntryPoint] = {e.name: e for e in (job.ENTRY_POINT,)}

__all__ = ["ENTRY_POINTS", "EntryPoint"]
