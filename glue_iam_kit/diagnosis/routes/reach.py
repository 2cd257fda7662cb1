"""What one principal may do, as a :class:`~glue_iam_kit.diagnosis.routes.base.Reach`: each answer from the
evaluator over its compiled policies, in its request context (:func:`glue_iam_kit.principals.context
.request_context`, the one builder), cached per (action, resource)."""

from __future__ import annotations

from collections.abc import Callable

from glue_iam_kit.diagnosis.routes.base import RoleTarget
from glue_iam_kit.engine.context import context_value
from glue_iam_kit.engine.evaluator import PolicySet, Request, evaluate_request
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

    def may_pass(self, role: RoleTarget) -> bool:
        if self._passes is not None:
            return self._passes(role.arn)
        context = self.context.with_values(context_value("iam:PassedToService", GLUE_SERVICE), *role_values(role.tags))
        return evaluate_request(self.policies, Request(PASSROLE, role.arn, self.pp.arn, context)).allowed
