"""``evidence-disagrees``: the error claims a denial the evidence does not show (or blames another layer), with
the reasons ranked — the layer the error blames could not be read (SCPs from a member account; session
policies, which no API shows; resource, VPC endpoint and resource control policies), a different principal or
session, evidence older than the error, IAM changes still propagating (IAM is eventually consistent: IAM User
Guide, "Troubleshoot IAM" — changes can take time to become visible)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from glue_iam_kit.diagnosis.incident import layer_matches
from glue_iam_kit.engine.decision import EXPLICIT_DENY, IMPLICIT_DENY
from glue_iam_kit.engine.marks import ident
from glue_iam_kit.principals import principal_name

if TYPE_CHECKING:
    from glue_iam_kit.diagnosis.outcome import InvestigationView as Investigation

# Policy types no read-only API of the kit shows for a request (the simulator does not model them either).
_UNREADABLE = {"session": "session policies are passed when a session starts and no API shows them",
               "vpc-endpoint": "VPC endpoint policies are not read by the kit",
               "rcp": "resource control policies are not read by the kit",
               "resource": "the resource-based policy of the resource was not read (the kit reads S3 bucket and KMS "
                           "key policies only, for actions other than iam:PassRole)"}


def evaluate_disagreement(inv: Investigation) -> dict[str, Any] | None:
    """The ``evidence-disagrees`` verdict's details, or None when the evidence agrees with the error."""
    ev = inv.evidence
    e = ev.error
    if e is None or e.kind not in ("explicit", "implicit") or not inv.layers:
        return None
    claimed = EXPLICIT_DENY if e.kind == "explicit" else IMPLICIT_DENY
    blamed = e.policy_type

    def layer_of(layer: Any) -> str:
        d = layer.decision
        return d.blocked_by or (d.deciding[0].source.kind if d.deciding else "")

    # The error came from one request context: it agrees when any simulated layer (long-term keys, MFA
    # satisfied, ...) shows the claimed decision in the blamed layer (the same rule picks the deciding layer).
    for layer in inv.layers:
        if layer_matches(claimed, blamed, layer.final, layer_of(layer)):
            if blamed == "scp" and layer_of(layer) == "scp":
                return None
            arns = {t.source.arn for t in layer.decision.deciding if t.source.arn}
            if e.policy_arn and arns and e.policy_arn not in arns:
                return {"claimed": f"{claimed} by {ident('arn', e.policy_arn)}", "shown": f"{layer.final} by "
                        f"{', '.join(ident('arn', a) for a in sorted(arns))}",
                        "reasons": ["the error names another policy than the one "
                                                                   "that decides here: it may have changed since"]}
            return None
    first = inv.layers[0]
    shown, layer = first.final, layer_of(first)
    reasons: list[str] = []
    if blamed == "scp" and (ev.scp_note or not ev.scp_levels()):
        reasons.append("the error blames a service control policy, and none could be read here"
                       + (f" ({ev.scp_note})" if ev.scp_note else " (a member account or a snapshot without "
                                                                     "ServiceControlPolicies sees none)"))
    resource_read = blamed == "resource" and ev.resource_policy()[1] is not None and not ev.resource_note
    if blamed in _UNREADABLE and not resource_read:
        reasons.append(f"the error blames a {blamed} policy: {_UNREADABLE[blamed]}")
    if e.principal and ev.user != e.principal and principal_name(e.principal)[1] != ev.principal.name:
        reasons.append(f"the error is about {ident('arn', e.principal)}, the investigation about "
                       f"{ident('arn', ev.principal.arn)}")
    elif e.principal_type == "assumed-role":
        reasons.append("the error comes from one role session: its session policy and session tags are unknown")
    reasons.append("the evidence may be newer or older than the error (a snapshot, or a policy changed since)")
    reasons.append("IAM is eventually consistent: a change made just before the error may not have applied yet")
    return {"claimed": f"{claimed} ({blamed})", "shown": f"{shown} ({layer or 'no layer'})", "reasons": reasons}
