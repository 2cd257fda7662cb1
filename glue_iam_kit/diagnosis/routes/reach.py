"""What one principal may do, as a :class:`~glue_iam_kit.diagnosis.routes.base.Reach`: each answer from the
evaluator over its compiled policies, in its request context (:func:`glue_iam_kit.principals.context
.request_context`, the one builder), cached per (action, resource)."""

from __future__ import annotations

from collections.abc import Callable

from glue_iam_kit.diagnosis.routes.base import RoleTarget
from glue_iam_kit.engine.context import RequestContext, context_value
from glue_iam_kit.engine.evaluator import PolicySet, Request, evaluate_request
from glue_iam_kit.engine.patterns import STRING, Unresolved, compile_pattern
from glue_iam_kit.model import GLUE_SERVICE, PASSROLE
from glue_iam_kit.principals.base import PrincipalPolicies
from glue_iam_kit.principals.context import request_context, role_values


class PolicyReach:
    """A principal's reach with MFA as *mfa* (``absent``: long-term keys; ``present``: an MFA session), calling
    Glue and S3 in *region* (aws:RequestedRegion: a region guardrail applies to every action of a route)."""

    def __init__(self, pp: PrincipalPolicies, policies: PolicySet, mfa: str = "absent",
                 passes: Callable[[str], bool] | None = None, region: str = "") -> None:
        self.pp, self.policies, self.mfa = pp, policies, mfa
        self.context = request_context(pp, "", mfa,
                                       [context_value("aws:RequestedRegion", region)] if region else [])
        self._may: dict[tuple[str, str], bool] = {}
        self._passes = passes  # already decided (the account's PassRole matrix): role ARN -> may pass

    def may(self, action: str, resource: str) -> bool:
        key = (action, resource)
        found = self._may.get(key)
        if found is None:
            found = self._may[key] = evaluate_request(
                self.policies, Request(action, resource, self.pp.arn, self.context)).allowed
        return found

    def may_new(self, action: str, resource: str) -> bool:
        """*action* on a resource the principal creates (or on one it created): it chooses the new resource's tags,
        so when the plain request is denied, it is asked again with the tags its own Allow statements ask for
        (``aws:RequestTag/owner`` = ``${aws:userid}``, as AWS's AwsGlueSessionUserRestrictedPolicy does), as
        request tags, tag keys and, once created, resource tags."""
        if self.may(action, resource):
            return True
        tagged = self._tagged_context()
        if tagged is None:
            return False
        return evaluate_request(self.policies, Request(action, resource, self.pp.arn, tagged)).allowed

    def _tagged_context(self) -> RequestContext | None:
        if not hasattr(self, "_tagged"):
            tags = requested_tags(self.policies, self.context)
            self._tagged = self.context.with_values(
                *(context_value(f"{prefix}/{k}", v) for k, v in tags.items()
                  for prefix in ("aws:RequestTag", "aws:ResourceTag")),
                context_value("aws:TagKeys", sorted(tags), "stringList")) if tags else None
        return self._tagged

    def may_pass(self, role: RoleTarget) -> bool:
        if self._passes is not None:
            return self._passes(role.arn)
        context = self.context.with_values(context_value("iam:PassedToService", GLUE_SERVICE), *role_values(role.tags))
        return evaluate_request(self.policies, Request(PASSROLE, role.arn, self.pp.arn, context)).allowed


def requested_tags(policies: PolicySet, context: RequestContext) -> dict[str, str]:
    """The tags the Allow statements of *policies* ask a new resource to carry: each ``aws:RequestTag/<key>`` a
    positive String condition tests, with its first value (policy variables resolved in *context*; a wildcard
    taken as empty text)."""
    def lookup(key: str) -> str | None:
        found = context.get(key)
        return found.values[0] if found and found.values else None

    tags: dict[str, str] = {}
    for pol in (*policies.identity, *policies.boundary):
        for st in pol.statements:
            if st.effect != "Allow":
                continue
            for c in st.conditions:
                family = c.op.family
                if (not c.key.lower().startswith("aws:requesttag/") or family is None or c.op.negated
                        or not family.name.startswith("String") or not c.values):
                    continue
                try:
                    value = compile_pattern(c.values[0], STRING).substituted(lookup)
                except Unresolved:
                    continue
                tags.setdefault(c.key.split("/", 1)[1], value.replace("*", "").replace("?", ""))
    return tags
