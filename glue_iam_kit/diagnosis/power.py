"""What a role may do, beside what a principal may do: the rules behind the fix review and the escalation routes.

Both are decided by the local evaluator (:func:`~glue_iam_kit.engine.evaluator.evaluate_request` over the
principal's compiled :class:`~glue_iam_kit.engine.evaluator.PolicySet`: identity policies, permissions boundary,
SCP levels, explicit denies), never by matching names. The candidates are the actions the role's Allow statements
name, expanded with the IAM action catalogue (:mod:`glue_iam_kit.diagnosis.catalogue`), on the resources those
statements name.

Cheap because a decision depends on an action only through *which statements' Action elements select it*
(conditions and resources do not depend on the action): actions alike in that are one class, and the evaluator
decides one representative per class and resource (tens of evaluations, not 20,000).

``admin`` (what a security reviewer means by "runs as an administrator"): the role may do an IAM write on every
user, role, group or policy that lets it grant itself more — put or attach a policy, create or set a policy
version, update a trust policy, create access keys or login profiles for others, add users to groups (the
privilege-escalation methods catalogued by Rhino Security Labs and pathfinding.cloud's IAM paths) — or the same
on its own role. ``*`` on ``*`` implies all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glue_iam_kit.diagnosis.catalogue import Catalogue, action_catalogue
from glue_iam_kit.engine.context import RequestContext, context_value
from glue_iam_kit.engine.evaluator import PolicySet, Request, evaluate_request
from glue_iam_kit.engine.patterns import RESOURCE, compile_pattern

# (action, resource type): IAM writes that let a principal grant itself more (see the module docstring).
ADMIN_ACTIONS = (
    ("iam:PutRolePolicy", "role"), ("iam:AttachRolePolicy", "role"), ("iam:UpdateAssumeRolePolicy", "role"),
    ("iam:PutUserPolicy", "user"), ("iam:AttachUserPolicy", "user"), ("iam:CreateAccessKey", "user"),
    ("iam:CreateLoginProfile", "user"), ("iam:UpdateLoginProfile", "user"), ("iam:AddUserToGroup", "group"),
    ("iam:PutGroupPolicy", "group"), ("iam:AttachGroupPolicy", "group"), ("iam:CreatePolicyVersion", "policy"),
    ("iam:SetDefaultPolicyVersion", "policy"),
)
_ADMIN_NAMES = frozenset(a for a, _ in ADMIN_ACTIONS)
# A name no grant targets on purpose: an Allow that matches it matches every entity of its type.
_PROBE_NAME = "glue-iam-kit-probe-zZ9"
# Riskiest first, for samples and reports (the Service Authorization Reference's access levels).
LEVEL_ORDER = ("Permissions management", "Write", "Tagging", "Read", "List", "Unknown")
GAINS_CAP = 10
# aws:RequestedRegion of a call to IAM (and the other global services of the aws partition): IAM's endpoint is in
# us-east-1 (IAM User Guide, "aws:RequestedRegion"). The admin probes are IAM calls, so they carry it: a region
# guardrail (an SCP denying other regions, an Allow limited to some) must not hide what a role may do.
GLOBAL_REGION = "us-east-1"


def in_region(context: RequestContext, region: str) -> RequestContext:
    """*context* with aws:RequestedRegion set to *region* (unchanged when *region* is empty)."""
    return context.with_values(context_value("aws:RequestedRegion", region)) if region else context


def region_contexts(context: RequestContext, region: str) -> list[RequestContext]:
    """The requests code may make from *region*: to that region, and to a global service (just *context* when the
    region is not known)."""
    return [in_region(context, region), in_region(context, GLOBAL_REGION)] if region else [context]


def _statements(ps: PolicySet) -> list[Any]:
    layers = (*ps.identity, *ps.boundary, *(p for level in ps.scp_levels for p in level))
    return [st for pol in layers for st in pol.statements]


def evaluate_actions(ps: PolicySet, arn: str, context: RequestContext, candidates: np.ndarray, resource: str,
                     catalogue: Catalogue | None = None) -> np.ndarray:
    """Which *candidates* (a mask over the catalogue) *ps* allows on *resource*: one evaluation per class of
    actions that the same statements select."""
    cat = catalogue or action_catalogue()
    allowed = np.zeros(len(cat), dtype=bool)
    # Identity policies must allow (these sets carry no resource policy): an action no identity Allow selects is
    # denied without asking.
    granted = np.zeros(len(cat), dtype=bool)
    for pol in ps.identity:
        for st in pol.statements:
            if st.effect == "Allow":
                granted |= cat.statement_mask(st)
    rows = np.flatnonzero(candidates & granted) if ps.resource is None else np.flatnonzero(candidates)
    if rows.size == 0:
        return allowed
    columns = list({id(m): m for m in (cat.statement_mask(st) for st in _statements(ps))}.values())
    if 0 < len(columns) <= 62:  # the class key as one integer: a bit per statement
        keys = np.zeros(rows.size, dtype=np.int64)
        for bit, m in enumerate(columns):
            keys |= m[rows].astype(np.int64) << bit
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    elif columns:
        bits = np.packbits(np.stack([m[rows] for m in columns], axis=1), axis=1)
        keys = np.ascontiguousarray(bits).view(np.dtype((np.void, bits.shape[1]))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    else:
        first, inverse = np.zeros(1, dtype=np.int64), np.zeros(rows.size, dtype=np.int64)
    decided = np.array([evaluate_request(ps, Request(cat.actions[rows[i]], resource, arn, context)).allowed
                        for i in first], dtype=bool)
    allowed[rows] = decided[inverse.reshape(-1)]
    return allowed


def _deny_resources(ps: PolicySet) -> tuple[str, ...]:
    """The Resource patterns of the set's Deny statements (identity, boundary, SCPs), in order, once each."""
    return tuple(dict.fromkeys(p.raw for st in _statements(ps) if st.effect == "Deny" and st.resources
                               and not st.not_resource for p in st.resources))


def evaluate_everywhere(ps: PolicySet, arn: str, context: RequestContext, candidates: np.ndarray, resource: str,
                        catalogue: Catalogue | None = None, region: str = "") -> np.ndarray:
    """Which *candidates* *ps* allows on *every* resource the pattern *resource* names: asked on the pattern itself
    and again on each narrower resource an explicit Deny names (``s3:*`` on ``*`` with a Deny on
    ``arn:aws:s3:::payroll/*`` is not ``s3:*`` everywhere: a role that may read payroll gives more); from
    *region* or to a global service (:func:`region_contexts`), as :func:`evaluate_power` asks the role."""
    whole = compile_pattern(resource, RESOURCE, variables=False)
    narrower = [r for r in _deny_resources(ps) if r != resource and whole.matches(r)]
    out = np.zeros_like(candidates)
    for ctx in region_contexts(context, region):
        allowed = evaluate_actions(ps, arn, ctx, candidates & ~out, resource, catalogue)
        for r in narrower:
            if not allowed.any():
                break
            allowed &= evaluate_actions(ps, arn, ctx, allowed, r, catalogue)
        out |= allowed
    return out


@dataclass(eq=False)
class Power:
    """What a role may do: per resource pattern of its Allow statements, a mask of the catalogue's actions."""

    arn: str
    allowed: dict[str, np.ndarray] = field(default_factory=dict)
    admin_reasons: tuple[str, ...] = ()

    @property
    def admin(self) -> bool:
        return bool(self.admin_reasons)

    @property
    def count(self) -> int:
        return int(sum(m.sum() for m in self.allowed.values()))


def evaluate_power(ps: PolicySet, arn: str, context: RequestContext, account: str, region: str = "") -> Power:
    """What the role *arn* (policies *ps*, its request context *context*) may do, and whether that is admin. Code
    running as the role calls the region it runs in (*region*, the Glue account's) or a global service: an action
    counts when either request is allowed."""
    cat = action_catalogue()
    contexts = region_contexts(context, region)
    candidates: dict[str, np.ndarray] = {}
    for pol in ps.identity:
        for st in pol.statements:
            if st.effect != "Allow":
                continue
            resources = ["*"] if st.not_resource or not st.resources else [p.raw for p in st.resources]
            for r in resources:
                m = candidates.get(r)
                candidates[r] = cat.statement_mask(st) if m is None else (m | cat.statement_mask(st))
    power = Power(arn)
    for r, m in candidates.items():
        allowed = evaluate_actions(ps, arn, contexts[0], m, r, cat)
        for other in contexts[1:]:
            allowed = allowed | evaluate_actions(ps, arn, other, m & ~allowed, r, cat)
        power.allowed[r] = allowed & cat.resource_mask(r)  # s3:PutObject on a bucket's ARN acts on nothing
    everywhere = power.allowed.get("*")
    if everywhere is not None:  # an action allowed on "*" need not be listed again on a narrower resource
        for r in list(power.allowed):
            if r != "*":
                power.allowed[r] = power.allowed[r] & ~everywhere
    power.allowed = {r: m for r, m in power.allowed.items() if m.any()}
    selected = np.zeros(len(cat), dtype=bool)
    for m in candidates.values():
        selected |= m
    power.admin_reasons = _admin_reasons(ps, arn, context, account, everywhere, selected, cat)
    return power


def evaluate_admin(ps: PolicySet, arn: str, context: RequestContext, account: str) -> tuple[str, ...]:
    """Why a principal (*ps*, *arn*, in *context*) is admin by the same rule as a role (empty: it is not). A
    principal that may grant itself anything gains nothing real from any role: no escalation, no route."""
    cat = action_catalogue()
    selected = np.zeros(len(cat), dtype=bool)
    for pol in ps.identity:
        for st in pol.statements:
            if st.effect == "Allow":
                selected |= cat.statement_mask(st)
    return _admin_reasons(ps, arn, context, account, None, selected, cat)


def _admin_reasons(ps: PolicySet, arn: str, context: RequestContext, account: str, everywhere: np.ndarray | None,
                   selected: np.ndarray, cat: Catalogue) -> tuple[str, ...]:
    if everywhere is not None and everywhere.all():
        return ("may do every action on *",)
    out = []
    context = in_region(context, GLOBAL_REGION)  # IAM calls
    for action, kind in ADMIN_ACTIONS:
        i = cat.index.get(action.lower())
        if i is not None and not selected[i]:
            continue  # no Allow statement of the role names it
        probe = f"arn:aws:iam::{account}:{kind}/{_PROBE_NAME}"
        if evaluate_request(ps, Request(action, probe, arn, context)).allowed:
            out.append(f"{action} on every {kind}")
        elif kind == "role" and ":role/" in arn and evaluate_request(ps, Request(action, arn, arn, context)).allowed:
            out.append(f"{action} on its own role")
    return tuple(out)


@dataclass(eq=False)
class Gains:
    """What a role may do that a principal may not: per resource, a mask of catalogue actions; read as
    ``service:Action on resource`` entries grouped by service and access level (built only when asked)."""

    masks: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return int(sum(m.sum() for m in self.masks.values()))

    def __bool__(self) -> bool:
        return any(m.any() for m in self.masks.values())

    def _entries(self, limit: int | None = None) -> list[tuple[int, str, str, str]]:
        """(level rank, service, level, entry), riskiest level first; IAM first within a level."""
        cat = action_catalogue()
        out: list[tuple[int, str, str, str]] = []
        for rank, level in enumerate(LEVEL_ORDER):
            for r, mask in self.masks.items():
                for i in np.flatnonzero(mask & cat.level_mask(level)):
                    service = cat.actions[i].split(":", 1)[0]
                    out.append((rank, service, level, f"{cat.actions[i]} on {r}"))
            if limit is not None and len(out) >= limit * 4:
                break
        out.sort(key=lambda e: (e[0], e[3].split(" on ", 1)[0] not in _ADMIN_NAMES, e[1] not in ("iam", "sts"), e[1],
                                e[3]))
        return out

    def sample(self, n: int = 3) -> list[str]:
        """Up to *n* entries, riskiest first: by access level, then the IAM writes that make a role admin, then
        IAM and STS, then the rest in the catalogue's order (without listing them all)."""
        cat = action_catalogue()
        out: list[str] = []
        for level in LEVEL_ORDER:
            for first in (cat.admin_mask(), cat.service_mask(("iam", "sts")), None):
                for r, mask in self.masks.items():
                    hits = mask & cat.level_mask(level)
                    if first is not None:
                        hits = hits & first
                    for i in np.flatnonzero(hits):
                        entry = f"{cat.actions[i]} on {r}"
                        if entry not in out:
                            out.append(entry)
                        if len(out) >= n:
                            return out
        return out

    def groups(self, cap: int = GAINS_CAP) -> list[dict[str, Any]]:
        """Grouped by service and access level, each with its count and at most *cap* entries."""
        grouped: dict[tuple[str, str], list[str]] = {}
        for _, service, level, entry in self._entries():
            grouped.setdefault((service, level), []).append(entry)
        return [{"service": service, "access_level": level, "count": len(entries), "sample": entries[:cap]}
                for (service, level), entries in grouped.items()]

    def summary(self, n: int = 3) -> str:
        if not self:
            return "nothing the principal may not do already"
        count = self.count
        more = count - min(n, count)
        return ", ".join(self.sample(n)) + (f" (+{more:,} more)" if more else "")


def evaluate_gains(power: Power, ps: PolicySet, arn: str, context: RequestContext, region: str = "") -> Gains:
    """What *power* allows that the principal (*ps*, *arn*, *context*, calling *region*) may not do."""
    cat = action_catalogue()
    return Gains({r: mask & ~evaluate_everywhere(ps, arn, context, mask, r, cat, region)
                  for r, mask in power.allowed.items()})


def review_summary(power: Power, gains: Gains) -> dict[str, Any]:
    """The review's words: escalation (the role may do something the principal may not), admin, gains."""
    return {"escalation": bool(gains), "admin": power.admin, "admin_reasons": list(power.admin_reasons),
            "gains_count": gains.count, "gains": gains.groups()}
