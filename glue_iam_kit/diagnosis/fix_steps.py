"""Steps 8 and 9, where the fix is found and verified: the nearest allows and the least-privilege grant for an
implicit deny (with its what-if and, for PassRole, what passing the role gives), and the verification before and
after it is applied. Part of :data:`glue_iam_kit.diagnosis.steps.STEPS`."""

from __future__ import annotations

from typing import Any

import pandas as pd

from glue_iam_kit.diagnosis import fix as fixes
from glue_iam_kit.diagnosis.outcome import InvestigationView as Investigation
from glue_iam_kit.diagnosis.outcome import Outcome, make_verdict
from glue_iam_kit.diagnosis.overbroad import ADVICE, evaluate_breadth
from glue_iam_kit.diagnosis.review import analyse_fix, review_fix
from glue_iam_kit.engine.decision import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Decision
from glue_iam_kit.engine.explain import render_trace_text
from glue_iam_kit.engine.marks import ident
from glue_iam_kit.model import COULD_NOT_CHECK, INFO, OK, PROBLEM, could_not_check
from glue_iam_kit.sources.base import POLICY_VALIDATOR, POLICY_WRITER, can


def layers_of(inv: Investigation, key: str) -> list[Any]:
    """The simulation layers as the step *key* left them (none when it could not simulate)."""
    return list(inv.outcome(key).layers or [])


def _security_findings(inv: Investigation, d: Decision) -> list[dict[str, Any]]:
    """The over-broad rule (shared with the matrix) on the statements that granted it."""
    out = []
    account_id = inv.evidence.account
    if not inv.evidence.is_passrole:  # the over-broad rule is about iam:PassRole grants
        return out
    for t in d.deciding:
        if t.statement.effect != "Allow":
            continue
        breadth = evaluate_breadth(t.statement, account_id)
        if breadth.overbroad:
            out.append({"policy": t.source.name, "statement": t.index + 1, "why": breadth.why(), "advice": ADVICE})
    return out


def implicit_deny(inv: Investigation) -> Outcome:
    ev = inv.evidence
    layers = layers_of(inv, "explicit-deny")
    if not layers:
        return Outcome(COULD_NOT_CHECK, could_not_check("no simulation"))
    final = layers[-1]
    d = final.decision
    if final.final == ALLOWED:
        security = _security_findings(inv, d)
        summary = f"allowed by {', '.join(t.marked_label for t in d.deciding) or 'the policies'}"
        if security:
            summary += "; security finding: " + "; ".join(s["why"] for s in security)
        return Outcome(OK, summary, None, {"security": security}, security=security,
                       verdicts=[make_verdict("allowed", deciding=[t.marked_label for t in d.deciding])])
    if final.final != IMPLICIT_DENY:
        return Outcome(INFO, "not reached: the explicit deny above cannot be satisfied by the requester")
    near = [{"rank": i + 1, "policy": t.source.name, "policy_type": t.source.policy_type,
             "via_group": t.source.via_group or "", "statement": t.index + 1, "sid": t.sid or "",
             "why": "; ".join(t.marked_failures)} for i, t in enumerate(d.nearest_allows)]
    frame = pd.DataFrame(near, columns=["rank", "policy", "policy_type", "via_group", "statement", "sid", "why"])
    found = [make_verdict("no-allow", blocked_by=d.blocked_by, nearest_allows=near[:3])]
    # No grant where none can help: on a role that does not exist, or in another account than the error's.
    earlier = {v["verdict"] for key in ("account", "trust") for v in inv.outcome(key).verdicts}
    why_not = ("the role does not exist (step 4)" if "role-not-found" in earlier else "the error came from "
               "another account (step 1)" if "wrong-account" in earlier else "")
    if why_not:
        on = ident("role", ev.role_name) if ev.role_name else ident("arn", ev.action_resource)
        return Outcome(PROBLEM, f"no {d.blocked_by} policy allows {ev.action} on {on}; no grant is proposed: {why_not}",
                       frame, {"nearest_allows": near}, verdicts=found)
    if d.blocked_by == "scp":
        fix = {"where": "scp", "action": "an SCP change by the organization's admins", "policy": None}
        return Outcome(PROBLEM, f"no SCP level allows {ev.action} here: only the organization's admins can change "
                                "that", frame, {"nearest_allows": near, "fix": fix}, verdicts=found, fix=fix)
    fix, extra, layer_extra, label = fixes.plan_fix(ev, d)
    if ev.is_passrole and fix.get("policy"):  # issue 22: what passing the role gives (advice; no verdict)
        fix["review"] = review_fix(ev, extra, layer_extra)
    if fix.get("policy") and fix["where"] != "key-policy" and can(ev.target, POLICY_VALIDATOR):
        fix["access_analyzer"] = analyse_fix(ev.target, fix)  # AWS's own check of the grant (read-only)
    alternatives = fixes.tag_alternatives(ev, d, final.context)
    if alternatives:
        fix["alternatives"] = alternatives
        fix["note"] = (fix.get("note", "") + " " if fix.get("note") else "") + (
            "The grant is tag-based: the tag change keeps that design; the per-role grant would bypass it.")
    after = ev.simulate(final.context, extra=extra, layer_extra=layer_extra, label=label)
    what_if = fixes.what_if(ev, final, after, extra, layer_extra)
    on = ident("role", ev.role_name) if ev.is_passrole else ident("arn", ev.action_resource)
    summary = (f"no {d.blocked_by} policy allows {ev.action} on {on}; nearest allow: "
               f"{ident('policy', near[0]['policy'])} statement {near[0]['statement']} ({near[0]['why']})" if near else
               f"no {d.blocked_by} policy allows {ev.action} at all")
    where = (fix["where"], fix["principal"])
    summary += (f". Fix: {fixes.grant_name(ev)} on the {where[0]} {ident('principal', where[1])}; "
                f"what-if: {after.final}")
    if (fix.get("review") or {}).get("escalation"):
        summary += ("; security review: the role gives more than the principal has"
                    + (" (admin)" if fix["review"]["admin"] else ""))
    return Outcome(PROBLEM, summary, frame, {"nearest_allows": near, "fix": fix, "what_if": what_if,
                                             "explanation": render_trace_text(d, marked=True)},
                   verdicts=found, fix=fix, what_if=what_if)


def verify(inv: Investigation, apply_fix: bool = False) -> Outcome:
    ev = inv.evidence
    planned = inv.outcome("implicit-deny")
    fix, what_if, layers = planned.fix, planned.what_if, layers_of(inv, "explicit-deny")
    if not fix or not fix.get("policy"):
        return _no_grant(inv, fix, layers)
    frame = pd.DataFrame(what_if, columns=["check", "before", "after", "expected", "as_expected"])
    if not apply_fix:
        ok = all(w["as_expected"] for w in what_if)
        exactly = (f"this role to {ev.service}" if ev.is_passrole else f"{ev.action} on this resource")
        summary = ("what-if before applying: " + (f"the fix allows exactly {exactly}, and nothing next to it"
                                                  if ok else "the fix does not behave as expected")
                   + ". Not applied (apply_fix=False): apply it with the command in step 8, then re-run")
        return Outcome(INFO if ok else PROBLEM, summary, frame, {"applied": False, "what_if": what_if})
    if not can(ev.target, POLICY_WRITER):
        return Outcome(COULD_NOT_CHECK, could_not_check(f"a fix is never applied to a {ev.target.kind}: "
                                                        "it has nothing to write to"))
    refusal = fixes.refusal(fix)
    if refusal:
        return Outcome(COULD_NOT_CHECK, could_not_check(refusal))
    v = fixes.apply_fix(ev, fix, layers[-1])
    summary = (f"applied {fix['policy_name']} to the {fix['principal_type']} "
               f"{ident('principal', fix['principal'])}; "
               f"read back {'identical' if v['read_back_matches'] else 'DIFFERENT'}; "
               f"re-simulated: {v['before']} → {v['after']}")
    rows = pd.DataFrame([{"check": "applied, re-simulated", "before": v["before"], "after": v["after"],
                          "expected": "allowed", "as_expected": v["after"] == ALLOWED}])
    status = OK if v["after"] == ALLOWED and v["read_back_matches"] else PROBLEM
    return Outcome(status, summary, pd.concat([frame, rows], ignore_index=True), dict(v), verification=dict(v))


def _no_grant(inv: Investigation, fix: dict[str, Any] | None, layers: list[Any]) -> Outcome:
    """Step 9 without a grant to verify: why, in the words of the layer that needs another change."""
    ev = inv.evidence
    names = {v["verdict"]: v for key in ("account", "trust", "explicit-deny") for v in inv.outcome(key).verdicts}
    if "role-not-found" in names:
        return Outcome(INFO, "no grant to verify: the role does not exist (step 4); create it, or point the "
                             f"{ev.resource_noun} at a role that exists, then investigate again")
    if "wrong-account" in names:
        return Outcome(INFO, "no grant to verify: the error came from another account (step 1); investigate that "
                             "one")
    first = layers[0].final if layers else ""
    if first == EXPLICIT_DENY:
        lifted = (names.get("explicit-deny") or {}).get("satisfied_by") or "a change to the Deny"
        return Outcome(INFO, "no grant to verify: the explicit deny of step 7 decides and no Allow can override "
                             f"it; it is lifted by {lifted}")
    if fix and fix.get("action"):
        return Outcome(INFO, f"no grant to verify: the fix is {fix['action']}")
    if first == ALLOWED and "trust-missing-service" in names:
        return Outcome(INFO, f"no grant to verify: {ev.action} is allowed; the role's trust policy (step 4) is "
                             "what needs the change")
    if first == ALLOWED:
        return Outcome(OK, f"nothing to fix: {ev.action} is already allowed")
    return Outcome(INFO, "no fix to verify")
