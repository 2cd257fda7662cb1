"""The survivor check (pure): real identifiers still standing in an anonymised file, in any derived form —
as they are, snake_case, kebab-case, CamelCase, run together, URL-encoded, JSON-escaped.

Two rules keep it from crying wolf, both shared with the anonymiser by construction: what is AWS's stays
(:func:`glue_iam_kit.reports.aws_owned.is_aws_owned`), and the kit's own words are never survivors
(:func:`glue_iam_kit.reports.vocabulary.is_kit_name`): a group named ``Policy`` is replaced where it stands as
data and where the kit marked it, and the word "Policy" the kit writes is not a leak. Placeholders and AWS-owned
spans are blanked before searching.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote

from glue_iam_kit.reports.anonymise import (
    _ACCESS_KEY,
    _ACCOUNT,
    _BOILERPLATE,
    _NAME_FREE,
    _PROTECTED,
    _TAG,
    FIXED,
    NUMBERED,
    _is_vocabulary,
    counts_as_identifier,
)
from glue_iam_kit.reports.aws_owned import aws_policy_names, is_aws_owned, sso_role_parts
from glue_iam_kit.reports.vocabulary import is_kit_name

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def derived_forms(name: str) -> set[str]:
    """*name* and the forms code derives from it: snake_case, kebab-case, CamelCase, run together,
    URL-encoded, JSON-escaped (``DeployerBoundary`` -> ``deployer_boundary``, ``deployer-boundary``...)."""
    forms = {name, json.dumps(name)[1:-1], quote(name, safe=""), html.escape(name)}
    words = _WORDS.findall(name)
    if len(words) > 1:
        lower = [w.lower() for w in words]
        forms |= {"_".join(lower), "-".join(lower), "".join(lower), "".join(w.capitalize() for w in lower)}
    return {f for f in forms if f}


def real_names(identifiers: dict[str, Any]) -> list[str]:
    """Every real identifier to look for (AWS's left out, Identity Center role names by their parts)."""
    seen = aws_policy_names(identifiers)
    names = [v for k in FIXED if counts_as_identifier(k, v := str(identifiers.get(k) or ""))]
    names += [v for k in NUMBERED for v in map(str, identifiers.get(k, []) or []) if counts_as_identifier(k, v)]
    out = []
    for name in names:
        sso = sso_role_parts(name)
        out += [p for p in sso if not is_aws_owned(p, "", seen)] if sso else [name]
    return [n for n in out if not is_aws_owned(n, "", seen)]


def _json_strings(obj: Any) -> Iterable[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, list):
        for v in obj:
            yield from _json_strings(v)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if not _is_vocabulary(k, v):
                yield from _json_strings(v)


def _pattern(forms: Iterable[str]) -> re.Pattern[str] | None:
    forms = sorted(set(forms), key=len, reverse=True)
    if not forms:
        return None
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![A-Za-z0-9])",
                      re.IGNORECASE)


def _typed_survivors(obj: Any, names: set[str], key: str = "") -> set[str]:
    """Values a findings key types as a name (:data:`glue_iam_kit.reports.typed.KEY_KINDS`) that are a real name
    as they are: found even when the name is also a kit word (a stack named ``platform``), which the text search
    cannot tell from the kit's prose."""
    from glue_iam_kit.reports.typed import KEY_KINDS, is_kit_grant

    if isinstance(obj, list):
        return set().union(*(_typed_survivors(v, names, key) for v in obj)) if obj else set()
    if isinstance(obj, dict):
        return set().union(*(_typed_survivors(v, names, k) for k, v in obj.items()
                             if not _is_vocabulary(k, v))) if obj else set()
    if not isinstance(obj, str):
        return set()
    if key == "managed_by":
        obj = obj.removeprefix("CloudFormation stack ")
    typed = key == "managed_by" or (key in KEY_KINDS and not is_kit_grant(KEY_KINDS[key], obj))
    return {obj} if typed and obj in names else set()


def find_survivors(text: str, identifiers: dict[str, Any], kind: str = "text") -> list[str]:
    """Real identifiers (in any derived form) still standing in *text*, outside AWS-owned spans and
    placeholders; the kit's own words are never survivors. *kind* ``html`` checks what a reader sees (text,
    not markup); ``json`` checks values, not the schema's keys."""
    names = real_names(identifiers)
    pattern = _pattern(f for n in names if not _ACCOUNT.fullmatch(n) and not is_kit_name(n)
                       for f in derived_forms(n) if not is_kit_name(f) and len(f) > 1)
    if kind == "json":  # the names and their pattern built once for every value of the document
        data = json.loads(text)
        typed = _typed_survivors(data, {n for n in names if not _ACCOUNT.fullmatch(n)})
        return sorted({s for value in _json_strings(data) for s in _text_survivors(value, pattern)} | typed)
    if kind == "html":
        text = _TAG.sub(" ", _BOILERPLATE.sub(" ", text))
    return _text_survivors(text, pattern)


def _text_survivors(text: str, pattern: re.Pattern[str] | None) -> list[str]:
    text = html.unescape(text)
    if "%" in text:  # a URL-encoded ARN (arn%3Aaws...%2FNAME): its names stand between encoded separators
        text += "\n" + unquote(text)
    plain = _PROTECTED.sub(" ", _NAME_FREE.sub(" ", text))
    found = sorted({m.group(0) for m in pattern.finditer(plain)}) if pattern is not None else []
    found += sorted({m.group(0) for m in _ACCOUNT.finditer(plain)})
    found += sorted({m.group(0) for m in _ACCESS_KEY.finditer(plain)})
    return found
