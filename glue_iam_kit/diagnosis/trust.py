"""Whether a role's trust policy lets a service assume it, decided by the evaluator: the service is the principal
of ``sts:AssumeRole`` on the role (IAM User Guide, "Creating a role to delegate permissions to an AWS service"),
so wildcards (``sts:Assume*``, ``*``), Deny statements, NotPrincipal and conditions count as IAM counts them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glue_iam_kit.engine.context import RequestContext
from glue_iam_kit.engine.decision import ALLOWED, EXPLICIT_DENY
from glue_iam_kit.engine.evaluator import PolicySet, Request, evaluate_request
from glue_iam_kit.engine.explain import render_trace_text
from glue_iam_kit.engine.policy import PolicySource, parse_policy

ASSUME_ROLE = "sts:AssumeRole"


@dataclass(frozen=True)
class TrustDecision:
    decision: str  # allowed | explicitDeny | implicitDeny
    labels: frozenset[int]  # the 1-based numbers of the deciding statements
    unknown_keys: tuple[str, ...]  # condition keys the service's request would carry but the kit cannot know
    explanation: str


def evaluate_trust(document: dict[str, Any], role_name: str, role_arn: str, service: str,
                   account: str = "", context: RequestContext | None = None) -> TrustDecision:
    """The decision on *service* assuming the role whose trust policy is *document* (*context*: the keys the
    service's request carries, ``aws:SourceAccount`` / ``aws:SourceArn``, when the caller knows them)."""
    policy = parse_policy(document or {"Statement": []}, PolicySource(f"{role_name} trust policy", "trust",
                                                                      "resource", arn=role_arn))
    request = Request(ASSUME_ROLE, role_arn or f"arn:aws:iam::{account}:role/{role_name}", service,
                      context or RequestContext(), resource_owner=account or None)
    d = evaluate_request(PolicySet(resource=policy), request)
    unknown = () if d.decision in (ALLOWED, EXPLICIT_DENY) else tuple(d.missing_context)
    return TrustDecision(d.decision, frozenset(t.index + 1 for t in d.deciding), unknown,
                         render_trace_text(d, marked=True))


__all__ = ["ASSUME_ROLE", "TrustDecision", "evaluate_trust"]
