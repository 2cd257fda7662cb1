"""Layers of cause: each simulation is a layer; an explicit deny whose restriction the requester can satisfy
(an MFA session, the allowed source network) is satisfied in the next layer, to find what lies underneath.

This is how the seed incident was read: with long-term keys an MFA-enforcement Deny decides; with MFA, the
missing Allow does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from glue_iam_kit.engine.context import RequestContext, context_value
from glue_iam_kit.engine.decision import EXPLICIT_DENY, Decision, StatementTrace
from glue_iam_kit.engine.explain import render_trace_text
from glue_iam_kit.engine.marks import ident

LAYER_COLUMNS = ["layer", "context", "decision", "local_decision", "aws_decision", "blocked_by", "deciding"]
MAX_LAYERS = 5


@dataclass
class Layer:
    """One simulation: its context, the local decision and (where a simulator answered) AWS's."""

    label: str
    context: RequestContext
    decision: Decision
    aws_decision: str | None = None
    aws_note: str = ""

    @property
    def final(self) -> str:
        return self.aws_decision or self.decision.decision


def context_text(ctx: RequestContext) -> str:
    """The request-specific keys of a context (the principal's own keys are left out: they never change)."""
    return ", ".join(f"{v.key}={ident('value', '/'.join(v.values))}" for v in ctx
                     if not v.key.lower().startswith("aws:principal")
                     and v.key.lower() not in ("aws:username", "aws:userid")) or "(none)"


def layer_details(layer: Layer) -> dict[str, Any]:
    """One simulation as data (findings.json)."""
    d = layer.decision
    return {"decision": layer.final, "local_decision": d.decision, "aws_decision": layer.aws_decision,
            "aws_note": layer.aws_note, "blocked_by": d.blocked_by, "context": layer.context.as_entries(),
            "deciding": [{"policy": t.source.name, "policy_type": t.source.policy_type, "kind": t.source.kind,
                          "via_group": t.source.via_group, "statement": t.index + 1, "sid": t.sid}
                         for t in d.deciding],
            "missing_context": list(d.missing_context), "explanation": render_trace_text(d, marked=True)}


def layer_frame(layers: list[Layer]) -> pd.DataFrame:
    """One row per layer, with :data:`LAYER_COLUMNS`."""
    rows = []
    for i, layer in enumerate(layers, start=1):
        d = layer.decision
        rows.append({"layer": i, "context": layer.label or context_text(layer.context),
                     "decision": layer.final, "local_decision": d.decision,
                     "aws_decision": layer.aws_decision or "", "blocked_by": d.blocked_by or "",
                     "deciding": "; ".join(t.marked_label for t in d.deciding)})
    return pd.DataFrame(rows, columns=LAYER_COLUMNS)


USER_MFA_ADVICE = "an MFA session: sign in with MFA, or call sts:GetSessionToken with --serial-number/--token-code"


def restriction(trace: StatementTrace, mfa_advice: str = USER_MFA_ADVICE) -> tuple[str, str]:
    """(restriction, what satisfies it) for a deciding Deny statement; *mfa_advice* is the principal kind's."""
    keys = {cond.key.lower() for cond in trace.statement.conditions}
    kind = trace.source.kind
    if "aws:multifactorauthpresent" in keys:
        return "mfa", mfa_advice
    if "aws:sourceip" in keys:
        return "source-ip", "a request from the allowed source network"
    if kind == "scp":
        return "scp", "an SCP change by the organization's admins (no IAM policy in the account can override it)"
    if kind == "boundary":
        return "boundary", "a change to the permissions boundary (no identity policy can override it)"
    if kind == "resource":
        return "resource", "a change to the resource-based policy"
    return "identity", "removing or narrowing the Deny statement (no Allow can override it)"


def satisfying_ip(deny_conditions: list[Any]) -> str | None:
    """An address that makes a source-IP Deny not apply: inside the ranges a NotIpAddress lists."""
    for cond in deny_conditions:
        if cond.key.lower() == "aws:sourceip" and cond.op.family and cond.op.family.name == "IpAddress" \
                and cond.op.negated:
            net = ipaddress.ip_network(cond.values[0], strict=False)
            return str(next(iter(net.hosts()), net.network_address))
    return None


def satisfied_context(layer: Layer) -> tuple[RequestContext, list[str]]:
    """The context with every deciding restriction satisfied, and what was added; nothing when one cannot be
    satisfied by the requester (an SCP, a boundary, a plain Deny)."""
    context, added = layer.context, []
    for t in layer.decision.deciding:
        kind, _ = restriction(t)
        if kind == "mfa":
            context = context.with_values(context_value("aws:MultiFactorAuthPresent", "true", "boolean"))
            added.append("aws:MultiFactorAuthPresent=true")
        elif kind == "source-ip" and (ip := satisfying_ip(list(t.statement.conditions))):
            context = context.with_values(context_value("aws:SourceIp", ip, "ip"))
            added.append(f"aws:SourceIp={ip}")
        else:
            return layer.context, []
    return context, added


def peel(layers: list[Layer], simulate: Callable[[RequestContext, str], Layer]) -> list[Layer]:
    """Satisfy what can be satisfied, layer after layer, until the decision is no longer an explicit deny."""
    layers = list(layers)
    while len(layers) < MAX_LAYERS and layers[-1].final == EXPLICIT_DENY:
        context, added = satisfied_context(layers[-1])
        if not added:
            break
        layers.append(simulate(context, "with " + ", ".join(added) + " (restriction satisfied)"))
    return layers
