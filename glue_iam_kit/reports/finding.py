"""One finding as HTML (the notebook's display) and as text (its repr), registered with the model on import."""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from glue_iam_kit.engine.marks import ident, marks_to_spans, strip_marks, strip_marks_deep
from glue_iam_kit.model import COULD_NOT_CHECK, FINDING_RENDERERS, INFO, OK, PROBLEM
from glue_iam_kit.reports.markdown import FORM_TITLES

if TYPE_CHECKING:
    from glue_iam_kit.model import Finding

STATUS_COLOURS = {OK: "#1a7f37", PROBLEM: "#cf222e", COULD_NOT_CHECK: "#9a6700", INFO: "#0969da"}


def shown_evidence(finding: Finding) -> Any:
    """The evidence as people see it: identifiers as they are (marks stripped)."""
    shown = finding.shown_evidence()
    if shown is None or shown.empty:
        return shown
    return shown.map(lambda v: strip_marks(v) if isinstance(v, str) else v)


def _typed_cells(shown: Any) -> Any:
    """The evidence with every identifier column's values marked by their kind (the same table the anonymiser
    of findings.json uses, :data:`glue_iam_kit.reports.typed.KEY_KINDS`)."""
    from glue_iam_kit.reports.marked_code import mark_json_text
    from glue_iam_kit.reports.typed import KEY_KINDS, WHAT_KINDS

    shown = shown.copy()
    for col in shown.columns:
        if col in KEY_KINDS:
            shown[col] = shown[col].map(lambda v, k=KEY_KINDS[col]: ident(k, v) if isinstance(v, str) else v)
        else:  # JSON in a cell (a verdict's details): its identifiers by their keys
            shown[col] = shown[col].map(lambda v, c=col == "condition": mark_json_text(v, c) if isinstance(v, str)
                                        else v)
    if list(shown.columns) == ["what", "value"]:
        shown["value"] = [ident(WHAT_KINDS[w], v) if w in WHAT_KINDS and isinstance(v, str) else v
                          for w, v in zip(shown["what"], shown["value"], strict=True)]
    return shown


def render_evidence_html(finding: Finding) -> str:
    shown = finding.shown_evidence()  # marks kept: render_finding_html makes them invisible spans
    if shown is None:
        return ""
    if shown.empty:
        return "<p><em>(no rows)</em></p>"
    return _typed_cells(shown).to_html(index=False, border=0, classes="evidence", max_rows=60, justify="left")


def render_fix_forms_html(fix: dict[str, Any]) -> str:
    """The fix's CLI, CloudFormation and Terraform forms, and a tag change that keeps an ABAC design."""
    forms = fix.get("forms") or ({"cli": fix["command"]} if fix.get("command") else {})
    out = "".join(f"<p>{title}:</p><pre>{html.escape(forms[key])}</pre>" for key, title, _ in FORM_TITLES
                  if forms.get(key))
    for alt in fix.get("alternatives", []):
        out += f"<p>Keeps the design: {html.escape(alt['why'])}</p><pre>{html.escape(alt['command'])}</pre>"
    return out


def render_finding_html(finding: Finding) -> str:
    """Status, summary, the explanation, the fix (policy and command) and the evidence table."""
    colour = STATUS_COLOURS[finding.status]
    extra = ""
    details = finding.details  # identifiers stay marked: invisible spans in the page (marks_to_spans)
    if details.get("explanation"):
        extra = f"<pre>{html.escape(details['explanation'])}</pre>"
    fix = details.get("fix") or {}
    if fix.get("policy"):
        principal = ident("arn" if fix["where"] == "key-policy" else "principal", fix.get("principal", ""))
        extra += (f"<p>The least-privilege change, on the {html.escape(fix['where'])} "
                  f"<code>{html.escape(principal)}</code>:</p>"
                  f"<pre>{html.escape(json.dumps(fix['policy'], indent=2))}</pre>")
        if fix.get("note"):
            extra += f"<p><em>{html.escape(fix['note'])}</em></p>"
        extra += render_fix_forms_html(fix)
    return marks_to_spans(f'<div class="finding"><p><strong style="color:{colour}">[{finding.status}]</strong> '
                          f"{html.escape(finding.marked_summary or finding.summary)}</p>{extra}"
                          f"{render_evidence_html(finding)}{render_reproduce_html(finding.reproduce)}</div>")


def render_reproduce_html(commands: list[str]) -> str:
    """The AWS CLI commands that reproduce a step's evidence, to copy."""
    if not commands:
        return ""
    from glue_iam_kit.reports.marked_code import mark_command

    return "<p>Reproduce by hand:</p><pre>" + "\n".join(html.escape(mark_command(c)) for c in commands) + "</pre>"


def render_finding_text(finding: Finding) -> str:
    text = f"[{finding.status}] {finding.summary}"
    details = strip_marks_deep(finding.details)
    if details.get("explanation"):
        text += "\n" + details["explanation"]
    fix = details.get("fix") or {}
    if fix.get("policy"):
        text += "\n" + json.dumps(fix["policy"], indent=2)
        forms = fix.get("forms") or {"cli": fix.get("command", "")}
        text += "".join(f"\n{title}:\n{forms[key]}" for key, title, _ in FORM_TITLES if forms.get(key))
    shown = shown_evidence(finding)
    if shown is not None and not shown.empty:
        text += "\n" + shown.to_string(index=False, max_colwidth=80)
    if finding.reproduce:
        text += "\nReproduce by hand:\n" + "\n".join(finding.reproduce)
    return text


# A Finding shows itself through these (the model holds data and imports no renderer).
FINDING_RENDERERS.update(html=render_finding_html, text=render_finding_text)
