"""The AWS CLI commands that reproduce each step's evidence by hand, with the arguments the step really used: the
write-up's procedure (``sts get-caller-identity``, ``iam list-attached-user-policies``, ``glue get-job``,
``iam simulate-principal-policy --context-entries ...``) as a new engineer types it and a reviewer re-runs it.

Every command is built from data (service, operation, options) and quoted with :func:`shlex.quote`; tests check
each one against botocore's service models (the operation exists, every option is a member of its input).
Read-only: nothing here is ever a mutating command.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterable
from typing import Any

from glue_iam_kit.errors import KitError

# The AWS CLI's global options the kit passes (not members of any operation's input).
GLOBAL_OPTIONS = ("--profile", "--region", "--output", "--query")
# Services whose commands take --region (IAM, STS and Organizations are global).
REGIONAL = frozenset({"glue", "cloudtrail", "s3api", "kms", "sso-admin"})
_SHORTHAND_SAFE = re.compile(r"^[\w.:/@*+-]+$")
# The options whose value is one name of a kind (glue_iam_kit.engine.marks.KINDS): the anonymiser replaces
# them by type (reports/bundle.py) and the notebook's page marks them (reports/marked_code.py).
OPTION_KINDS = {"--user-name": "user", "--group-name": "group", "--role-name": "role", "--job-name": "job",
                "--policy-name": "policy", "--name": "job", "--id": "job", "--endpoint-name": "job",
                "--bucket": "bucket", "--key-id": "kms-key", "--target-id": "account", "--profile": "profile"}

Options = Iterable[tuple[str, str | None]]


def render_command(service: str, operation: str, options: Options = (), *, profile: str = "",
                   region: str = "") -> str:
    """``aws SERVICE OPERATION --option value ...`` on one line, each value shell-quoted; an option whose value
    is None is dropped; ``--profile`` always, ``--region`` for regional services, when given."""
    words = ["aws", service, operation]
    for option, value in options:
        if value is not None:
            words += [option, value]
    if region and service in REGIONAL:
        words += ["--region", region]
    if profile:
        words += ["--profile", profile]
    return " ".join(shlex.quote(w) for w in words)


def render_context_entries(entries: list[dict[str, Any]]) -> list[str]:
    """``--context-entries`` values: the CLI's shorthand (as the write-up types it) when every value is plain,
    else one JSON list (a value with a comma, a space or quotes has no shorthand)."""
    plain = all(_SHORTHAND_SAFE.match(v) for e in entries for v in e["ContextKeyValues"])
    if plain:
        return [f"ContextKeyName={e['ContextKeyName']},ContextKeyValues={','.join(e['ContextKeyValues'])},"
                f"ContextKeyType={e['ContextKeyType']}" for e in entries]
    return [json.dumps(entries, separators=(",", ":"))]


def render_simulate_command(principal_arn: str, action: str, resource: str, context: Any, *, profile: str = "",
                            policy_inputs: Iterable[dict[str, Any]] = (),
                            resource_policy: dict[str, Any] | None = None) -> str:
    """``aws iam simulate-principal-policy`` with the request's context entries exactly (a key the request lacks,
    such as ``aws:MultiFactorAuthPresent`` for long-term keys, is absent here too)."""
    words = ["aws", "iam", "simulate-principal-policy", "--policy-source-arn", principal_arn, "--action-names",
             action, "--resource-arns", resource]
    entries = context.as_entries()
    if entries:
        words += ["--context-entries", *render_context_entries(entries)]
    inputs = [json.dumps(p, separators=(",", ":")) for p in policy_inputs]
    if inputs:
        words += ["--policy-input-list", *inputs]
    if resource_policy is not None:
        words += ["--resource-policy", json.dumps(resource_policy, separators=(",", ":"))]
    if profile:
        words += ["--profile", profile]
    return " ".join(shlex.quote(w) for w in words)


# -- one builder per step: (investigation, finding) -> commands ------------------------------------------------
def _cli(inv: Any) -> Callable[..., str]:
    ev = inv.evidence
    region = getattr(ev.target, "region", None) or ""

    def cli(service: str, operation: str, *options: tuple[str, str | None]) -> str:
        return render_command(service, operation, options, profile=ev.profile, region=region)

    return cli


def _policy_reads(cli: Callable[..., str], entity: str, name: str, records: Iterable[Any]) -> list[str]:
    """list-attached-*/list-*-policies for *entity*, get-*-policy per inline policy, get-policy per managed."""
    out = [cli("iam", f"list-attached-{entity}-policies", (f"--{entity}-name", name)),
           cli("iam", f"list-{entity}-policies", (f"--{entity}-name", name))]
    for r in records:
        if r.source.attachment == "managed" and r.source.arn:
            out.append(cli("iam", "get-policy", ("--policy-arn", r.source.arn)))
        elif r.source.attachment != "managed":
            out.append(cli("iam", f"get-{entity}-policy", (f"--{entity}-name", name), ("--policy-name", r.source.name)))
    return out


def failure(inv: Any, finding: Any) -> list[str]:
    ev = inv.evidence
    if ev.event is None:
        return []
    return [_cli(inv)("cloudtrail", "lookup-events",
                      ("--lookup-attributes", f"AttributeKey=EventId,AttributeValue={ev.event.event_id}"))]


def account(inv: Any, finding: Any) -> list[str]:
    return [_cli(inv)("sts", "get-caller-identity")]


def principal_policies(inv: Any, finding: Any) -> list[str]:
    pp, cli = inv.evidence.principal, _cli(inv)
    own = [r for r in pp.records if r.source.via_group is None]
    if pp.kind.has_groups:
        return _policy_reads(cli, "user", pp.name, own)
    out = [cli("iam", "get-role", ("--role-name", pp.name)), *_policy_reads(cli, "role", pp.name, own)]
    if pp.principal_type == "identity-center":
        out.append(cli("sso-admin", "list-instances"))
    return out


def groups(inv: Any, finding: Any) -> list[str]:
    pp, cli = inv.evidence.principal, _cli(inv)
    if not pp.kind.has_groups:
        return []
    out = [cli("iam", "list-groups-for-user", ("--user-name", pp.name))]
    for g in pp.groups:
        name = g["GroupName"]
        out += _policy_reads(cli, "group", name, [r for r in pp.records if r.source.via_group == name])
    return out


def trust(inv: Any, finding: Any) -> list[str]:
    ev = inv.evidence
    return [_cli(inv)("iam", "get-role", ("--role-name", ev.role_name))] if ev.is_passrole and ev.role else []


# How each Glue resource is read: the get-* command and its name option (ML transforms are found by name).
_GLUE_READS = {"job": ("get-job", "--job-name"), "crawler": ("get-crawler", "--name"),
               "session": ("get-session", "--id"), "dev-endpoint": ("get-dev-endpoint", "--endpoint-name"),
               "ml-transform": ("get-ml-transforms", "--filter")}


def resource_role(inv: Any, finding: Any) -> list[str]:
    ev = inv.evidence
    if not ev.is_passrole or not ev.job:
        return []
    operation, option = _GLUE_READS[ev.entry_point.name]
    value = f"Name={ev.job}" if option == "--filter" else ev.job
    return [_cli(inv)("glue", operation, (option, value))]


def _simulation(inv: Any, layer: Any, policy_inputs: Iterable[dict[str, Any]] = ()) -> str:
    ev = inv.evidence
    d = layer.decision
    policy, _ = ev.resource_policy()
    return render_simulate_command(ev.principal.arn, d.action, d.resource, layer.context, profile=ev.profile,
                                   policy_inputs=policy_inputs,
                                   resource_policy=policy.document if policy is not None else None)


def _around_simulation(inv: Any) -> list[str]:
    """What decides beside the identity policies: the SCPs and a resource policy, where the step read them."""
    ev, cli = inv.evidence, _cli(inv)
    out = []
    if ev.scp_levels():
        out.append(cli("organizations", "list-policies-for-target", ("--target-id", ev.account),
                       ("--filter", "SERVICE_CONTROL_POLICY")))
    _, ref = ev.resource_policy()
    if ref is not None and ref.kind == "s3-bucket":
        out.append(cli("s3api", "get-bucket-policy", ("--bucket", ref.name)))
    elif ref is not None and ref.kind == "kms-key":
        out.append(cli("kms", "get-key-policy", ("--key-id", ref.name), ("--policy-name", "default")))
    return out


def simulate(inv: Any, finding: Any) -> list[str]:
    layers = inv.layers[:1]
    return [*_around_simulation(inv), *(_simulation(inv, layer) for layer in layers)]


def explicit_deny(inv: Any, finding: Any) -> list[str]:
    layers = inv.layers
    return [_simulation(inv, layer) for layer in layers[1:]] if len(layers) > 1 else []


def implicit_deny(inv: Any, finding: Any) -> list[str]:
    fix = inv.fix or {}
    if not inv.layers or not fix.get("policy") or fix.get("where") not in ("user", "group", "role",
                                                                           "permission-set"):
        return []
    out = [_simulation(inv, inv.layers[-1], [fix["policy"]])]  # the what-if: the fix as an extra policy
    if fix["where"] == "permission-set":
        out.insert(0, _cli(inv)("sso-admin", "list-instances"))
    return out


def verify(inv: Any, finding: Any) -> list[str]:
    """Read the fix back and simulate again without it (it is in the account then): the write-up's last step."""
    fix = inv.fix or {}
    if not inv.layers or not fix.get("policy") or fix.get("where") not in ("user", "group", "role"):
        return []
    entity = fix["where"]
    read_back = _cli(inv)("iam", f"get-{entity}-policy", (f"--{entity}-name", fix["principal"]),
                          ("--policy-name", fix["policy_name"]))
    return [read_back, _simulation(inv, inv.layers[-1])]


def grade(inv: Any, finding: Any) -> list[str]:
    """Once the prediction is graded: every command of the procedure, in order."""
    return [c for f in sorted(inv.findings, key=lambda f: f.step) if f.key not in ("grade", "prediction")
            for c in f.reproduce]


REPRODUCE: dict[str, Callable[[Any, Any], list[str]]] = {
    "failure": failure, "account": account, "user-policies": principal_policies, "groups": groups, "trust": trust,
    "job": resource_role, "simulate": simulate, "explicit-deny": explicit_deny, "implicit-deny": implicit_deny,
    "verify": verify, "grade": grade,
}


def reproduce_step(inv: Any, finding: Any) -> list[str]:
    """The commands of *finding*'s step (none for a step that reads nothing: the verdict, the prediction)."""
    build = REPRODUCE.get(finding.key)
    if build is None:
        return []
    try:
        return build(inv, finding)
    except KitError:  # a step that could not read its evidence has no command to show
        return []


__all__ = ["GLOBAL_OPTIONS", "REPRODUCE", "render_command", "render_context_entries", "render_simulate_command",
           "reproduce_step"]
