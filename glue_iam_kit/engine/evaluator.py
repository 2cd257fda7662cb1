"""The local IAM policy evaluator: a decision with its trace, never a bare bool (pure).

Evaluation order (IAM User Guide, reference_policies_evaluation-logic and
reference_policies_evaluation-logic-cross-account):
1. an explicit Deny in any policy (SCP, resource-based, identity-based, permissions boundary) wins;
2. every SCP level, root first, account last, must have an Allow;
3. same account: a resource-based policy that names the principal itself grants on its own (a permissions
   boundary does not limit that grant for an IAM user); one that names only the account delegates to
   identity policies;
4. identity policies (the user's own and its groups') must allow, and so must the permissions boundary;
5. cross-account: the resource-based policy must grant the principal (or its account) *and* identity
   policies must allow; so too in the same account when the resource policy is the only way in (a KMS key
   policy: :attr:`PolicySet.resource_required`).
Not modelled, as AWS's simulator does not model them either: session policies, RCPs, VPC endpoint policies.
SCPs are applied to every principal given; AWS exempts the management account and service-linked roles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from glue_iam_kit.engine.arns import parse_arn
from glue_iam_kit.engine.conditions import evaluate_condition
from glue_iam_kit.engine.context import RequestContext
from glue_iam_kit.engine.decision import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Decision, StatementTrace
from glue_iam_kit.engine.patterns import Unresolved
from glue_iam_kit.engine.policy import Policy, Principal, Statement
from glue_iam_kit.errors import ArnError

_EMPTY_CONTEXT = RequestContext()


@dataclass(frozen=True, slots=True)
class Request:
    """One request: an action on a resource by a principal, with its context."""

    action: str
    resource: str
    principal_arn: str | None = None
    context: RequestContext = _EMPTY_CONTEXT
    resource_owner: str | None = None  # account id; None: the principal's own account

    @property
    def principal_account(self) -> str | None:
        return _account_of(self.principal_arn)


@dataclass(frozen=True, slots=True)
class PolicySet:
    """Every policy that applies to a principal, by layer."""

    identity: tuple[Policy, ...] = ()
    boundary: tuple[Policy, ...] = ()  # empty: no permissions boundary
    scp_levels: tuple[tuple[Policy, ...], ...] = ()  # root first, account last; empty: no SCPs
    resource: Policy | None = None
    notes: tuple[str, ...] = field(default=())
    # The resource-based policy is the only way in, as a KMS key policy is: identity policies count only when it
    # delegates to the account (AWS KMS Developer Guide, "Key policies in AWS KMS": "Unless the key policy
    # explicitly allows it, you cannot use IAM policies to allow access to a KMS key").
    resource_required: bool = False

    def __post_init__(self) -> None:
        # The policies' own notes (once per set, not per decision: this is the hot path's input).
        own = tuple(n for p in (*self.identity, *self.boundary, *(q for level in self.scp_levels for q in level),
                                *((self.resource,) if self.resource is not None else ())) for n in p.notes)
        if own:
            object.__setattr__(self, "notes", tuple(dict.fromkeys((*self.notes, *own))))

    def with_identity(self, *policies: Policy) -> PolicySet:
        """A what-if copy with extra identity policies (the proposed fix)."""
        return replace(self, identity=self.identity + tuple(policies))


@lru_cache(maxsize=4096)
def _account_of(arn_text: str | None) -> str | None:
    if not arn_text:
        return None
    if arn_text.isdigit():
        return arn_text
    try:
        return parse_arn(arn_text).account or None
    except ArnError:
        return None


def _principal_match(p: Principal, not_principal: bool, request: Request) -> tuple[bool, bool, str]:
    """(matched, direct, reason) for a resource-based policy's Principal element.

    *direct* is True when the element names the caller itself (or ``*``), False when it names its account.
    """
    caller = request.principal_arn or ""
    account = request.principal_account
    direct = account_hit = False
    if p.anyone:
        direct = True
    # A service principal (glue.amazonaws.com) is the caller of a trust policy's sts:AssumeRole: it names itself.
    if caller and any(value.lower() == caller.lower() for value in p.service):
        direct = True
    for value in p.aws:
        if value == caller:
            direct = True
        elif account and (value == account or value == f"arn:aws:iam::{account}:root"):
            account_hit = True
    hit = direct or account_hit
    if not_principal:
        return (not hit, False, f"principal {caller} is {'listed' if hit else 'not listed'} in NotPrincipal")
    if hit:
        who = "the caller" if direct else f"the caller's account {account}"
        return True, direct, f"Principal names {who}"
    return False, False, f"principal {caller} is not named in Principal"


def _action_hit(st: Statement, action_lower: str, service: str) -> bool:
    services = st.action_services
    if services is not None and service not in services:
        return False
    return action_lower in st.action_exact or any(p.regex.fullmatch(action_lower) for p in st.action_wild)


def matches_action(st: Statement, action: str) -> bool:
    """Whether *st* is about *action* (its Action matches, or its NotAction does not)."""
    action_lower = action.lower()
    return _action_hit(st, action_lower, action_lower.split(":", 1)[0]) != st.not_action


def evaluate_statement(st: Statement, policy: Policy, request: Request, action_lower: str | None = None,
                       service: str | None = None) -> StatementTrace:
    """Evaluate one statement: action, then (only when the action matched) resource, principal, conditions."""
    if action_lower is None:
        action_lower = request.action.lower()
        service = action_lower.split(":", 1)[0]
    if _action_hit(st, action_lower, service or "") == st.not_action:
        return StatementTrace(policy.source, st, request.action, False)
    return _evaluate_matched(st, policy, request)


def _evaluate_matched(st: Statement, policy: Policy, request: Request) -> StatementTrace:
    """The rest of :func:`evaluate_statement`, for a statement whose action matched."""
    lookup = request.context.single
    unresolved: list[str] = []
    resource_matched = True
    if st.resources is not None:
        hit = False
        for pattern in st.resources:
            try:
                if pattern.matches(request.resource, lookup):
                    hit = True
                    break
            except Unresolved as exc:
                unresolved.append(exc.key)
        resource_matched = hit != st.not_resource

    principal_matched: bool | None = None
    principal_reason = ""
    if st.principal is not None and policy.source.kind == "resource":
        principal_matched, _, principal_reason = _principal_match(st.principal, st.not_principal, request)

    conditions = tuple(evaluate_condition(c.op, c.key, c.values, c.parsed, request.context) for c in st.conditions)
    missing = tuple(unresolved) + tuple(c.key for c in conditions if c.request_values is None)
    matched = resource_matched and principal_matched is not False and all(c.matched for c in conditions)
    return StatementTrace(policy.source, st, request.action, True, matched, request.resource, resource_matched,
                          tuple(unresolved), principal_matched, principal_reason, conditions, missing)


def _run(policies: Iterable[Policy], request: Request) -> list[StatementTrace]:
    """Evaluate the statements whose action matches; the others are only listed later, on demand."""
    action_lower = request.action.lower()
    service = action_lower.split(":", 1)[0]
    out = []
    for pol in policies:
        for st in pol.statements:
            if _action_hit(st, action_lower, service) != st.not_action:
                out.append(_evaluate_matched(st, pol, request))
    return out


def _allows(traces: Iterable[StatementTrace]) -> list[StatementTrace]:
    return [t for t in traces if t.matched and t.statement.effect == "Allow"]


def _similarity(t: StatementTrace, resource: str) -> int:
    """Longest literal prefix a resource pattern shares with the request (ties among nearest allows)."""
    best = 0
    for p in t.statement.resources or ():
        text = p.raw.split("*", 1)[0].split("?", 1)[0]
        n = 0
        for a, b in zip(text, resource, strict=False):
            if a != b:
                break
            n += 1
        best = max(best, n)
    return best


def nearest_allows(traces: Sequence[StatementTrace], resource: str) -> tuple[StatementTrace, ...]:
    """Allow statements whose action matched but that did not apply, closest first."""
    near = [t for t in traces if t.effect == "Allow" and t.action_matched and not t.matched]
    order = {id(t): i for i, t in enumerate(traces)}
    near.sort(key=lambda t: (t.distance, -_similarity(t, resource), order[id(t)]))
    return tuple(near)


def evaluate_request(policies: PolicySet, request: Request) -> Decision:
    """Decide *request* against *policies*, as the AWS simulator would, and keep the whole trace."""
    identity = _run(policies.identity, request)
    boundary = _run(policies.boundary, request)
    levels = [_run(level, request) for level in policies.scp_levels]
    resource = _run([policies.resource], request) if policies.resource is not None else []
    scp = [t for level in levels for t in level]
    statements = tuple(scp + resource + identity + boundary)

    # Keys that statements about this action test but the request lacks (including variables in Resource).
    # (every evaluated statement's action matched: _run keeps no others)
    keys = [k for t in statements for k in t.missing_keys]
    missing = sorted(set(keys), key=str.lower) if keys else ()
    boundary_ok = bool(_allows(boundary)) if policies.boundary else None
    scp_ok = all(_allows(level) for level in levels) if levels else None
    common = dict(evaluated=statements, missing_context=tuple(missing), allowed_by_boundary=boundary_ok,
                  allowed_by_organizations=scp_ok, notes=policies.notes, policies=policies)

    denies = [t for t in statements if t.matched and t.statement.effect == "Deny"]
    if denies:
        return Decision(request.action, request.resource, EXPLICIT_DENY, denies[0].source.kind, tuple(denies),
                        **common)

    identity_allows = _allows(identity)
    resource_allows = _allows(resource)
    direct = [t for t in resource_allows if _principal_match(t.statement.principal, t.statement.not_principal,
                                                             request)[1]] if resource_allows else []
    owner = request.resource_owner or request.principal_account
    same_account = owner is None or request.principal_account is None or owner == request.principal_account
    granted_by_identity = bool(identity_allows) and boundary_ok is not False
    if same_account and policies.resource_required:
        granted = bool(direct) or (bool(resource_allows) and granted_by_identity)
    elif same_account:
        granted = bool(direct) or granted_by_identity
    else:
        granted = bool(resource_allows) and granted_by_identity

    if granted and scp_ok is not False:
        deciding = tuple((direct if same_account and direct else []) + identity_allows)
        if not same_account or (policies.resource_required and not direct):
            deciding = tuple(resource_allows + identity_allows)
        return Decision(request.action, request.resource, ALLOWED, None, deciding, **common)

    if scp_ok is False:
        blocked_by = "scp"
        failing = next(level for level in levels if not _allows(level))
        near = nearest_allows(failing, request.resource)
    elif (not same_account or policies.resource_required) and not resource_allows:
        blocked_by, near = "resource", nearest_allows(resource, request.resource)
    elif not identity_allows:
        blocked_by, near = "identity", nearest_allows(identity, request.resource)
    else:
        blocked_by, near = "boundary", nearest_allows(boundary, request.resource)
    return Decision(request.action, request.resource, IMPLICIT_DENY, blocked_by, (), nearest_allows=near, **common)

