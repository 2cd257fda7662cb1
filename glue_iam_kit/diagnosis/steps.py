"""The procedure as data: :data:`STEPS`, in order, each a number, a key, a title and a function of the
investigation that returns an :class:`Outcome`. Training's extra steps (:data:`TRAINING_STEPS`) are listed
here too, so every step of every notebook comes from one list.

A step is a function of the gathered evidence (:class:`~glue_iam_kit.diagnosis.evidence.Evidence`) and of the
outcomes of the steps it builds on (``done.outcome(key)``: the runner supplies them, computing a skipped one);
it returns its :class:`Outcome` (finding, verdicts, layers, fix, security findings) and writes nothing shared,
so a step run twice or out of order gives the clean run's result. A step that fails becomes
``could not check: <why>`` in the runner; the others go on.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from glue_iam_kit.diagnosis.disagreement import evaluate_disagreement
from glue_iam_kit.diagnosis.errortext import marked_problem
from glue_iam_kit.diagnosis.evidence import resource_from_target
from glue_iam_kit.diagnosis.fix_steps import implicit_deny, layers_of, verify
from glue_iam_kit.diagnosis.grading import grade_prediction, record_prediction
from glue_iam_kit.diagnosis.layers import layer_details, layer_frame, peel, restriction
from glue_iam_kit.diagnosis.outcome import InvestigationView as Investigation
from glue_iam_kit.diagnosis.outcome import Outcome, Step, make_verdict
from glue_iam_kit.diagnosis.trust import evaluate_trust
from glue_iam_kit.engine.decision import ALLOWED, EXPLICIT_DENY
from glue_iam_kit.engine.explain import render_trace_text
from glue_iam_kit.engine.marks import ident
from glue_iam_kit.errors import NotFoundError, marked_message
from glue_iam_kit.frames import TRUST_COLUMNS, empty_frame, group_frame, identity_frame, policy_frame
from glue_iam_kit.model import COULD_NOT_CHECK, INFO, OK, PROBLEM, VERDICTS, could_not_check, rule_for


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
    source = "the error" if ev.error else "the ARN given"  # without an error text: the user's or role's ARN
    if ev.expected_account and actual != ev.expected_account:
        came = "the error came from" if ev.error else "the ARN given names"
        return Outcome(PROBLEM, f"the target is account {ident('account', actual)}, but {came} "
                                f"{ident('account', ev.expected_account)}: "
                                "every other finding is about the wrong account", frame,
                       verdicts=[make_verdict("wrong-account", expected=ev.expected_account, actual=actual)])
    if not ev.expected_account:
        return Outcome(INFO, f"the target is account {ident('account', actual)} (no error text to compare with)", frame)
    return Outcome(OK, f"account {ident('account', actual)} is the one in {source}", frame)


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
    ev.resolve_role_from_resource()
    if not ev.role:
        return Outcome(COULD_NOT_CHECK, could_not_check("no role given and no job to read it from"))
    try:
        frame = ev.read_role()
    except NotFoundError:
        return Outcome(PROBLEM, f"role {ident('role', ev.role_name)} does not exist in account "
                                f"{ident('account', ev.account)}: Glue cannot use it, "
                                "and no PassRole grant can fix that", empty_frame(TRUST_COLUMNS),
                       verdicts=[make_verdict("role-not-found", role=ev.role_arn_or_guess())])
    # The evaluator decides: the service as the principal of sts:AssumeRole (wildcards, Deny, conditions).
    trusted = evaluate_trust(frame.attrs.get("document") or {}, ev.role_name, ev.role_arn, ev.service, ev.account)
    frame = frame.assign(decides=[label in trusted.labels for label in frame.statement])
    if trusted.decision != ALLOWED:
        who = sorted(set(frame.principal))
        if trusted.unknown_keys:  # a condition on what Glue sends: say so, never guess
            return Outcome(COULD_NOT_CHECK, could_not_check(
                f"the trust policy of {ident('role', ev.role_name)} lets {ev.service} assume it only under "
                f"conditions on "
                f"{', '.join(trusted.unknown_keys)}"), frame, {"trust": trusted.explanation})
        trusts = ", ".join(ident("principal", w) for w in who) or "nobody"
        return Outcome(PROBLEM, f"the trust policy of {ident('role', ev.role_name)} does not let {ev.service} "
                                f"assume it (it trusts {trusts})", frame, {"trust": trusted.explanation},
                       verdicts=[make_verdict("trust-missing-service", role=ev.role_arn, service=ev.service,
                                              trusted=who)])
    return Outcome(OK, f"{ev.service} may assume {ident('role', ev.role_name)}", frame, {"trust": trusted.explanation})


def resource_role(inv: Investigation) -> Outcome:
    ev = inv.evidence
    if not ev.is_passrole:
        return not_passrole(ev)
    noun = ev.resource_noun
    if not ev.glue_call:
        return Outcome(INFO, f"not a Glue call: the role is passed to {ev.service}; the kit reads Glue resources "
                             "only, so what uses the role there is not checked")
    ev.job, ev.resource_source = resource_from_target(ev)  # no name given: the one the evidence names
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
        return Outcome(PROBLEM, f"{noun} {ident('job', ev.job)} uses role {ident('role', used_name)}, not "
                                f"{ident('role', ev.role_name)}: the error and the "
                                f"{noun} disagree (an edit in progress, or the wrong {noun})", frame,
                       verdicts=[make_verdict("job-uses-other-role", job=ev.job, job_role=used_arn,
                                              investigated_role=ev.role_arn_or_guess())])
    source = f" ({ev.resource_source})" if ev.resource_source else ""
    return Outcome(OK, f"{noun} {ident('job', ev.job)}{source} uses {ident('role', used_name)}", frame)


def simulate(inv: Investigation) -> Outcome:
    ev = inv.evidence
    layer = ev.simulate(ev.base_context(), label=ev.base_label())
    details = layer_details(layer)
    summary = f"{layer.final}: {render_trace_text(layer.decision, marked=True).splitlines()[0].split(': ', 1)[1]}"
    notes = [n for n in (ev.scp_note, ev.resource_note) if n]
    if notes:  # visible, never silence: a layer is unknown
        details["note"] = "; ".join(notes)
        summary += "; " + could_not_check(details["note"])
    if layer.aws_decision and layer.aws_decision != layer.decision.decision:
        summary += f" — the local evaluator says {layer.decision.decision}: a disagreement to look into"
        details["disagreement"] = True
    return Outcome(OK if layer.final == ALLOWED else PROBLEM, summary, layer_frame([layer]), details, layers=[layer])


def explicit_deny(inv: Investigation) -> Outcome:
    ev = inv.evidence
    layers = layers_of(inv, "simulate")
    if not layers:
        return Outcome(COULD_NOT_CHECK, could_not_check("no simulation"))
    if layers[0].final != EXPLICIT_DENY:
        return Outcome(OK, "no explicit deny", layer_frame(layers), layers=layers)
    first = layers[0].decision
    restrictions = [restriction(t, ev.principal.kind.mfa_advice) for t in first.deciding]
    deny = first.deciding[0]
    found = make_verdict("explicit-deny", policy_type=deny.source.kind, policy=deny.source.name,
                         via_group=deny.source.via_group, statement=deny.index + 1, sid=deny.sid,
                         restriction=restrictions[0][0], satisfied_by=restrictions[0][1])
    # Satisfy what can be satisfied and look underneath, as the write-up did with MFA.
    layers = peel(layers, lambda context, label: ev.simulate(context, label=label))
    summary = f"denied by {deny.marked_label}: restriction {restrictions[0][0]}; satisfied by {restrictions[0][1]}"
    if len(layers) > 1:
        summary += f". With it satisfied the decision is {layers[-1].final}"
    else:
        summary += ". It cannot be satisfied by the requester: that restriction is the cause"
    return Outcome(PROBLEM, summary, layer_frame(layers),
                   {"restrictions": [{"restriction": r, "satisfied_by": s} for r, s in restrictions],
                    "layers": [layer_details(layer) for layer in layers]}, verdicts=[found], layers=layers)


def verdict(inv: Investigation) -> Outcome:
    """The verdicts, in the order of the procedure, and the rule to keep next time: gathered from every step
    before this one (a step not run yet is run for it, so a skipped cell loses nothing)."""
    before = [(s, inv.outcome(s.key)) for s in STEPS if s.key != "verdict"]
    verdicts = [v for _, out in before for v in out.verdicts]
    disagreement = evaluate_disagreement(inv)
    if disagreement:
        verdicts.append(make_verdict("evidence-disagrees", **disagreement))
    order = {v: i for i, v in enumerate(VERDICTS)}
    verdicts = sorted({v["verdict"]: v for v in verdicts}.values(), key=lambda v: order[v["verdict"]])
    security = [x for _, out in before for x in out.security]
    frame = pd.DataFrame([{"verdict": v["verdict"], "details": json.dumps({k: x for k, x in v.items()
                                                                        if k != "verdict"}, default=str,
                                                                       ensure_ascii=False)}
                          for v in verdicts], columns=["verdict", "details"])
    names = [v["verdict"] for v in verdicts] or ["no verdict"]
    status = OK if names == ["allowed"] and not security else PROBLEM
    unconfirmed = [f"step {s.number} ({out.title or inv.title_of(s.key)}): "
                   f"{out.summary.removeprefix(COULD_NOT_CHECK + ': ')}" for s, out in before
                   if out.status == COULD_NOT_CHECK]
    summary = "verdict: " + ", ".join(names)
    if unconfirmed:
        summary += f" — not confirmed: {len(unconfirmed)} step(s) could not be checked"
    rule = rule_for(inv.evidence.action, inv.evidence.service)
    return Outcome(status, summary, frame, {"verdicts": verdicts, "rule": rule,
                                            "security": security, "unconfirmed": unconfirmed},
                   verdicts=verdicts, security=security)


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
