"""The evidence of one investigation: its inputs, and everything read for it, each read once.

Reads go through the target's capabilities (:mod:`glue_iam_kit.sources.base`); a simulation is decided by the
local evaluator and, where the target has AWS's simulator, by AWS too (AWS is then the authority and the local
evaluator explains). Nothing here writes.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pandas as pd

from glue_iam_kit.diagnosis.errortext import (
    AccessDenied,
    ErrorTextError,
    NamedResource,
    named_resource,
    parse_error_text,
)
from glue_iam_kit.diagnosis.layers import Layer
from glue_iam_kit.diagnosis.resource_policy import ResourcePolicyRef, resource_policy_ref
from glue_iam_kit.engine.context import RequestContext, context_value
from glue_iam_kit.engine.evaluator import PolicySet, Request, evaluate_request
from glue_iam_kit.engine.policy import Policy, PolicySource, as_list, parse_policy
from glue_iam_kit.entrypoints import ENTRY_POINTS, EntryPoint, entry_point_for
from glue_iam_kit.errors import CouldNotCheck, KitError, NotFoundError
from glue_iam_kit.model import GLUE_SERVICE, PASSROLE
from glue_iam_kit.principals import PolicyRecord, PrincipalPolicies, gather_principal, gather_scps
from glue_iam_kit.principals.base import tag_map
from glue_iam_kit.principals.context import request_context, role_values
from glue_iam_kit.sources.base import IDENTITY_CENTER_READER, RESOURCE_POLICY_READER, SIMULATOR, can
from glue_iam_kit.sources.service_models import passed_to_service


class Evidence:
    """Who was denied passing which role to what, and what the target says about them."""

    def __init__(self, target: Any, *, user: str, job: str = "", role: str = "", service: str = GLUE_SERVICE,
                 error_text: str = "", profile: str = "", entry_point: str = "", resource: str = "",
                 defaults: dict[str, str] | None = None, event: Any = None) -> None:
        self.target = target
        self.service = service or GLUE_SERVICE
        self.profile = profile
        self.error_text = error_text
        self.event = event  # a CloudTrail DeniedEvent: the real request context of the failure
        self.error: AccessDenied | None = None
        self.error_problem = ""
        if error_text.strip():
            try:
                self.error = parse_error_text(error_text)
            except ErrorTextError as exc:
                self.error_problem = str(exc)
        e, defaults = self.error, defaults or {}
        operation = (e.operation if e else "") or getattr(event, "operation", "")  # the error's, else the event's
        # Given names first, then what the error names, then the target's defaults (a sandbox scenario's).
        self.user = user or (e.principal if e else "") or defaults.get("user", "")
        self.named, self.entry_point, self.job, self.resource_source = _glue_resource(e, operation, entry_point,
                                                                                      job, resource)
        self.creating = bool(e and e.operation[:1].upper() + e.operation[1:] in self.entry_point.create_operations)
        # The action denied: iam:PassRole, unless the error names another one (the runtime role's s3:GetObject):
        # that one is investigated for its own resource, and the PassRole-only steps say so.
        self.action = e.action if e and e.action and e.action.lower() != PASSROLE.lower() else PASSROLE
        self.action_resource = e.resource if self.action != PASSROLE else ""
        passed = e.resource if e and e.role_name and self.is_passrole else ""
        self.service, self.glue_call = _passed_to(operation, e, self.service, self.is_passrole)
        self.role = role or passed or (defaults.get("role", "") if self.is_passrole else "")
        # The failure's account: the error's, else a given user or role ARN's (not its namesake in this account).
        self.expected_account = e.account if e else named_account(user, role)
        self.role_arn = ""  # the role's real ARN, once read
        self.role_missing = False
        self._role_frame: pd.DataFrame | KitError | None = None
        self.job_frame: pd.DataFrame | None = None
        self.caller: dict[str, str] | None = None
        self._pp: PrincipalPolicies | None = None
        self._scps: list[list[PolicyRecord]] | None = None
        self._role_tags: dict[str, dict[str, str]] = {}  # role ARN -> its tags (iam:ResourceTag/*)
        self._permission_sets: dict[str, dict[str, Any]] = {}
        self.scp_note = ""
        self.resource_note = ""
        self._resource_policy: tuple[Policy | None, ResourcePolicyRef | None] | None = None
        if not self.user and self.error_problem:  # never swallow why the error text could not be read
            raise KitError(f"could not read the error text: {self.error_problem}; pass --user (and --role) to "
                           "investigate anyway")
        if not self.user:
            raise KitError("no user to investigate: pass user=..., or error_text with the AccessDenied message")

    @property
    def is_passrole(self) -> bool:
        return self.action == PASSROLE

    # -- the principal ------------------------------------------------------------------------------------
    @property
    def principal(self) -> PrincipalPolicies:
        if self._pp is None:
            self._pp = gather_principal(self.target, self.user)
        return self._pp

    def forget_principal(self) -> None:
        """Read every policy again on next use (after a fix was applied: check what AWS now holds)."""
        self._pp = None

    def principal_noun(self) -> str:
        """How to call the principal ("user", "role", ...); "principal" until it can be read."""
        try:
            return self.principal.kind.noun
        except KitError:
            return "principal"

    @property
    def account(self) -> str:
        try:
            return self.principal.account
        except KitError:
            return self.expected_account

    # -- the role and the resource that uses it -----------------------------------------------------------
    def read_role(self) -> pd.DataFrame:
        """The role's trust-policy frame (:func:`~glue_iam_kit.collectors.fetch_role`), read once; its real ARN
        and tags are remembered. When it cannot be read, the same KitError (NotFoundError: no such role) on
        each call."""
        if self._role_frame is None:
            from glue_iam_kit.collectors import fetch_role

            try:
                frame = fetch_role(self.target, self.role)
            except KitError as exc:  # kept: a role that cannot be read is asked about once
                self._role_frame, self.role_missing = exc, isinstance(exc, NotFoundError)
                self.remember_role_tags(self.role_arn_or_guess(), {})
            else:
                self._role_frame = frame
                self.role_arn = frame.loc[0, "role_arn"] if not frame.empty else self.role_arn_or_guess()
                self.remember_role_tags(self.role_arn, frame.attrs.get("tags", {}))
        if isinstance(self._role_frame, KitError):
            raise self._role_frame
        return self._role_frame

    def role_arn_or_guess(self) -> str:
        """The role's ARN: as read (reading it now, when it can be), as given, or built from its name in the
        principal's account."""
        if not self.role_arn and self.role and self._role_frame is None:
            try:
                self.read_role()
            except KitError:
                pass
        if self.role_arn:
            return self.role_arn
        if self.role.startswith("arn:"):
            return self.role
        return f"arn:aws:iam::{self.account}:role/{self.role}"

    @property
    def role_name(self) -> str:
        return self.role.rsplit("/", 1)[-1] if self.role else ""

    @property
    def resource_noun(self) -> str:
        """The resource without "Glue": job, crawler, interactive session, ..."""
        return self.entry_point.noun.removeprefix("Glue ")

    def read_resource(self) -> pd.DataFrame:
        """The Glue resource's frame (read once)."""
        if self.job_frame is None:
            self.job_frame = self.entry_point.fetch(self.target, self.job)
        return self.job_frame

    def resolve_role_from_resource(self) -> None:
        """No role given: take the one the Glue resource uses (when it can be read)."""
        self.job, self.resource_source = resource_from_target(self)  # no name given: the one the evidence names
        if self.job and not self.role:
            try:
                frame = self.read_resource()
                self.role = frame.loc[0, "role_arn"] or frame.loc[0, "role_as_stored"]
            except KitError:
                pass

    # -- the policies and the simulation ------------------------------------------------------------------
    def scp_levels(self) -> list[list[PolicyRecord]]:
        if self._scps is None:
            try:
                self._scps = gather_scps(self.target)
            except CouldNotCheck as exc:
                self._scps, self.scp_note = [], f"SCPs could not be read ({exc}); evaluated without them"
        return self._scps

    def base_context(self) -> RequestContext:
        """The requester's real context: the CloudTrail event's (MFA as it records it, the source IP), else a
        call with long-term keys (no aws:MultiFactorAuthPresent)."""
        service = self.service if self.is_passrole else ""  # no role passed: no iam:PassedToService
        if self.event is None:
            return request_context(self.principal, service, "absent")
        from glue_iam_kit.sources.cloudtrail import source_ip_value

        ip = source_ip_value(self.event)
        return request_context(self.principal, service, self.event.mfa_mode,
                               [context_value("aws:SourceIp", ip, "ip")] if ip else [])

    def base_label(self) -> str:
        if self.event is None:
            return "the requester's real context (long-term keys: aws:MultiFactorAuthPresent absent)"
        e = self.event
        return (f"the CloudTrail event's context ({e.time}; MFA {e.mfa or 'absent'}"
                + (f"; source IP {e.source_ip}" if e.source_ip else "") + ")")

    def policy_set(self, extra: list[PolicyRecord] = (), layer_extra: dict[str, Any] | None = None) -> PolicySet:
        """Every policy that decides, compiled; for a what-if, *extra* identity policies and *layer_extra*
        statements added to the permissions boundary (``{"boundary": doc}``) or the resource policy
        (``{"resource": doc}``)."""
        ps = self.principal.policy_set(self.scp_levels(), list(extra))
        layer_extra = layer_extra or {}
        if "boundary" in layer_extra and ps.boundary:
            b = ps.boundary[0]
            doc = _with_statements(b.document, layer_extra["boundary"])
            ps = PolicySet(ps.identity, (parse_policy(doc, b.source),), ps.scp_levels, ps.resource, ps.notes)
        policy, ref = self.resource_policy()
        if ref is not None and "resource" in layer_extra:
            doc = _with_statements(policy.document if policy else {"Version": "2012-10-17"}, layer_extra["resource"])
            policy = parse_policy(doc, policy.source if policy else PolicySource(ref.label, ref.kind, "resource",
                                                                                 arn=ref.arn))
        if policy is not None and ref is not None:
            ps = replace(ps, resource=policy, resource_required=ref.required)
        return ps

    def resource_policy(self) -> tuple[Policy | None, ResourcePolicyRef | None]:
        """The resource-based policy that can decide a non-PassRole request (an S3 bucket's, a KMS key's), read
        once; when it cannot be read, :attr:`resource_note` says so and the identity policies decide alone."""
        if self._resource_policy is None:
            ref = resource_policy_ref(self.action_resource) if not self.is_passrole else None
            policy = None
            if ref is not None:
                try:
                    if not can(self.target, RESOURCE_POLICY_READER):
                        raise CouldNotCheck(f"the {self.target.kind} target reads no resource policies")
                    doc = self.target.get_resource_policy(ref.kind, ref.arn, ref.name)
                    if doc is not None:
                        policy = parse_policy(doc, PolicySource(ref.label, ref.kind, "resource", arn=ref.arn))
                except (CouldNotCheck, KitError) as exc:
                    self.resource_note = f"the {ref.marked_label} could not be read ({exc}); evaluated without it"
            self._resource_policy = (policy, ref)
        return self._resource_policy

    def remember_role_tags(self, role_arn: str, tags: dict[str, str]) -> None:
        self._role_tags[role_arn] = tags

    def role_tags(self, role_arn: str) -> dict[str, str]:
        """The passed role's tags (the investigated role's read once; any other role's only when known)."""
        if role_arn not in self._role_tags and role_arn == self.role_arn_or_guess():
            try:
                self._role_tags[role_arn] = tag_map(self.target.get_role(role_arn.rsplit("/", 1)[-1]))
            except KitError:
                self._role_tags[role_arn] = {}
        return self._role_tags.get(role_arn, {})

    def permission_set(self, name: str) -> dict[str, Any]:
        """The Identity Center permission set *name* as the target can read it, else what could not be read."""
        if name not in self._permission_sets:
            self._permission_sets[name] = read_permission_set(self.target, self.account, name)
        return self._permission_sets[name]

    def simulate(self, context: RequestContext, role_arn: str | None = None, extra: list[PolicyRecord] = (),
                 label: str = "", layer_extra: dict[str, Any] | None = None, action: str | None = None) -> Layer:
        """Simulate the denied action (iam:PassRole with the passed role's tags, or the error's own action on its
        resource) with *context*: locally, and with AWS's simulator where the target has one. *role_arn* is the
        resource (another role, another object) and *action* another action, for a what-if."""
        action = action or self.action
        if self.is_passrole:
            resource = role_arn or self.role_arn_or_guess()
            context = context.with_values(*role_values(self.role_tags(resource)))
        else:
            resource = role_arn or self.action_resource
        request = Request(action, resource, self.principal.arn, context)
        policies = self.policy_set(extra, layer_extra)
        decision = evaluate_request(policies, request)
        layer = Layer(label, context, decision)
        # AWS's simulator takes no boundary edits (PermissionsBoundaryPolicyInputList replaces, not adds).
        if can(self.target, SIMULATOR) and "boundary" not in (layer_extra or {}):
            layer.aws_decision, layer.aws_note = aws_simulate(self.target, self.principal.arn, context, action,
                                                              resource, extra, policies)
        return layer

    def caller_identity(self) -> dict[str, str]:
        """The investigator's identity (read once)."""
        if self.caller is None:
            self.caller = self.target.caller_identity()
        return self.caller


def named_account(*names: str) -> str:
    """The account the first ARN among *names* names ("" when none does)."""
    for name in names:
        parts = name.split(":") if name.startswith("arn:") else []
        if len(parts) > 5 and len(parts[4]) == 12 and parts[4].isdigit():
            return parts[4]
    return ""


def read_permission_set(target: Any, account: str, name: str) -> dict[str, Any]:
    """The Identity Center permission set *name* as *target* can read it, else what could not be read."""
    out: dict[str, Any] = {"account": account}
    if not can(target, IDENTITY_CENTER_READER):
        return {**out, "problem": f"the {target.kind} target has no Identity Center: the permission set is named "
                                  "from the role, and its existing inline policy could not be read"}
    try:
        return {**out, **target.find_permission_set(name)}
    except KitError as exc:
        return {**out, "problem": f"could not read permission set {name}: {exc}"}


def aws_simulate(target: Any, principal_arn: str, context: RequestContext, action: str, resource: str,
                 extra: list[PolicyRecord], policies: PolicySet) -> tuple[str | None, str]:
    """AWS's SimulatePrincipalPolicy on the same request: (its decision, or None when unavailable; a note)."""
    params: dict[str, Any] = {"PolicySourceArn": principal_arn, "ActionNames": [action],
                              "ResourceArns": [resource], "ContextEntries": context.as_entries()}
    if extra:
        params["PolicyInputList"] = [json.dumps(r.document) for r in extra]
    if policies.resource is not None:
        params["ResourcePolicy"] = json.dumps(policies.resource.document)
    try:
        results = target.simulate_principal_policy(**params)
    except (CouldNotCheck, KitError) as exc:
        return None, f"AWS simulator unavailable ({exc}); the local evaluator decides"
    if not results:
        return None, "AWS simulator returned no result; the local evaluator decides"
    return results[0].get("EvalDecision"), "AWS SimulatePrincipalPolicy is the authority"


def _with_statements(document: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """A copy of *document* with *extra*'s statements added."""
    doc = json.loads(json.dumps(document))
    doc["Statement"] = as_list(doc.get("Statement")) + as_list(extra["Statement"])
    return doc


def _glue_resource(e: AccessDenied | None, operation: str, entry_point: str, job: str,
                   resource: str) -> tuple[NamedResource | None, EntryPoint, str, str]:
    """(what a tool's error names, the entry point, the resource's name, where the name came from): the given
    entry point, else the one the error's operation or the tool's resource type names, else a job. The name is
    the given one ("job" keeps its own for the findings' sake), else the Glue name Terraform names."""
    named = named_resource(e.text) if e else None  # Terraform, CloudFormation: a kind, and a name or a hint
    if entry_point and entry_point not in ENTRY_POINTS:
        raise KitError(f"unknown Glue entry point {entry_point!r}; one of {', '.join(ENTRY_POINTS)}")
    named_kind = named.entry_point if named and named.entry_point in ENTRY_POINTS else ""
    by_operation = entry_point_for(operation)
    ep = ENTRY_POINTS[entry_point or (by_operation.name if by_operation else "") or named_kind or "job"]
    name = job if ep.name == "job" else resource
    if not name and named and named.exact and named.entry_point == ep.name:
        return named, ep, named.name, f"named by {named.source}"
    return named, ep, name, ""


def _passed_to(operation: str, e: AccessDenied | None, service: str, passrole: bool) -> tuple[str, bool]:
    """(iam:PassedToService, whether the call is Glue's): it follows the service of the error's (or the CloudTrail
    event's) *operation* — botocore's models say whose API an operation that is no Glue entry point's is, e.g.
    Lambda's CreateFunction; a given service other than Glue's wins. KitError, one line, when it cannot be
    judged."""
    if not operation or not passrole or entry_point_for(operation) or service != GLUE_SERVICE:
        return service, True
    service = passed_to_service(operation, e.text if e else "") or service
    return service, service == GLUE_SERVICE


def resource_from_target(ev: Evidence) -> tuple[str, str]:
    """(name, where it came from) of the Glue resource: the one given or named; else the one the error hints at (a
    Terraform address, a CloudFormation logical id) when the target holds it, else the target's only one of that
    kind (never for a create: the resource is new); ("", "") otherwise."""
    if ev.job or ev.creating or not ev.glue_call:
        return ev.job, ev.resource_source
    try:
        names = ev.entry_point.list_names(ev.target)
    except KitError:
        return "", ""
    hint = ev.named.name if ev.named and ev.named.entry_point == ev.entry_point.name else ""
    if hint and hint in names:
        return hint, f"named by {ev.named.source}"
    if len(names) == 1:
        return names[0], f"the only {ev.resource_noun} in the {ev.target.kind} target" + (
            f" ({ev.named.source} names no {ev.resource_noun} there)" if hint else "")
    return "", ""

