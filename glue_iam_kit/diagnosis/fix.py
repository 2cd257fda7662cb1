"""The least-privilege fix: iam:PassRole on exactly the role ARN, only to the service; where it goes (the
principal kind decides); the command that applies it; the what-if that shows it grants this and nothing next
to it; and, only with an explicit opt-in, applying it, reading it back and simulating again.
"""

from __future__ import annotations

import json
from typing import Any

from glue_iam_kit.diagnosis.evidence import Evidence
from glue_iam_kit.diagnosis.layers import Layer
from glue_iam_kit.engine.context import context_value
from glue_iam_kit.engine.decision import ALLOWED, Decision
from glue_iam_kit.engine.policy import PolicySource, load_document
from glue_iam_kit.model import PASSROLE
from glue_iam_kit.principals import PolicyRecord

FIX_WHERE_KINDS = ("user", "group", "role")  # what the kit itself can put an inline policy on


def fix_policy_name(service: str) -> str:
    svc = service.split(".", 1)[0]
    return "AllowPassGlueRuntimeRoleToGlue" if svc == "glue" else f"AllowPassRoleTo{svc.capitalize()}"


def fix_policy(role_arn: str, service: str) -> dict[str, Any]:
    """The least-privilege grant: iam:PassRole on exactly *role_arn*, only to *service*."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": fix_policy_name(service), "Effect": "Allow", "Action": PASSROLE, "Resource": role_arn,
        "Condition": {"StringEquals": {"iam:PassedToService": service}}}]}


def proposed_fix_record(role_arn: str, service: str) -> PolicyRecord:
    """The least-privilege grant as an extra identity policy, for a what-if simulation."""
    return PolicyRecord(PolicySource(fix_policy_name(service) + " (proposed)", "proposed"),
                        fix_policy(role_arn, service))


def cli_command(where: tuple[str, str], name: str, doc: dict[str, Any], profile: str = "") -> str:
    """``aws iam put-{user,group,role}-policy`` that applies *doc*."""
    ptype, pname = where
    flag = {"user": "--user-name", "group": "--group-name", "role": "--role-name"}[ptype]
    with_profile = f" --profile {profile}" if profile else ""
    return (f"aws iam put-{ptype}-policy{with_profile} {flag} {pname} --policy-name {name} "
            f"--policy-document '{json.dumps(doc, separators=(',', ':'))}'")


def plan_fix(ev: Evidence, d: Decision) -> tuple[dict[str, Any], list[PolicyRecord], dict[str, Any] | None, str]:
    """(fix, extra identity policies, extra boundary statements, what-if label) for an implicit deny *d*."""
    role_arn = ev.role_arn_or_guess()
    doc = fix_policy(role_arn, ev.service)
    name = fix_policy_name(ev.service)
    pp = ev.principal
    if d.blocked_by == "boundary":
        boundary = pp.boundary.source.name if pp.boundary else ""
        fix = {"where": "boundary", "principal_type": "boundary", "principal": boundary, "policy_name": boundary,
               "policy": doc, "command": "add the statement to the permissions boundary policy (a new policy version)"}
        return fix, [], doc, "what-if: the boundary allows it"
    where = pp.kind.fix_target(pp, ev.entry_point.probe_action)
    fix = {"where": where[0], "principal_type": where[0], "principal": where[1], "policy_name": name,
           "policy": doc, "command": cli_command(where, name, doc, ev.profile)}
    return fix, [proposed_fix_record(role_arn, ev.service)], None, "what-if: with the fix"


def what_if(ev: Evidence, final: Layer, after: Layer, extra: list[PolicyRecord],
            boundary_extra: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The fix grants exactly this, and nothing next to it (simulated with the same fix as *after*)."""
    other_service = "ec2.amazonaws.com" if ev.service != "ec2.amazonaws.com" else "lambda.amazonaws.com"
    other_role = ev.role_arn_or_guess().rsplit("/", 1)[0] + "/some-other-role"
    checks = [("this role, to " + ev.service, final.final, after.final, True)]
    ctx_other = final.context.with_values(context_value("iam:PassedToService", other_service))
    checks.append((f"this role, to {other_service}", None,
                   ev.simulate(ctx_other, extra=extra, boundary_extra=boundary_extra).final, False))
    checks.append(("another role, to " + ev.service, None,
                   ev.simulate(final.context, role_arn=other_role, extra=extra,
                               boundary_extra=boundary_extra).final, False))
    return [{"check": name, "before": before or "", "after": result, "expected": "allowed" if want else "denied",
             "as_expected": (result == ALLOWED) == want} for name, before, result, want in checks]


def apply_fix(ev: Evidence, fix: dict[str, Any], last: Layer) -> dict[str, Any]:
    """Put the fix (inside the target's writable block), read it back, and simulate again."""
    before = last.final
    doc_text = json.dumps(fix["policy"])
    ptype, pname, name = fix["principal_type"], fix["principal"], fix["policy_name"]
    with ev.target.writable():
        ev.target.put_inline_policy(ptype, pname, name, doc_text)
    reader = {"user": ev.target.list_user_inline_policies, "group": ev.target.list_group_inline_policies,
              "role": ev.target.list_role_inline_policies}[ptype]
    read_back = {n: load_document(doc) for n, doc in reader(pname)}.get(name)
    ev.forget_principal()  # read every policy again: the check must see what AWS now holds
    after = ev.simulate(last.context, label="after applying the fix")
    return {"applied": True, "policy_printed": doc_text, "read_back_matches": read_back == fix["policy"],
            "before": before, "after": after.final}
