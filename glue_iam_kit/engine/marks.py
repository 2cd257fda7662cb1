"""Typed identifiers in prose (pure): where the kit writes a name into a sentence it marks the value with its
kind, so that the anonymiser replaces exactly that value by its placeholder (a typed lookup, never a scan of
the kit's own words) and real renderings show the value as it is.

A mark is ``U+E000 kind U+E001 value U+E002`` (Unicode private-use code points: no name, policy or error text
holds them). :func:`strip_marks` is for every rendering a person sees (the notebook, the explorer, the CLI).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

OPEN, SEP, CLOSE = "\ue000", "\ue001", "\ue002"
# Innermost first: a value holds no mark (see ident), but a label built of marked parts may be marked again.
MARK = re.compile(f"{OPEN}([\\w-]*){SEP}([^{OPEN}{SEP}{CLOSE}]*){CLOSE}")

# The kinds the kit marks (the anonymiser's placeholder labels are chosen from them).
KINDS = ("account", "arn", "principal", "user", "role", "group", "policy", "job", "session", "sid", "tag", "value",
         "path", "bucket", "kms-key", "permission-set", "resource", "stack", "text")


def ident(kind: str, value: Any) -> str:
    """*value* marked as an identifier of *kind* (one of :data:`KINDS`); an empty value stays empty."""
    text = "" if value is None else str(value)
    if not text:
        return text
    text = strip_marks(text)
    if SEP in text or CLOSE in text:  # a real name holding the marks' code points (Glue's names may): a mark would
        return text  # break (shown as "jobname"); unmarked, the anonymiser's net of known names still replaces it
    return f"{OPEN}{kind}{SEP}{text}{CLOSE}"


def has_marks(text: str) -> bool:
    return OPEN in text


def replace_marks(text: str, replace: Callable[[str, str], str]) -> str:
    """*text* with every marked span replaced by ``replace(kind, value)``."""
    if OPEN not in text:
        return text
    for _ in range(4):  # nested marks: innermost first
        text = MARK.sub(lambda m: replace(m.group(1), m.group(2)), text)
        if OPEN not in text:
            break
    return text


def strip_marks(text: str) -> str:
    """What a person sees: the values as they are."""
    if not isinstance(text, str) or OPEN not in text:
        return text
    return replace_marks(text, lambda kind, value: value).replace(OPEN, "").replace(SEP, "").replace(CLOSE, "")


# In HTML a person sees, a mark becomes an unstyled span that says the kind: invisible in JupyterLab, and the
# anonymiser of a notebook's HTML replaces exactly that value (glue_iam_kit.reports.anonymise.anonymise_html).
SPAN = re.compile(r'<span data-gik-kind="([\w-]*)">([^<]*)</span>')


def marks_to_spans(html_text: str) -> str:
    """HTML (already escaped; marks survive escaping) with every mark as a ``data-gik-kind`` span."""
    if OPEN not in html_text:
        return html_text
    out = MARK.sub(lambda m: f'<span data-gik-kind="{m.group(1)}">{m.group(2)}</span>', html_text)
    return out.replace(OPEN, "").replace(SEP, "").replace(CLOSE, "")  # a mark cut by a truncated cell


def strip_marks_deep(obj: Any) -> Any:
    """:func:`strip_marks` over every string of a JSON-like object."""
    if isinstance(obj, str):
        return strip_marks(obj)
    if isinstance(obj, list):
        return [strip_marks_deep(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(strip_marks_deep(v) for v in obj)
    if isinstance(obj, dict):
        return {k: strip_marks_deep(v) for k, v in obj.items()}
    return obj
