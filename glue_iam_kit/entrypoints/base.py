"""What a Glue entry point is: a Glue resource that runs as a role, the Glue calls that pass it, and how to read
which role it uses. One module per entry point; :data:`glue_iam_kit.entrypoints.ENTRY_POINTS` lists them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EntryPoint:
    name: str  # the parameter and CLI option: job
    noun: str  # wording: "Glue job"
    passing_operations: tuple[str, ...]  # the Glue calls that pass the role (iam:PassRole is checked on these)
    # A Glue action every user of this entry point needs: the group that allows it is where a fix belongs.
    probe_action: str
    fetch: Callable[[Any, str], Any]  # (target, name) -> one-row DataFrame: role_as_stored, role_arn, role_name
    list_names: Callable[[Any], list[str]]  # (target) -> every resource name (for dropdowns, anonymisation)
