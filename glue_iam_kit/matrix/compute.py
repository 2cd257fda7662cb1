"""Who can pass which role to a service? The account-wide PassRole matrix (from a snapshot; any target works).

One row per (principal, role) pair, for every user and role principal × every role. Tens of millions of pairs,
but few distinct questions:

- principals with the same effective policies (identity with their route, boundary; the property tests show
  statement and policy order never change a decision) are one *group*, evaluated once. Policies that test
  principal keys split groups by those keys' values: principal tags are shared by principals with equal tags,
  the others (user name, ARN, user id) make a group of one;
- within a group, a role matters only through which of the group's PassRole resource patterns select it and the
  values of the role tags its statements test, so roles alike in both form a *class*, and the evaluator decides
  one representative role per class.

A principal whose policies cannot all be read or parsed gets ``couldNotCheck`` (with the reason) rather than a
guess; only an explicit deny among the policies that could be read is certain enough to keep.

The decisions are held as (group × role) code arrays; rows are only materialised for output, in batches,
by pyarrow's columnar writers (Parquet or CSV) with dictionary-encoded columns.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from typing import Any

import numpy as np

from glue_iam_kit.engine.context import RequestContext
from glue_iam_kit.engine.decision import EXPLICIT_DENY
from glue_iam_kit.engine.evaluator import PolicySet, Request, evaluate_request, matches_action
from glue_iam_kit.engine.patterns import Pattern, Unresolved, compile_resolved
from glue_iam_kit.errors import CouldNotCheck, KitError
from glue_iam_kit.matrix.table import PassRoleMatrix, progress_bar
from glue_iam_kit.model import DECISION_COULD_NOT_CHECK, DECISIONS, GLUE_SERVICE, PASSROLE, could_not_check
from glue_iam_kit.principals import KINDS, PolicyRecord, PrincipalPolicies, gather_scps
from glue_iam_kit.principals.base import tag_map
from glue_iam_kit.principals.context import RESOURCE_TAG_PREFIXES, mfa_values, request_context, role_values

# Keys whose value the principal brings (in conditions or as ${variables}). Principals with the same policies
# share a decision only when these values are equal too: tags and kind can be shared, the rest are the
# principal's own (IAM User Guide, "AWS global condition context keys").
_PRINCIPAL_KEY = re.compile(r"aws:(username|userid|principalarn|principaltag/[^\s\"'}$,]+|principaltype|"
                            r"principalaccount|principalorgid|principalorgpaths|principalisawsservice|"
                            r"principalservicename)", re.IGNORECASE)
_SHARED_KEYS = ("principaltype", "principalaccount", "principalorgid", "principalorgpaths",
                "principalisawsservice", "principalservicename")


def principal_keys(text: str) -> frozenset[str]:
    """The principal keys a policy text tests (lower-cased, without ``aws:``)."""
    return frozenset(m.group(1).lower() for m in _PRINCIPAL_KEY.finditer(text))


def principal_key_values(pp: PrincipalPolicies, keys: frozenset[str]) -> tuple[Any, ...]:
    """What *pp* brings for *keys*: its tags' values (shared by principals with equal tags), else its ARN."""
    if not keys:
        return ()
    tags = {k.lower(): v for k, v in pp.tags.items()}
    out: list[Any] = []
    for key in sorted(keys):
        if key.startswith("principaltag/"):
            out.append((key, tags.get(key.split("/", 1)[1])))
        elif key not in _SHARED_KEYS:  # the kind is in every key already; the account is one
            return (pp.arn,)
    return tuple(out)


def gather_principals(target: Any, auth: dict[str, Any] | None = None) -> list[PrincipalPolicies]:
    """Every user and role of the target, with their policies (users first).

    A principal that cannot be read (an inconsistent snapshot: a group it names is missing) is kept, with no
    policies and the reason in ``problems``: the matrix marks its pairs ``couldNotCheck``.
    """
    auth = auth or target.authorization_details()
    out = []
    for kind, entries, key in ((KINDS["user"], auth["UserDetailList"], "UserName"),
                               (KINDS["role"], auth["RoleDetailList"], "RoleName")):
        for entry in entries:
            try:
                out.append(kind.gather(target, entry[key]))
            except KitError as exc:
                out.append(PrincipalPolicies(kind.name, entry[key], entry["Arn"], unreadable=str(exc)))
    return out


class _Codes(dict):
    """Interns labels as consecutive integer codes (a pyarrow/pandas dictionary)."""

    def code(self, label: str) -> int:
        found = self.get(label)
        if found is None:
            found = self[label] = len(self)
        return found

    def labels(self) -> list[str]:
        return list(self)


class MatrixAccount:
    """An account's principals, roles and SCPs, gathered once; principals grouped, roles classed per group.

    Service- and MFA-independent, so one account answers the matrix for several services cheaply
    (:meth:`decide`).
    """

    def __init__(self, target: Any) -> None:
        auth = target.authorization_details()
        self.principals = gather_principals(target, auth)
        self.principal_arns = [pp.arn for pp in self.principals]
        self.roles: list[str] = [r["Arn"] for r in auth["RoleDetailList"]]
        # The roles' tags, by lower-cased key: iam:ResourceTag/* of a PassRole request (condition key names,
        # tag keys included, are case-insensitive: IAM User Guide, "Condition element").
        self.role_tags: list[dict[str, str]] = [tag_map(r) for r in auth["RoleDetailList"]]
        self._tag_values = [{k.lower(): v for k, v in tags.items()} for tags in self.role_tags]
        arns = self.roles or self.principal_arns
        self.account_id = arns[0].split(":")[4] if arns else ""
        self.role_index = {arn: i for i, arn in enumerate(self.roles)}
        self._sorted_index = sorted(range(len(self.roles)), key=self.roles.__getitem__)
        self._sorted_roles = [self.roles[i] for i in self._sorted_index]
        self.problems: list[str] = [f"{pp.arn}: {p}" for pp in self.principals for p in pp.problems]
        self.problems += [f"{pp.arn}: could not read it: {pp.unreadable}" for pp in self.principals if pp.unreadable]
        try:
            self.scps: list[list[PolicyRecord]] = gather_scps(target)
        except CouldNotCheck as exc:
            self.scps = []
            self.problems.append(f"SCPs not applied: could not read them: {exc}")
        # Principal keys an SCP tests split every group by their values.
        self._scp_keys = frozenset().union(*(principal_keys(json.dumps(r.document)) for level in self.scps
                                             for r in level))
        groups: dict[tuple[Any, ...], int] = {}
        self.representatives: list[PrincipalPolicies] = []
        group_of = np.empty(len(self.principals), dtype=np.int32)
        texts: dict[int, tuple[dict[str, Any], str, frozenset[str]]] = {}  # id(doc) -> doc, JSON, principal keys
        for i, pp in enumerate(self.principals):
            key = self._signature(pp, texts, self._scp_keys)
            if pp.unreadable:
                key += (pp.arn,)
            key += tuple(pp.problems)
            g = groups.get(key)
            if g is None:
                g = groups[key] = len(self.representatives)
                self.representatives.append(pp)
            group_of[i] = g
        self.group_of = group_of
        self.group_sizes = np.bincount(group_of, minlength=len(self.representatives)).astype(np.int64)
        self._policy_sets: dict[int, PolicySet | KitError] = {}
        self._classes: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._tagged: dict[int, bool] = {}  # group -> its PassRole statements test the role's tags
        self._shared_classes: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
        self._tag_code_cache: dict[str, np.ndarray] = {}
        self._vectors: dict[Any, np.ndarray] = {}

    @staticmethod
    def _signature(pp: PrincipalPolicies, texts: dict[int, tuple[dict[str, Any], str, frozenset[str]]],
                   scp_keys: frozenset[str]) -> tuple[Any, ...]:
        keys = set(scp_keys)

        def text(doc: dict[str, Any]) -> str:
            hit = texts.get(id(doc))
            if hit is None:
                dumped = json.dumps(doc, sort_keys=True)
                hit = texts[id(doc)] = (doc, dumped, principal_keys(dumped))
            keys.update(hit[2])
            return hit[1]

        # The route (source label) is part of the key: the statements column names it.
        docs = tuple(sorted((r.source.label, text(r.document)) for r in pp.records))
        boundary = text(pp.boundary.document) if pp.boundary else ""
        # The kind too: aws:PrincipalType (and the statements' routes) differ between a user and a role.
        return (pp.principal_type, docs, boundary, principal_key_values(pp, frozenset(keys)))

    @property
    def groups(self) -> int:
        return len(self.representatives)

    def policy_set(self, g: int) -> PolicySet:
        """Group *g*'s compiled policies (raises KitError: a malformed policy, an unreadable principal)."""
        found = self._policy_sets.get(g)
        if found is None:
            rep = self.representatives[g]
            try:
                if rep.unreadable:
                    raise KitError(f"could not read {rep.principal_type} {rep.name}: {rep.unreadable}")
                found = rep.policy_set(self.scps)
            except KitError as exc:
                found = exc
            self._policy_sets[g] = found
        if isinstance(found, KitError):
            raise found
        return found

    def passrole_statements(self, g: int) -> Iterator[tuple[Any, Any]]:
        """(policy, statement) pairs about iam:PassRole in every layer of group *g*."""
        ps = self.policy_set(g)
        for pol in (*ps.identity, *ps.boundary, *(p for level in ps.scp_levels for p in level)):
            for st in pol.statements:
                if matches_action(st, PASSROLE):
                    yield pol, st

    def vector(self, pattern: Pattern, context: RequestContext) -> np.ndarray:
        """Which roles *pattern* selects (a bool per role), cached by pattern (after variables)."""
        parts: tuple[tuple[bool, str], ...] | None = ((False, pattern.raw),)
        if pattern.has_variables:
            try:
                parts = pattern.resolve(context.single)
            except Unresolved:
                parts = None  # never matches: the evaluator records the missing key
        key = (pattern.raw, parts)
        found = self._vectors.get(key)
        if found is not None:
            return found
        found = np.zeros(len(self.roles), dtype=bool)
        if parts is not None and pattern.exact is not None:
            i = self.role_index.get(pattern.exact)
            if i is not None:
                found[i] = True
        elif parts is not None:
            # Only roles that start with the pattern's literal prefix can match: a sorted range, not every role.
            prefix = _literal_prefix(parts)
            lo = bisect.bisect_left(self._sorted_roles, prefix)
            hi = bisect.bisect_left(self._sorted_roles, prefix + "\U0010ffff", lo)
            fullmatch = compile_resolved(parts, pattern.flavour).fullmatch
            for i in self._sorted_index[lo:hi]:
                if fullmatch(self.roles[i]) is not None:
                    found[i] = True
        self._vectors[key] = found
        return found

    def classes(self, g: int, context: RequestContext) -> tuple[np.ndarray, np.ndarray]:
        """(class of each role, one representative role index per class) for group *g*."""
        found = self._classes.get(g)
        if found is not None:
            return found
        columns: dict[Any, np.ndarray] = {}
        tag_keys: set[str] = set()
        for _, st in self.passrole_statements(g):
            for pattern in st.resources or ():
                v = self.vector(pattern, context)
                columns.setdefault(id(v), v)
            tag_keys.update(c.key.lower().split("/", 1)[1] for c in st.conditions
                            if c.key.lower().startswith(RESOURCE_TAG_PREFIXES))
        self._tagged[g] = bool(tag_keys)
        # Groups whose statements select roles alike share their classes (the vectors are cached by pattern).
        shared_key = (tuple(sorted(columns)), tuple(sorted(tag_keys)))
        found = self._shared_classes.get(shared_key)
        if found is None:
            found = self._shared_classes[shared_key] = self._make_classes(list(columns.values()), sorted(tag_keys))
        self._classes[g] = found
        return found

    def _tag_codes(self, key: str) -> np.ndarray:
        """Each role's value of tag *key* as a small integer (0: absent), computed once per key."""
        found = self._tag_code_cache.get(key)
        if found is None:
            index: dict[str | None, int] = {None: 0}
            found = np.fromiter((index.setdefault(t.get(key), len(index)) for t in self._tag_values),
                                dtype=np.int32, count=len(self.roles))
            self._tag_code_cache[key] = found
        return found

    def _make_classes(self, columns: list[np.ndarray], tag_keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Roles differ by the patterns that select them and by the values of the tags the policies test: one
        class per distinct row (bit-packed pattern columns, then the tag codes as bytes)."""
        n = len(self.roles)
        if n == 0 or not (columns or tag_keys):
            return np.zeros(n, dtype=np.int32), np.zeros(min(n, 1), dtype=np.int64)
        parts = [np.packbits(np.stack(columns, axis=1), axis=1)] if columns else []
        if tag_keys:
            codes = np.ascontiguousarray(np.stack([self._tag_codes(k) for k in tag_keys], axis=1))
            parts.append(codes.view(np.uint8).reshape(n, -1))
        rows = np.ascontiguousarray(np.concatenate(parts, axis=1))
        keys = rows.view(np.dtype((np.void, rows.shape[1]))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        return inverse.reshape(-1).astype(np.int32), first

    def named_services(self) -> list[str]:
        """The services that iam:PassedToService conditions name (literal values), sorted."""
        out: set[str] = set()
        for g in range(self.groups):
            try:
                statements = list(self.passrole_statements(g))
            except KitError:
                continue
            for _, st in statements:
                for c in st.conditions:
                    if c.key.lower() == "iam:passedtoservice":
                        out.update(v for v in c.values if "*" not in v and "?" not in v)
        return sorted(out)

    def decide(self, service: str = GLUE_SERVICE, mfa: str = "absent", progress: bool = False) -> PassRoleMatrix:
        """The matrix for *service* with MFA *mfa*: one evaluation per (group, role class)."""
        mfa_values(mfa)  # a clear error for an unknown mode
        n_groups, n_roles = self.groups, len(self.roles)
        decision = np.empty((n_groups, n_roles), dtype=np.int8)
        blocked = np.empty((n_groups, n_roles), dtype=np.int16)
        statements = np.empty((n_groups, n_roles), dtype=np.int32)
        blocked_codes, statement_codes = _Codes(), _Codes()
        blocked_codes.code("")
        statement_codes.code("")
        evaluations = 0
        problems = list(self.problems)
        with progress_bar(progress, total=n_groups, desc="evaluating", unit="group") as bar:
            for g, rep in enumerate(self.representatives):
                bar.update(1)
                context = request_context(rep, service, mfa)
                try:
                    policies = self.policy_set(g)
                    inverse, first = self.classes(g, context)
                except KitError as exc:
                    decision[g] = DECISIONS.index(DECISION_COULD_NOT_CHECK)
                    blocked[g] = 0
                    statements[g] = statement_codes.code(could_not_check(str(exc)))
                    if not rep.unreadable:  # an unreadable principal is already among the problems
                        more = f" (and {self.group_sizes[g] - 1} more like it)" if self.group_sizes[g] > 1 else ""
                        problems.append(f"{rep.arn}{more}: {exc}")
                    continue
                d_codes = np.empty(len(first), dtype=np.int8)
                b_codes = np.empty(len(first), dtype=np.int16)
                s_codes = np.empty(len(first), dtype=np.int32)
                tagged = self._tagged.get(g, False)
                for c, r in enumerate(first):
                    ctx = context.with_values(*role_values(self.role_tags[r])) if tagged else context
                    d = evaluate_request(policies, Request(PASSROLE, self.roles[r], rep.arn, ctx))
                    d_codes[c] = DECISIONS.index(d.decision)
                    b_codes[c] = blocked_codes.code(d.blocked_by or "")
                    # Sorted: principals in one group may list the same policies in another order.
                    s_codes[c] = statement_codes.code("; ".join(sorted(t.label for t in d.deciding)))
                evaluations += len(first)
                if rep.problems:
                    # Some of its policies could not be read: only an explicit deny among the known ones is
                    # certain; anything else might change with the missing policies.
                    unsure = d_codes != DECISIONS.index(EXPLICIT_DENY)
                    d_codes[unsure] = DECISIONS.index(DECISION_COULD_NOT_CHECK)
                    b_codes[unsure] = 0
                    s_codes[unsure] = statement_codes.code(could_not_check("; ".join(rep.problems)))
                decision[g], blocked[g], statements[g] = d_codes[inverse], b_codes[inverse], s_codes[inverse]
        return PassRoleMatrix(self, service, mfa, decision, blocked, statements, blocked_codes.labels(),
                              statement_codes.labels(), evaluations, problems)


def _literal_prefix(parts: tuple[tuple[bool, str], ...]) -> str:
    """The text every match starts with: up to the first wildcard (text a variable brought in is literal)."""
    out = []
    for from_variable, text in parts:
        if from_variable:
            out.append(text)
            continue
        cut = min((i for i in (text.find("*"), text.find("?")) if i >= 0), default=-1)
        if cut >= 0:
            out.append(text[:cut])
            break
        out.append(text)
    return "".join(out)


def open_matrix_snapshot(snapshot_path: str = "") -> Any:
    """The snapshot file's target; with no path, a small synthetic account (to try the notebook on)."""
    from glue_iam_kit.sources.snapshot import SnapshotTarget

    if not snapshot_path:
        from glue_iam_kit.sources.synthetic import synthetic_snapshot

        return SnapshotTarget(synthetic_snapshot(users=60, roles=90, groups=8, policies=16))
    return SnapshotTarget.from_file(snapshot_path)


def compute_matrix(target: Any, service: str = GLUE_SERVICE, mfa: str = "absent",
                   progress: bool = False) -> PassRoleMatrix:
    """The PassRole matrix of *target* (best a snapshot: every other target is read principal by principal)."""
    mfa_values(mfa)  # validate before the (long) gathering
    return MatrixAccount(target).decide(service, mfa, progress)


def evaluate_matrix(target: Any, service: str = GLUE_SERVICE, mfa: str = "absent") -> Any:
    """The matrix as a DataFrame with :data:`MATRIX_COLUMNS`: one row per principal × role."""
    return compute_matrix(target, service, mfa).to_frame()
