"""The least-privilege fix: iam:PassRole on exactly the role ARN, only to the service (or, for another denied
action, that action on exactly the resource in the error); where it goes (the principal kind decides, a KMS key
policy when only it can grant); the command that applies it; the what-if that shows it grants this and nothing
next to it; and, only with an explicit opt-in, applying it, reading it back and simulating again.
"""

from __future__ import annotations

import json
from typing import Any

from glue_iam_kit.diagnosis.evidence import Evidence
from glue_iam_kit.diagnosis.fix_forms import render_forms, render_tag_command
from glue_iam_kit.diagnosis.layers import Layer
from glue_iam_kit.engine.context import RequestContext, context_value
from glue_iam_kit.engine.decision import ALLOWED, Decision
from glue_iam_kit.engine.marks import ident  # i20b: identifiers in the fix's text are marked for the anonymiser
from glue_iam_kit.engine.patterns import STRING, Unresolved, compile_pattern
from glue_iam_kit.engine.policy import PolicySource, as_list, load_document
from glue_iam_kit.model import PASSROLE
from glue_iam_kit.principals import PolicyRecord
from glue_iam_kit.principals.base import managed_type, marked_owner
from glue_iam_kit.principals.context import RESOURCE_TAG_PREFIXES

FIX_WHERE_KINDS = ("user", "group", "role")  # what the kit itself can put an inline policy on


def fix_policy_name(service: str) -> str:
    svc = service.split(".", 1)[0]
    return "AllowPassGlueRuntimeRoleToGlue" if svc == "glue" else f"AllowPassRoleTo{svc.capitalize()}"


def fix_policy(role_arn: str, service: str) -> dict[str, Any]:
    """The least-privilege grant: iam:PassRole on exactly *role_arn*, only to *service*."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": fix_policy_name(service), "Effect": "Allow", "Action": PASSROLE, "Resource": role_arn,
        "Condition": {"StringEquals": {"iam:PassedToService": service}}}]}


def grant_name(ev: Evidence) -> str:
    """The fix's policy name: AllowPassGlueRuntimeRoleToGlue, or Allow<Service><Action> (AllowS3GetObject)."""
    if ev.is_passrole:
        return fix_policy_name(ev.service)
    service, action = ev.action.split(":", 1)
    return "Allow" + service.capitalize() + "".join(c for c in action[:1].upper() + action[1:] if c.isalnum())


def grant_policy(ev: Evidence) -> dict[str, Any]:
    """The least-privilege grant for the denied request: PassRole's, or the action on exactly its resource."""
    if ev.is_passrole:
        return fix_policy(ev.role_arn_or_guess(), ev.service)
    return {"Version": "2012-10-17", "Statement": [{"Sid": grant_name(ev), "Effect": "Allow", "Action": ev.action,
                                                    "Resource": ev.action_resource}]}


def proposed_fix_record(name: str, doc: dict[str, Any]) -> PolicyRecord:
    """The least-privilege grant as an extra identity policy, for a what-if simulation."""
    return PolicyRecord(PolicySource(name + " (proposed)", "proposed"), doc)


def fix_record(where: str, principal: str, name: str, statement: dict[str, Any], ev: Evidence,
               base: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """The fix as data: ``policy`` is the whole document the command and every form put (*base* with the
    grant's statements added, where the call replaces a whole document), ``statement`` the statements added.
    Its forms are rendered from it (:func:`render_fix`), here with the real values, in the reports with the
    anonymised ones."""
    fix: dict[str, Any] = {"where": where, "principal_type": where, "principal": principal, "policy_name": name,
                           "policy": merge_statements(base, statement),
                           "statement": as_list(statement["Statement"]), **extra}
    if ev.profile:
        fix["profile"] = ev.profile
    return fix


def render_fix(fix: dict[str, Any]) -> dict[str, Any]:
    """*fix* with its forms (and ``command``, the CLI form) rendered from its own values."""
    forms = render_forms(fix) if not fix.get("refused") else {"cli": "", "cloudformation": "", "terraform": ""}
    return {**fix, "forms": forms, "command": forms["cli"]}


def _key_policy_fix(ev: Evidence, name: str) -> tuple[dict[str, Any], list[PolicyRecord], dict[str, Any], str]:
    """A KMS key policy that neither grants the principal nor delegates to its account: only the key policy can
    grant (AWS KMS Developer Guide, "Key policies in AWS KMS"), so the statement goes there, naming the role
    (never a session) and the action; put-key-policy replaces the whole policy, so the document is merged."""
    policy, ref = ev.resource_policy()
    assert ref is not None
    doc = {"Version": "2012-10-17", "Statement": [{"Sid": name, "Effect": "Allow",
                                                   "Principal": {"AWS": ev.principal.arn}, "Action": ev.action,
                                                   "Resource": "*"}]}
    fix = fix_record("key-policy", ref.arn, name, doc, ev, policy.document if policy else None,
                     note=f"only the key policy can let {ident('principal', ev.principal.name)} use key "
                          f"{ident('kms-key', ref.name)}: add the statement "
                          "to it (put-key-policy replaces the whole policy: the command carries it merged)")
    return render_fix(fix), [], {"resource": doc}, "what-if: the key policy grants it"


def merge_statements(base: dict[str, Any] | None, doc: dict[str, Any]) -> dict[str, Any]:
    """*base* with *doc*'s statements added (for calls that replace a whole document)."""
    if not base:
        return json.loads(json.dumps(doc))
    merged = json.loads(json.dumps(base))
    merged["Statement"] = as_list(merged.get("Statement")) + as_list(doc["Statement"])
    return merged


def _boundary_fix(ev: Evidence, doc: dict[str, Any]) -> dict[str, Any]:
    pp = ev.principal
    b = pp.boundary
    boundary, arn = (b.source.name, b.source.arn or b.source.name) if b else ("", "")
    extra: dict[str, Any] = {"note": "the boundary caps every grant: add the statement to it (a new default version)"}
    if managed_type(arn) == "aws-managed":
        # Only AWS changes an AWS managed policy (IAM User Guide, "Managed policies and inline policies"):
        # a customer managed copy with the statement becomes the boundary instead.
        boundary = f"{boundary}WithPassRole"
        arn = f"arn:aws:iam::{pp.account}:policy/{boundary}"
        extra = {"boundary_of": {"kind": "user" if pp.kind.has_groups else "role", "name": pp.name},
                 "note": "the boundary is an AWS managed policy, which only AWS can change: create "
                         f"{ident('policy', boundary)} (its statements and the grant) and make it the permissions "
                         "boundary"}
        if not pp.kind.changeable:  # AWS refuses put-role-permissions-boundary on these (IAM API Reference,
            # PutRolePermissionsBoundary: "You cannot set the boundary for a service-linked role"; Identity Center
            # roles: UnmodifiableEntity, their boundary is the permission set's)
            extra.update(note=pp.kind.why_unchangeable, refused=pp.kind.why_unchangeable)
    return fix_record("boundary", boundary, boundary, doc, ev, b.document if b else None, policy_arn=arn, **extra)


def plan_fix(ev: Evidence, d: Decision) -> tuple[dict[str, Any], list[PolicyRecord], dict[str, Any] | None, str]:
    """(fix, extra identity policies, extra boundary statements, what-if label) for an implicit deny *d*."""
    doc = grant_policy(ev)
    name = grant_name(ev)
    pp = ev.principal
    if d.blocked_by == "resource" and ev.resource_policy()[1] is not None:
        return _key_policy_fix(ev, name)
    if d.blocked_by == "boundary":
        return render_fix(_boundary_fix(ev, doc)), [], {"boundary": doc}, "what-if: the boundary allows it"
    where = pp.kind.fix_target(pp, ev.entry_point.probe_action if ev.is_passrole else ev.action)
    if where[0] == "permission-set":
        sso = ev.permission_set(where[1])
        fix = fix_record("permission-set", where[1], name, doc, ev, sso.get("inline_policy"),
                         sso={k: sso[k] for k in ("instance_arn", "permission_set_arn", "account") if sso.get(k)})
        fix["note"] = ("AWS refuses changes to Identity Center roles: the grant goes on permission set "
                       f"{ident('permission-set', where[1])}, where Identity Center is administered; "
                       "put-inline-policy-to-permission-set "
                       "replaces the whole inline policy, so the document is the existing one with the grant added"
                       + (f" ({sso['problem']})" if sso.get("problem") else ""))
    elif not pp.kind.changeable:
        fix = fix_record(where[0], where[1], name, doc, ev, note=pp.kind.why_unchangeable,
                         refused=pp.kind.why_unchangeable)
    else:
        fix = fix_record(where[0], where[1], name, doc, ev)
        owner = pp.managed_by if where[0] != "group" else ""  # IAM groups cannot be tagged
        if owner:
            fix["managed_by"] = owner
            fix["note"] = (f"{where[0]} {ident('principal', where[1])} is managed by {marked_owner(owner)}: "
                           "change the template (the CloudFormation "
                           "form), not the account; a direct put-*-policy would drift from the stack")
    return render_fix(fix), [proposed_fix_record(name, doc)], None, "what-if: with the fix"


def tag_alternatives(ev: Evidence, d: Decision, context: RequestContext) -> list[dict[str, Any]]:
    """When the nearest allow is a tag-based grant (ABAC) that missed only on the passed role's tags: the tag
    change that keeps the design (tag the role as the grant expects), instead of a grant for this one role."""
    if not ev.is_passrole:
        return []
    role_name = ev.role_arn_or_guess().rsplit("/", 1)[-1]
    for t in d.nearest_allows[:1]:
        failed = [c for c in t.conditions if not c.matched]
        if not failed or not all(c.key.lower().startswith(RESOURCE_TAG_PREFIXES) for c in failed):
            continue
        tags: dict[str, str] = {}
        for c in failed:
            if not c.operator.startswith("String") or "Not" in c.operator or not c.policy_values:
                return []
            try:
                value = compile_pattern(c.policy_values[0], STRING).substituted(context.single)
            except Unresolved:
                return []
            if "*" in value or "?" in value:
                return []
            tags[c.key.split("/", 1)[1]] = value
        alt = {"kind": "tag-the-role", "keeps_design": True, "role": role_name, "tags": tags}
        return [{**alt, "command": render_tag_command(alt),
                 "why": f"{t.marked_label} grants iam:PassRole by tag (attribute-based): tagging the role as it "
                        "expects keeps that design; a grant naming this one role would bypass it"}]
    return []


def refusal(fix: dict[str, Any]) -> str:
    """Why the kit will not apply *fix* itself (and what to do instead), or "" when it may."""
    command = (fix.get("forms") or {}).get("cli") or fix.get("command") or ""
    if fix.get("refused"):
        return f"not applied: {fix['refused']}"
    if fix["where"] not in FIX_WHERE_KINDS:
        return (f"not applied: the kit does not change a {fix['where']}; apply it by hand"
                + (f": {command}" if command else ""))
    if fix.get("managed_by"):
        return (f"not applied: {fix['where']} {ident('principal', fix['principal'])} is managed by "
                f"{marked_owner(fix['managed_by'])}; change the "
                "template (the CloudFormation form in the report) and deploy it, or the stack drifts")
    return ""


def what_if(ev: Evidence, final: Layer, after: Layer, extra: list[PolicyRecord],
            layer_extra: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The fix grants exactly this, and nothing next to it (simulated with the same fix as *after*)."""
    if not ev.is_passrole:
        return _action_what_if(ev, final, after, extra, layer_extra)
    other_service = "ec2.amazonaws.com" if ev.service != "ec2.amazonaws.com" else "lambda.amazonaws.com"
    other_role = ev.role_arn_or_guess().rsplit("/", 1)[0] + "/some-other-role"
    checks = [("this role, to " + ev.service, final.final, after.final, True)]
    ctx_other = final.context.with_values(context_value("iam:PassedToService", other_service))
    checks.append(_neighbour(f"this role, to {other_service}", ev, extra, layer_extra, context=ctx_other))
    checks.append(_neighbour("another role, to " + ev.service, ev, extra, layer_extra, context=final.context,
                             role_arn=other_role))
    return _rows(checks)


def _neighbour(name: str, ev: Evidence, extra: list[PolicyRecord], layer_extra: dict[str, Any] | None,
               **request: Any) -> tuple[str, str | None, str, bool]:
    """A request next to the fix: denied with it, or already allowed without it (an existing grant, e.g. PassRole
    to EC2 and Lambda, is not the fix's doing: the fix must only not widen it)."""
    after = ev.simulate(extra=extra, layer_extra=layer_extra, **request).final
    if after != ALLOWED:
        return name, None, after, False
    before = ev.simulate(**request).final  # without the fix (neither its statement nor its layer edit)
    return name, before, after, before == ALLOWED


# Another action of the same service, to show the grant is that action only.
_NEIGHBOUR_ACTIONS = {"s3": "s3:DeleteObject", "kms": "kms:ScheduleKeyDeletion", "glue": "glue:DeleteJob",
                      "dynamodb": "dynamodb:DeleteTable", "secretsmanager": "secretsmanager:DeleteSecret"}


def _action_what_if(ev: Evidence, final: Layer, after: Layer, extra: list[PolicyRecord],
                    layer_extra: dict[str, Any] | None) -> list[dict[str, Any]]:
    service = ev.action.split(":", 1)[0].lower()
    other_action = _NEIGHBOUR_ACTIONS.get(service, f"{service}:DeleteEverything")
    if other_action.lower() == ev.action.lower():
        other_action = f"{service}:PutObject" if service == "s3" else f"{service}:TagResource"
    checks = [(f"{ev.action} on this resource", final.final, after.final, True),
              _neighbour(f"{other_action} on this resource", ev, extra, layer_extra, context=final.context,
                         action=other_action)]
    if not (layer_extra and "resource" in layer_extra):  # a key policy statement is for its one key already
        other = ev.action_resource.rstrip("/") + "-other"
        checks.append(_neighbour(f"{ev.action} on another resource", ev, extra, layer_extra,
                                 context=final.context, role_arn=other))
    return _rows(checks)


def _rows(checks: list[tuple[str, str | None, str, bool]]) -> list[dict[str, Any]]:
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
