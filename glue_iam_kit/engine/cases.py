"""``glue-iam-kit simulate``: JSON Lines cases modelled on AWS ``simulate-custom-policy`` (pure).

Each input line is one case; each output line is shaped like the AWS response (``EvaluationResults``, one
result per action × resource, in input order). A line that cannot be evaluated yields ``{"id", "error"}``
and the others go on. Policies are parsed and compiled once per case and reused for every pair.

For custom policies the simulator reports ``SourcePolicyId`` as ``PolicyInputList.N`` (1-based); we do the
same, and number boundary, SCP and resource policies likewise. AWS does not document statement positions
for our derived inputs, so ``StartPosition``/``EndPosition`` are omitted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from glue_iam_kit.engine.context import RequestContext, context_from_entries
from glue_iam_kit.engine.decision import Decision, StatementTrace
from glue_iam_kit.engine.evaluator import PolicySet, Request, evaluate_request
from glue_iam_kit.engine.memo import ContentCache
from glue_iam_kit.engine.policy import Policy, PolicySource, parse_policy
from glue_iam_kit.errors import KitError


def _account_from_owner(owner: Any) -> str | None:
    if owner is None:
        return None
    if not isinstance(owner, str):
        raise KitError(f"ResourceOwner must be a string, got {owner!r}")
    if owner.isdigit():
        return owner
    parts = owner.split(":")
    if len(parts) < 6 or not parts[4]:
        raise KitError(f"ResourceOwner {owner!r} is not an account ARN (arn:aws:iam::ACCOUNT:root)")
    return parts[4]


def _policies(docs: Any, field: str, kind: str, policy_type: str, level: int | None = None) -> tuple[Policy, ...]:
    if docs is None:
        return ()
    if not isinstance(docs, list):
        raise KitError(f"{field} must be a list of policy documents")
    out = []
    for i, doc in enumerate(docs, start=1):
        pid = f"{field}.{i}" if level is None else f"{field}.{level}.{i}"
        out.append(parse_policy(doc, PolicySource(pid, policy_type, kind=kind, scp_level=level)))
    return tuple(out)


# Policy sets by their inputs' repr: a cases file asks many questions of the same policies (a PolicySet is
# immutable). A miss still finds each document compiled once (parse_policy's own cache).
_POLICY_SETS: ContentCache[PolicySet] = ContentCache(1024)
_POLICY_FIELDS = ("PolicyInputList", "PermissionsBoundaryPolicyInputList", "ServiceControlPolicies", "ResourcePolicy")


def case_policy_set(case: dict[str, Any]) -> PolicySet:
    """Build the :class:`PolicySet` of one case (raises :class:`KitError` with a clear message)."""
    return _POLICY_SETS.get(repr([case.get(f) for f in _POLICY_FIELDS]), lambda: _build_policy_set(case))


def _build_policy_set(case: dict[str, Any]) -> PolicySet:
    levels = case.get("ServiceControlPolicies") or []
    if not isinstance(levels, list) or any(not isinstance(level, list) for level in levels):
        raise KitError("ServiceControlPolicies must be a list of levels, each a list of policy documents")
    resource_doc = case.get("ResourcePolicy")
    return PolicySet(
        identity=_policies(case.get("PolicyInputList"), "PolicyInputList", "identity", "IAM Policy"),
        boundary=_policies(case.get("PermissionsBoundaryPolicyInputList"), "PermissionsBoundaryPolicyInputList",
                           "boundary", "PermissionsBoundaryPolicy"),
        scp_levels=tuple(
            _policies(level, "ServiceControlPolicies", "scp", "SCP", level=n) for n, level in enumerate(levels, 1)
        ),
        resource=parse_policy(resource_doc, PolicySource("ResourcePolicy", "resource", kind="resource"))
        if resource_doc is not None else None,
    )


# Contexts by their entries' repr: a cases file repeats a few contexts many times (a RequestContext is never
# changed in place: with_values makes a copy). Bounded like the compiled policies.
_CONTEXTS: ContentCache[RequestContext] = ContentCache(4096)


def case_requests(case: dict[str, Any]) -> list[Request]:
    """The action × resource requests of one case, in input order."""
    actions = case.get("ActionNames")
    if not isinstance(actions, list) or not actions or not all(isinstance(a, str) for a in actions):
        raise KitError("ActionNames must be a non-empty list of strings")
    resources = case.get("ResourceArns") or ["*"]
    if not isinstance(resources, list) or not all(isinstance(r, str) for r in resources):
        raise KitError("ResourceArns must be a list of strings")
    entries = case.get("ContextEntries")
    context = _CONTEXTS.get(repr(entries), lambda: context_from_entries(entries))
    caller = case.get("CallerArn")
    if caller is not None and not isinstance(caller, str):
        raise KitError("CallerArn must be a string")
    owner = _account_from_owner(case.get("ResourceOwner"))
    return [Request(a, r, caller, context, owner) for a in actions for r in resources]


def _matched(t: StatementTrace) -> dict[str, Any]:
    return {"SourcePolicyId": t.source.name, "SourcePolicyType": t.source.policy_type}


def render_evaluation_result(d: Decision) -> dict[str, Any]:
    """One ``EvaluationResults`` entry, shaped like the AWS response."""
    result: dict[str, Any] = {
        "EvalActionName": d.action,
        "EvalResourceName": d.resource,
        "EvalDecision": d.decision,
        "MatchedStatements": [_matched(t) for t in d.deciding],
        "MissingContextValues": list(d.missing_context),
    }
    if d.allowed_by_boundary is not None:
        result["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": d.allowed_by_boundary}
    if d.allowed_by_organizations is not None:
        result["OrganizationsDecisionDetail"] = {"AllowedByOrganizations": d.allowed_by_organizations}
    if d.blocked_by:
        result["BlockedBy"] = d.blocked_by  # the kit's addition; AWS has no such field
    return result


def simulate_case(case: Any) -> tuple[dict[str, Any], list[Decision]]:
    """Evaluate one case; returns the output object and the decisions (empty on error)."""
    case_id = case.get("id") if isinstance(case, dict) else None
    try:
        if not isinstance(case, dict):
            raise KitError("a case must be a JSON object")
        policies = case_policy_set(case)
        decisions = [evaluate_request(policies, r) for r in case_requests(case)]
    except KitError as exc:
        return {"id": case_id, "error": str(exc)}, []
    return {"id": case_id, "EvaluationResults": [render_evaluation_result(d) for d in decisions]}, decisions


def simulate_lines(lines: Iterable[str], start: int = 1) -> Iterator[tuple[dict[str, Any], list[Decision]]]:
    """Evaluate JSON Lines one by one; blank lines are skipped, a bad line gives an error object (numbered from
    *start*: a chunk of a larger file says its own line numbers)."""
    for n, line in enumerate(lines, start=start):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"id": None, "error": f"line {n}: not valid JSON ({exc.msg} at column {exc.colno})"}, []
            continue
        yield simulate_case(case)
