"""Identifiers marked in the code and data a finding's page shows (pure): the reproduce commands (each value an
option names the kind of, the context entries' values, the policy documents they carry) and JSON held in an
evidence cell (a verdict's details), marked by the same keys the anonymiser of findings.json types
(:data:`glue_iam_kit.reports.typed.KEY_KINDS`). The notebook shows them as they are (marks are invisible spans);
the anonymiser of the investigation-form page replaces exactly them, by type: a group named ``Policy`` or a tag
value ``security``, words the text scan leaves alone, are replaced there too.
"""

from __future__ import annotations

import json
import re
from typing import Any

from glue_iam_kit.diagnosis.reproduce import OPTION_KINDS
from glue_iam_kit.engine.marks import ident

# One shell word as shlex.quote writes it: bare, or single-quoted pieces joined ('it'"'"'s').
_WORD = re.compile(r"(?:'[^']*'|\"(?:[^\"\\]|\\.)*\"|\\.|[^\s'\"\\])+")
_BARE = re.compile(r"[^\s'\"\\]+")
_QUOTED = re.compile(r"'([^']*)'")
# One --context-entries shorthand entry: (prefix, key name, values, suffix).
CONTEXT_ENTRY = re.compile(r"(ContextKeyName=([^,]*),ContextKeyValues=)(.*)(,ContextKeyType=\w+)")


def mark_data(obj: Any, key: str = "") -> Any:
    """A JSON-like value with every identifier marked by its key (a context entry's values by its key)."""
    from glue_iam_kit.reports.typed import KEY_KINDS, context_value_kind

    if isinstance(obj, list):
        return [mark_data(v, key) for v in obj]
    if isinstance(obj, dict):
        if "ContextKeyName" in obj:
            kind = context_value_kind(str(obj["ContextKeyName"]))
            return {**obj, "ContextKeyValues": [ident(kind, v) if isinstance(v, str) else v
                                                for v in obj.get("ContextKeyValues") or []]}
        return {k: _mark_condition(v) if k in ("Condition", "condition") and isinstance(v, dict)
                else mark_data(v, k) for k, v in obj.items()}
    return ident(KEY_KINDS[key], obj) if isinstance(obj, str) and key in KEY_KINDS else obj


def _mark_condition(block: dict[str, Any]) -> dict[str, Any]:
    return {op: {k: [ident("value", x) if isinstance(x, str) else x for x in v] if isinstance(v, list)
                 else ident("value", v) if isinstance(v, str) else v for k, v in (keys or {}).items()}
            if isinstance(keys, dict) else keys for op, keys in block.items()}


def mark_json_text(text: str, condition: bool = False) -> str:
    """*text* marked inside when it is a JSON object or list, written as it was (separators, key order); else as it
    is. With *condition*, *text* is a condition block (a trust table's ``condition`` cell)."""
    if not text.startswith(("{", "[")):
        return text
    try:
        data = json.loads(text)
    except ValueError:
        return text
    for separators, sort_keys in (((",", ":"), False), (None, False), ((",", ":"), True), (None, True)):
        if json.dumps(data, separators=separators, sort_keys=sort_keys, ensure_ascii=False) == text:
            marked = _mark_condition(data) if condition and isinstance(data, dict) else mark_data(data)
            return json.dumps(marked, separators=separators, sort_keys=sort_keys, ensure_ascii=False)
    return text  # written some other way: left to the text scan rather than shown differently


def _mark_value(option: str, value: str) -> str:
    from glue_iam_kit.reports.typed import context_value_kind

    if option in OPTION_KINDS:
        return ident(OPTION_KINDS[option], value)
    entry = CONTEXT_ENTRY.fullmatch(value) if option == "--context-entries" else None
    if entry:
        kind = context_value_kind(entry[2])
        return entry[1] + ",".join(ident(kind, v) for v in entry[3].split(",")) + entry[4]
    return mark_json_text(value)


def mark_command(command: str) -> str:
    """A reproduce command (:func:`glue_iam_kit.diagnosis.reproduce.render_command`) with its values marked; what
    a person sees (marks stripped) is the command as it was."""
    out, last, option = [], 0, ""
    for m in _WORD.finditer(command):
        word = m.group(0)
        out.append(command[last:m.start()])
        last = m.end()
        if word.startswith("--"):
            option = word
            out.append(word)
            continue
        quoted = _QUOTED.fullmatch(word)
        if _BARE.fullmatch(word):
            out.append(_mark_value(option, word) if option else word)
        elif quoted and option:
            out.append("'" + _mark_value(option, quoted.group(1)) + "'")
        else:
            out.append(word)
    return "".join(out) + command[last:]
