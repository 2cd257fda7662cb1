"""The procedure as data: :data:`STEPS`, in order, each a number, a key, a title and a function of the
investigation that returns an :class:`Outcome`. Training's extra steps (:data:`TRAINING_STEPS`) are listed
here too, so every step of every notebook comes from one list.

A step reads the evidence (:class:`~glue_iam_kit.diagnosis.evidence.Evidence`) and records verdicts, layers,
the fix and security findings on the investigation through its public methods. A step that fails becomes
``could not check: <why>`` in the runner; the others go on.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from glue_iam_kit import collectors as c
from glue_iam_kit.diagnosis import fix as fixes
from glue_iam_kit.diagnosis.disagreement import evaluate_disagreement
from glue_iam_kit.diagnosis.errortext import marked_problem
from glue_iam_kit.diagnosis.grading import grade_prediction, record_prediction
from glue_iam_kit.diagnosis.layers import layer_details, layer_frame, peel, restriction
from glue_iam_kit.diagnosis.outcome import Outcome, Step
from glue_iam_kit.diagnosis.overbroad import ADVICE, evaluate_breadth
from glue_iam_kit.engine.decision import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Decision
from glue_iam_kit.engine.explain import render_trace_text
from glue_iam_kit.engine.marks import ident
from glue_iam_kit.errors import NotFoundError, marked_message
from glue_iam_kit.frames import TRUST_COLUMNS, empty_frame, group_frame, identity_frame, policy_frame
from glue_iam_kit.model import COULD_NOT_CHECK, INFO, OK, PROBLEM, VERDICTS, could_not_check, rule_for
from glue_iam_kit.sources.base import POLICY_WRITER, can

if TYPE_CHECKING:
    from glue_iam_kit.diagnosis.investigation import Investigation


def failure(inv: Investigation) -> Outcome:
    """The failure as quoted, and what the investigation will look at."""
    ev = inv.evidence
    what = "job" if ev.entry_point.name == "job" else ev.entry_point.name
    rows = [{"what": "target", "value": getattr(ev.target, "kind", "?")}, {"what": "principal", "value": ev.user}]
    if ev.is_passrole:
        rows += [{"what": "role", "value": ev.role or f"(from the {what})"},
                 {"what": what, "value": ev.job or "(not given)"}, {"what": "service", "value": ev.service}]
    else:
        rows += [{"what": "action", "value": ev.action}, {"what": "resource", "value": ev.action_resource}]
    if ev.error:
        rows += [{"what": "error: action", "value": ev.error.action},
                 {"what": "error: account", "value": ev.error.account},
                 {"what": "error: cause", "value": f"{ev.error.kind} ({ev.error.policy_type})"}]
    status, summary = INFO, "investigating " + (ev.error.describe() if ev.error else
                                                 f"iam:PassRole of {ident('role', ev.role) or 'the job role'} by "
                                                 f"{ident('principal', ev.user)}")
    if ev.error_problem:
        status, summary = COULD_NOT_CHECK, could_not_check(f"the error text: {marked_problem(ev.error_problem)}")
    elif not ev.error_text.strip():
        summary += " (no error text given)"
    return Outcome(status, summary, pd.DataFrame(rows, columns=["what", "value"]),
                   {"error_text": ev.error_text, "error": ev.error.as_dict() if ev.error else None})


def account(inv: Investigation) -> Outcome:
    ev = inv.evidence
    frame = identity_frame(ev.caller_identity(), ev.expected_account or None)
    actual = frame.loc[0, "account"]
    if ev.expected_account and actual != ev.expected_account:
        inv.add_verdict("wrong-account", expected=ev.expected_account, actual=actual)
        return Outcome(PROBLEM, f"the target is account {ident('account', actual)}, but the error came from "
                                f"{ident('account', ev.expected_account)}: "
                                "every other finding is about the wrong account", frame)
    if not ev.expected_account:
        return Outcome(INFO, f"the target is account {ident('account', actual)} (no error text to compare with)", frame)
    return Outcome(OK, f"account {ident('account', actual)} is the one in the error", frame)


def principal_policies(inv: Investigation) -> Outcome:
    pp = inv.evidence.principal
    own = [r for r in pp.records if r.source.via_group is None]
    attached = sum(r.source.attachment == "managed" for r in own)
    summary = (f"{pp.principal_type} {ident('principal', pp.name)}: {attached} attached, {len(own) - attached} "
               "inline policies")
    if pp.boundary:
        summary += f"; permissions boundary {ident('policy', pp.boundary.source.name)}"
    if pp.problems:
        summary += "; " + could_not_check("; ".join(pp.problems))
    return Outcome(COULD_NOT_CHECK if pp.problems else OK, summary, policy_frame(pp.name, own),
                   {"problems": pp.problems})


def groups(inv: Investigation) -> Outcome:
    pp = inv.evidence.principal
    if not pp.kind.has_groups:
        return Outcome(INFO, f"{ident('principal', pp.name)} is a {pp.principal_type}: "
                             f"{pp.principal_type}s have no groups",
                       group_frame([], []), title="Groups")
    frame = group_frame(pp.groups, [r for r in pp.records if r.source.via_group])
    group_problems = [p for p in pp.problems if "group" in p or "managed policy" in p]
    if group_problems:
        return Outcome(COULD_NOT_CHECK, could_not_check("; ".join(group_problems)), frame,
                       {"problems": group_problems})
    if not pp.groups:
        return Outcome(OK, f"{ident('principal', pp.name)} is in no group", frame, title="Groups")
    policies = {g["GroupName"]: ", ".join(ident("policy", p)
                                          for p in frame[frame.group_name == g["GroupName"]].policy_name if p)
                for g in pp.groups}
    names = ", ".join(f"{ident('group', name)} ({pols or '-'})" for name, pols in policies.items())
    return Outcome(OK, f"member of {names}", frame)


def not_passrole(ev: Any) -> Outcome:
    """A PassRole-only step on an error about another action."""
    return Outcome(INFO, f"not an iam:PassRole error: {ev.action} passes no role, so this step does not apply; the "
                         f"simulation below is of {ev.action} on the resource in the error")


def trust(inv: Investigation) -> Outcome:
    ev = inv.evidence
    if not ev.is_passrole:
        return not_passrole(ev)
    if not ev.role:
        ev.resolve_role_from_resource()
    if not ev.role:
        return Outcome(COULD_NOT_CHECK, could_not_check("no role given and no job to read it from"))
    try:
        frame = c.fetch_role(ev.target, ev.role)
    except NotFoundError:
        ev.role_missing = True
        ev.remember_role_tags(ev.role_arn_or_guess(), {})
        inv.add_verdict("role-not-found", role=ev.role_arn_or_guess())
        return Outcome(PROBLEM, f"role {ident('role', ev.role_name)} does not exist in account "
                                f"{ident('account', ev.account)}: Glue cannot use it, "
                                "and no PassRole grant can fix that", empty_frame(TRUST_COLUMNS))
    ev.role_arn = frame.loc[0, "role_arn"] if not frame.empty else ev.role_arn_or_guess()
    ev.remember_role_tags(ev.role_arn, frame.attrs.get("tags", {}))
    trusted = frame[(frame.effect == "Allow") & (frame.principal.isin([ev.service, "*"])) &
                    frame.action.str.contains("sts:AssumeRole|sts:\\*|^\\*$", regex=True)]
    if trusted.empty:
        who = sorted(set(frame.principal))
        inv.add_verdict("trust-missing-service", role=ev.role_arn, service=ev.service, trusted=who)
        return Outcome(PROBLEM, f"the trust policy of {ident('role', ev.role_name)} does not let {ev.service} "
                                "assume it "
                                f"(it trusts {', '.join(ident('principal', w) for w in who) or 'nobody'})", frame)
    return Outcome(OK, f"{ev.service} may assume {ident('role', ev.role_name)}", frame)


def resource_role(inv: Investigation) -> Outcome:
    ev = inv.evidence
    if not ev.is_passrole:
        return not_passrole(ev)
    noun = ev.resource_noun
    if ev.creating and not ev.job:
        return Outcome(INFO, f"{ev.error.operation}: the {noun} does not exist yet; the role in the error is the one "
                             "being passed")
    if not ev.job:
        return Outcome(COULD_NOT_CHECK, could_not_check(f"no {noun} given"))
    try:
        frame = ev.read_resource()
    except NotFoundError as exc:
        if ev.creating:
            return Outcome(INFO, f"{ev.error.operation}: the {noun} {ident('job', ev.job)} does not exist yet; "
                                 "the role in the "
                                 "error is the one being passed")
        return Outcome(PROBLEM, f"{marked_message(exc)}: check the {noun} name and the region "
                                f"({getattr(ev.target, 'region', '?')})", empty_frame(list(ev.entry_point.columns)))
    used_arn = frame.loc[0, "role_arn"] or frame.loc[0, "role_as_stored"]
    used_name = frame.loc[0, "role_name"]
    if ev.role and used_name != ev.role_name:
        inv.add_verdict("job-uses-other-role", job=ev.job, job_role=used_arn, investigated_role=ev.role_arn_or_guess())
        return Outcome(PROBLEM, f"{noun} {ident('job', ev.job)} uses role {ident('role', used_name)}, not "
                                f"{ident('role', ev.role_name)}: the error and the "
                                f"{noun} disagree (an edit in progress, or the wrong {noun})", frame)
    return Outcome(OK, f"{noun} {ident('job', ev.job)} uses {ident('role', used_name)}", frame)


def simulate(inv: Investigation) -> Outcome:
    ev = inv.evidence
    layer = ev.simulate(ev.base_context(), label=ev.base_label())
    inv.layers = [layer]
    details = layer_details(layer)
    summary = f"{layer.final}: {render_trace_text(layer.decision, marked=True).splitlines()[0].split(': ', 1)[1]}"
    notes = [n for n in (ev.scp_note, ev.resource_note) if n]
    if notes:  # visible, never silence: a layer is unknown
        details["note"] = "; ".join(notes)
        summary += "; " + could_not_check(details["note"])
    if layer.aws_decision and layer.aws_decision != layer.decision.decision:
        summary += f" — the local evaluator says {layer.decision.decision}: a disagreement to look into"
        details["disagreement"] = True
    return Outcome(OK if layer.final == ALLOWED else PROBLEM, summary, layer_frame(inv.layers), details)


def explicit_deny(inv: Investigation) -> Outcome:
    ev = inv.evidence
    if not inv.layers:
        return Outcome(COULD_NOT_CHECK, could_not_check("no simulation"))
    if inv.layers[0].final != EXPLICIT_DENY:
        return Outcome(OK, "no explicit deny", layer_frame(inv.layers))
    first = inv.layers[0].decision
    restrictions = [restriction(t, ev.principal.kind.mfa_advice) for t in first.deciding]
    deny = first.deciding[0]
    inv.add_verdict("explicit-deny", policy_type=deny.source.kind, policy=deny.source.name,
                    via_group=deny.source.via_group, statement=deny.index + 1, sid=deny.sid,
                    restriction=restrictions[0][0], satisfied_by=restrictions[0][1])
    # Satisfy what can be satisfied and look underneath, as the write-up did with MFA.
    inv.layers = peel(inv.layers, lambda context, label: ev.simulate(context, label=label))
    summary = f"denied by {deny.marked_label}: restriction {restrictions[0][0]}; satisfied by {restrictions[0][1]}"
    if len(inv.layers) > 1:
        summary += f". With it satisfied the decision is {inv.layers[-1].final}"
    else:
        summary += ". It cannot be satisfied by the requester: that restriction is the cause"
    return Outcome(PROBLEM, summary, layer_frame(inv.layers),
                   {"restrictions": [{"restriction": r, "satisfied_by": s} for r, s in restrictions],
                    "layers": [layer_details(layer) for layer in inv.layers]})


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
    if not inv.layers:
        return Outcome(COULD_NOT_CHECK, could_not_check("no simulation"))
    final = inv.layers[-1]
    d = final.decision
    if final.final == ALLOWED:
        inv.add_verdict("allowed", deciding=[t.marked_label for t in d.deciding])
        inv.security += _security_findings(inv, d)
        summary = f"allowed by {', '.join(t.marked_label for t in d.deciding) or 'the policies'}"
        if inv.security:
            summary += "; security finding: " + "; ".join(s["why"] for s in inv.security)
        return Outcome(OK, summary, None, {"security": inv.security})
    if final.final != IMPLICIT_DENY:
        return Outcome(INFO, "not reached: the explicit deny above cannot be satisfied by the requester")
    near = [{"rank": i + 1, "policy": t.source.name, "policy_type": t.source.policy_type,
             "via_group": t.source.via_group or "", "statement": t.index + 1, "sid": t.sid or "",
             "why": "; ".join(t.marked_failures)} for i, t in enumerate(d.nearest_allows)]
    frame = pd.DataFrame(near, columns=["rank", "policy", "policy_type", "via_group", "statement", "sid", "why"])
    inv.add_verdict("no-allow", blocked_by=d.blocked_by, nearest_allows=near[:3])
    if d.blocked_by == "scp":
        inv.fix = {"where": "scp", "action": "an SCP change by the organization's admins", "policy": None}
        return Outcome(PROBLEM, f"no SCP level allows {ev.action} here: only the organization's admins can change "
                                "that", frame, {"nearest_allows": near, "fix": inv.fix})
    inv.fix, extra, layer_extra, label = fixes.plan_fix(ev, d)
    alternatives = fixes.tag_alternatives(ev, d, final.context)
    if alternatives:
        inv.fix["alternatives"] = alternatives
        inv.fix["note"] = (inv.fix.get("note", "") + " " if inv.fix.get("note") else "") + (
            "The grant is tag-based: the tag change keeps that design; the per-role grant would bypass it.")
    after = ev.simulate(final.context, extra=extra, layer_extra=layer_extra, label=label)
    inv.what_if = fixes.what_if(ev, final, after, extra, layer_extra)
    on = ident("role", ev.role_name) if ev.is_passrole else ident("arn", ev.action_resource)
    summary = (f"no {d.blocked_by} policy allows {ev.action} on {on}; nearest allow: "
               f"{ident('policy', near[0]['policy'])} statement {near[0]['statement']} ({near[0]['why']})" if near else
               f"no {d.blocked_by} policy allows {ev.action} at all")
    where = (inv.fix["where"], inv.fix["principal"])
    summary += f". Fix: {fixes.grant_name(ev)} on the {where[0]} {ident('principal', where[1])}; what-if: {after.final}"
    return Outcome(PROBLEM, summary, frame, {"nearest_allows": near, "fix": inv.fix, "what_if": inv.what_if,
                                             "explanation": render_trace_text(d, marked=True)})


def verify(inv: Investigation, apply_fix: bool = False) -> Outcome:
    ev = inv.evidence
    if not inv.fix or not inv.fix.get("policy"):
        status = OK if inv.layers and inv.layers[-1].final == ALLOWED else INFO
        return Outcome(status, "no fix to verify" if status == INFO else
                       f"nothing to fix: {ev.action} is already allowed")
    frame = pd.DataFrame(inv.what_if, columns=["check", "before", "after", "expected", "as_expected"])
    if not apply_fix:
        ok = all(w["as_expected"] for w in inv.what_if)
        exactly = (f"this role to {ev.service}" if ev.is_passrole else f"{ev.action} on this resource")
        summary = ("what-if before applying: " + (f"the fix allows exactly {exactly}, and nothing next to it"
                                                  if ok else "the fix does not behave as expected")
                   + ". Not applied (apply_fix=False): apply it with the command in step 8, then re-run")
        return Outcome(INFO if ok else PROBLEM, summary, frame, {"applied": False, "what_if": inv.what_if})
    if not can(ev.target, POLICY_WRITER):
        return Outcome(COULD_NOT_CHECK, could_not_check(f"a fix is never applied to a {ev.target.kind}: "
                                                        "it has nothing to write to"))
    refusal = fixes.refusal(inv.fix)
    if refusal:
        return Outcome(COULD_NOT_CHECK, could_not_check(refusal))
    inv.verification = fixes.apply_fix(ev, inv.fix, inv.layers[-1])
    v = inv.verification
    summary = (f"applied {inv.fix['policy_name']} to the {inv.fix['principal_type']} "
               f"{ident('principal', inv.fix['principal'])}; "
               f"read back {'identical' if v['read_back_matches'] else 'DIFFERENT'}; "
               f"re-simulated: {v['before']} → {v['after']}")
    rows = pd.DataFrame([{"check": "applied, re-simulated", "before": v["before"], "after": v["after"],
                          "expected": "allowed", "as_expected": v["after"] == ALLOWED}])
    status = OK if v["after"] == ALLOWED and v["read_back_matches"] else PROBLEM
    return Outcome(status, summary, pd.concat([frame, rows], ignore_index=True), dict(v))


def verdict(inv: Investigation) -> Outcome:
    """The verdicts, in the order of the procedure, and the rule to keep next time."""
    disagreement = evaluate_disagreement(inv)
    if disagreement:
        inv.add_verdict("evidence-disagrees", **disagreement)
    order = {v: i for i, v in enumerate(VERDICTS)}
    inv.verdicts.sort(key=lambda v: order[v["verdict"]])
    frame = pd.DataFrame([{"verdict": v["verdict"], "details": json.dumps({k: x for k, x in v.items()
                                                                        if k != "verdict"}, default=str,
                                                                       ensure_ascii=False)}
                          for v in inv.verdicts], columns=["verdict", "details"])
    names = [v["verdict"] for v in inv.verdicts] or ["no verdict"]
    status = OK if names == ["allowed"] and not inv.security else PROBLEM
    unconfirmed = [f"step {f.step} ({f.title}): {(f.marked_summary or f.summary).removeprefix(COULD_NOT_CHECK + ': ')}"
                   for f in inv.findings if f.status == COULD_NOT_CHECK]
    summary = "verdict: " + ", ".join(names)
    if unconfirmed:
        summary += f" — not confirmed: {len(unconfirmed)} step(s) could not be checked"
    return Outcome(status, summary, frame, {"verdicts": inv.verdicts, "rule": rule_for(inv.evidence.action),
                                            "security": inv.security, "unconfirmed": unconfirmed})


STEPS: tuple[Step, ...] = (
    Step(0, "failure", "The failure", failure),
    Step(1, "account", "Account", account),
    Step(2, "user-policies", "The {noun}'s own policies", principal_policies),
    Step(3, "groups", "Groups and their policies", groups),
    Step(4, "trust", "The role's trust policy trusts {service}", trust),
    Step(5, "job", "The {resource} really uses that role", resource_role),
    Step(6, "simulate", "Simulate {request}", simulate),
    Step(7, "explicit-deny", "Explicit deny: which restriction", explicit_deny),
    Step(8, "implicit-deny", "Implicit deny: the nearest allow and the least-privilege fix", implicit_deny),
    Step(9, "verify", "Verify the fix by simulation, before and after", verify),
    Step(10, "verdict", "Verdict", verdict),
)
# Training: the prediction is recorded after step 5 (before the simulation); the grade comes last.
TRAINING_STEPS: tuple[Step, ...] = (
    Step(11, "prediction", "Your prediction", record_prediction),
    Step(12, "grade", "Grade", grade_prediction),
)
STEP_BY_KEY = {s.key: s for s in (*STEPS, *TRAINING_STEPS)}
# The order a training notebook walks them in.
TRAINING_ORDER = ("failure", "account", "user-policies", "groups", "trust", "job", "prediction", "simulate",
                  "explicit-deny", "implicit-deny", "verify", "verdict", "grade")
