"""Training's two steps: the trainee's prediction (verdict and deciding policy), recorded before the
simulation, and its grade against what the investigation found, with what was missed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from glue_iam_kit.diagnosis.outcome import Outcome
from glue_iam_kit.engine.marks import ident, strip_marks
from glue_iam_kit.model import INFO, OK, PROBLEM, VERDICTS

if TYPE_CHECKING:
    from glue_iam_kit.diagnosis.outcome import InvestigationView as Investigation


def record_prediction(inv: Investigation, verdict: str = "", policy: str = "", escalation: str = "") -> Outcome:
    """Record the trainee's prediction (shown in the notebook before the simulation runs). *escalation*
    (optional, ``yes`` / ``no``): whether the fix's security review will find escalation (issue 22)."""
    verdict = (verdict or "").strip()
    escalation = (escalation or "").strip().lower()
    if verdict and verdict not in VERDICTS:
        status, summary = PROBLEM, f"'{verdict}' is not a verdict: choose one of {', '.join(VERDICTS)}"
    elif not verdict:
        status, summary = INFO, f"no prediction recorded: set predicted_verdict to one of {', '.join(VERDICTS)}"
    else:
        status, summary = INFO, f"your prediction: {verdict}" + (f", decided by {policy}" if policy else "")
    inv.prediction = {"verdict": verdict, "policy": (policy or "").strip()}
    if escalation:
        if escalation not in ("yes", "no"):
            status, summary = PROBLEM, f"escalation must be yes or no, not '{escalation}'"
        else:
            inv.prediction["escalation"] = escalation
            summary += f"; the fix's security review: escalation {escalation}"
    return Outcome(status, summary)


def deciding_policies(inv: Investigation) -> list[str]:
    """The policies that decide: the explicit deny's, the nearest allow's, or the granting statements'."""
    names: list[str] = []
    for v in inv.verdicts:
        if v["verdict"] == "explicit-deny":
            names.append(v["policy"])
        elif v["verdict"] == "no-allow":
            names += [n["policy"] for n in v.get("nearest_allows", [])[:1]]
        elif v["verdict"] == "allowed":
            names += [strip_marks(d).split(" (", 1)[0] for d in v.get("deciding", [])]
    return names


def grade_prediction(inv: Investigation) -> Outcome:
    """Compare the recorded prediction with the verdicts; explain what was missed."""
    prediction = inv.prediction or {}
    actual = [v["verdict"] for v in inv.verdicts]
    deciding = deciding_policies(inv)
    guess, policy = prediction.get("verdict", ""), prediction.get("policy", "")
    decided, why = _decided(inv, actual)
    verdict_ok = bool(guess) and guess == decided
    verdict_partly = bool(guess) and guess in actual and not verdict_ok
    policy_ok = not policy or policy in deciding
    rows = [{"what": "verdict", "you said": guess or "(nothing)", "the investigation found": ", ".join(actual),
             "right": verdict_ok},
            {"what": "deciding policy", "you said": policy or "(not graded)",
             "the investigation found": ", ".join(deciding) or "-", "right": policy_ok}]
    review = (inv.fix or {}).get("review") or {}
    escalation_ok = True
    if prediction.get("escalation"):  # graded only when predicted (issue 22: what passing the role gives)
        found = "yes" if review.get("escalation") else "no"
        escalation_ok = prediction["escalation"] == found
        rows.append({"what": "escalation (security review)", "you said": prediction["escalation"],
                     "the investigation found": found + (" (admin)" if review.get("admin") else ""),
                     "right": escalation_ok})
    missed = []
    if not escalation_ok:
        missed.append("the fix's security review found " + ("escalation: the role may do what the principal may "
                                                             "not" if review.get("escalation") else "no escalation"))
    if not verdict_ok:
        if verdict_partly:
            missed.append(f"{guess} holds, but it did not decide the reported request: {decided} did"
                          + (f" ({why})" if why else ""))
        else:
            missed.append(f"the verdicts are {', '.join(actual)}")
    if not policy_ok:
        missed.append(f"the deciding policy is {', '.join(ident('policy', d) for d in deciding)}")
    status = OK if verdict_ok and policy_ok and escalation_ok else PROBLEM
    if status != OK:  # the investigation's own account of the causes, to read next
        missed += [f.marked_summary or f.summary for f in inv.findings
                   if f.key in ("explicit-deny", "implicit-deny") and f.status == PROBLEM]
    summary = ("right on every count" if prediction.get("escalation") else "right on both counts") if status == OK \
        else "not quite: " + "; ".join(missed[:2])
    return Outcome(status, summary, pd.DataFrame(rows), {"missed": missed, "prediction": prediction})


def _decided(inv: Investigation, actual: list[str]) -> tuple[str, str]:
    """The verdict that decided the reported request, and why: the incident's (the postmortem leads with it),
    chosen with the error's own cause; else the first layer."""
    document = getattr(inv, "document", None)
    decided = (document().incident or {}).get("decided_by") or {} if document else {}
    if decided.get("verdict") in actual:
        return decided["verdict"], strip_marks(decided.get("why") or "")
    return (actual[0] if actual else ""), ""
