"""report.html in the postmortem form: one standalone page from the (anonymised) findings — a verdict card on
top, colour-coded step statuses, evidence tables that scroll rather than overflow, collapsible steps, code
blocks to copy, a print stylesheet (Print -> PDF gives a clean document) and no external assets (it works
offline, as a ticket attachment). Jinja escapes every value: the anonymised text is never re-read as HTML."""

from __future__ import annotations

import json
from typing import Any

from glue_iam_kit.reports.markdown import FORM_TITLES
from glue_iam_kit.reports.postmortem import build_postmortem
from glue_iam_kit.reports.review import analyzer_lines, review_details, review_headline, review_warning

_ACCENT = {"allowed": "#1a7f37", "explicit-deny": "#cf222e", "no-allow": "#bc4c00"}


def render_postmortem_html(results: dict[str, Any]) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("glue_iam_kit.reports", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    pm = build_postmortem(results)
    forms = [(key, title, lang) for key, title, lang in FORM_TITLES if pm.fix and (pm.fix.get("forms") or {}).get(key)]
    return env.get_template("postmortem.html.j2").render(
        pm=pm, forms=forms, policy_json=json.dumps(pm.fix["policy"], indent=2) if pm.fix else "",
        accent=_ACCENT.get(pm.decided_verdict, "#9a6700"),  # the layer that decided, not the first listed
        review_warning=review_warning(pm.review), review_headline=review_headline(pm.review),
        review_details=review_details(pm.review) + analyzer_lines(pm.fix or {}))
