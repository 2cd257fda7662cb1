"""Condition operators: one small object per operator family, registered in one place (pure).

``IfExists``, ``ForAnyValue:``/``ForAllValues:`` and negation are handled centrally in
:func:`evaluate_condition`, not per operator. Semantics from the IAM User Guide:
- reference_policies_elements_condition_operators: a key missing from the request makes the condition false,
  except for negated operators (``StringNotLike``, ``ArnNotLike``...) where it is true; ``...IfExists`` and
  ``Null`` test for presence instead.
- reference_policies_multi-value-conditions: keys AND-ed, values OR-ed; a negated operator's values NOR-ed;
  ``ForAllValues`` holds when the key is missing or empty; ``ForAnyValue`` needs at least one value.
- Policy variables are supported by the String, Bool and ARN families only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from glue_iam_kit.engine.context import RequestContext, parse_binary, parse_bool, parse_date
from glue_iam_kit.engine.marks import ident
from glue_iam_kit.engine.patterns import STRING, Unresolved, arn_like, compile_pattern


@dataclass(frozen=True, slots=True)
class OperatorFamily:
    """How one family compares a request value with a policy value (the positive form only)."""

    name: str
    parse: Callable[[str], Any]  # policy and request values alike; raises ValueError when unparsable
    test: Callable[[Any, Any, Any], bool]  # (request value, policy value, context lookup) -> bool
    variables: bool = False  # policy variables allowed in policy values


def _num(text: str) -> float:
    return float(text)


def _ip(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text.strip(), strict=False)


def _ip_in(req: Any, pol: Any, _lookup: Any) -> bool:
    # A request value is an address (a /32 or /128 network here); the policy value a CIDR or an address.
    return req.version == pol.version and req.subnet_of(pol)


def _sub(pol: str, lookup: Any) -> str:
    return compile_pattern(pol, STRING).substituted(lookup) if "${" in pol else pol


def _string_like(req: str, pol: str, lookup: Any) -> bool:
    return compile_pattern(pol, STRING).matches(req, lookup)


_FAMILIES: dict[str, tuple[OperatorFamily, bool]] = {}


def _register(name: str, family: OperatorFamily, negated_name: str | None = None) -> None:
    _FAMILIES[name.lower()] = (family, False)
    if negated_name:
        _FAMILIES[negated_name.lower()] = (family, True)


_register("StringEquals", OperatorFamily("StringEquals", str, lambda r, p, lk: r == _sub(p, lk), True),
          "StringNotEquals")
_register("StringEqualsIgnoreCase",
          OperatorFamily("StringEqualsIgnoreCase", str, lambda r, p, lk: r.casefold() == _sub(p, lk).casefold(), True),
          "StringNotEqualsIgnoreCase")
_register("StringLike", OperatorFamily("StringLike", str, _string_like, True), "StringNotLike")
_register("NumericEquals", OperatorFamily("NumericEquals", _num, lambda r, p, _: r == p), "NumericNotEquals")
_register("NumericLessThan", OperatorFamily("NumericLessThan", _num, lambda r, p, _: r < p))
_register("NumericLessThanEquals", OperatorFamily("NumericLessThanEquals", _num, lambda r, p, _: r <= p))
_register("NumericGreaterThan", OperatorFamily("NumericGreaterThan", _num, lambda r, p, _: r > p))
_register("NumericGreaterThanEquals", OperatorFamily("NumericGreaterThanEquals", _num, lambda r, p, _: r >= p))
_register("DateEquals", OperatorFamily("DateEquals", parse_date, lambda r, p, _: r == p), "DateNotEquals")
_register("DateLessThan", OperatorFamily("DateLessThan", parse_date, lambda r, p, _: r < p))
_register("DateLessThanEquals", OperatorFamily("DateLessThanEquals", parse_date, lambda r, p, _: r <= p))
_register("DateGreaterThan", OperatorFamily("DateGreaterThan", parse_date, lambda r, p, _: r > p))
_register("DateGreaterThanEquals", OperatorFamily("DateGreaterThanEquals", parse_date, lambda r, p, _: r >= p))
_register("Bool", OperatorFamily("Bool", str, lambda r, p, lk: parse_bool(r) == parse_bool(_sub(p, lk)), True))
_register("BinaryEquals", OperatorFamily("BinaryEquals", parse_binary, lambda r, p, _: r == p))
_register("IpAddress", OperatorFamily("IpAddress", _ip, _ip_in), "NotIpAddress")
_register("ArnLike", OperatorFamily("ArnLike", str, lambda r, p, lk: arn_like(p, r, lk), True), "ArnNotLike")
# AWS documents ArnEquals with the same per-component wildcard matching as ArnLike.
_register("ArnEquals", OperatorFamily("ArnEquals", str, lambda r, p, lk: arn_like(p, r, lk), True), "ArnNotEquals")

SET_OPERATORS = ("ForAnyValue", "ForAllValues")


@dataclass(frozen=True, slots=True)
class Operator:
    """A parsed operator name: ``ForAllValues:StringNotLikeIfExists`` → family, negated, set op, IfExists."""

    text: str
    family: OperatorFamily | None  # None for Null
    negated: bool
    set_op: str | None
    if_exists: bool

    @property
    def is_null(self) -> bool:
        return self.family is None


def parse_operator(text: str) -> Operator:
    """Parse an operator name; raise ValueError for an unknown one."""
    if not isinstance(text, str):
        raise ValueError(f"condition operator {text!r} is not a string")
    rest, set_op = text, None
    if ":" in text:
        prefix, rest = text.split(":", 1)
        matches = [s for s in SET_OPERATORS if s.lower() == prefix.lower()]
        if not matches:
            raise ValueError(f"unknown condition set operator {prefix!r} in {text!r}")
        set_op = matches[0]
    if rest.lower() == "null":
        return Operator(text, None, False, set_op, False)
    if_exists = rest.lower().endswith("ifexists")
    base = rest[: -len("IfExists")] if if_exists else rest
    found = _FAMILIES.get(base.lower())
    if found is None:
        raise ValueError(f"unknown condition operator {text!r}")
    family, negated = found
    return Operator(text, family, negated, set_op, if_exists)


@dataclass(frozen=True, slots=True)
class ConditionTrace:
    """How one (operator, key) pair fared: the values compared and why it held or not.

    ``why`` is a constant phrase; :attr:`reason` composes the sentence only when someone reads it (most traces
    are never rendered, and formatting costs more than evaluating).
    """

    operator: str
    key: str
    policy_values: tuple[str, ...]
    request_values: tuple[str, ...] | None  # None: the key is absent from the request
    matched: bool
    why: str

    @property
    def reason(self) -> str:
        return self._reason(False)

    @property
    def marked_reason(self) -> str:
        """:attr:`reason` with the compared values marked as identifiers (:mod:`glue_iam_kit.engine.marks`)."""
        return self._reason(True)

    def _reason(self, marked: bool) -> str:
        if self.why == "null":
            state = "absent" if self.request_values is None or not self.request_values else "present"
            return (f"{self.key} is {state}; Null {_fmt(self.policy_values, marked)} "
                    f"{'holds' if self.matched else 'fails'}")
        if self.request_values is None:
            return f"{self.key} is absent from the request: {self.why}"
        verb = "matches" if self.matched else "does not match"
        return (f"{self.key}: {self.why} {_fmt(self.request_values, marked)} {verb} {self.operator} "
                f"{_fmt(self.policy_values, marked)}")


def _fmt(values: tuple[str, ...], marked: bool = False) -> str:
    quote = (lambda v: "'" + ident("value", v) + "'") if marked else repr
    return ", ".join(quote(v) for v in values) if len(values) != 1 else quote(values[0])


def parse_policy_values(op: Operator, values: tuple[str, ...]) -> tuple[Any, ...]:
    """Parse policy values once, at compile time; raise ValueError naming the bad value.

    Families that take policy variables keep their text: variables are substituted per request.
    """
    if op.is_null:
        for v in values:
            parse_bool(v)
        return values
    assert op.family is not None
    if op.family.variables:
        if op.family.name == "Bool":
            for v in values:
                if "${" not in v:
                    parse_bool(v)
        return values
    return tuple(op.family.parse(v) for v in values)


@lru_cache(maxsize=8192)
def _parse_request(parse: Callable[[str], Any], text: str) -> Any:
    """A request value as its family reads it (an address, a date, a number), parsed once per text: the same
    context values come back request after request. The parsed values are immutable."""
    return parse(text)


def evaluate_condition(
    op: Operator, key: str, policy_values: tuple[str, ...], parsed: tuple[Any, ...], context: RequestContext
) -> ConditionTrace:
    """Evaluate one operator on one key against the request context, with the reason.

    *parsed* holds the policy values as :func:`parse_policy_values` returned them.
    """
    entry = context.get(key)
    present = entry is not None and len(entry.values) > 0
    req_values = entry.values if entry is not None else None

    if op.is_null:
        wants_absent = any(parse_bool(v) for v in policy_values)
        matched = (not present) == wants_absent
        return ConditionTrace(op.text, key, policy_values, req_values, matched, "null")

    if not present:
        if op.set_op == "ForAllValues":
            matched, why = True, "ForAllValues holds when the key is absent"
        elif op.if_exists:
            matched, why = True, "IfExists holds when the key is absent"
        elif op.set_op == "ForAnyValue":
            matched, why = False, "ForAnyValue needs at least one value"
        else:
            matched = op.negated
            why = "a negated operator holds when the key is absent" if matched else "the key must be present"
        return ConditionTrace(op.text, key, policy_values, None, matched, why)

    family = op.family
    assert family is not None
    lookup = context.single

    parse = family.parse

    def positive(req_text: str) -> bool:
        try:
            req = req_text if parse is str else _parse_request(parse, req_text)
        except ValueError:
            return False  # a request value the family cannot read matches no policy value
        for pol in parsed:
            try:
                if family.test(req, pol, lookup):
                    return True
            except Unresolved:
                continue  # a value whose variable has no value matches nothing
            except ValueError:
                continue  # e.g. Bool against a substituted variable that is not true/false
        return False

    assert req_values is not None
    if op.set_op == "ForAllValues":
        matched = all(positive(r) != op.negated for r in req_values)
        quant = "every request value"
    elif op.set_op == "ForAnyValue":
        matched = any(positive(r) != op.negated for r in req_values)
        quant = "at least one request value"
    else:
        # A single-valued operator on a multi-valued key: AWS advises a set operator; like the simulator we
        # read it as "any request value matches".
        hit = any(positive(r) for r in req_values)
        matched = hit != op.negated
        quant = "the request value"
    return ConditionTrace(op.text, key, policy_values, req_values, matched, quant)
