"""The postmortem: the findings (already anonymised) arranged the way SRE teams write one up, blameless —
Summary, Impact and detection, Timeline, Root cause (in layers), Resolution, Action items, Lessons, Appendix.

:func:`build_postmortem` makes the sections as data once; report.md (:func:`render_postmortem_md`) and the
standalone page (:mod:`glue_iam_kit.reports.page`) both render them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glue_iam_kit.diagnosis.incident import (
    APPLIED,
    APPLIED_NOT_ALLOWED,
    GRANT_STATUSES,
    NONE_POSSIBLE,
    NOT_AS_EXPECTED,
    NOT_NEEDED,
    PROPOSED,
    Incident,
    evaluate_incident,
    service_name,
)
from glue_iam_kit.diagnosis.review import review_action_item
from glue_iam_kit.model import GLUE_SERVICE, PASSROLE, Findings
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
    decided: str = ""  # the root cause that decided the reported request (causes[0])
    also_found: list[str] = field(default_factory=list)  # the other layers (causes[1:])
    remedy: str = ""  # what lifts the deciding layer, beside a grant for a layer underneath
    decided_verdict: str = ""  # the verdict of the layer that decided the reported request
    review: dict[str, Any] = field(default_factory=dict)  # fix.review: what passing the role gives (issue 22)


def _on(req: dict[str, str]) -> str:
    return "this role" if req["action"] == PASSROLE else req["on"]


def _cause(v: dict[str, Any], req: dict[str, str]) -> str:
    """One layer of cause, in words (the verdict's details)."""
    name, action, on = v["verdict"], req["action"], _on(req)
    if name == "explicit-deny":
        via = f" (via group {v['via_group']})" if v.get("via_group") else ""
        kind = {"scp": "SCP", "boundary": "permissions boundary"}.get(v.get("policy_type") or "",
                                                                      f"{v.get('policy_type')} policy")
        where = f"{kind} {v.get('policy')}{via}, statement {v.get('statement')}"
        if v.get("restriction"):
            return (f"An explicit deny in the {where}: restriction {v.get('restriction')}, lifted by "
                    f"{v.get('satisfied_by')}.")
        return f"An explicit deny in the {where}."
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
        return f"The role {v.get('role')} does not exist: the service cannot use it, and no grant can fix that."
    if name == "job-uses-other-role":
        return f"The job uses {v.get('job_role')}, not {v.get('investigated_role')}: the error and the job disagree."
    if name == "evidence-disagrees":
        return (f"The error claims {v.get('claimed')}, the evidence shows {v.get('shown')}: "
                + "; ".join(v.get("reasons") or []) + ".")
    if name == "trust-missing-service":
        return f"The role's trust policy does not let {v.get('service')} assume it."
    return name


def _headline(inc: Incident) -> tuple[str, str]:
    """(title, the summary's first sentence), by the layer that decided the reported request."""
    req, name = inc.request, inc.decided_by["verdict"]
    who, action, on = req["principal"], req["action"], req["on"]
    svc = service_name(req["service"]) if req["service"] else ""
    if name == "no verdict":
        return f"Postmortem: {who}: no verdict reached", f"The investigation of {who} reached no verdict."
    if action != PASSROLE:
        if not inc.denied:
            return f"Postmortem: {who} is allowed {action} here", f"{who} is allowed {action} on {on} here."
        return f"Postmortem: {who} was denied {action}", f"{who} was denied {action} on {on}."
    if name == "role-not-found":
        return (f"Postmortem: {who} named a {svc} runtime role that does not exist",
                f"{who} asked {svc} to use {on}, a role that does not exist (iam:PassRole).")
    if name == "trust-missing-service":
        return (f"Postmortem: {svc} may not assume the runtime role {who} passes",
                f"{who} may pass {on} (iam:PassRole), but {svc} may not assume it.")
    if name == "wrong-account":
        return (f"Postmortem: {who} could not pass a {svc} runtime role (iam:PassRole) in another account",
                f"{who} could not pass {on} to {svc} (iam:PassRole), in an account other than the one investigated.")
    if not inc.denied:
        return (f"Postmortem: {who} may pass the {svc} runtime role (iam:PassRole): no denial reproduced",
                f"{who} may pass {on} to {svc} (iam:PassRole): the request is allowed here.")
    return (f"Postmortem: {who} could not pass a {svc} runtime role (iam:PassRole)",
            f"{who} could not pass {on} to {svc} (iam:PassRole).")


def _fix_sentence(inc: Incident, fix: dict[str, Any] | None, said: str = "") -> str:
    s = inc.fix_status
    grant = f"Fix: {fix.get('policy_name')} on the {fix['where']} {fix.get('principal', '')}" if fix else ""
    # "lifted by X" already said by the deciding layer's cause is not said again
    remedy = inc.remedy.removeprefix(f"{inc.decided_by.get('satisfied_by')}; ") \
        if inc.decided_by.get("satisfied_by") and f"lifted by {inc.decided_by['satisfied_by']}" in said \
        else inc.remedy
    remedy = "" if remedy == inc.decided_by.get("satisfied_by") and f"lifted by {remedy}" in said else remedy
    first = f"What lifts it: {remedy}. " if remedy and s != NONE_POSSIBLE else ""
    return first + {
        PROPOSED: f"{grant}; proposed, verified by a what-if simulation, not yet applied.",
        NOT_AS_EXPECTED: f"{grant}; proposed, but its what-if simulation did not behave as expected.",
        APPLIED: f"{grant}; applied and verified by simulation.",
        APPLIED_NOT_ALLOWED: f"{grant}; applied, but the re-simulation did not allow it.",
        NONE_POSSIBLE: f"No grant fixes it: {inc.remedy or 'see the root cause'}.",
        NOT_NEEDED: "Nothing to fix."}[s]


def _explicit_action(v: dict[str, Any], work: str) -> str:
    return {"mfa": "Make the MFA step part of the runbook: CLI users call sts get-session-token with their MFA "
                   f"device before {work} work; the console asks for MFA at sign-in.",
            "source-ip": "Document the allowed source network in the runbook (VPN, office) and say so in the "
                         "error the team sees first.",
            "scp": "Ask the organization's admins whether the SCP should exempt this role or this team; no IAM "
                   "policy in the account can override it.",
            "boundary": "Review the permissions boundary with its owner: no identity policy can override it.",
            }.get(v.get("restriction") or "", "Review the Deny statement with its owner: narrow it, or make its "
                                             "exception explicit; no Allow can override it.")


def _action_items(inc: Incident, fix_given: bool, security: bool) -> list[str]:
    req = inc.request
    svc = req["service"] or GLUE_SERVICE
    items: list[str] = []
    for v in [inc.decided_by, *inc.also_found]:
        name = v["verdict"]
        if name == "explicit-deny":
            items.append(_explicit_action(v, service_name(svc) if req["action"] == PASSROLE else "AWS"))
        elif name == "no-allow" and req["action"] == PASSROLE:
            items += [f"Grant iam:PassRole per runtime role, only to {svc}"
                      + (" (the fix above)" if fix_given else "")
                      + (", or adopt the AWSGlueServiceRole* naming convention the AWS managed policy already "
                         "covers." if svc == GLUE_SERVICE else "."),
                      "Add the account matrix to CI (`glue-iam-kit matrix --snapshot ... --summaries DIR`) so "
                      "that a runtime role nobody can pass is found before a deploy fails."]
        elif name == "no-allow":
            items.append("Grant the runtime role exactly the actions and resources the job uses"
                         + (" (the fix above)" if fix_given else "")
                         + ", in the same change (template, pull request) that points the job at new data.")
        elif name == "allowed" and inc.denied:
            continue  # the layer underneath allows it: nothing to do for that one
        elif name in _ACTIONS:
            items.append(_ACTIONS[name])
    if security:
        items.append("Narrow the over-broad PassRole grants listed under the security findings.")
    return list(dict.fromkeys(items))


_ACTIONS = {
    "wrong-account": "Name the account in every runbook command (a profile per account) and confirm it first.",
    "role-not-found": "Deploy the resource and its runtime role together (one stack) so that nothing names a "
                      "missing role.",
    "job-uses-other-role": "Check the job definition in source control against the deployed job.",
    "trust-missing-service": "Create runtime roles from one template whose trust policy names the service.",
    "allowed": "Nothing to fix for this request: if it still fails, compare the error's principal, account and "
               "time with what was investigated.",
    "evidence-disagrees": "Read the layer the error blames where it can be read (SCPs from the management "
                          "account, the session's policy from whoever starts the session), or capture the "
                          "CloudTrail event of the failure, then investigate again.",
}


def _root_causes(inc: Incident) -> list[str]:
    d = inc.decided_by
    layer = f" (layer {d['layer']})" if d.get("layer") else ""
    first = f"Decided the reported request{layer}: {_cause(d, inc.request)} Why this layer: {d['why']}."
    return [first] + [f"Also found: {_cause(v, inc.request)} It applies to {v['applies_to']}."
                      for v in inc.also_found]


def build_postmortem(results: dict[str, Any]) -> Postmortem:
    """The postmortem's sections from findings@1 (already anonymised), every sentence from the incident."""
    f = Findings.from_dict(results)
    inc = evaluate_incident(f)
    # The times as investigated: anonymising removes the pasted text's log lines (and their time), so the
    # timeline derived again from the anonymised text would lose the failure's time findings.json still holds.
    inc.times = (results.get("incident") or {}).get("times") or inc.times
    names = f.verdict_names or ["no verdict"]
    failure = f.step("failure") or {}
    error_text = (failure.get("details") or {}).get("error_text") or ""
    status = inc.fix_status
    fix = f.fix if f.fix and f.fix.get("policy") else None
    # Older findings may hold a grant where none can help (a missing role): shown, since it is in findings.json,
    # and said not to fix this incident.
    stale = fix is not None and status not in GRANT_STATUSES
    review = (fix or {}).get("review") or {}  # issue 22: what passing the role gives
    actions = _action_items(inc, bool(fix), bool(f.security))
    if review_action_item(review) and review_action_item(review) not in actions:  # scope the role, or approve it
        actions.append(review_action_item(review))
    causes = _root_causes(inc)
    title, opening = _headline(inc)
    decided_by = _cause(inc.decided_by, inc.request)
    summary = (f"{opening} Verdict: {', '.join(names)}. Decided by: {decided_by}"
               + (" Also found: " + "; ".join(f"{v['verdict']} (for {v['applies_to']})" for v in inc.also_found)
                  + "." if inc.also_found else "")
               + " " + _fix_sentence(inc, fix, decided_by))
    event = f.event or {}
    v = f.verification
    if status in (APPLIED, APPLIED_NOT_ALLOWED):
        verification = (f"Applied, read back ({'identical' if v.get('read_back_matches') else 'DIFFERENT'}), "
                        f"re-simulated: {v.get('before')} → {v.get('after')}.")
    elif fix and not stale:
        verification = ("Not applied by the kit: after applying it, read the policy back and simulate again before "
                        "asking the person to retry.")
    else:
        verification = ""
    resolution = (f"The findings hold this grant, but no grant fixes this incident: {inc.remedy}." if stale else
                  (fix.get("note") or "") if fix else
                  f"No grant fixes this: {inc.remedy or 'see the root cause'}." if status == NONE_POSSIBLE else
                  "None needed: the request is allowed here.")
    return Postmortem(
        title=title, verdicts=names, summary=summary, error_text=error_text,
        detection=(f"CloudTrail event {event['event_id']} at {event['time']} ({event.get('operation')}, MFA "
                   f"{event.get('mfa') or 'absent'}, from {event.get('source_ip') or '?'}). " if event else "")
        + (failure.get("summary") or ""),
        timeline=[(t["when"], t["what"]) for t in inc.times], causes=causes, fix=fix,
        resolution=resolution, remedy=inc.remedy if fix and not stale else "", what_if=f.what_if if fix else [],
        verification=verification, lesson=f.rule,
        action_items=actions,
        steps=[s for s in f.steps if s["key"] not in ("verdict",)], security=f.security,
        decided=causes[0], also_found=causes[1:], decided_verdict=inc.decided_by["verdict"],
        review=review)


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
        if pm.remedy:
            out += [f"First, the layer that decided the request: {pm.remedy}.", ""]
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
    out += ([pm.verification, ""] if pm.verification else []) + ["## Action items", ""]
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
