"""The request context: typed keys as the AWS simulator's ``ContextEntries`` (pure).

Types (IAM API reference, ContextEntry): string, stringList, numeric, numericList, boolean, booleanList, ip,
ipList, binary, binaryList, date, dateList. Key names are case-insensitive (IAM User Guide, condition
element: "Condition key names are not case-sensitive"). Values are kept as strings, validated by type here.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from glue_iam_kit.errors import ContextError

CONTEXT_TYPES = (
    "string", "stringList", "numeric", "numericList", "boolean", "booleanList",
    "ip", "ipList", "binary", "binaryList", "date", "dateList",
)
_TYPES_BY_LOWER = {t.lower(): t for t in CONTEXT_TYPES}


def parse_date(text: str) -> datetime:
    """ISO 8601 (``2026-06-17T00:00:00Z``, a bare date) or epoch seconds, as AWS's Date operators accept."""
    text = text.strip()
    try:
        if text.lstrip("-").replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(text), tz=UTC)
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, OverflowError, OSError) as exc:
        raise ValueError(f"not a date: {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_bool(text: str) -> bool:
    low = text.strip().lower()
    if low not in ("true", "false"):
        raise ValueError(f"not a boolean: {text!r} (expected true or false)")
    return low == "true"


def parse_binary(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not base64: {text!r}") from exc


def _check_value(base_type: str, value: str) -> None:
    if base_type == "numeric":
        float(value)
    elif base_type == "boolean":
        parse_bool(value)
    elif base_type == "ip":
        ipaddress.ip_network(value, strict=False)
    elif base_type == "date":
        parse_date(value)
    elif base_type == "binary":
        parse_binary(value)


def value_text(value: Any) -> str:
    """A context or policy value as IAM sees it: JSON booleans as ``true``/``false``, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise ValueError(f"not a scalar value: {value!r}")


@dataclass(frozen=True, slots=True)
class ContextValue:
    """One context key: its name as given, its simulator type, and its values as strings."""

    key: str
    type: str
    values: tuple[str, ...]

    @property
    def is_list(self) -> bool:
        return self.type.endswith("List")


class RequestContext:
    """Context keys of one request, looked up case-insensitively. Immutable once built."""

    __slots__ = ("_by_key",)

    def __init__(self, values: Iterable[ContextValue] = ()) -> None:
        self._by_key: dict[str, ContextValue] = {v.key.lower(): v for v in values}

    def get(self, key: str) -> ContextValue | None:
        return self._by_key.get(key.lower())

    def single(self, key_lower: str) -> str | None:
        """The value of a single-valued key (for policy variables); None when absent or multi-valued."""
        entry = self._by_key.get(key_lower)
        if entry is None or len(entry.values) != 1:
            return None
        return entry.values[0]

    def with_values(self, *values: ContextValue) -> RequestContext:
        """A copy with *values* added or replaced."""
        merged = dict(self._by_key)
        for v in values:
            merged[v.key.lower()] = v
        return RequestContext(merged.values())

    def without(self, key: str) -> RequestContext:
        return RequestContext(v for k, v in self._by_key.items() if k != key.lower())

    def __iter__(self):
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: str) -> bool:
        return key.lower() in self._by_key

    def as_entries(self) -> list[dict[str, Any]]:
        """Back to the simulator's ``ContextEntries`` shape."""
        return [
            {"ContextKeyName": v.key, "ContextKeyValues": list(v.values), "ContextKeyType": v.type}
            for v in self._by_key.values()
        ]

    def __repr__(self) -> str:
        return f"RequestContext({self.as_entries()!r})"


def context_value(key: str, values: Any, type_: str = "string") -> ContextValue:
    """Build and validate one :class:`ContextValue`; raise :class:`ContextError` naming the key."""
    canonical = _TYPES_BY_LOWER.get(str(type_).lower())
    if canonical is None:
        raise ContextError(f"context key {key!r}: unknown ContextKeyType {type_!r}; one of {', '.join(CONTEXT_TYPES)}")
    if not isinstance(key, str) or not key:
        raise ContextError(f"context key {key!r}: ContextKeyName must be a non-empty string")
    raw = values if isinstance(values, list | tuple) else [values]
    try:
        texts = tuple(value_text(v) for v in raw)
    except ValueError as exc:
        raise ContextError(f"context key {key!r}: {exc}") from None
    if not canonical.endswith("List") and len(texts) > 1:
        raise ContextError(f"context key {key!r}: type {canonical} takes one value, got {len(texts)}")
    base = canonical.removesuffix("List")
    for text in texts:
        try:
            _check_value(base, text)
        except ValueError as exc:
            raise ContextError(f"context key {key!r} ({canonical}): {exc}") from None
    return ContextValue(key, canonical, texts)


def context_from_entries(entries: Iterable[Mapping[str, Any]] | None) -> RequestContext:
    """Parse simulator-style ``ContextEntries`` into a :class:`RequestContext`."""
    values = []
    for i, entry in enumerate(entries or ()):
        if not isinstance(entry, Mapping) or "ContextKeyName" not in entry:
            raise ContextError(f"ContextEntries[{i}]: expected an object with ContextKeyName")
        values.append(
            context_value(
                entry["ContextKeyName"], entry.get("ContextKeyValues", []), entry.get("ContextKeyType", "string")
            )
        )
    return RequestContext(values)


def _infer_type(value: Any) -> str:
    items = value if isinstance(value, list | tuple) else [value]
    kind = "boolean" if all(isinstance(v, bool) for v in items) else (
        "numeric" if all(isinstance(v, int | float) and not isinstance(v, bool) for v in items) else "string"
    )
    return kind + "List" if isinstance(value, list | tuple) else kind


def context_from_mapping(values: Mapping[str, Any]) -> RequestContext:
    """A convenience for code and notebooks: ``{"aws:MultiFactorAuthPresent": True}``; types inferred."""
    return RequestContext(context_value(k, v, _infer_type(v)) for k, v in values.items())
