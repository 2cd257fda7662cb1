"""report.md: the incident report for tickets and postmortems, from the (anonymised) findings. It reads like a
good incident write-up: the failure as quoted, each step with its evidence, the cause(s), the least-privilege
change and its verification, and the rule to keep next time.

These functions only make text; anonymisation is applied by the caller before anything is written.
"""

from __future__ import annotations

import json
from typing import Any

from glue_iam_kit.model import COULD_NOT_CHECK, INFO, OK, PROBLEM

STATUS_MARK = {OK: "ok", PROBLEM: "PROBLEM", COULD_NOT_CHECK: "could not check", INFO: "info"}


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return f"`{text}`" if text and (":" in text or "/" in text or "<" in text) else text


def render_markdown_table(rows: list[dict[str, Any]], limit: int = 25) -> str:
    """A small markdown table; identifiers go in code spans so placeholders like ``<account-id>`` show."""
    if not rows:
        return "_(no rows)_"
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows[:limit]:
        lines.append("| " + " | ".join(_cell(row.get(c)) for c in cols) + " |")
    if len(rows) > limit:
        lines.append(f"\n_{len(rows) - limit} more rows in the notebook._")
    return "\n".join(lines)


FORM_TITLES = (("cli", "AWS CLI", "sh"), ("cloudformation", "CloudFormation", "yaml"),
               ("terraform", "Terraform", "hcl"))


def render_fix_forms_md(fix: dict[str, Any]) -> list[str]:
    """The fix as the AWS CLI command, a CloudFormation snippet and a Terraform snippet (findings@1 without
    ``forms`` has its one command)."""
    forms = fix.get("forms") or ({"cli": fix["command"]} if fix.get("command") else {})
    out: list[str] = []
    for key, title, lang in FORM_TITLES:
        if forms.get(key):
            out += [f"{title}:", "", f"```{lang}", forms[key], "```", ""]
    return out


def render_reproduce_md(step: dict[str, Any]) -> list[str]:
    """A step's AWS CLI commands (findings.json's ``reproduce``) as a shell block, or nothing."""
    commands = step.get("reproduce") or []
    return ["Reproduce by hand:", "", "```sh", *commands, "```", ""] if commands else []


def render_report_md(results: dict[str, Any]) -> str:
    """The markdown report from ``Investigation.results()`` (already anonymised)."""
    verdicts = [v["verdict"] for v in results.get("verdicts", [])] or ["no verdict"]
    out = ["# Incident report: Glue job cannot pass its runtime role (`iam:PassRole`)", "",
           f"**Verdict:** {', '.join(f'`{v}`' for v in verdicts)}", ""]
    steps = {s["key"]: s for s in results.get("steps", [])}
    failure = steps.get("failure")
    out += ["## The failure, as quoted", ""]
    text = (failure or {}).get("details", {}).get("error_text") or ""
    out += ["```text", text.strip() or "(no error text was given)", "```", ""]
    if failure:
        out += [f"_{failure['summary']}_", ""]
    out += ["## Investigation, step by step", ""]
    for s in results.get("steps", []):
        if s["key"] in ("failure", "verdict"):
            continue
        out += [f"### {s['step']}. {s['title']}", "", f"**[{STATUS_MARK.get(s['status'], s['status'])}]** "
                f"{s['summary']}", ""]
        explanation = s.get("details", {}).get("explanation")
        if explanation and s["key"] in ("simulate", "implicit-deny"):
            out += ["```text", explanation, "```", ""]
        if s.get("evidence"):
            out += [render_markdown_table(s["evidence"]), ""]
        out += render_reproduce_md(s)
    out += ["## Causes", ""]
    for v in results.get("verdicts", []):
        rest = {k: x for k, x in v.items() if k != "verdict"}
        out.append(f"- **{v['verdict']}** — " + "; ".join(f"{k}: `{json.dumps(x) if not isinstance(x, str) else x}`"
                                                           for k, x in rest.items() if x not in (None, "", [])))
    out.append("")
    fix = results.get("fix")
    out += ["## The least-privilege change", ""]
    if fix and fix.get("policy"):
        out += [f"Grant on the {fix['where']} `{fix.get('principal', '')}` the statement "
                f"`{fix.get('policy_name', '')}`:", "", "```json", json.dumps(fix["policy"], indent=2), "```", ""]
        if fix.get("note"):
            out += [f"_{fix['note']}_", ""]
        out += render_fix_forms_md(fix)
        for alt in fix.get("alternatives", []):
            out += [f"**Keeps the design:** {alt['why']}", "", "```sh", alt["command"], "```", ""]
    elif fix:
        out += [f"No policy in the account can fix this: {fix.get('action', '')}.", ""]
    else:
        out += ["None needed, or none the kit can propose (see the causes above).", ""]
    out += ["## Verification", ""]
    if results.get("what_if"):
        out += ["What-if, simulated before the change is applied:", "", render_markdown_table(results["what_if"]), ""]
    ver = results.get("verification") or {}
    if ver.get("applied"):
        out += [f"Applied, read back ({'identical' if ver.get('read_back_matches') else 'DIFFERENT'}), "
                f"re-simulated: `{ver.get('before')}` → `{ver.get('after')}`.", ""]
    else:
        out += ["Not applied by the kit. After applying it, read the policy back and re-run the simulation "
                "before asking the user to retry in the console.", ""]
    if results.get("security"):
        out += ["## Security findings", ""]
        out += [f"- `{s['policy']}` statement {s['statement']}: {s['why']} — {s['advice']}"
                for s in results["security"]]
        out.append("")
    out += ["## The rule to keep next time", "", results.get("rule", ""), ""]
    calls = results.get("aws_calls") or {}
    out += ["## Cost of the investigation", "",
            f"{sum(calls.values())} AWS API calls, all read-only unless a fix was applied."
            if calls else "No AWS API calls (snapshot).", ""]
    if calls:
        out += [render_markdown_table([{"operation": k, "calls": v} for k, v in calls.items()], limit=50), ""]
    return "\n".join(out)
