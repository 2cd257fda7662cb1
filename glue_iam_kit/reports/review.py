"""The fix's security review in words (issue 22): one source for report.md, report.html and the explorer.
Reads ``fix.review`` of findings.json (already anonymised)."""

from __future__ import annotations

import json
from typing import Any

SHOWN_GROUPS = 6  # service / access-level groups a report lists; the rest is counted


def review_headline(review: dict[str, Any]) -> str:
    """One sentence: what passing the role gives."""
    if not review:
        return ""
    role = review.get("role") or "the role"
    if review.get("could_not_check") and not review.get("gains_count"):
        return f"Security review: could not check: {review['could_not_check']}"
    if not review.get("escalation"):
        return (f"Security review: passing {role} gives nothing the principal may not do already: no "
                "escalation.")
    what = ("an administrator: it may grant itself anything (" + "; ".join(review.get("admin_reasons") or []) + ")"
            if review.get("admin") else
            f"a role that may do {review.get('gains_count', 0):,} actions the principal may not do")
    return f"Security review: ESCALATION. Passing {role} lets the principal run code as {what}." + \
        already_sentence(review)


def already_open(review: dict[str, Any]) -> list[str]:
    """The routes by which the principal runs code as the role without the fix (the script route, ...)."""
    return [r["route"] for r in review.get("routes") or [] if r.get("already_open")]


def review_warning(review: dict[str, Any]) -> str:
    """The verdict card's warning ("" when the review found no escalation)."""
    if not review or not review.get("escalation"):
        return ""
    return ("Applying this fix lets the principal run code as a role that " +
            ("is an administrator" if review.get("admin") else "may do more than the principal may") +
            ": see the Security review under Resolution before applying it." + already_sentence(review))


def already_sentence(review: dict[str, Any]) -> str:
    """" The principal can already ..." when a route is open without the fix ("" when none)."""
    open_now = already_open(review)
    if not open_now:
        return ""
    return (f" The principal can already run code as this role without the fix (route {', '.join(open_now)}): "
            "close that route too.")


def review_details(review: dict[str, Any]) -> list[str]:
    """The gains by service and access level, then the routes (one line each)."""
    groups = review.get("gains") or []
    out = [f"{g['service']} ({g['access_level']}, {g['count']:,}): " + ", ".join(g["sample"])
           + (" …" if g["count"] > len(g["sample"]) else "") for g in groups[:SHOWN_GROUPS]]
    more = max(review.get("gains_groups", len(groups)), len(groups)) - min(len(groups), SHOWN_GROUPS)
    if more > 0:
        out.append(f"… and {more:,} more service and access-level groups ({review.get('gains_count', 0):,} "
                   "actions in all)")
    out += [f"route {r['route']}: " + ", ".join(r["actions"]) + (" (with an MFA session)" if r.get("mfa") else "")
            + (" — open already, without this fix" if r.get("already_open") else "")
            for r in review.get("routes") or []]
    if review.get("could_not_check") and review.get("gains_count"):
        out.append(f"could not check {review['could_not_check']}")
    return out


def render_review_md(review: dict[str, Any], fix: dict[str, Any] | None = None) -> list[str]:
    """The Resolution's *Security review* subsection (and Access Analyzer's findings), as Markdown lines."""
    analyzer = analyzer_lines(fix or {})
    if not review and not analyzer:
        return []
    out = ["### Security review", ""]
    if review:
        out += [review_headline(review), ""]
        out += [f"- {line}" for line in review_details(review)]
    out += [f"- {line}" for line in analyzer]
    scoped = (review or {}).get("scoped_role")
    if scoped:
        out += ["", f"**A narrower alternative:** {scoped['why']}.", "", "```json",
                json.dumps(scoped["policy"], indent=2), "```", "", "```sh", scoped["command"], "```"]
    return [*out, ""] if out[-1] else out


def analyzer_lines(fix: dict[str, Any]) -> list[str]:
    """IAM Access Analyzer's findings on the fix (ValidatePolicy), one line each; [] when it was not asked."""
    result = (fix or {}).get("access_analyzer")
    if not result:
        return []
    if result.get("could_not_check"):
        return [f"IAM Access Analyzer (ValidatePolicy): could not check: {result['could_not_check']}"]
    findings = result.get("findings") or []
    if not findings:
        return ["IAM Access Analyzer (ValidatePolicy): no findings on the proposed policy."]
    return [f"IAM Access Analyzer (ValidatePolicy) {f['finding_type']} {f['issue_code']}: {f['details']}"
            for f in findings]
