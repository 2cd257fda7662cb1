"""IAM users: their own policies, their groups' policies, a boundary; long-term access keys and MFA."""

from __future__ import annotations

from typing import Any

from glue_iam_kit.engine.context import ContextValue, RequestContext, context_value
from glue_iam_kit.engine.evaluator import PolicySet, Request, evaluate_request
from glue_iam_kit.engine.policy import PolicySource
from glue_iam_kit.errors import PolicyError
from glue_iam_kit.principals.base import (
    PolicyRecord,
    PrincipalPolicies,
    attempt,
    read_boundary,
    read_managed,
    tag_map,
)


def gather_user(target: Any, user: str) -> PrincipalPolicies:
    """A user's own and its groups' policies, and its boundary. Raises NotFoundError for an unknown user."""
    u = target.get_user(user)
    pp = PrincipalPolicies("user", u["UserName"], u["Arn"], u.get("UserId", ""), tag_map(u), u.get("Path", "/"))
    p = pp.problems
    pp.records += attempt(p, "list the user's attached policies", lambda: read_managed(
        target, target.list_attached_user_policies(user), None, p))
    pp.records += attempt(p, "list the user's inline policies", lambda: [
        PolicyRecord(PolicySource(n, "user"), doc) for n, doc in target.list_user_inline_policies(user)])
    pp.groups = attempt(p, "list the user's groups", lambda: target.list_groups_for_user(user))
    for gname in [g["GroupName"] for g in pp.groups]:
        pp.records += attempt(p, f"list group {gname}'s attached policies", lambda g=gname: read_managed(
            target, target.list_attached_group_policies(g), g, p))
        pp.records += attempt(p, f"list group {gname}'s inline policies", lambda g=gname: [
            PolicyRecord(PolicySource(n, "group", via_group=g), doc)
            for n, doc in target.list_group_inline_policies(g)])
    pp.boundary = read_boundary(target, u, p)
    return pp


class UserKind:
    name = "user"
    noun = "user"
    arn_types = ("user",)
    has_groups = True
    scp_exempt = False
    changeable = True
    why_unchangeable = ""
    aws_principal_type = "User"
    mfa_advice = "an MFA session: sign in with MFA, or call sts:GetSessionToken with --serial-number/--token-code"

    def gather(self, target: Any, name: str) -> PrincipalPolicies:
        return gather_user(target, name)

    def context_values(self, pp: PrincipalPolicies) -> list[ContextValue]:
        # An IAM user's requests carry its name and its unique id (AIDA...) as aws:userid.
        values = [context_value("aws:username", pp.name)]
        if pp.unique_id:
            values.append(context_value("aws:userid", pp.unique_id))
        return values

    def fix_target(self, pp: PrincipalPolicies, probe_action: str) -> tuple[str, str]:
        """The group that already grants the Glue call (*probe_action*), else the user itself."""
        probe = Request(probe_action, "*", pp.arn, RequestContext())
        for g in pp.groups:
            records = [r for r in pp.records if r.source.via_group == g["GroupName"]]
            try:
                d = evaluate_request(PolicySet(identity=tuple(r.compile() for r in records)), probe)
            except PolicyError:
                continue
            if d.allowed:
                return "group", g["GroupName"]
        return "user", pp.name


KIND = UserKind()
