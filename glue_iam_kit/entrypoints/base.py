"""What a Glue entry point is: a Glue resource that runs as a role, the Glue calls that pass it, and how to read
which role it uses. One module per entry point; :data:`glue_iam_kit.entrypoints.ENTRY_POINTS` lists them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from glue_iam_kit.errors import KitError
from glue_iam_kit.frames import RESOURCE_COLUMNS, make_frame


@dataclass(frozen=True)
class EntryPoint:
    name: str  # the parameter and CLI option: job, crawler, session, dev-endpoint, ml-transform
    noun: str  # wording: "Glue job"
    passing_operations: tuple[str, ...]  # the Glue calls that pass the role (iam:PassRole is checked on these)
    # A Glue action every user of this entry point needs: the group that allows it is where a fix belongs.
    probe_action: str
    fetch: Callable[[Any, str], pd.DataFrame]  # (target, name) -> one row: role_as_stored, role_arn, role_name
    list_names: Callable[[Any], list[str]]  # (target) -> every resource name (for dropdowns, anonymisation)
    identifier_key: str = "jobs"  # where the anonymiser files its names
    columns: tuple[str, ...] = tuple(RESOURCE_COLUMNS)  # the columns fetch returns

    @property
    def create_operations(self) -> tuple[str, ...]:
        """The calls that create the resource: for them it does not exist yet."""
        return tuple(op for op in self.passing_operations if op.startswith("Create"))


def resolve_role(target: Any, stored: str) -> tuple[str, str]:
    """(role ARN, role name) of a role as a Glue resource stores it (a name or an ARN)."""
    if stored.startswith("arn:"):
        return stored, stored.rsplit("/", 1)[-1]
    if not stored:
        return "", ""
    try:
        return target.get_role(stored)["Arn"], stored
    except KitError:
        return "", stored  # the role the resource names does not exist: the investigation reports it


def resource_fetcher(kind: str, role_field: str, name_field: str) -> Callable[[Any, str], pd.DataFrame]:
    """A fetch for a Glue resource *kind* whose role is in *role_field*, with :data:`RESOURCE_COLUMNS`."""

    def fetch(target: Any, name: str) -> pd.DataFrame:
        item = target.get_glue_resource(kind, name)
        stored = item.get(role_field, "")
        role_arn, role_name = resolve_role(target, stored)
        return make_frame([{"kind": kind, "name": item.get(name_field, name), "role_as_stored": stored,
                            "role_arn": role_arn, "role_name": role_name,
                            "last_modified": str(item.get("LastModifiedOn") or item.get("LastUpdated")
                                                 or item.get("LastModifiedTimestamp") or "")}], RESOURCE_COLUMNS)

    return fetch


def name_lister(kind: str, name_field: str) -> Callable[[Any], list[str]]:
    return lambda target: [i[name_field] for i in target.list_glue_resources(kind) if i.get(name_field)]
