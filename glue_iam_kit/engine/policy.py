"""Policy documents: load (object, JSON text or URL-encoded JSON), validate and compile once (pure).

"A value or a list" is normalised here, once, at parse time. A malformed document raises
:class:`~glue_iam_kit.errors.PolicyError` naming the policy and the statement; it is never treated as an
allow or a deny.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from glue_iam_kit.engine.conditions import Operator, parse_operator, parse_policy_values
from glue_iam_kit.engine.context import value_text
from glue_iam_kit.engine.marks import ident
from glue_iam_kit.engine.memo import ContentCache
from glue_iam_kit.engine.patterns import ACTION, RESOURCE, Pattern, compile_pattern
from glue_iam_kit.errors import PolicyError

# Where a policy comes from. ``policy_type`` follows the simulator's SourcePolicyType where it can
# (user, group, role, aws-managed, user-managed, resource); the kit adds boundary, scp and custom.
KINDS = ("identity", "boundary", "scp", "resource", "trust")


def unmarked(kind: str, value: str) -> str:
    """:func:`~glue_iam_kit.engine.marks.ident`'s plain twin: *value* as it is (the texts people read live)."""
    return value


@dataclass(frozen=True, slots=True)
class PolicySource:
    """Where a policy comes from: its name, type, kind (which layer of evaluation) and route."""

    name: str
    policy_type: str
    kind: str = "identity"
    arn: str | None = None
    via_group: str | None = None
    scp_level: int | None = None
    attachment: str = "inline"  # inline | managed
    policy_id: str | None = None  # the simulator's SourcePolicyId, when it differs from name

    @property
    def label(self) -> str:
        """``AWSGlueConsoleFullAccess (aws-managed, via group GlueAccess)``."""
        return self._label(unmarked)

    @property
    def marked_label(self) -> str:
        """:attr:`label` with the policy and group names marked (:mod:`glue_iam_kit.engine.marks`)."""
        return self._label(ident)

    def _label(self, mark: Any) -> str:
        bits = [self.policy_type]
        if self.via_group:
            bits.append(f"via group {mark('group', self.via_group)}")
        if self.scp_level is not None:
            bits.append(f"level {self.scp_level}")
        return f"{mark('policy', self.name)} ({', '.join(bits)})"


@dataclass(frozen=True, slots=True)
class Condition:
    """One operator on one key with its values (parsed once)."""

    op: Operator
    key: str
    values: tuple[str, ...]
    parsed: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Principal:
    """A Principal / NotPrincipal element: ``"*"`` or a mapping of principal types to values."""

    anyone: bool
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Statement:
    """One compiled statement. ``resources`` is None when the element is absent (trust/resource policies)."""

    index: int
    sid: str | None
    effect: str
    actions: tuple[Pattern, ...]
    not_action: bool
    # Lower-cased services named by the actions, to skip most statements cheaply; None when a pattern
    # puts a wildcard in the service part (``*``, ``s*:Get*``).
    action_services: frozenset[str] | None
    action_exact: frozenset[str]  # lower-cased patterns without wildcards
    action_wild: tuple[Pattern, ...]  # patterns with wildcards
    resources: tuple[Pattern, ...] | None
    not_resource: bool
    conditions: tuple[Condition, ...]
    principal: Principal | None = None
    not_principal: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        return f"statement {self.index + 1}" + (f" ({self.sid})" if self.sid else "")


@dataclass(frozen=True, slots=True)
class Policy:
    """A compiled policy and where it came from."""

    source: PolicySource
    statements: tuple[Statement, ...]
    document: dict[str, Any] = field(compare=False, repr=False)
    notes: tuple[str, ...] = ()  # said in every decision it takes part in (e.g. variables read literally)


def load_document(document: Any, name: str = "policy") -> dict[str, Any]:
    """Return a policy document as a dict: from a dict, JSON text, or URL-encoded JSON text (as IAM returns)."""
    if isinstance(document, dict):
        return document
    if isinstance(document, bytes):
        document = document.decode("utf-8", "replace")
    if not isinstance(document, str):
        raise PolicyError(f"policy {name!r}: expected a JSON object, got {type(document).__name__}")
    text = document.strip()
    if text.startswith("%7B") or text.startswith("%7b") or (not text.startswith("{") and "%22" in text):
        text = unquote(text)
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise PolicyError(f"policy {name!r}: not valid JSON ({exc.msg} at {where})") from None
    if not isinstance(loaded, dict):
        raise PolicyError(f"policy {name!r}: expected a JSON object, got {type(loaded).__name__}")
    return loaded


def as_list(value: Any) -> list[Any]:
    """IAM's "a value or a list of values", as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = as_list(value)
    out = []
    for item in items:
        try:
            out.append(value_text(item))
        except ValueError:
            raise PolicyError(f"{where}: expected a string or a list of strings, got {item!r}") from None
    return tuple(out)


def _principal(value: Any, where: str) -> Principal:
    if value == "*":
        return Principal(anyone=True)
    if not isinstance(value, dict):
        raise PolicyError(f"{where}: Principal must be \"*\" or an object, got {value!r}")
    by_type = {k.lower(): _strings(v, where) for k, v in value.items()}
    unknown = set(by_type) - {"aws", "service", "federated", "canonicaluser"}
    if unknown:
        raise PolicyError(f"{where}: unknown principal type(s) {sorted(unknown)}")
    aws = by_type.get("aws", ())
    return Principal("*" in aws, aws, by_type.get("service", ()), by_type.get("federated", ()),
                     by_type.get("canonicaluser", ()))


def _services(actions: tuple[str, ...]) -> frozenset[str] | None:
    services = set()
    for a in actions:
        service = a.split(":", 1)[0]
        if "*" in service or "?" in service:
            return None
        services.add(service.lower())
    return frozenset(services)


# Policy variables exist only in policies whose Version is 2012-10-17; under 2008-10-17 or without a Version,
# "${aws:username}" is literal text (IAM User Guide, "IAM policy elements: Variables and tags", and "IAM JSON
# policy elements: Version"). "${$}" is the kit's own escape for a literal "$" (patterns.py).
VARIABLES_VERSION = "2012-10-17"


def _literal(text: str) -> str:
    """*text* with every ``${`` made literal, for a policy whose Version has no variables."""
    return text.replace("${", "${$}{")


def _resource_pattern(text: str, variables: bool) -> Pattern:
    """A Resource pattern; without variables (an older Version) it matches ``${...}`` literally, and still shows
    the policy's own text in traces."""
    if variables or "${" not in text:
        return compile_pattern(text, RESOURCE)
    return dataclasses.replace(compile_pattern(_literal(text), RESOURCE), raw=text)


def _statement(raw: Any, index: int, policy_name: str, kind: str, variables: bool = True) -> Statement:
    sid = raw.get("Sid") if isinstance(raw, dict) else None
    where = f"policy {policy_name!r} statement {index + 1}" + (f" ({sid})" if sid else "")
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: expected an object, got {type(raw).__name__}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where}: Effect must be \"Allow\" or \"Deny\", got {effect!r}")
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError(f"{where}: needs exactly one of Action or NotAction")
    not_action = "NotAction" in raw
    actions = _strings(raw.get("NotAction" if not_action else "Action"), where)
    keep = (lambda s: s) if variables else _literal
    for a in actions:
        if a != "*" and ":" not in a:
            raise PolicyError(f"{where}: action {a!r} is not service:action")
    has_res, has_not_res = "Resource" in raw, "NotResource" in raw
    if has_res and has_not_res:
        raise PolicyError(f"{where}: has both Resource and NotResource")
    if not (has_res or has_not_res) and kind in ("identity", "boundary", "scp"):
        raise PolicyError(f"{where}: needs Resource or NotResource")
    resources = None
    if has_res or has_not_res:
        texts = _strings(raw.get("NotResource" if has_not_res else "Resource"), where)
        resources = tuple(_resource_pattern(r, variables) for r in texts)
    conditions = []
    cond_block = raw.get("Condition", {})
    if not isinstance(cond_block, dict):
        raise PolicyError(f"{where}: Condition must be an object")
    for op_text, keys in cond_block.items():
        try:
            op = parse_operator(op_text)
        except ValueError as exc:
            raise PolicyError(f"{where}: {exc}") from None
        if not isinstance(keys, dict):
            raise PolicyError(f"{where}: condition {op_text} must map keys to values")
        for key, values in keys.items():
            texts = tuple(keep(v) for v in _strings(values, f"{where} condition {op_text} {key}"))
            try:
                parsed = parse_policy_values(op, texts)
            except ValueError as exc:
                raise PolicyError(f"{where}: condition {op_text} {key}: {exc}") from None
            conditions.append(Condition(op, key, texts, parsed))
    principal, not_principal = None, False
    if "Principal" in raw or "NotPrincipal" in raw:
        not_principal = "NotPrincipal" in raw
        principal = _principal(raw.get("NotPrincipal" if not_principal else "Principal"), where)
    return Statement(
        index=index,
        sid=sid if isinstance(sid, str) else None,
        effect=effect,
        actions=tuple(compile_pattern(a, ACTION, variables=False) for a in actions),
        not_action=not_action,
        action_services=_services(actions),
        action_exact=frozenset(a.lower() for a in actions if "*" not in a and "?" not in a),
        action_wild=tuple(compile_pattern(a, ACTION, variables=False) for a in actions if "*" in a or "?" in a),
        resources=resources,
        not_resource=has_not_res,
        conditions=tuple(conditions),
        principal=principal,
        not_principal=not_principal,
        raw=raw,
    )


# Compiled statements by document content: the same policy (a managed policy attached to many principals, the
# same document on every line of a cases file) is compiled once. Bounded, so a long run cannot grow it forever.
# The key is the document's repr (equal reprs are equal documents; a cheaper key than canonical JSON, and a
# different key order only costs a compilation). The entry keeps whether ${...} was read literally; the note
# that says so names the policy, so it is written per call.
_COMPILED: ContentCache[tuple[tuple[Statement, ...], bool]] = ContentCache(4096)


def parse_policy(document: Any, source: PolicySource | str) -> Policy:
    """Load, validate and compile *document*; *source* says where it came from (or just its name)."""
    if isinstance(source, str):
        source = PolicySource(source, "custom")
    doc = load_document(document, source.name)
    compiled = _COMPILED.get((repr(doc), source.kind), lambda: _compile(doc, source))
    notes: tuple[str, ...] = ()
    if compiled[1]:
        version = doc.get("Version")
        notes = (f"policy {source.name}: Version {version or '(none)'}: ${{...}} is literal text, not a policy "
                 f"variable (variables need Version {VARIABLES_VERSION})",)
    return Policy(source, compiled[0], doc, notes)


def _compile(doc: dict[str, Any], source: PolicySource) -> tuple[tuple[Statement, ...], bool]:
    """(the compiled statements, whether ${...} is read literally) of a loaded document."""
    statements = doc.get("Statement")
    if statements is None:
        raise PolicyError(f"policy {source.name!r}: has no Statement")
    variables = doc.get("Version") == VARIABLES_VERSION
    literal = not variables and "${" in json.dumps(statements)
    return tuple(_statement(raw, i, source.name, source.kind, variables)
                 for i, raw in enumerate(as_list(statements))), literal
