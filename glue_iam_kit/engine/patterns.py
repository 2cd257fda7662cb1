"""IAM's own wildcard and policy-variable rules, compiled once per pattern (pure).

Three wildcard flavours, as AWS documents them (IAM User Guide):
- actions: ``*`` and ``?`` anywhere, case-insensitive (reference_policies_elements_action);
- resources: case-sensitive; ``*``/``?`` act inside one colon-separated ARN segment, except that a ``*``
  that ends a segment may expand across colons (reference_policies_elements_resource, "Using wildcards in
  resource ARNs");
- ``StringLike``: ``*``/``?`` anywhere, case-sensitive (reference_policies_elements_condition_operators).

Policy variables (reference_policies_variables): ``${key}`` takes the request context's value (key names are
case-insensitive), ``${key, 'default'}`` falls back to the quoted default (``''`` is a quote), and ``${*}``,
``${?}``, ``${$}`` are the literal characters. A variable with no value and no default leaves the element
unresolved: the element does not match. Substituted text is literal: a ``*`` in a user name is no wildcard.
A multi-valued key cannot be a variable (AWS: "replacement fails"); it is treated as unresolved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_VARIABLE_BODY = re.compile(r"^\s*([^\s,']+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?$")
_LITERAL_VARIABLES = {"*": "*", "?": "?", "$": "$"}

ACTION, RESOURCE, STRING = "action", "resource", "string"

# A part is (is_variable, text, default): literal pattern text, or a variable key (lower-cased) and default.
Part = tuple[bool, str, str | None]

# Resolves a lower-cased context key to its single value, or None when absent or multi-valued.
Lookup = Callable[[str], str | None]


class Unresolved(Exception):
    """A policy variable with no value in the request context and no default."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def _split_variables(text: str) -> tuple[Part, ...]:
    parts: list[Part] = []
    last = 0
    for m in _VARIABLE.finditer(text):
        if m.start() > last:
            parts.append((False, text[last : m.start()], None))
        body = m.group(1)
        if body in _LITERAL_VARIABLES:
            # ${*} is a literal star: represent it as an always-resolvable variable.
            parts.append((True, "\0" + body, _LITERAL_VARIABLES[body]))
        else:
            vm = _VARIABLE_BODY.match(body)
            if vm is None:
                # A malformed variable can never be replaced; AWS: "replacement fails".
                parts.append((True, "\0malformed:" + body, None))
            else:
                default = vm.group(2).replace("''", "'") if vm.group(2) is not None else None
                parts.append((True, vm.group(1).lower(), default))
        last = m.end()
    if last < len(text):
        parts.append((False, text[last:], None))
    return tuple(parts)


def _wildcards(text: str, flavour: str, at_end: bool) -> str:
    """Translate literal pattern text with IAM wildcards into a regular expression fragment."""
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == "*":
            if flavour == RESOURCE:
                ends_segment = (i + 1 < len(text) and text[i + 1] == ":") or (i + 1 == len(text) and at_end)
                out.append(".*" if ends_segment else "[^:]*")
            else:
                out.append(".*")
        elif ch == "?":
            out.append("[^:]" if flavour == RESOURCE else ".")
        else:
            out.append(re.escape(ch))
    return "".join(out)


@lru_cache(maxsize=65536)
def _compile(parts: tuple[tuple[bool, str], ...], flavour: str) -> re.Pattern[str]:
    pieces = []
    for i, (literal_from_variable, text) in enumerate(parts):
        if literal_from_variable:
            pieces.append(re.escape(text))
        else:
            pieces.append(_wildcards(text, flavour, at_end=i == len(parts) - 1))
    flags = re.IGNORECASE | re.DOTALL if flavour == ACTION else re.DOTALL
    return re.compile("".join(pieces), flags)


def compile_resolved(parts: tuple[tuple[bool, str], ...], flavour: str) -> re.Pattern[str]:
    """The regular expression for resolved parts (:meth:`Pattern.resolve`); cached."""
    return _compile(parts, flavour)


@dataclass(frozen=True, slots=True)
class Pattern:
    """One pattern from a policy (an Action, a Resource, or a StringLike/ArnLike value), compiled once."""

    raw: str
    flavour: str
    parts: tuple[Part, ...]
    exact: str | None  # set when the pattern has neither wildcards nor variables: a plain comparison
    regex: re.Pattern[str] | None  # set when the pattern has wildcards but no variables

    @property
    def has_variables(self) -> bool:
        return any(is_var for is_var, _, _ in self.parts)

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(t for is_var, t, _ in self.parts if is_var and not t.startswith("\0"))

    def resolve(self, lookup: Lookup) -> tuple[tuple[bool, str], ...]:
        """Substitute variables; raise :class:`Unresolved` when one has no value and no default."""
        resolved: list[tuple[bool, str]] = []
        for is_var, text, default in self.parts:
            if not is_var:
                resolved.append((False, text))
                continue
            value = None if text.startswith("\0") else lookup(text)
            if value is None:
                value = default
            if value is None:
                raise Unresolved(text.removeprefix("\0malformed:"))
            resolved.append((True, value))
        return tuple(resolved)

    def substituted(self, lookup: Lookup) -> str:
        """The pattern with its variables replaced (for explanations and literal comparisons)."""
        return "".join(text for _, text in self.resolve(lookup))

    def matches(self, value: str, lookup: Lookup | None = None) -> bool:
        """Whether *value* matches; raises :class:`Unresolved` for a variable without a value."""
        if self.exact is not None:
            return value.lower() == self.exact if self.flavour == ACTION else value == self.exact
        if self.regex is not None:
            return self.regex.fullmatch(value) is not None
        resolved = self.resolve(lookup or _no_lookup)
        return _compile(resolved, self.flavour).fullmatch(value) is not None


def _no_lookup(_key: str) -> None:
    return None


@lru_cache(maxsize=65536)
def compile_pattern(raw: str, flavour: str, variables: bool = True) -> Pattern:
    """Compile *raw* for *flavour* (``action``, ``resource`` or ``string``); cached by value."""
    parts: tuple[Part, ...] = _split_variables(raw) if variables and "${" in raw else ((False, raw, None),)
    has_vars = any(is_var for is_var, _, _ in parts)
    if has_vars:
        return Pattern(raw, flavour, parts, None, None)
    if "*" not in raw and "?" not in raw:
        return Pattern(raw, flavour, parts, raw.lower() if flavour == ACTION else raw, None)
    return Pattern(raw, flavour, parts, None, _compile(((False, raw),), flavour))


def arn_like(pattern: str, value: str, lookup: Lookup | None = None) -> bool:
    """``ArnLike``/``ArnEquals``: each of the six colon-delimited components is matched separately.

    (IAM User Guide, condition operators, "Amazon Resource Name (ARN) condition operators".)
    Raises :class:`Unresolved` for a variable without a value.
    """
    if "${" in pattern:
        pattern = compile_pattern(pattern, STRING).substituted(lookup or _no_lookup)
        # After substitution the text is literal except for the pattern's own wildcards; a value that brought
        # in wildcards would be over-permissive here. AWS is silent on this corner; we accept the risk.
    p_parts = pattern.split(":", 5)
    v_parts = value.split(":", 5)
    if len(p_parts) != 6 or len(v_parts) != 6:
        return False
    return all(compile_pattern(p, STRING, variables=False).matches(v) for p, v in zip(p_parts, v_parts, strict=True))
