"""A decision's trace for people: short text, and one row per statement (plain dicts; DataFrames are built
in :mod:`glue_iam_kit.frames`)."""

from __future__ import annotations

from typing import Any

from glue_iam_kit.engine.decision import ALLOWED, EXPLICIT_DENY, Decision
from glue_iam_kit.engine.marks import ident


def render_trace_text(d: Decision, limit: int = 3, marked: bool = False) -> str:
    """A short explanation for people: the decision, the deciding statement, and why. *marked*: names and
    values marked as identifiers (:mod:`glue_iam_kit.engine.marks`), for what reaches a report."""
    head = f"{d.decision}: {d.action} on {ident('arn', d.resource) if marked else d.resource}"
    lines = [head]

    def label(st: object) -> str:
        return st.marked_label if marked else st.label  # type: ignore[attr-defined]

    def reasons(st: object) -> list[str]:
        return [c.marked_reason if marked else c.reason for c in st.conditions]  # type: ignore[attr-defined]

    if d.decision == EXPLICIT_DENY:
        for st in d.deciding[:limit]:
            lines.append(f"  denied by {label(st)} [{st.source.kind}]")
            lines.extend(f"    - {r}" for r in reasons(st))
    elif d.decision == ALLOWED:
        for st in d.deciding[:limit]:
            lines.append(f"  allowed by {label(st)}")
            lines.extend(f"    - {r}" for r in reasons(st))
    else:
        lines.append(f"  no {d.blocked_by or 'identity'} policy allows it")
        if d.nearest_allows:
            lines.append("  nearest allows (closest first):")
            for st in d.nearest_allows[:limit]:
                lines.append(f"    {label(st)}")
                lines.extend(f"      - {why}" for why in (st.marked_failures if marked else st.failures))
        else:
            lines.append("  no Allow statement mentions this action")
    if d.allowed_by_boundary is False:
        lines.append("  the permissions boundary does not allow it")
    if d.allowed_by_organizations is False:
        lines.append("  the service control policies do not allow it")
    if d.missing_context:
        lines.append(f"  context keys the policies test but the request lacks: {', '.join(d.missing_context)}")
    lines.extend(f"  note: {n}" for n in d.notes)
    return "\n".join(lines)


TRACE_COLUMNS = [
    "policy", "policy_type", "kind", "via_group", "statement", "sid", "effect", "action_matched",
    "resource_matched", "principal_matched", "conditions_matched", "matched", "deciding", "nearest_rank", "why",
]


def trace_rows(d: Decision) -> list[dict[str, Any]]:
    """One row per statement of every policy consulted (plain dicts, no pandas)."""
    deciding = {id(s) for s in d.deciding}
    nearest = {id(s): i + 1 for i, s in enumerate(d.nearest_allows)}
    rows = []
    for st in d.statements:
        rows.append({
            "policy": st.source.name,
            "policy_type": st.source.policy_type,
            "kind": st.source.kind,
            "via_group": st.source.via_group or "",
            "statement": st.index + 1,
            "sid": st.sid or "",
            "effect": st.effect,
            "action_matched": st.action_matched,
            "resource_matched": st.resource_matched,
            "principal_matched": st.principal_matched,
            "conditions_matched": all(c.matched for c in st.conditions) if st.action_matched else None,
            "matched": st.matched,
            "deciding": id(st) in deciding,
            "nearest_rank": nearest.get(id(st)),
            "why": "; ".join(st.failures) if not st.matched else "; ".join(c.reason for c in st.conditions),
        })
    return rows
