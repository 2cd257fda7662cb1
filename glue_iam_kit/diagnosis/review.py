"""The security review of a PassRole fix: what passing the role gives (issue 22).

``iam:PassRole`` exists to stop a person running code with more permissions than they have. So every proposed
PassRole grant is reviewed before anyone applies it: what the runtime role may do
(:func:`~glue_iam_kit.diagnosis.power.evaluate_power`, its policies, boundary and the account's SCPs), what of
that the principal may not do itself (the gains), whether the role is admin, and by which Glue routes
(:data:`~glue_iam_kit.diagnosis.routes.ROUTES`) the principal could run code as the role once the grant is in.
The verdicts do not change: the review is advice beside the fix (``fix.review`` in findings.json).
"""

from __future__ import annotations

from typing import Any

from glue_iam_kit.diagnosis.evidence import Evidence
from glue_iam_kit.diagnosis.power import Gains, evaluate_admin, evaluate_gains, evaluate_power
from glue_iam_kit.diagnosis.routes import find_routes, glue_may_assume, read_glue_account
from glue_iam_kit.diagnosis.routes.reach import PolicyReach
from glue_iam_kit.diagnosis.scoped_role import scoped_role_alternative
from glue_iam_kit.errors import KitError
from glue_iam_kit.model import GLUE_SERVICE
from glue_iam_kit.principals import PolicyRecord, gather_principal
from glue_iam_kit.principals.context import request_context

REVIEW_KEYS = ("escalation", "admin", "gains", "routes")
GROUPS_CAP = 20  # (service, access level) groups kept in findings.json, riskiest first; gains_groups says how many

ACTION_ITEM = ("Security review: the runtime role {role} may do what the principal may not ({what}). Scope the "
               "runtime role to what the job needs (its own script and temp locations, its catalog resources), "
               "or route this grant through an approval (a change reviewed by security) before applying it.")


def review_fix(ev: Evidence, extra: list[PolicyRecord], layer_extra: dict[str, Any] | None,
               role_arn: str = "") -> dict[str, Any]:
    """The review of the PassRole fix planned for *ev* (*extra* / *layer_extra*: the fix, as plan_fix gives it;
    *role_arn*: another role than the investigated one, as the explorer chooses)."""
    role_arn = role_arn or ev.role_arn_or_guess()
    review: dict[str, Any] = {"role": role_arn, "escalation": False, "admin": False, "admin_reasons": [],
                              "gains_count": 0, "gains": [], "routes": [], "could_not_check": ""}
    region = getattr(ev.target, "region", None) or ""  # where the job runs (aws:RequestedRegion)
    try:
        role = gather_principal(ev.target, role_arn)
        if role.problems:
            raise KitError("; ".join(role.problems))
        power = evaluate_power(role.policy_set(ev.scp_levels()), role.arn, request_context(role, "", "absent"),
                               ev.account, region)
        # The principal at its best (an MFA session): the gains are what even that cannot do.
        principal = ev.principal
        best = request_context(principal, "", "present")
        now = ev.policy_set()  # the principal's policies as they are, compiled once for the gains and the routes
        gains = (Gains() if evaluate_admin(now, principal.arn, best, ev.account) else
                 evaluate_gains(power, now, principal.arn, best, region))
    except KitError as exc:
        review["could_not_check"] = f"what the role may do: {exc}"
        return review
    groups = gains.groups()
    review.update(escalation=bool(gains), admin=power.admin, admin_reasons=list(power.admin_reasons),
                  gains_count=gains.count, gains=groups[:GROUPS_CAP], gains_groups=len(groups),
                  summary=gains.summary())
    try:
        glue = read_glue_account(ev.target, ev.account)
        target = glue.target(role.arn, role_trust(ev.target, role.name), ev.role_tags(role.arn))
        with_fix = ev.policy_set(extra, layer_extra)
        trusted = glue_may_assume(target, glue)  # one trust decision for the four route searches below
        seen: set[str] = set()
        for mfa in ("absent", "present"):
            for name, actions in find_routes(PolicyReach(principal, with_fix, mfa, region=glue.region), target, glue,
                                             trusted):
                if name not in seen:
                    seen.add(name)
                    review["routes"].append({"route": name, "actions": list(actions), "mfa": mfa == "present"})
        # A route open without the fix (the script route, an endpoint's update) is one the grant does not open:
        # the principal can already run code as the role, and the review says so.
        already = {name for mfa in ("absent", "present")
                   for name, _ in find_routes(PolicyReach(principal, now, mfa, region=glue.region), target, glue,
                                              trusted)}
        for route in review["routes"]:
            route["already_open"] = route["route"] in already
        # A narrower alternative: the Glue job's own runtime policy (only when the role is passed to Glue: a role
        # passed to Lambda, ECS... runs that service's code, not the job's).
        glue_pass = ev.service == GLUE_SERVICE
        job = next((j for j in target.jobs if j.get("Name") == ev.job), None) if ev.job and glue_pass else None
        if job is not None and review["escalation"]:
            scoped = scoped_role_alternative(job, role.name, ev.account, glue.region, ev.profile)
            if scoped:
                review["scoped_role"] = scoped
    except KitError as exc:
        review["could_not_check"] = f"the routes: {exc}"
    return review


def analyse_fix(target: Any, fix: dict[str, Any]) -> dict[str, Any]:
    """IAM Access Analyzer's ValidatePolicy on the proposed identity-policy grant (a real account only: the
    target's capability): {"findings": [...], "could_not_check": why} — AWS's own opinion beside the kit's."""
    try:
        return {"findings": target.validate_policy(fix["policy"]), "could_not_check": ""}
    except KitError as exc:
        return {"findings": [], "could_not_check": str(exc)}


def role_trust(target: Any, role_name: str) -> Any:
    """The role's trust policy document (None when it cannot be read)."""
    try:
        return target.get_role(role_name).get("AssumeRolePolicyDocument")
    except KitError:
        return None


def review_action_item(review: dict[str, Any]) -> str:
    """The postmortem's action item for a review that found escalation ("" when none)."""
    if not review or not review.get("escalation"):
        return ""
    what = "it may grant itself anything: admin" if review.get("admin") else \
        f"{review.get('gains_count', 0):,} actions, e.g. {review.get('summary') or ''}"
    item = ACTION_ITEM.format(role=review.get("role", "the role"), what=what)
    open_now = [r["route"] for r in review.get("routes") or [] if r.get("already_open")]
    if open_now:  # the grant is not the only way in: say which is open already
        item += (f" The principal can already run code as the role without this grant (route {', '.join(open_now)}):"
                 " narrow that permission too.")
    return item
