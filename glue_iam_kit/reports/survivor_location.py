"""Where a surviving identifier stands in an anonymised file (for the refusal message): the section (a report's
heading, a findings.json path) and the kind of identifier (a group name, an account id), never the value."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from glue_iam_kit.reports.anonymise import FIXED, NUMBERED

_KINDS = {**{k: f"{v.replace('-', ' ')} name" for k, v in NUMBERED.items()}, "account": "account id",
          "accounts": "account id", "user": "user name", "role": "role name", "job": "job name",
          "profile": "profile name", "investigator": "investigator's name", "paths": "file path",
          "sessions": "session name", "app_ids": "application id", "kms_keys": "KMS key id"}
_HEADING = re.compile(r"^#{1,4} ([^\n]+)$|<h[1-4][^>]*>(.*?)</h[1-4]>", re.MULTILINE | re.DOTALL)


def identifier_kind(value: str, identifiers: dict[str, Any]) -> str:
    """What kind of identifier *value* is (from the key it was given under), without saying it."""
    for key in (*FIXED, *NUMBERED):
        held = identifiers.get(key)
        if value == held or (isinstance(held, list) and value in held):
            return _KINDS.get(key, key)
    if re.fullmatch(r"\d{12}", value):
        return "account id"
    return "access key id" if re.fullmatch(r"A[A-Z0-9]{19}", value) else "identifier"


def _section(text: str, position: int) -> str:
    title = ""
    for m in _HEADING.finditer(text, 0, position):
        title = m.group(1) or re.sub(r"<[^>]+>", "", m.group(2) or "")
    return html.unescape(title).strip() or "the top"


def _json_path(node: Any, value: str, path: str = "") -> str:
    if isinstance(node, str):
        return path if value in node else ""
    items = (node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else [])
    for key, child in items:
        label = (f"{path}.{key}" if isinstance(key, str) else
                 f"{path}[{key}]" + (f" ({child['key']})" if isinstance(child, dict) and "key" in child else ""))
        found = _json_path(child, value, label.lstrip("."))
        if found:
            return found
    return ""


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeio" else "a"


def locate_survivors(text: str, kind: str, survivors: list[str], identifiers: dict[str, Any]) -> list[str]:
    """One line per survivor: ``section '…': a group name`` (json: the path of the value)."""
    out = []
    for value in survivors:
        what = identifier_kind(value, identifiers)
        if kind == "json":
            where = _json_path(json.loads(text), value) or "a value"
            out.append(f"at {where}: {_article(what)} {what}")
            continue
        position = text.find(value)
        if position < 0:
            position = html.unescape(text).find(value)
        out.append(f"section {_section(text, max(position, 0))!r}: {_article(what)} {what}")
    return sorted(set(out))
