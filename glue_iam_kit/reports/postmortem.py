"""The postmortem: the findings (already anonymised) arranged the way SRE teams write one up, blameless —
Summary, Impact and detection, Timeline, Root cause (in layers), Resolution, Action items, Lessons, Appendix.

:func:`build_postmortem` makes the sections as data once; report.md (:func:`render_postmortem_md`) and the
standalone page (:mod:`glue_iam_kit.reports.page`) both render them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glue_iam_kit.diagnosis.review import review_action_item
from glue_iam_kit.model import Findings
from glue_iam_kit.reports.review import render_review_md, review_warning

SECTIONS = ("Summary", "Impact and detection", "Timeline", "Root cause", "Resolution", "Action items", "Lessons",
            "Appendix: the investigation, step by step")


@dataclass
class Postmortem:
    title: str
    verdicts: list[str]
    summary: str
    error_text: str
    detection: str
    timeline: list[tuple[str, str]]  # (when, what)
    causes: list[str]  # root cause, in layers: the first layer first
    fix: dict[str, Any] | None
    resolution: str
    what_if: list[dict[str, Any]]
    verification: str
    action_items: list[str]
    lesson: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    security: list[dict[str, Any]] = field(default_factory=list)
    review: dict[str, Any] = field(default_factory=dict)  # fix.review: what passing the role gives (issue 22)


def _principal(f: Findings) -> str:
    failure = f.step("failure") or {}
    rows = {r.get("what"): r.get("value") for r in failure.get("evidence", [])}
    return str(rows.get("principal") or "the principal")


def _role(f: Findings) -> str:
    trust = f.step("trust") or {}
    rows = trust.get("evidence") or []
    if rows and rows[0].get("role_arn"):
        return str(rows[0]["role_arn"])
    failure = f.step("failure") or {}
    return str({r.get("what"): r.get("value") for r in failure.get("evidence", [])}.get("role") or "the role")


def _action(f: Findings) -> tuple[str, str]:
    """(the denied action, what it was denied on): iam:PassRole and the role, or the error's own."""
    action = str((f.error or {}).get("action") or "iam:PassRole")
    if action.lower() == "iam:passrole":
        return "iam:PassRole", "this role"
    failure = f.step("failure") or {}
    resource = {r.get("what"): r.get("value") for r in failure.get("evidence", [])}.get("resource")
    return action, str(resource or "the resource")


def _cause(v: dict[str, Any], action: str = "iam:PassRole", on: str = "this role") -> str:
    name = v["verdict"]
    if name == "explicit-deny":
        via = f" (via group {v['via_group']})" if v.get("via_group") else ""
        return (f"An explicit deny in the {v.get('policy_type')} policy {v.get('policy')}{via}, statement "
                f"{v.get('statement')}: restriction {v.get('restriction')}, satisfied by {v.get('satisfied_by')}.")
    if name == "no-allow":
        near = (v.get("nearest_allows") or [{}])[0]
        why = f" The nearest allow, {near['policy']} statement {near['statement']}, missed: {near['why']}." \
            if near.get("policy") else ""
        return f"No {v.get('blocked_by') or 'identity'} policy allows {action} on {on}.{why}"
    if name == "allowed":
        return f"{action} is allowed by " + (", ".join(v.get("deciding") or []) or "the policies") + "."
    if name == "wrong-account":
        return f"The investigation read account {v.get('actual')}, but the error came from {v.get('expected')}."
    if name == "role-not-found":
        return f"The role {v.get('role')} does not exist: Glue cannot use it, and no grant can fix that."
    if name == "job-uses-other-role":
        return f"The job uses {v.get('job_role')}, not {v.get('investigated_role')}: the error and the job disagree."
    if name == "evidence-disagrees":
        return (f"The error claims {v.get('claimed')}, the evidence shows {v.get('shown')}: "
                + "; ".join(v.get("reasons") or []) + ".")
    if name == "trust-missing-service":
        return f"The role's trust policy does not let {v.get('service')} assume it."
    return name


_ACTIONS = {
    "no-allow": ["Grant iam:PassRole per runtime role, only to glue.amazonaws.com (the fix above), or adopt the "
                 "AWSGlueServiceRole* naming convention the AWS managed policy already covers.",
                 "Add the account matrix to CI (`glue-iam-kit matrix --snapshot ... --summaries DIR`) so that a "
                 "runtime role nobody can pass is found before a deploy fails."],
    "no-allow-action": ["Grant the runtime role exactly the actions and resources the job uses (the fix above), in "
                        "the same change (template, pull request) that points the job at new data."],
    "explicit-deny": ["Make the restriction's remedy part of the runbook (for MFA: CLI users call sts "
                      "get-session-token with their MFA device before Glue work)."],
    "wrong-account": ["Name the account in every runbook command (a profile per account) and confirm it first."],
    "role-not-found": ["Deploy the job and its runtime role together (one stack) so a job never names a missing "
                       "role."],
    "job-uses-other-role": ["Check the job definition in source control against the deployed job."],
    "trust-missing-service": ["Create Glue runtime roles from one template whose trust policy names "
                              "glue.amazonaws.com."],
    "allowed": ["Nothing to fix for this request: if it still fails, compare the error's principal, account and "
                "time with what was investigated."],
    "evidence-disagrees": ["Read the layer the error blames where it can be read (SCPs from the management "
                           "account, the session's policy from whoever starts the session), or capture the "
                           "CloudTrail event of the failure, then investigate again."],
}


def build_postmortem(results: dict[str, Any]) -> Postmortem:
    """The postmortem's sections from findings@1 (already anonymised)."""
    f = Findings.from_dict(results)
    names = f.verdict_names or ["no verdict"]
    principal, role = _principal(f), _role(f)
    action, on = _action(f)
    passrole = action == "iam:PassRole"
    failure = f.step("failure") or {}
    error_text = (failure.get("details") or {}).get("error_text") or ""
    fix = f.fix if f.fix and f.fix.get("policy") else None
    applied = bool(f.verification.get("applied"))
    status = ("applied and verified by simulation" if applied and f.verification.get("after") == "allowed" else
              "applied, but the re-simulation did not allow it" if applied else
              "proposed, verified by a what-if simulation, not yet applied" if fix else "no change proposed")
    causes = [_cause(v, action, on) for v in f.verdicts]
    where = f"the {fix['where']} {fix.get('principal', '')}" if fix else ""
    what = f"could not pass {role} to Glue (iam:PassRole)" if passrole else f"was denied {action} on {on}"
    summary = (f"{principal} {what}. Verdict: {', '.join(names)}. "
               + (causes[0] if causes else "") + (f" Fix: {fix.get('policy_name')} on {where}; {status}."
                                                  if fix else f" {status.capitalize()}."))
    job = f.step("job") or {}
    job_rows = job.get("evidence") or []
    timeline = []
    if job_rows and job_rows[0].get("last_modified"):
        timeline.append((str(job_rows[0]["last_modified"]), "the job's last change (Glue LastModifiedOn)"))
    event = f.event or {}
    timeline.append((event.get("time") or "not recorded (investigate a CloudTrail event for its time)",
                     "the failure: " + (failure.get("summary") or "")))
    timeline.append((results.get("generated_at") or "not recorded", f"investigated: verdict {', '.join(names)}"))
    if applied:
        timeline.append((results.get("generated_at") or "not recorded",
                         f"fix applied, read back, re-simulated: {f.verification.get('before')} → "
                         f"{f.verification.get('after')}"))
    actions = [a for v in names for a in _ACTIONS.get(v if passrole or v != "no-allow" else "no-allow-action", [])]
    if f.security:
        actions.append("Narrow the over-broad PassRole grants listed under the security findings.")
    review = (fix or {}).get("review") or {}
    if review_action_item(review):  # issue 22: scope the runtime role, or route the grant through approval
        actions.append(review_action_item(review))
    verification = (f"Applied, read back ({'identical' if f.verification.get('read_back_matches') else 'DIFFERENT'}"
                    f"), re-simulated: {f.verification.get('before')} → {f.verification.get('after')}." if applied
                    else "Not applied by the kit: after applying it, read the policy back and simulate again before "
                         "asking the person to retry.")
    return Postmortem(
        title=(f"Postmortem: {principal} could not pass a Glue runtime role (iam:PassRole)" if passrole else
               f"Postmortem: {principal} was denied {action}"), verdicts=names,
        summary=summary, error_text=error_text,
        detection=(f"CloudTrail event {event['event_id']} at {event['time']} ({event.get('operation')}, MFA "
                   f"{event.get('mfa') or 'absent'}, from {event.get('source_ip') or '?'}). " if event else "")
        + (failure.get("summary") or ""),
        timeline=timeline, causes=causes, fix=fix,
        resolution=(fix.get("note") or "") if fix else ((f.fix or {}).get("action") or "None needed."),
        what_if=f.what_if, verification=verification, action_items=list(dict.fromkeys(actions)), lesson=f.rule,
        steps=[s for s in f.steps if s["key"] not in ("verdict",)], security=f.security, review=review)


def render_postmortem_md(results: dict[str, Any]) -> str:
    """report.md in the postmortem form."""
    import json

    from glue_iam_kit.reports.markdown import (
        STATUS_MARK,
        fix_lead_md,
        render_fix_forms_md,
        render_markdown_table,
        render_reproduce_md,
    )

    pm = build_postmortem(results)
    out = [f"# {pm.title}", "", f"**Verdict:** {', '.join(f'`{v}`' for v in pm.verdicts)}", "",
           *([f"> **Warning:** {review_warning(pm.review)}", ""] if review_warning(pm.review) else []),
           "## Summary", "", pm.summary, "",
           "## Impact and detection", "", "The error, as quoted:", "", "```text",
           pm.error_text.strip() or "(no error text was given)", "```", "", f"_{pm.detection}_", "",
           "## Timeline", "", render_markdown_table([{"when": w, "what": x} for w, x in pm.timeline]), "",
           "## Root cause", ""]
    out += [f"{i}. {c}" for i, c in enumerate(pm.causes, start=1)] or ["No cause found."]
    out += ["", "## Resolution", ""]
    if pm.fix:
        out += [fix_lead_md(pm.fix), "", "```json", json.dumps(pm.fix["policy"], indent=2), "```", ""]
        if pm.resolution:
            out += [f"_{pm.resolution}_", ""]
        out += render_fix_forms_md(pm.fix)
        for alt in pm.fix.get("alternatives", []):
            out += [f"**Keeps the design:** {alt['why']}", "", "```sh", alt["command"], "```", ""]
        if pm.what_if:
            out += ["What-if, simulated before the change:", "", render_markdown_table(pm.what_if), ""]
        out += render_review_md(pm.review, pm.fix)
    else:
        out += [pm.resolution, ""]
    out += [pm.verification, "", "## Action items", ""]
    out += [f"- [ ] {a}" for a in pm.action_items] or ["- none"]
    if pm.security:
        out += ["", "Security findings:", ""]
        out += [f"- `{s['policy']}` statement {s['statement']}: {s['why']} — {s['advice']}" for s in pm.security]
    out += ["", "## Lessons", "", pm.lesson, "", "## Appendix: the investigation, step by step", ""]
    for s in pm.steps:
        out += [f"### {s['step']}. {s['title']}", "", f"**[{STATUS_MARK.get(s['status'], s['status'])}]** "
                f"{s['summary']}", ""]
        if s.get("evidence"):
            out += [render_markdown_table(s["evidence"]), ""]
        out += render_reproduce_md(s)
    return "\n".join(out)
