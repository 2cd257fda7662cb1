"""An investigation's four files (:data:`glue_iam_kit.files.OUTPUT_FILES`), rendered, checked and written.

Every file is rendered first and written last (each atomically): a failed run leaves no half report. A last
check refuses to write an anonymised file in which a real identifier survives.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from glue_iam_kit.errors import KitError
from glue_iam_kit.files import OUTPUT_FILES, write_text_atomic
from glue_iam_kit.reports.anonymise import Anonymiser, find_survivors

REPORT_FORMS = ("postmortem", "investigation")


def render_outputs(notebook_text: str, results: dict[str, Any], identifiers: dict[str, Any],
                   report: str = "postmortem") -> dict[str, str]:
    """Every output file's text, anonymised where it must be; raises KitError when an identifier survives or
    the fix differs between outputs. *report*: ``postmortem`` (report.md and report.html as a postmortem, the
    page from the findings) or ``investigation`` (the step-by-step log, the page from the executed notebook)."""
    if report not in REPORT_FORMS:
        raise KitError(f"--report must be one of {', '.join(REPORT_FORMS)}, not {report!r}")
    anonymiser = Anonymiser(identifiers)
    anonymous = anonymiser.anonymise_object(results)
    if report == "postmortem":
        from glue_iam_kit.reports.page import render_postmortem_html
        from glue_iam_kit.reports.postmortem import render_postmortem_md

        # The page's own prose gets the same last pass as report.md's, on its text nodes.
        page = anonymiser.anonymise_html(render_postmortem_html(anonymous))
        text = render_postmortem_md(anonymous)
    else:
        from glue_iam_kit.reports.html import render_report_html
        from glue_iam_kit.reports.markdown import render_report_md

        page = render_report_html(anonymiser.anonymise_notebook(json.loads(notebook_text)))
        text = render_report_md(anonymous)
    files = {
        "investigation.ipynb": notebook_text,
        "report.html": page,
        # The report's own prose is anonymised too (on the text, not escaped HTML): a name may collide with a
        # word the report uses.
        "report.md": anonymiser.anonymise_text(text),
        "findings.json": json.dumps(anonymous, indent=1, default=str) + "\n",
    }
    for out in OUTPUT_FILES:
        survivors = find_survivors(files[out.name], identifiers, out.kind) if out.anonymised else []
        if survivors:
            # Never name them here: this message may itself end up in a ticket.
            raise KitError(f"refusing to write {out.name}: {len(survivors)} identifier(s) survived anonymisation")
    check_fix_intact(files)
    return files


def visible_text(page: str) -> str:
    """What a reader of an HTML page sees (no markup, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page, flags=re.DOTALL)))


def check_fix_intact(files: dict[str, str]) -> None:
    """The fix a reader copies is the same in findings.json, report.md and report.html (its visible text), and
    its policy is JSON; raises KitError otherwise (a report with a corrupted fix is worse than none)."""
    fix = json.loads(files["findings.json"]).get("fix") or {}
    if not fix.get("policy"):
        return
    policy = json.dumps(fix["policy"], indent=2)
    json.loads(policy)
    pieces = [policy] + [v for v in (fix.get("forms") or {"cli": fix.get("command", "")}).values() if v]
    page = visible_text(files["report.html"])
    for name, text in (("report.md", files["report.md"]), ("report.html", page)):
        missing = [p for p in pieces if p not in text]
        if missing:
            raise KitError(f"refusing to write the reports: the fix in {name} differs from findings.json")


def write_outputs(out_dir: str, files: dict[str, str]) -> dict[str, str]:
    """Write the rendered files into *out_dir*; their paths, by name."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for f in OUTPUT_FILES:
        write_text_atomic(out / f.name, files[f.name])
    return {f.name: str(out / f.name) for f in OUTPUT_FILES}
