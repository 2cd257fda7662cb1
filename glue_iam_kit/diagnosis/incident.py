"""The incident as data (pure): what was requested, which layer decided *the reported request*, the other layers
found, the fix's status and the times. The postmortem's prose is rendered from it and nothing else, so no
sentence can contradict another; findings.json carries it as ``incident`` (``decided_by`` names the layer).

The deciding layer is chosen with the error's own cause: each simulated layer (long-term keys, then with a
restriction satisfied) is one possible context of the request, and the error says which decision and which
policy type decided it. An implicit-deny message ("no identity-based policy allows") rules out an explicit deny
for that request: the layer that matches tells which context the request had (e.g. an MFA session), and the
explicit deny is *also found*, for the requests it applies to (long-term keys).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from glue_iam_kit.engine.decision import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY
from glue_iam_kit.model import GLUE_SERVICE, PASSROLE, Findings

# The fix's status: a grant proposed (and verified by a what-if simulation, or not as expected), applied (and
# allowed on re-simulation, or not), none possible (another change is the remedy), or nothing to fix.
NOT_NEEDED, NONE_POSSIBLE, PROPOSED, NOT_AS_EXPECTED = "not-needed", "none-possible", "proposed", "not-as-expected"
APPLIED, APPLIED_NOT_ALLOWED = "applied", "applied-not-allowed"
FIX_STATUSES = (NOT_NEEDED, NONE_POSSIBLE, PROPOSED, NOT_AS_EXPECTED, APPLIED, APPLIED_NOT_ALLOWED)
GRANT_STATUSES = (PROPOSED, NOT_AS_EXPECTED, APPLIED, APPLIED_NOT_ALLOWED)  # a grant exists

# What a context key means for the request, in words (the context a matching layer implies).
_CONTEXT_WORDS = {"aws:multifactorauthpresent": "an MFA session", "aws:sourceip": "the allowed source network"}
_TIME = re.compile(r"\b(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?\s?(Z|[+-]\d{2}:?\d{2})?")


@dataclass
class Incident:
    """The incident: the request, the deciding layer, the others, the fix's status, the times."""

    request: dict[str, str]  # principal, action, on (role or resource), service, entry_point, resource, operation
    denied: bool  # the reported request failed (per the deciding layer)
    decided_by: dict[str, Any]  # a verdict's details, plus layer (1-based or None), context and why
    also_found: list[dict[str, Any]] = field(default_factory=list)  # verdicts, each with applies_to
    fix_status: str = NOT_NEEDED
    remedy: str = ""  # what lifts the deciding layer when a grant does not (or not alone)
    times: list[dict[str, str]] = field(default_factory=list)  # {"when", "what"}, in time order

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def service_name(service: str) -> str:
    """``glue.amazonaws.com`` -> ``Glue``, ``lambda.amazonaws.com`` -> ``Lambda``."""
    head = service.split(".", 1)[0] or "the service"
    return {"ecs-tasks": "ECS", "sagemaker": "SageMaker", "elasticmapreduce": "EMR", "states": "Step Functions",
            "ec2": "EC2", "codebuild": "CodeBuild"}.get(head, head[:1].upper() + head[1:])


def layer_matches(claimed: str, blamed: str, decision: str, where: str) -> bool:
    """Whether a simulated layer (*decision*, decided *where*) is the one an error claiming *claimed* in a
    *blamed* policy type describes. SCP denials always say "explicit deny", even when an SCP merely fails to allow
    (IAM User Guide), so any SCP decision matches an SCP claim."""
    if blamed == "scp" and where == "scp" and decision != ALLOWED:
        return True
    return decision == claimed and blamed in ("unknown", where)


def layer_where(sim: dict[str, Any]) -> str:
    """The policy type that decided a simulation (findings.json's ``simulations`` entry)."""
    return sim.get("blocked_by") or ((sim.get("deciding") or [{}])[0].get("kind") or "")


def error_time(text: str) -> str:
    """The first timestamp in pasted text (a log line's), as ISO 8601 UTC; "" when there is none. A time without
    a zone is read as UTC."""
    m = _TIME.search(text or "")
    if not m:
        return ""
    zone = (m.group(6) or "+00:00").replace("Z", "+00:00")
    zone = zone if ":" in zone else zone[:3] + ":" + zone[3:]
    try:
        when = datetime.fromisoformat(f"{m.group(1)}-{m.group(2)}-{m.group(3)}T{m.group(4)}{zone}")
    except ValueError:
        return ""
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _parse_time(when: str) -> datetime | None:
    try:
        t = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _rows(f: Findings, key: str) -> dict[str, Any]:
    return {r.get("what"): r.get("value") for r in (f.step(key) or {}).get("evidence", []) if "what" in r}


def _request(f: Findings) -> dict[str, str]:
    rows = _rows(f, "failure")
    error = f.error or {}
    action = str(error.get("action") or "")
    action = PASSROLE if not action or action.lower() == PASSROLE.lower() else action
    trust_rows = (f.step("trust") or {}).get("evidence") or []
    role = (trust_rows[0].get("role_arn") if trust_rows and trust_rows[0].get("role_arn") else
            rows.get("role") or error.get("resource") or "the role")
    fixed = {"target", "principal", "role", "service", "action", "resource"}
    entry = next((k for k in rows if k and k not in fixed and not str(k).startswith("error")), "job")
    resource = str(rows.get(entry) or "")
    return {"principal": str(rows.get("principal") or error.get("principal") or "the principal"),
            "action": action, "on": str(role) if action == PASSROLE else str(rows.get("resource") or "the resource"),
            "service": str(rows.get("service") or GLUE_SERVICE) if action == PASSROLE else "",
            "entry_point": entry, "resource": "" if resource.startswith("(") else resource,
            "operation": str(error.get("operation") or "")}


def _context_added(sim: dict[str, Any], base: dict[str, Any]) -> list[str]:
    """The context keys a layer set beyond the first layer's (what satisfying a restriction added)."""
    def values(s: dict[str, Any]) -> dict[str, str]:
        return {c["ContextKeyName"]: "/".join(c.get("ContextKeyValues") or []) for c in s.get("context") or []}

    first, this = values(base), values(sim)
    return [f"{k}={v}" for k, v in this.items() if first.get(k) != v]


def _context_words(added: list[str]) -> str:
    return ", ".join(f"{_CONTEXT_WORDS.get(a.split('=', 1)[0].lower(), a)} ({a})" for a in added)


def _base_context(f: Findings) -> str:
    e = f.event
    if e:
        return (f"the CloudTrail event's context ({e.get('time')}; MFA {e.get('mfa') or 'absent'}"
                + (f"; source IP {e['source_ip']}" if e.get("source_ip") else "") + ")")
    first = {c.get("ContextKeyName", "").lower(): "/".join(c.get("ContextKeyValues") or [])
             for c in ((f.simulations or [{}])[0].get("context") or [])}
    mfa = first.get("aws:multifactorauthpresent") == "true"
    if first.get("aws:principaltype") in ("AssumedRole", "FederatedUser"):  # a role has no long-term keys
        words = "a role session" + ("" if mfa else " without MFA in its context")
    else:
        words = "a request with an MFA session" if mfa else \
            "a request without MFA (long-term keys, or a session without MFA)"
    return words + (f", from source IP {first['aws:sourceip']}" if first.get("aws:sourceip") else "")


def _deciding_layer(f: Findings) -> tuple[int | None, str]:
    """(index of the simulated layer that decided the reported request, how it was chosen)."""
    sims, error = f.simulations, f.error or {}
    if not sims:
        return None, "nothing was simulated"
    kind = error.get("kind")
    if kind in ("explicit", "implicit"):
        claimed = EXPLICIT_DENY if kind == "explicit" else IMPLICIT_DENY
        blamed = error.get("policy_type") or "unknown"
        for i, sim in enumerate(sims):
            if layer_matches(claimed, blamed, sim.get("decision", ""), layer_where(sim)):
                words = "an explicit deny" if kind == "explicit" else f"no {blamed} policy allows"
                if i == 0:
                    return 0, f"the error's cause ({words}) matches the request as simulated: {_base_context(f)}"
                added = _context_added(sim, sims[0])
                return i, (f"the error's cause ({words}) rules out layer 1 ({sims[0].get('decision')}) for this "
                           f"request: it matches layer {i + 1}, so the request had {_context_words(added)}")
    if f.event:
        return 0, f"the request as CloudTrail recorded it: {_base_context(f)}"
    return 0, f"no error cause to match: the request as simulated, {_base_context(f)}"


def _verdict(f: Findings, name: str) -> dict[str, Any] | None:
    return next((v for v in f.verdicts if v["verdict"] == name), None)


def _from_simulation(sim: dict[str, Any]) -> dict[str, Any]:
    """A verdict's details from a simulated layer (a deeper layer has no verdict of its own)."""
    decision = sim.get("decision")
    deny = (sim.get("deciding") or [{}])[0]
    if decision == EXPLICIT_DENY:
        return {"verdict": "explicit-deny", "policy_type": deny.get("kind"), "policy": deny.get("policy"),
                "via_group": deny.get("via_group"), "statement": deny.get("statement")}
    if decision == IMPLICIT_DENY:
        return {"verdict": "no-allow", "blocked_by": sim.get("blocked_by") or "identity"}
    return {"verdict": "allowed", "deciding": [d.get("policy") for d in sim.get("deciding") or []]}


def _decided(f: Findings) -> tuple[dict[str, Any], int | None, str]:
    names = f.verdict_names
    if "wrong-account" in names:
        return _verdict(f, "wrong-account"), None, "the error came from another account than the one investigated"
    if "evidence-disagrees" in names:
        return (_verdict(f, "evidence-disagrees"), None,
                "no simulated layer shows what the error claims: what decided the reported request is unknown")
    index, why = _deciding_layer(f)
    sim = f.simulations[index] if index is not None else {}
    by_decision = {EXPLICIT_DENY: "explicit-deny", IMPLICIT_DENY: "no-allow", ALLOWED: "allowed"}
    name = by_decision.get(sim.get("decision", ""), "")
    if name == "allowed" or not name:  # iam:PassRole passes: what fails is the role itself
        blocker = next((n for n in ("role-not-found", "trust-missing-service") if n in names), None)
        if blocker:
            passes = "iam:PassRole is allowed" if name else "iam:PassRole was not simulated"
            return _verdict(f, blocker), None, f"{passes}; {blocker} stops the request"
    if not name:
        return (_verdict(f, names[0]) if names else {"verdict": "no verdict"}), None, why
    recorded = _verdict(f, name)
    if name == "explicit-deny" and index:  # the explicit-deny verdict describes layer 1
        recorded = None
    return recorded or _from_simulation(sim), (index + 1 if index is not None else None), why


def _applies_to(v: dict[str, Any], f: Findings) -> str:
    name = v["verdict"]
    if name != "wrong-account" and "wrong-account" in f.verdict_names:
        return f"account {(_verdict(f, 'wrong-account') or {}).get('actual')}, the one investigated"
    if name == "explicit-deny":
        words = {"mfa": "requests without an MFA session (long-term keys)",
                 "source-ip": "requests from outside the allowed source network"}
        return words.get(v.get("restriction") or "", f"requests with {_base_context(f)} (layer 1)")
    if name == "allowed":
        sims = f.simulations
        added = _context_added(sims[-1], sims[0]) if len(sims) > 1 else []
        return f"requests with {_context_words(added)}" if added else "the request as simulated"
    if name == "wrong-account":
        return "every finding below"
    return "the role and the resource investigated"


def _fix_status(f: Findings, decided: dict[str, Any], names: list[str]) -> tuple[str, str]:
    fix = f.fix or {}
    v = f.verification or {}
    if v.get("applied"):
        status = APPLIED if v.get("after") == ALLOWED else APPLIED_NOT_ALLOWED
    elif fix.get("policy"):
        status = PROPOSED if all(w.get("as_expected") for w in f.what_if) else NOT_AS_EXPECTED
    elif decided["verdict"] == "allowed":
        status = NOT_NEEDED
    else:
        status = NONE_POSSIBLE
    name = decided["verdict"]
    if name == "wrong-account" and status in (PROPOSED, NOT_AS_EXPECTED):
        status = NONE_POSSIBLE  # a grant in the account investigated does not touch the one in the error
    remedy = {
        "explicit-deny": decided.get("satisfied_by") or "removing or narrowing the Deny statement (no Allow can "
                                                         "override it)",
        "no-allow": "" if fix.get("policy") else (fix.get("action") or "a grant the kit could not write"),
        "role-not-found": f"create the role {decided.get('role')} (or point the resource at a role that exists), "
                          "then investigate again: no iam:PassRole grant can make a missing role usable",
        "trust-missing-service": f"add {decided.get('service')} to the role's trust policy (sts:AssumeRole)",
        "wrong-account": f"investigate account {decided.get('expected')}, the one in the error",
        "evidence-disagrees": "read the layer the error blames, or capture the CloudTrail event of the failure, "
                              "then investigate again",
        "no verdict": "make the steps that could not be checked checkable, then investigate again",
    }.get(name, "")
    if name != "trust-missing-service" and "trust-missing-service" in names and status in GRANT_STATUSES:
        service = (_verdict(f, "trust-missing-service") or {}).get("service")  # the grant is needed, not enough
        remedy = (f"{remedy}; " if remedy else "") + (f"the grant, and {service} added to the role's trust policy "
                                                      "(sts:AssumeRole): with the grant alone the service still "
                                                      "cannot use the role")
    if name != "role-not-found" and "role-not-found" in names:  # the layer underneath: no grant makes it usable
        status = NONE_POSSIBLE if status in (PROPOSED, NOT_AS_EXPECTED, NOT_NEEDED) else status
        remedy = (f"create the role {(_verdict(f, 'role-not-found') or {}).get('role')} (or point the resource at "
                  "a role that exists), then investigate again: no iam:PassRole grant can make a missing role usable")
    return status, remedy


def _times(f: Findings, req: dict[str, str], denied: bool) -> list[dict[str, str]]:
    rows = (f.step("job") or {}).get("evidence") or []
    known: list[tuple[datetime, str, str]] = []
    if rows and rows[0].get("last_modified") and (t := _parse_time(rows[0]["last_modified"])):
        known.append((t, str(rows[0]["last_modified"]), f"the {req['entry_point']}'s last change"))
    failure_what = ("the failure" if denied else "the reported request") + ": " + \
        ((f.step("failure") or {}).get("summary") or "")
    event_time = (f.event or {}).get("time") or ""
    pasted = error_time((f.error or {}).get("text") or "")
    failure_at = event_time or pasted
    if failure_at and (t := _parse_time(failure_at)):
        source = "CloudTrail event" if event_time else "the time in the pasted error"
        known.append((t, failure_at, f"{failure_what} ({source})"))
        failure_at = "placed"
    if len(known) == 2 and known[0][0] > known[1][0]:  # the resource was read as it is now, not as it failed
        known[0] = (known[0][0], known[0][1], known[0][2] + " (after the failure: what was read is newer than "
                                                            "the error)")
    generated = f.generated_at
    g = _parse_time(generated) if generated else None
    later = [(g, generated, f"investigated: verdict {', '.join(f.verdict_names) or 'no verdict'}")] if g else []
    if g and (f.verification or {}).get("applied"):
        v = f.verification
        later.append((g, generated, f"fix applied, read back, re-simulated: {v.get('before')} → {v.get('after')}"))
    failed_at = [t for t, _, x in known if x.startswith(failure_what)]
    # dated after the investigation (generated_at holds whole seconds): a local time read as UTC, most likely
    if failed_at and g and failed_at[0] > g + timedelta(seconds=1):
        known = [(t, w, x + (" (dated after the investigation: a time without a zone is read as UTC; paste it "
                             "with its zone)" if x.startswith(failure_what) else "")) for t, w, x in known]
        return [{"when": w, "what": x} for _, w, x in sorted(known + later, key=lambda k: k[0])]
    out = [{"when": w, "what": x} for _, w, x in sorted(known, key=lambda k: k[0])]
    if failure_at != "placed":  # its time is unknown: it happened before the investigation
        out.append({"when": "not recorded (give a CloudTrail event, or paste the error with its log time)",
                    "what": failure_what})
    return out + [{"when": w, "what": x} for _, w, x in later]


def evaluate_incident(f: Findings) -> Incident:
    """The incident from the findings (findings@1, anonymised or not)."""
    req = _request(f)
    decided, layer, why = _decided(f)
    decided = {**decided, "layer": layer, "why": why}
    decided_name = decided["verdict"]
    denied = decided_name not in ("allowed", "no verdict")
    also = [{**v, "applies_to": _applies_to(v, f)} for v in f.verdicts
            if v["verdict"] != decided_name and not (v["verdict"] == "allowed" and not denied)]
    status, remedy = _fix_status(f, decided, f.verdict_names)
    return Incident(request=req, denied=denied, decided_by=decided, also_found=also, fix_status=status,
                    remedy=remedy, times=_times(f, req, denied))
