"""Glue escalation routes across an account: every (principal, role, route) by which a principal can run code as a
role that gives it more (issue 22).

Built on the PassRole matrix's account (:class:`~glue_iam_kit.matrix.compute.MatrixAccount`): principals with the
same policies are one group, decided once, and its PassRole decisions (to Glue, with and without an MFA session)
are the matrix's own. The routes are :data:`glue_iam_kit.diagnosis.routes.ROUTES`; what a role gives is
:mod:`glue_iam_kit.diagnosis.power`, once per group of roles with the same policies, and its gains once per
(principal group, role group). Rules:

- a role Glue cannot assume (its trust policy, decided by the evaluator) gives no route;
- every action of a route is decided in the principal's context: boundaries, SCPs, explicit denies apply;
- ``mfa`` is true when the route exists only with an MFA session;
- a principal that may already do everything the role may (no gains, judged at its best: with MFA), or that may
  grant itself anything (admin by the same rule as a role), is not listed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glue_iam_kit.diagnosis.power import Gains, Power, evaluate_admin, evaluate_everywhere, evaluate_power
from glue_iam_kit.diagnosis.routes import ROUTES, RoleTarget, glue_may_assume, read_glue_account
from glue_iam_kit.diagnosis.routes.reach import PolicyReach
from glue_iam_kit.engine.context import context_value
from glue_iam_kit.engine.decision import ALLOWED
from glue_iam_kit.engine.evaluator import Request, evaluate_request
from glue_iam_kit.errors import KitError
from glue_iam_kit.files import atomic_path
from glue_iam_kit.matrix.compute import MatrixAccount
from glue_iam_kit.matrix.table import PassRoleMatrix, check_output_path, progress_bar
from glue_iam_kit.model import DECISIONS, GLUE_SERVICE, PASSROLE
from glue_iam_kit.principals.context import request_context, role_values

ESCALATION_COLUMNS = ("principal", "role", "route", "actions", "admin", "gains", "gains_sample", "mfa")
SAMPLE = 3


@dataclass(frozen=True)
class EscalationRoute:
    """One row: *principal* can run code as *role* by *route*, using *actions*."""

    principal: str
    role: str
    route: str
    actions: tuple[str, ...]
    admin: bool
    gains: int
    gains_sample: tuple[str, ...]
    mfa: bool

    def as_json(self) -> dict[str, Any]:
        return {"principal": self.principal, "role": self.role, "route": self.route, "actions": list(self.actions),
                "admin": self.admin, "gains": {"count": self.gains, "sample": list(self.gains_sample)},
                "mfa": self.mfa}

    def as_row(self) -> dict[str, Any]:
        return {"principal": self.principal, "role": self.role, "route": self.route,
                "actions": ", ".join(self.actions), "admin": self.admin, "gains": self.gains,
                "gains_sample": "; ".join(self.gains_sample), "mfa": self.mfa}


def _mentions(documents: list[Any], key: str) -> bool:
    """Whether a condition key (lower-cased, or its prefix) appears in *documents* (a cheap pre-filter)."""
    return any(key in json.dumps(d).lower() for d in documents)


class EscalationAccount:
    """An account's escalation routes, computed once (:meth:`routes`)."""

    def __init__(self, target: Any, account: MatrixAccount | None = None,
                 decided: PassRoleMatrix | None = None) -> None:
        """*account*: the matrix's account, already gathered; *decided*: its Glue matrix, already decided (reused
        when it is for glue.amazonaws.com with MFA absent)."""
        self.account = account or (decided.account if decided is not None else MatrixAccount(target))
        self._decided = {decided.mfa: decided} if decided is not None and decided.service == GLUE_SERVICE else {}
        acct = self.account
        auth = target.authorization_details()
        self.glue = read_glue_account(target, acct.account_id)
        trusts = {r["Arn"]: r.get("AssumeRolePolicyDocument") for r in auth["RoleDetailList"]}
        self.targets = [self.glue.target(arn, trusts.get(arn), acct.role_tags[i]) for i, arn in enumerate(acct.roles)]
        decided: dict[str, bool] = {}
        # one decision per distinct trust policy and account; a trust testing aws:SourceArn per role (its own
        # jobs and endpoints are among the sources)
        self.trusted = np.array([
            glue_may_assume(t, self.glue) if "sourcearn" in str(t.trust).lower() else
            decided.setdefault(json.dumps(t.trust, sort_keys=True) + t.arn.split(":")[4], glue_may_assume(t, self.glue))
            for t in self.targets], dtype=bool)
        self.principal_index = {arn: i for i, arn in enumerate(acct.principal_arns)}
        self.problems: list[str] = list(acct.problems)
        self._powers: dict[int, Power | None] = {}
        self._union: dict[str, np.ndarray] = {}  # per resource: every action some role may do there
        self._allows: dict[tuple[int, str], int] = {}  # (group, resource) -> interned mask id
        self._interned: dict[bytes, int] = {}
        self._best_context: dict[int, Any] = {}
        self._admin: dict[int, bool] = {}
        self._masks: list[np.ndarray] = []
        self._gains: dict[tuple[int, int], tuple[bool, int, tuple[str, ...]]] = {}
        self._gains_by_masks: dict[tuple[int, tuple[int, ...]], tuple[bool, int, tuple[str, ...]]] = {}

    def _role_group(self, r: int) -> int | None:
        i = self.principal_index.get(self.account.roles[r])
        if i is None or self.account.principals[i].principal_type == "service-linked":
            return None  # a service-linked role cannot be passed (nor is it a principal the kit changes)
        return int(self.account.group_of[i])

    def _power(self, rg: int) -> Power | None:
        if rg not in self._powers:
            rep = self.account.representatives[rg]
            try:
                ps = self.account.policy_set(rg)
                if rep.unreadable or rep.problems:
                    raise KitError("; ".join(rep.problems) or rep.unreadable or "")
                power = evaluate_power(ps, rep.arn, request_context(rep, "", "absent"), self.account.account_id,
                                       self.glue.region)
            except KitError as exc:
                self.problems.append(f"{rep.arn}: what it may do: {exc}")
                power = None
            self._powers[rg] = power
            for r, mask in (power.allowed.items() if power else ()):
                u = self._union.get(r)
                self._union[r] = mask if u is None else (u | mask)
        return self._powers[rg]

    def _principal_allows(self, g: int, r: str) -> int:
        """What group *g* may do on *r*, among the actions any role may do there, as an interned mask id (groups
        that differ only in ways these actions do not see share it)."""
        key = (g, r)
        found = self._allows.get(key)
        if found is None:
            rep = self.account.representatives[g]
            mask = evaluate_everywhere(self.account.policy_set(g), rep.arn, self._context(g), self._union[r], r,
                                      region=self.glue.region)
            found = self._allows[key] = self._interned.setdefault(mask.tobytes(), len(self._interned))
            if found == len(self._masks):
                self._masks.append(mask)
        return found

    def _is_admin(self, g: int) -> bool:
        """Whether group *g* (at its best: an MFA session) may grant itself anything: then no role gives it more."""
        if g not in self._admin:
            rep = self.account.representatives[g]
            self._admin[g] = bool(evaluate_admin(self.account.policy_set(g), rep.arn, self._context(g),
                                                 self.account.account_id))
        return self._admin[g]

    def _context(self, g: int) -> Any:
        context = self._best_context.get(g)
        if context is None:  # the principal at its best: with an MFA session
            context = self._best_context[g] = request_context(self.account.representatives[g], "", "present")
        return context

    def _gains_of(self, g: int, rg: int, power: Power) -> tuple[bool, int, tuple[str, ...]]:
        """(any gains, how many, a sample) of role group *rg* over principal group *g*."""
        found = self._gains.get((g, rg))
        if found is None and self._is_admin(g):
            found = self._gains[(g, rg)] = (False, 0, ())
        if found is None:
            allows = tuple(self._principal_allows(g, r) for r in power.allowed)
            shared = (-1 - rg, allows)  # the same role power over the same allowed actions: the same gains
            found = self._gains_by_masks.get(shared)
            if found is None:
                gains = Gains({r: mask & ~self._masks[a] for (r, mask), a in zip(power.allowed.items(), allows,
                                                                                     strict=True)})
                found = self._gains_by_masks[shared] = (bool(gains), gains.count,
                                                        tuple(gains.sample(SAMPLE)) if gains else ())
            self._gains[(g, rg)] = found
        return found

    def _passes(self, mfa: str) -> np.ndarray:
        matrix = self._decided.get(mfa) or self.account.decide(GLUE_SERVICE, mfa)
        return (matrix.decision == DECISIONS.index(ALLOWED)) & self.trusted[np.newaxis, :]

    def routes(self, progress: bool = False) -> list[EscalationRoute]:
        """Every route, riskiest first (admin, then the most gains)."""
        acct = self.account
        if not self.trusted.any():
            return []
        for r in np.flatnonzero(self.trusted):  # what each role gives, before any principal (the union per resource)
            rg = self._role_group(int(r))
            if rg is not None:
                self._power(rg)
        absent = self._passes("absent")
        scp_docs = [r.document for level in acct.scps for r in level]
        docs = [[r.document for r in rep.records] + ([rep.boundary.document] if rep.boundary else []) + scp_docs
                for rep in acct.representatives]
        mfa_groups = {g for g, d in enumerate(docs) if _mentions(d, "multifactorauth")}
        # PassRole is evaluated with the Glue call it rides on: in the Glue region. The matrix decides it without a
        # region; a group whose policies test aws:RequestedRegion is decided again, in that region.
        region_groups = {g for g, d in enumerate(docs) if _mentions(d, "aws:requestedregion")}
        # Roles whose own endpoints or jobs a route may use without passing the role.
        owned = [int(r) for r in np.flatnonzero(self.trusted) if self.targets[r].dev_endpoints or self.targets[r].jobs]
        members: dict[int, list[int]] = {}
        for i, g in enumerate(acct.group_of.tolist()):
            members.setdefault(g, []).append(i)
        out: list[EscalationRoute] = []
        with progress_bar(progress, total=acct.groups, desc="routes", unit="group") as bar:
            for g, rep in enumerate(acct.representatives):
                bar.update(1)
                if rep.unreadable or rep.problems:
                    continue  # its policies are not all known: the matrix lists it as couldNotCheck
                try:
                    ps = acct.policy_set(g)
                except KitError:
                    continue
                found: dict[int, list[tuple[str, tuple[str, ...], bool]]] = {}
                region = self.glue.region  # the Glue and S3 calls of a route are made there (aws:RequestedRegion)
                passable = (allowed_row(acct, g, "absent", region) & self.trusted) if g in region_groups else absent[g]
                self._find(PolicyReach(rep, ps, "absent", passes=lambda _arn: True, region=region), passable, owned,
                           False, found)
                if g in mfa_groups:  # what an MFA session adds (the PassRole row decided for this group only)
                    present = allowed_row(acct, g, "present", region if g in region_groups else "") & self.trusted
                    self._find(PolicyReach(rep, ps, "present", passes=lambda _arn: True, region=region), present,
                               owned, True, found)
                for r, routes in found.items():
                    out += self._rows(g, r, routes, members[g])
        out.sort(key=lambda row: (not row.admin, -row.gains, row.principal, row.role, row.route))
        return out

    def _find(self, reach: PolicyReach, passable: np.ndarray, owned: list[int], mfa: bool,
              found: dict[int, list[tuple[str, tuple[str, ...], bool]]]) -> None:
        """Add to *found* (role index -> routes) what *reach* finds; with *mfa*, only routes not found without."""
        anyone = RoleTarget("", None)
        for route in ROUTES:
            if route.passes_role:
                actions = route.find(reach, anyone, self.glue) if passable.any() else None
                roles = np.flatnonzero(passable).tolist() if actions else []
            else:
                roles, actions = owned, None
            for r in roles:
                got = actions if route.passes_role else route.find(reach, self.targets[r], self.glue)
                if got and not (mfa and any(name == route.name for name, _, _ in found.get(r, ()))):
                    found.setdefault(r, []).append((route.name, got, mfa))

    def _rows(self, g: int, r: int, found: list[tuple[str, tuple[str, ...], bool]],
              principals: list[int]) -> list[EscalationRoute]:
        acct = self.account
        rg = self._role_group(r)
        power = self._power(rg) if rg is not None else None
        if power is None:
            return []
        any_gains, count, sample = self._gains_of(g, rg, power)
        if not any_gains:
            return []
        role_arn = acct.roles[r]
        return [EscalationRoute(acct.principal_arns[i], role_arn, name, actions, power.admin, count, sample, mfa)
                for i in principals if acct.principal_arns[i] != role_arn for name, actions, mfa in found]


def allowed_row(acct: MatrixAccount, g: int, mfa: str, region: str = "") -> np.ndarray:
    """Which roles group *g* may pass to Glue with MFA *mfa* (calling *region*): one row of the matrix's decisions,
    for the few groups whose policies test MFA or the region (one evaluation per class of roles, as the matrix
    does); none when its policies are not
    all known. The role's tags are always in the context (a statement that does not test them ignores them)."""
    rep, none = acct.representatives[g], np.zeros(len(acct.roles), dtype=bool)
    context = request_context(rep, GLUE_SERVICE, mfa, [context_value("aws:RequestedRegion", region)] if region else [])
    try:
        policies, (inverse, first) = acct.policy_set(g), acct.classes(g, context)
    except KitError:
        return none
    if rep.problems or not len(first):
        return none
    allowed = np.array([evaluate_request(policies, Request(PASSROLE, acct.roles[r], rep.arn, context.with_values(
        *role_values(acct.role_tags[r])))).allowed for r in first], dtype=bool)
    return allowed[inverse]


def compute_escalation(target: Any, progress: bool = False) -> list[EscalationRoute]:
    """Every escalation route of *target* (best a snapshot), riskiest first."""
    return EscalationAccount(target).routes(progress)


def escalation_frame(routes: list[EscalationRoute]) -> Any:
    """The routes as a DataFrame with :data:`ESCALATION_COLUMNS`."""
    import pandas as pd

    rows = [r.as_row() for r in routes]
    return pd.DataFrame({c: [row[c] for row in rows] for c in ESCALATION_COLUMNS}, columns=list(ESCALATION_COLUMNS))


def write_escalation(routes: list[EscalationRoute], path: str | os.PathLike[str]) -> Path:
    """Write the routes to ``.csv`` or ``.parquet`` (by suffix), atomically."""
    out = check_output_path(path)
    frame = escalation_frame(routes)
    with atomic_path(out) as tmp:
        if out.suffix.lower() == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
    return out
