"""What the account matrix says: per role, per principal, the over-broad grants, and a picture (pure, no AWS).

Over-broad grants follow the one rule in :mod:`glue_iam_kit.diagnosis.overbroad` (the investigation's security
finding uses it too); here they are counted over the whole account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glue_iam_kit.diagnosis.overbroad import evaluate_breadth
from glue_iam_kit.engine.decision import ALLOWED, EXPLICIT_DENY, StatementTrace
from glue_iam_kit.errors import KitError
from glue_iam_kit.matrix.table import PassRoleMatrix
from glue_iam_kit.model import DECISIONS, PASSROLE
from glue_iam_kit.principals.context import request_context

# A probe for "any service": no policy names it, so only grants without a PassedToService limit allow it.
ANY_SERVICE = "a-service-no-policy-names.amazonaws.com"
ROLE_SUMMARY_COLUMNS = ["role_arn", "principals_allowed", "principals_explicitly_denied", "services",
                        "principals_any_service"]
PRINCIPAL_SUMMARY_COLUMNS = ["principal_arn", "principal_type", "roles_allowed", "roles_explicitly_denied",
                             "example_roles"]
GRANT_COLUMNS = ["severity", "policy", "statement", "principals", "roles_selected", "passed_to_service",
                 "allowed_pairs", "reasons"]
_ALLOWED, _EXPLICIT = DECISIONS.index(ALLOWED), DECISIONS.index(EXPLICIT_DENY)
_SEVERITY = {"high": 0, "medium": 1}


def _name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def render_matrix_overview(matrix: PassRoleMatrix, seconds: float | None = None) -> str:
    """A few lines: size, grouping, decisions (and speed when *seconds* is given), problems."""
    account = matrix.account
    lines = [f"{len(account.principals):,} principals × {len(account.roles):,} roles = {matrix.pairs:,} pairs "
             f"(iam:PassRole to {matrix.service}, MFA {matrix.mfa}); {account.groups:,} groups of principals with "
             f"the same policies, {matrix.evaluations:,} evaluations"]
    if seconds is not None:
        lines.append(f"{seconds:.1f} s ({matrix.pairs / max(seconds, 1e-9):,.0f} decisions/s)")
    lines.append(", ".join(f"{name} {n:,}" for name, n in matrix.decision_counts().items() if n) or "no pairs")
    lines += [f"note: {p}" for p in matrix.problems[:10]]
    if len(matrix.problems) > 10:
        lines.append(f"note: ... and {len(matrix.problems) - 10} more")
    return "\n".join(lines)


def _per_role(matrix: PassRoleMatrix, code: int) -> np.ndarray:
    """How many principals get decision *code* for each role (groups weighted by their size)."""
    return matrix.account.group_sizes @ (matrix.decision == code)


def summarise_roles(matrix: PassRoleMatrix, services: list[str] | None = None) -> Any:
    """Per role: how many principals can pass it to the matrix's service, and to which services at all.

    *services* defaults to every service that an ``iam:PassedToService`` condition names, plus the matrix's own;
    ``principals_any_service`` counts those who may pass it to a service no policy names (no condition).
    """
    import pandas as pd

    probes = sorted(set(services if services is not None else matrix.account.named_services()) | {matrix.service})
    allowed = {s: _per_role(matrix if s == matrix.service else matrix.for_service(s), _ALLOWED) for s in probes}
    anywhere = _per_role(matrix.for_service(ANY_SERVICE), _ALLOWED)
    frame = pd.DataFrame({
        "role_arn": matrix.roles,
        "principals_allowed": allowed[matrix.service],
        "principals_explicitly_denied": _per_role(matrix, _EXPLICIT),
        "services": [", ".join(f"{s} ({int(allowed[s][r])})" for s in probes if allowed[s][r])
                     for r in range(len(matrix.roles))],
        "principals_any_service": anywhere,
    }, columns=ROLE_SUMMARY_COLUMNS)
    return frame.sort_values(["principals_allowed", "principals_any_service", "role_arn"],
                             ascending=[False, False, True], ignore_index=True)


def summarise_principals(matrix: PassRoleMatrix, examples: int = 3) -> Any:
    """Per principal: how many roles it may pass (and may not, explicitly), with a few example role names."""
    import pandas as pd

    allowed = matrix.decision == _ALLOWED
    per_group_allowed = allowed.sum(axis=1)
    per_group_denied = (matrix.decision == _EXPLICIT).sum(axis=1)
    group_examples = [", ".join(_name(matrix.roles[r]) for r in np.flatnonzero(row)[:examples])
                      + (f" and {int(row.sum()) - examples} more" if row.sum() > examples else "")
                      for row in allowed]
    g = matrix.account.group_of
    frame = pd.DataFrame({
        "principal_arn": matrix.principals,
        "principal_type": [pp.principal_type for pp in matrix.account.principals],
        "roles_allowed": per_group_allowed[g],
        "roles_explicitly_denied": per_group_denied[g],
        "example_roles": [group_examples[i] for i in g],
    }, columns=PRINCIPAL_SUMMARY_COLUMNS)
    return frame.sort_values(["roles_allowed", "principal_arn"], ascending=[False, True], ignore_index=True)


@dataclass
class _Grant:
    policy: str
    label: str  # the full statement label, as the matrix names it
    roles_selected: int
    passed_to_service: str
    reasons: list[str]
    severity: str
    principals: int = 0


def _allowed_pairs_by_label(matrix: PassRoleMatrix) -> dict[str, int]:
    """Pairs each granting statement took part in (a pair granted by two statements counts for both)."""
    counts = np.zeros(len(matrix.statement_labels), dtype=np.int64)
    for g, size in enumerate(matrix.account.group_sizes):
        row = matrix.statements[g][matrix.decision[g] == _ALLOWED]
        counts += np.bincount(row, minlength=len(counts)) * int(size)
    out: dict[str, int] = {}
    for label, n in zip(matrix.statement_labels, counts, strict=True):
        for part in label.split("; ") if n else ():
            out[part] = out.get(part, 0) + int(n)
    return out


def find_overbroad_grants(matrix: PassRoleMatrix) -> Any:
    """Identity-policy Allow statements granting iam:PassRole on every role or to any service; riskiest first.

    ``high``: both at once; ``medium``: one of them. ``allowed_pairs`` counts the (principal, role) pairs where
    the statement actually granted the matrix's service (after boundaries, SCPs and denies).
    """
    import pandas as pd

    account = matrix.account
    grants: dict[str, _Grant] = {}
    for g, rep in enumerate(account.representatives):
        try:
            statements = list(account.passrole_statements(g))
        except KitError:
            continue
        context = request_context(rep, matrix.service, matrix.mfa)
        for pol, st in statements:
            if st.effect != "Allow" or pol.source.kind != "identity":
                continue
            label = StatementTrace(pol.source, st, PASSROLE, True).label
            grant = grants.get(label)
            if grant is None:
                grant = grants[label] = _describe(matrix, pol, st, label, context)
            grant.principals += int(account.group_sizes[g])
    pairs = _allowed_pairs_by_label(matrix)
    rows = []
    for grant in grants.values():
        if not grant.reasons:
            continue
        short = grant.label.removeprefix(grant.policy).strip()
        rows.append({"severity": grant.severity, "policy": grant.policy, "statement": short,
                     "principals": grant.principals, "roles_selected": grant.roles_selected,
                     "passed_to_service": grant.passed_to_service, "allowed_pairs": pairs.get(grant.label, 0),
                     "reasons": "; ".join(grant.reasons)})
    frame = pd.DataFrame(rows, columns=GRANT_COLUMNS)
    if frame.empty:
        return frame
    frame["_rank"] = frame.severity.map(_SEVERITY)
    frame = frame.sort_values(["_rank", "allowed_pairs", "principals", "policy", "statement"],
                              ascending=[True, False, False, True, True], ignore_index=True)
    return frame.drop(columns="_rank")


def _describe(matrix: PassRoleMatrix, pol: Any, st: Any, label: str, context: Any) -> _Grant:
    selected = np.zeros(len(matrix.roles), dtype=bool)
    for pattern in st.resources or ():
        selected |= matrix.account.vector(pattern, context)
    if st.not_resource:
        selected = ~selected
    breadth = evaluate_breadth(st, matrix.account.account_id, context.single)
    return _Grant(pol.source.label, label, int(selected.sum()), ", ".join(breadth.services) or "any",
                  breadth.reasons(), breadth.severity)


def _bins(size: int, bins: int) -> tuple[np.ndarray, np.ndarray]:
    edges = np.linspace(0, size, min(bins, size) + 1).astype(int)
    return edges[:-1], np.diff(edges)


def _bin_labels(order: np.ndarray, names: list[str], starts: np.ndarray, counts: np.ndarray) -> list[str]:
    return [_name(names[order[s]]) if c == 1 else f"#{s + 1}–{s + c}" for s, c in zip(starts, counts, strict=True)]


def heatmap_grid(matrix: PassRoleMatrix, bins: int = 120) -> tuple[np.ndarray, list[str], list[str]]:
    """Share of allowed pairs in at most *bins* × *bins* cells: principals (rows) and roles (columns) sorted by
    how much they allow, most first. Returns (grid, row labels, column labels); a label is a name when its cell
    holds one principal or role, else a rank range."""
    allowed_g = matrix.decision == _ALLOWED
    if allowed_g.size == 0 or not matrix.principals:
        return np.zeros((0, 0), dtype=np.float32), [], []
    group_of = matrix.account.group_of
    rows = np.argsort(-allowed_g.sum(axis=1)[group_of], kind="stable")
    cols = np.argsort(-_per_role(matrix, _ALLOWED), kind="stable")
    # Columns are binned on the (group × role) array, before principals are expanded: small at any scale.
    col_starts, col_counts = _bins(len(cols), bins)
    by_group = np.add.reduceat(allowed_g[:, cols].astype(np.float32), col_starts, axis=1) / col_counts
    row_starts, row_counts = _bins(len(rows), bins)
    grid = np.add.reduceat(by_group[group_of[rows]], row_starts, axis=0) / row_counts[:, None]
    return (grid, _bin_labels(rows, matrix.principals, row_starts, row_counts),
            _bin_labels(cols, matrix.roles, col_starts, col_counts))


def plot_heatmap(matrix: PassRoleMatrix, bins: int = 120, ax: Any = None) -> Any:
    """A picture of principals × roles (share allowed per cell), most-allowing first; returns the figure."""
    import matplotlib.pyplot as plt

    grid, row_labels, col_labels = heatmap_grid(matrix, bins)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 6), layout="constrained")
    named = len(row_labels) <= 40 and len(col_labels) <= 40
    # Small: one cell per principal and role, named. Large: the axes count principals and roles by rank.
    extent = None if named else (0, len(matrix.roles), len(matrix.principals), 0)
    image = ax.imshow(grid, aspect="auto", interpolation="nearest", cmap="viridis", vmin=0, vmax=1, extent=extent)
    ax.figure.colorbar(image, ax=ax, label=f"share allowed to pass to {matrix.service}")
    ax.set_xlabel(f"roles ({len(matrix.roles):,}), most passable first")
    ax.set_ylabel(f"principals ({len(matrix.principals):,}), most able first")
    if named:
        ax.set_yticks(range(len(row_labels)), row_labels, fontsize=7)
        ax.set_xticks(range(len(col_labels)), col_labels, fontsize=7, rotation=90)
    ax.set_title(f"iam:PassRole to {matrix.service} (MFA {matrix.mfa})")
    return ax.figure
