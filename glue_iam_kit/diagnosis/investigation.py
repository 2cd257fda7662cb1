"""The investigation: the nine steps of the procedure, each a :class:`Finding` with its evidence; the verdicts.

Each ``step_*`` method is one notebook cell's single call into the package: it returns a Finding (status ``ok``
/ ``problem`` / ``could not check`` / ``info``, a one-line summary, an evidence DataFrame, and details as
data). A step that fails records ``could not check: <why>`` and the investigation goes on; nothing here calls
a mutating AWS API except :meth:`Investigation.step_verify` with ``apply_fix=True``.

The layers of cause follow a real incident: first the requester's real context (long-term keys, so
``aws:MultiFactorAuthPresent`` is absent); when that ends in an explicit deny whose restriction can be
satisfied (an MFA session, the allowed source network), simulate again with it satisfied, to find what lies
underneath.
"""

from __future__ import annotations

import html
import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from glue_iam_kit import collectors as c
from glue_iam_kit.diagnosis.errortext import AccessDenied, ErrorTextError, parse_error_text
from glue_iam_kit.engine.arns import name_from, parse_arn
from glue_iam_kit.engine.context import RequestContext, context_value
from glue_iam_kit.engine.decision import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Decision, render_trace_text
from glue_iam_kit.engine.evaluator import PolicySet, Request, evaluate_request
from glue_iam_kit.engine.policy import PolicySource, as_list, load_document, parse_policy
from glue_iam_kit.errors import ArnError, CouldNotCheck, KitError, NotFoundError, PolicyError
from glue_iam_kit.principals.base import PolicyRecord, PrincipalPolicies, gather_principal, gather_scps

OK, PROBLEM, COULD_NOT_CHECK, INFO = "ok", "problem", "could not check", "info"
VERDICTS = ("wrong-account", "role-not-found", "job-uses-other-role", "trust-missing-service", "explicit-deny",
            "no-allow", "allowed")
PASSROLE = "iam:PassRole"
RULE = ("glue:* or AWSGlueConsoleFullAccess is not \"may pass any Glue role\": iam:PassRole is its own action, and "
        "the managed policy only covers roles named AWSGlueServiceRole*. Grant iam:PassRole on exactly the runtime "
        "role the job needs, only to glue.amazonaws.com.")


@dataclass
class Finding:
    """One step's outcome: status, summary, evidence and details (data, for findings.json and the reports)."""

    step: int
    key: str
    title: str
    status: str
    summary: str
    evidence: pd.DataFrame | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def evidence_records(self) -> list[dict[str, Any]]:
        """The evidence rows as plain data (whole policy documents left out: they are in the notebook)."""
        if self.evidence is None:
            return []
        return json.loads(self._shown().to_json(orient="records", default_handler=str))

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "key": self.key, "title": self.title, "status": self.status,
                "summary": self.summary, "evidence": self.evidence_records(), "details": self.details}

    def _shown(self) -> pd.DataFrame:
        # Whole policy documents stay in the DataFrame (inv.findings[...].evidence) but would swamp a table.
        assert self.evidence is not None
        return self.evidence.drop(columns=[col for col in ("document",) if col in self.evidence.columns])

    def _evidence_html(self) -> str:
        if self.evidence is None or self.evidence.empty:
            return "<p><em>(no rows)</em></p>" if self.evidence is not None else ""
        return self._shown().to_html(index=False, border=0, classes="evidence", max_rows=60, justify="left")

    def _repr_html_(self) -> str:
        colour = {OK: "#1a7f37", PROBLEM: "#cf222e", COULD_NOT_CHECK: "#9a6700", INFO: "#0969da"}[self.status]
        extra = ""
        if self.details.get("explanation"):
            extra = f"<pre>{html.escape(self.details['explanation'])}</pre>"
        fix = self.details.get("fix") or {}
        if fix.get("policy"):
            extra += (f"<p>The least-privilege change, on the {html.escape(fix['where'])} "
                      f"<code>{html.escape(fix.get('principal', ''))}</code>:</p>"
                      f"<pre>{html.escape(json.dumps(fix['policy'], indent=2))}</pre>"
                      f"<pre>{html.escape(fix.get('command', ''))}</pre>")
        return (f'<div class="finding"><p><strong style="color:{colour}">[{self.status}]</strong> '
                f"{html.escape(self.summary)}</p>{extra}{self._evidence_html()}</div>")

    def __repr__(self) -> str:
        text = f"[{self.status}] {self.summary}"
        if self.details.get("explanation"):
            text += "\n" + self.details["explanation"]
        fix = self.details.get("fix") or {}
        if fix.get("policy"):
            text += "\n" + json.dumps(fix["policy"], indent=2) + "\n" + fix.get("command", "")
        if self.evidence is not None and not self.evidence.empty:
            text += "\n" + self._shown().to_string(index=False, max_colwidth=80)
        return text


@dataclass
class Layer:
    """One simulation: its context, the local decision and (on a real account) AWS's."""

    label: str
    context: RequestContext
    decision: Decision
    aws_decision: str | None = None
    aws_note: str = ""

    @property
    def final(self) -> str:
        return self.aws_decision or self.decision.decision


def _context_text(ctx: RequestContext) -> str:
    return ", ".join(f"{v.key}={'/'.join(v.values)}" for v in ctx if not v.key.lower().startswith("aws:principal")
                     and v.key.lower() not in ("aws:username", "aws:userid")) or "(none)"


def fix_policy(role_arn: str, service: str) -> dict[str, Any]:
    """The least-privilege grant: iam:PassRole on exactly *role_arn*, only to *service*."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": fix_policy_name(service), "Effect": "Allow", "Action": PASSROLE, "Resource": role_arn,
        "Condition": {"StringEquals": {"iam:PassedToService": service}}}]}


def proposed_fix_record(role_arn: str, service: str) -> PolicyRecord:
    """The least-privilege grant as an extra identity policy, for a what-if simulation."""
    return PolicyRecord(PolicySource(fix_policy_name(service) + " (proposed)", "proposed"),
                        fix_policy(role_arn, service))


def fix_policy_name(service: str) -> str:
    svc = service.split(".", 1)[0]
    return "AllowPassGlueRuntimeRoleToGlue" if svc == "glue" else f"AllowPassRoleTo{svc.capitalize()}"


def _satisfying_ip(deny_conditions: list[Any]) -> str | None:
    """An address that makes a source-IP Deny not apply: inside the ranges a NotIpAddress lists."""
    for cond in deny_conditions:
        if cond.key.lower() == "aws:sourceip" and cond.op.family and cond.op.family.name == "IpAddress" \
                and cond.op.negated:
            net = ipaddress.ip_network(cond.values[0], strict=False)
            return str(next(iter(net.hosts()), net.network_address))
    return None


class Investigation:
    """The investigation of one PassRole failure on one target. Use the steps in order."""

    def __init__(self, target: Any, *, user: str = "", job: str = "", role: str = "",
                 service: str = "glue.amazonaws.com", error_text: str = "", profile: str = "") -> None:
        self.target = target
        self.service = service or "glue.amazonaws.com"
        self.profile = profile
        scenario = getattr(target, "scenario", None) or {}
        params = scenario.get("parameters", {})
        self.error_text = error_text or scenario.get("error_text", "")
        self.error: AccessDenied | None = None
        self.error_problem = ""
        if self.error_text.strip():
            try:
                self.error = parse_error_text(self.error_text)
            except ErrorTextError as exc:
                self.error_problem = str(exc)
        e = self.error
        self.user = user or (e.principal if e else "") or params.get("user", "")
        self.job = job or params.get("job", "")
        self.role = role or (e.resource if e and e.role_name else "") or params.get("role", "")
        self.expected_account = e.account if e else ""
        self.findings: list[Finding] = []
        self.verdicts: list[dict[str, Any]] = []
        self.layers: list[Layer] = []
        self.security: list[dict[str, Any]] = []
        self._pp: PrincipalPolicies | None = None
        self._scps: list[list[PolicyRecord]] | None = None
        self._scp_note = ""
        self.role_arn = ""
        self.role_missing = False
        self.job_frame: pd.DataFrame | None = None
        self.fix: dict[str, Any] | None = None
        self.what_if: list[dict[str, Any]] = []
        self.verification: dict[str, Any] = {}
        self._caller: dict[str, str] | None = None
        if not self.user:
            raise KitError("no user to investigate: pass user=..., or error_text with the AccessDenied message")

    # -- helpers ------------------------------------------------------------------------------------------
    def _add(self, finding: Finding) -> Finding:
        self.findings = [f for f in self.findings if f.key != finding.key] + [finding]
        return finding

    def _verdict(self, name: str, **details: Any) -> None:
        assert name in VERDICTS, name
        self.verdicts = [v for v in self.verdicts if v["verdict"] != name] + [{"verdict": name, **details}]

    def _guard(self, step: int, key: str, title: str, fn) -> Finding:
        """Run one step; any failure becomes ``could not check: <why>``, never a lost run."""
        try:
            return self._add(fn())
        except (CouldNotCheck, NotFoundError, PolicyError, ArnError, KitError) as exc:
            return self._add(Finding(step, key, title, COULD_NOT_CHECK, f"could not check: {exc}"))
        except Exception as exc:  # an unexpected failure must not lose the other steps' results
            return self._add(Finding(step, key, title, COULD_NOT_CHECK,
                                     f"could not check: unexpected {type(exc).__name__}: {exc}"))

    @property
    def principal(self) -> PrincipalPolicies:
        if self._pp is None:
            self._pp = gather_principal(self.target, self.user)
        return self._pp

    @property
    def account(self) -> str:
        try:
            return self.principal.account
        except KitError:
            return self.expected_account

    def _role_arn(self) -> str:
        if self.role_arn:
            return self.role_arn
        if self.role.startswith("arn:"):
            return self.role
        return f"arn:aws:iam::{self.account}:role/{self.role}"

    @property
    def role_name(self) -> str:
        return self.role.rsplit("/", 1)[-1] if self.role else ""

    def _scp_levels(self) -> list[list[PolicyRecord]]:
        if self._scps is None:
            try:
                self._scps = gather_scps(self.target)
            except CouldNotCheck as exc:
                self._scps, self._scp_note = [], f"SCPs could not be read ({exc}); evaluated without them"
        return self._scps

    def base_context(self) -> RequestContext:
        """The requester's real context for a call with long-term keys: no aws:MultiFactorAuthPresent."""
        pp = self.principal
        values = [context_value("iam:PassedToService", self.service),
                  context_value("aws:PrincipalArn", pp.arn),
                  context_value("aws:PrincipalAccount", pp.account)]
        if pp.principal_type == "user":
            values.append(context_value("aws:username", pp.name))
        return RequestContext(values)

    def policy_set(self, extra: list[PolicyRecord] = (), boundary_extra: dict[str, Any] | None = None) -> PolicySet:
        ps = self.principal.policy_set(self._scp_levels(), list(extra))
        if boundary_extra is not None and ps.boundary:
            b = ps.boundary[0]
            doc = json.loads(json.dumps(b.document))
            doc["Statement"] = as_list(doc.get("Statement")) + boundary_extra["Statement"]
            ps = PolicySet(ps.identity, (parse_policy(doc, b.source),), ps.scp_levels, ps.resource, ps.notes)
        return ps

    def simulate(self, context: RequestContext, role_arn: str | None = None, extra: list[PolicyRecord] = (),
                 label: str = "", boundary_extra: dict[str, Any] | None = None) -> Layer:
        """Simulate iam:PassRole with *context*: locally, and on a real account with AWS's simulator too."""
        role_arn = role_arn or self._role_arn()
        request = Request(PASSROLE, role_arn, self.principal.arn, context)
        decision = evaluate_request(self.policy_set(extra, boundary_extra), request)
        layer = Layer(label, context, decision)
        if getattr(self.target, "kind", "") == "aws" and boundary_extra is None:
            layer.aws_decision, layer.aws_note = self._aws_simulate(context, role_arn, extra)
        return layer

    def _aws_simulate(self, context: RequestContext, role_arn: str,
                      extra: list[PolicyRecord]) -> tuple[str | None, str]:
        params: dict[str, Any] = {"PolicySourceArn": self.principal.arn, "ActionNames": [PASSROLE],
                                  "ResourceArns": [role_arn], "ContextEntries": context.as_entries()}
        if extra:
            params["PolicyInputList"] = [json.dumps(r.document) for r in extra]
        try:
            results = self.target.simulate_principal_policy(**params)
        except (CouldNotCheck, KitError) as exc:
            return None, f"AWS simulator unavailable ({exc}); the local evaluator decides"
        if not results:
            return None, "AWS simulator returned no result; the local evaluator decides"
        return results[0].get("EvalDecision"), "AWS SimulatePrincipalPolicy is the authority"

    # -- the steps ----------------------------------------------------------------------------------------
    def header(self) -> Finding:
        """The failure as quoted, and what the investigation will look at."""
        rows = [{"what": "target", "value": getattr(self.target, "kind", "?")},
                {"what": "principal", "value": self.user}, {"what": "role", "value": self.role or "(from the job)"},
                {"what": "job", "value": self.job or "(not given)"}, {"what": "service", "value": self.service}]
        if self.error:
            rows += [{"what": "error: action", "value": self.error.action},
                     {"what": "error: account", "value": self.error.account},
                     {"what": "error: cause", "value": f"{self.error.kind} ({self.error.policy_type})"}]
        status, summary = INFO, "investigating " + (self.error.describe() if self.error else
                                                     f"iam:PassRole of {self.role or 'the job role'} by {self.user}")
        if self.error_problem:
            status, summary = COULD_NOT_CHECK, f"could not check the error text: {self.error_problem}"
        elif not self.error_text.strip():
            summary += " (no error text given)"
        f = Finding(0, "failure", "The failure", status, summary, pd.DataFrame(rows, columns=["what", "value"]),
                    {"error_text": self.error_text, "error": self.error.as_dict() if self.error else None})
        return self._add(f)

    def step_account(self) -> Finding:
        def run() -> Finding:
            frame = c.fetch_caller_identity(self.target, self.expected_account or None)
            self._caller = {"Account": frame.loc[0, "account"], "Arn": frame.loc[0, "arn"]}
            actual = frame.loc[0, "account"]
            if self.expected_account and actual != self.expected_account:
                self._verdict("wrong-account", expected=self.expected_account, actual=actual)
                return Finding(1, "account", "Account", PROBLEM,
                               f"the target is account {actual}, but the error came from {self.expected_account}: "
                               "every other finding is about the wrong account", frame)
            if not self.expected_account:
                return Finding(1, "account", "Account", INFO,
                               f"the target is account {actual} (no error text to compare with)", frame)
            return Finding(1, "account", "Account", OK, f"account {actual} is the one in the error", frame)
        return self._guard(1, "account", "Account", run)

    def step_user_policies(self) -> Finding:
        def run() -> Finding:
            pp = self.principal
            own = [r for r in pp.records if r.source.via_group is None]
            frame = c.policy_frame(pp.name, own)
            attached = sum(r.source.attachment == "managed" for r in own)
            summary = f"{pp.principal_type} {pp.name}: {attached} attached, {len(own) - attached} inline policies"
            if pp.boundary:
                summary += f"; permissions boundary {pp.boundary.source.name}"
            status = COULD_NOT_CHECK if pp.problems else OK
            if pp.problems:
                summary += "; could not check: " + "; ".join(pp.problems)
            return Finding(2, "user-policies", "The user's own policies", status, summary, frame,
                           {"problems": pp.problems})
        return self._guard(2, "user-policies", "The user's own policies", run)

    def step_groups(self) -> Finding:
        def run() -> Finding:
            pp = self.principal
            if pp.principal_type != "user":
                return Finding(3, "groups", "Groups", INFO, f"{pp.name} is a role: roles have no groups",
                               c.group_frame([], []))
            frame = c.group_frame(pp.groups, [r for r in pp.records if r.source.via_group])
            group_problems = [p for p in pp.problems if "group" in p or "managed policy" in p]
            if group_problems:
                return Finding(3, "groups", "Groups and their policies", COULD_NOT_CHECK,
                               "could not check: " + "; ".join(group_problems), frame, {"problems": group_problems})
            if not pp.groups:
                return Finding(3, "groups", "Groups", OK, f"{pp.name} is in no group", frame)
            policies = {g["GroupName"]: ", ".join(p for p in frame[frame.group_name == g["GroupName"]].policy_name if p)
                        for g in pp.groups}
            names = ", ".join(f"{name} ({pols or '-'})" for name, pols in policies.items())
            return Finding(3, "groups", "Groups and their policies", OK, f"member of {names}", frame)
        return self._guard(3, "groups", "Groups and their policies", run)

    def step_role_trust(self) -> Finding:
        title = f"The role's trust policy trusts {self.service}"

        def run() -> Finding:
            if not self.role:
                self._resolve_role_from_job()
            if not self.role:
                return Finding(4, "trust", title, COULD_NOT_CHECK,
                               "could not check: no role given and no job to read it from")
            try:
                frame = c.fetch_role(self.target, self.role)
            except NotFoundError:
                self.role_missing = True
                self._verdict("role-not-found", role=self._role_arn())
                return Finding(4, "trust", title, PROBLEM,
                               f"role {self.role_name} does not exist in account {self.account}: Glue cannot use it, "
                               "and no PassRole grant can fix that", c.empty_frame(c.TRUST_COLUMNS))
            self.role_arn = frame.loc[0, "role_arn"] if not frame.empty else self._role_arn()
            trusted = frame[(frame.effect == "Allow") & (frame.principal.isin([self.service, "*"])) &
                            frame.action.str.contains("sts:AssumeRole|sts:\\*|^\\*$", regex=True)]
            if trusted.empty:
                self._verdict("trust-missing-service", role=self.role_arn, service=self.service,
                              trusted=sorted(set(frame.principal)))
                return Finding(4, "trust", title, PROBLEM,
                               f"the trust policy of {self.role_name} does not let {self.service} assume it "
                               f"(it trusts {', '.join(sorted(set(frame.principal))) or 'nobody'})", frame)
            return Finding(4, "trust", title, OK, f"{self.service} may assume {self.role_name}", frame)
        return self._guard(4, "trust", title, run)

    def _resolve_role_from_job(self) -> None:
        if self.job and not self.role:
            try:
                self.job_frame = c.fetch_job(self.target, self.job)
                stored = self.job_frame.loc[0, "role_arn"] or self.job_frame.loc[0, "role_as_stored"]
                self.role = stored
            except KitError:
                pass

    def step_job_role(self) -> Finding:
        title = "The Glue job really uses that role"

        def run() -> Finding:
            if not self.job:
                return Finding(5, "job", title, COULD_NOT_CHECK, "could not check: no job given")
            try:
                frame = self.job_frame if self.job_frame is not None else c.fetch_job(self.target, self.job)
            except NotFoundError as exc:
                return Finding(5, "job", title, PROBLEM, f"{exc}: check the job name and the region "
                               f"({getattr(self.target, 'region', '?')})", c.empty_frame(c.JOB_COLUMNS))
            self.job_frame = frame
            job_role = frame.loc[0, "role_arn"] or frame.loc[0, "role_as_stored"]
            job_role_name = frame.loc[0, "role_name"]
            if self.role and job_role_name != self.role_name:
                self._verdict("job-uses-other-role", job=self.job, job_role=job_role,
                              investigated_role=self._role_arn())
                return Finding(5, "job", title, PROBLEM,
                               f"job {self.job} uses role {job_role_name}, not {self.role_name}: the error and the "
                               "job disagree (an edit in progress, or the wrong job)", frame)
            return Finding(5, "job", title, OK, f"job {self.job} uses {job_role_name}", frame)
        return self._guard(5, "job", title, run)

    def _layer_frame(self) -> pd.DataFrame:
        rows = []
        for i, layer in enumerate(self.layers, start=1):
            d = layer.decision
            rows.append({"layer": i, "context": layer.label or _context_text(layer.context),
                         "decision": layer.final, "local_decision": d.decision,
                         "aws_decision": layer.aws_decision or "", "blocked_by": d.blocked_by or "",
                         "deciding": "; ".join(t.label for t in d.deciding)})
        return pd.DataFrame(rows, columns=["layer", "context", "decision", "local_decision", "aws_decision",
                                           "blocked_by", "deciding"])

    def step_simulate(self) -> Finding:
        title = f"Simulate iam:PassRole with iam:PassedToService={self.service}"

        def run() -> Finding:
            layer = self.simulate(self.base_context(), label="the requester's real context (long-term keys: "
                                                               "aws:MultiFactorAuthPresent absent)")
            self.layers = [layer]
            details = self._layer_details(layer)
            summary = f"{layer.final}: {render_trace_text(layer.decision).splitlines()[0].split(': ', 1)[1]}"
            if self._scp_note:
                details["note"] = self._scp_note
            if layer.aws_decision and layer.aws_decision != layer.decision.decision:
                summary += f" — the local evaluator says {layer.decision.decision}: a disagreement to look into"
                details["disagreement"] = True
            status = OK if layer.final == ALLOWED else PROBLEM
            return Finding(6, "simulate", title, status, summary, self._layer_frame(), details)
        return self._guard(6, "simulate", title, run)

    def _layer_details(self, layer: Layer) -> dict[str, Any]:
        d = layer.decision
        return {"decision": layer.final, "local_decision": d.decision, "aws_decision": layer.aws_decision,
                "aws_note": layer.aws_note, "blocked_by": d.blocked_by, "context": layer.context.as_entries(),
                "deciding": [{"policy": t.source.name, "policy_type": t.source.policy_type, "kind": t.source.kind,
                              "via_group": t.source.via_group, "statement": t.index + 1, "sid": t.sid}
                             for t in d.deciding],
                "missing_context": list(d.missing_context), "explanation": render_trace_text(d)}

    @staticmethod
    def _restriction(trace) -> tuple[str, str]:
        """(restriction, what satisfies it) for a deciding Deny statement."""
        keys = {cond.key.lower() for cond in trace.statement.conditions}
        kind = trace.source.kind
        if "aws:multifactorauthpresent" in keys:
            return "mfa", ("an MFA session: sign in with MFA, or call sts:GetSessionToken with "
                           "--serial-number/--token-code")
        if "aws:sourceip" in keys:
            return "source-ip", "a request from the allowed source network"
        if kind == "scp":
            return "scp", "an SCP change by the organization's admins (no IAM policy in the account can override it)"
        if kind == "boundary":
            return "boundary", "a change to the permissions boundary (no identity policy can override it)"
        if kind == "resource":
            return "resource", "a change to the resource-based policy"
        return "identity", "removing or narrowing the Deny statement (no Allow can override it)"

    def step_explicit_deny(self) -> Finding:
        title = "Explicit deny: which restriction"

        def run() -> Finding:
            if not self.layers:
                return Finding(7, "explicit-deny", title, COULD_NOT_CHECK, "could not check: no simulation")
            if self.layers[0].final != EXPLICIT_DENY:
                return Finding(7, "explicit-deny", title, OK, "no explicit deny", self._layer_frame())
            first = self.layers[0].decision
            restrictions = [self._restriction(t) for t in first.deciding]
            deny = first.deciding[0]
            self._verdict("explicit-deny", policy_type=deny.source.kind, policy=deny.source.name,
                          via_group=deny.source.via_group, statement=deny.index + 1, sid=deny.sid,
                          restriction=restrictions[0][0], satisfied_by=restrictions[0][1])
            # Satisfy what can be satisfied and look underneath, as the write-up did with MFA.
            for _ in range(4):
                last = self.layers[-1]
                if last.final != EXPLICIT_DENY:
                    break
                context = last.context
                added = []
                for t in last.decision.deciding:
                    kind, _ = self._restriction(t)
                    if kind == "mfa":
                        context = context.with_values(context_value("aws:MultiFactorAuthPresent", "true", "boolean"))
                        added.append("aws:MultiFactorAuthPresent=true")
                    elif kind == "source-ip" and (ip := _satisfying_ip(list(t.statement.conditions))):
                        context = context.with_values(context_value("aws:SourceIp", ip, "ip"))
                        added.append(f"aws:SourceIp={ip}")
                    else:
                        added = []
                        break
                if not added:
                    break
                label = "with " + ", ".join(added) + " (restriction satisfied)"
                self.layers.append(self.simulate(context, label=label))
            final = self.layers[-1]
            summary = (f"denied by {deny.label}: restriction {restrictions[0][0]}; satisfied by "
                       f"{restrictions[0][1]}")
            if len(self.layers) > 1:
                summary += f". With it satisfied the decision is {final.final}"
            else:
                summary += ". It cannot be satisfied by the requester: that restriction is the cause"
            return Finding(7, "explicit-deny", title, PROBLEM, summary, self._layer_frame(),
                           {"restrictions": [{"restriction": r, "satisfied_by": s} for r, s in restrictions],
                            "layers": [self._layer_details(layer) for layer in self.layers]})
        return self._guard(7, "explicit-deny", title, run)

    def _fix_placement(self) -> tuple[str, str]:
        """(principal type, name) where the fix fits: the group that grants Glue access, else the user; a role."""
        pp = self.principal
        if pp.principal_type == "role":
            return "role", pp.name
        glue_request = Request("glue:UpdateJob", "*", pp.arn, RequestContext())
        for g in pp.groups:
            records = [r for r in pp.records if r.source.via_group == g["GroupName"]]
            try:
                d = evaluate_request(PolicySet(identity=tuple(r.compile() for r in records)), glue_request)
            except PolicyError:
                continue
            if d.allowed:
                return "group", g["GroupName"]
        return "user", pp.name

    def _cli_command(self, where: tuple[str, str], name: str, doc: dict[str, Any]) -> str:
        ptype, pname = where
        flag = {"user": "--user-name", "group": "--group-name", "role": "--role-name"}[ptype]
        profile = f" --profile {self.profile}" if self.profile else ""
        return (f"aws iam put-{ptype}-policy{profile} {flag} {pname} --policy-name {name} "
                f"--policy-document '{json.dumps(doc, separators=(',', ':'))}'")

    def step_implicit_deny(self) -> Finding:
        title = "Implicit deny: the nearest allow and the least-privilege fix"

        def run() -> Finding:
            if not self.layers:
                return Finding(8, "implicit-deny", title, COULD_NOT_CHECK, "could not check: no simulation")
            final = self.layers[-1]
            d = final.decision
            if final.final == ALLOWED:
                self._verdict("allowed", deciding=[t.label for t in d.deciding])
                self._check_over_broad(d)
                summary = f"allowed by {', '.join(t.label for t in d.deciding) or 'the policies'}"
                if self.security:
                    summary += "; security finding: " + "; ".join(s["why"] for s in self.security)
                return Finding(8, "implicit-deny", title, OK, summary, None, {"security": self.security})
            if final.final != IMPLICIT_DENY:
                return Finding(8, "implicit-deny", title, INFO,
                               "not reached: the explicit deny above cannot be satisfied by the requester")
            near = [{"rank": i + 1, "policy": t.source.name, "policy_type": t.source.policy_type,
                     "via_group": t.source.via_group or "", "statement": t.index + 1, "sid": t.sid or "",
                     "why": "; ".join(t.failures)} for i, t in enumerate(d.nearest_allows)]
            frame = pd.DataFrame(near, columns=["rank", "policy", "policy_type", "via_group", "statement", "sid",
                                                "why"])
            self._verdict("no-allow", blocked_by=d.blocked_by, nearest_allows=near[:3])
            if d.blocked_by == "scp":
                self.fix = {"where": "scp", "action": "an SCP change by the organization's admins", "policy": None}
                return Finding(8, "implicit-deny", title, PROBLEM,
                               "no SCP level allows iam:PassRole here: only the organization's admins can change "
                               "that", frame, {"nearest_allows": near, "fix": self.fix})
            role_arn = self._role_arn()
            doc = fix_policy(role_arn, self.service)
            name = fix_policy_name(self.service)
            if d.blocked_by == "boundary":
                where = ("boundary", self.principal.boundary.source.name if self.principal.boundary else "")
                self.fix = {"where": "boundary", "principal_type": "boundary", "principal": where[1],
                            "policy_name": where[1], "policy": doc,
                            "command": "add the statement to the permissions boundary policy (a new policy version)"}
                extra, boundary_extra, label = [], doc, "what-if: the boundary allows it"
            else:
                where = self._fix_placement()
                self.fix = {"where": where[0], "principal_type": where[0], "principal": where[1],
                            "policy_name": name, "policy": doc, "command": self._cli_command(where, name, doc)}
                extra, boundary_extra = [proposed_fix_record(role_arn, self.service)], None
                label = "what-if: with the fix"
            after = self.simulate(final.context, extra=extra, boundary_extra=boundary_extra, label=label)
            self._what_if(final, after, extra, boundary_extra)
            summary = (f"no {d.blocked_by} policy allows iam:PassRole on {self.role_name}; nearest allow: "
                       f"{near[0]['policy']} statement {near[0]['statement']} ({near[0]['why']})" if near else
                       f"no {d.blocked_by} policy allows iam:PassRole at all")
            summary += f". Fix: {name} on the {where[0]} {where[1]}; what-if: {after.final}"
            return Finding(8, "implicit-deny", title, PROBLEM, summary, frame,
                           {"nearest_allows": near, "fix": self.fix, "what_if": self.what_if,
                            "explanation": render_trace_text(d)})
        return self._guard(8, "implicit-deny", title, run)

    def _what_if(self, final: Layer, after: Layer, extra: list[PolicyRecord],
                 boundary_extra: dict[str, Any] | None) -> None:
        """The fix grants exactly this, and nothing next to it (simulated with the same fix as *after*)."""
        other_service = "ec2.amazonaws.com" if self.service != "ec2.amazonaws.com" else "lambda.amazonaws.com"
        other_role = self._role_arn().rsplit("/", 1)[0] + "/some-other-role"
        checks = [("this role, to " + self.service, final.final, after.final, True)]
        ctx_other = final.context.with_values(context_value("iam:PassedToService", other_service))
        checks.append((f"this role, to {other_service}", None,
                       self.simulate(ctx_other, extra=extra, boundary_extra=boundary_extra).final, False))
        checks.append(("another role, to " + self.service, None,
                       self.simulate(final.context, role_arn=other_role, extra=extra,
                                     boundary_extra=boundary_extra).final, False))
        self.what_if = [{"check": name, "before": before or "", "after": result,
                         "expected": "allowed" if want else "denied",
                         "as_expected": (result == ALLOWED) == want} for name, before, result, want in checks]

    def _check_over_broad(self, d: Decision) -> None:
        for t in d.deciding:
            st = t.statement
            if st.effect != "Allow":
                continue
            star = st.resources is not None and any(p.raw == "*" for p in st.resources) and not st.not_resource
            no_service = not any(cond.key.lower() == "iam:passedtoservice" for cond in st.conditions)
            if star or no_service:
                why = ("iam:PassRole on Resource \"*\"" if star else "iam:PassRole") + \
                      (" without an iam:PassedToService condition" if no_service else "")
                self.security.append({"policy": t.source.name, "statement": t.index + 1, "why": why,
                                      "advice": "AWS Access Analyzer warns on this: name the role ARN and add "
                                                "iam:PassedToService"})

    def step_verify(self, apply_fix: bool = False) -> Finding:
        title = "Verify the fix by simulation, before and after"

        def run() -> Finding:
            if not self.fix or not self.fix.get("policy"):
                status = OK if self.layers and self.layers[-1].final == ALLOWED else INFO
                return Finding(9, "verify", title, status, "no fix to verify" if status == INFO else
                               "nothing to fix: iam:PassRole is already allowed")
            frame = pd.DataFrame(self.what_if, columns=["check", "before", "after", "expected", "as_expected"])
            if not apply_fix:
                ok = all(w["as_expected"] for w in self.what_if)
                summary = ("what-if before applying: " + ("the fix allows exactly this role to "
                           f"{self.service}, and nothing next to it" if ok else "the fix does not behave as expected")
                           + ". Not applied (apply_fix=False): apply it with the command in step 8, then re-run")
                return Finding(9, "verify", title, INFO if ok else PROBLEM, summary, frame,
                               {"applied": False, "what_if": self.what_if})
            return self._apply_and_verify(frame)
        return self._guard(9, "verify", title, run)

    def _apply_and_verify(self, frame: pd.DataFrame) -> Finding:
        title = "Verify the fix by simulation, before and after"
        if getattr(self.target, "kind", "") == "snapshot":
            return Finding(9, "verify", title, COULD_NOT_CHECK, "could not check: a fix is never applied to a snapshot")
        if self.fix["where"] not in ("user", "group", "role"):
            return Finding(9, "verify", title, COULD_NOT_CHECK,
                           f"could not check: the kit does not change a {self.fix['where']}; apply it by hand")
        before = self.layers[-1].final
        doc_text = json.dumps(self.fix["policy"])
        ptype, pname, name = self.fix["principal_type"], self.fix["principal"], self.fix["policy_name"]
        with self.target.writable():
            self.target.put_inline_policy(ptype, pname, name, doc_text)
        read_back = dict(self._read_inline(ptype, pname)).get(name)
        same = read_back == self.fix["policy"]
        self._pp = None  # read every policy again: the check must see what AWS now holds
        after = self.simulate(self.layers[-1].context, label="after applying the fix")
        self.verification = {"applied": True, "policy_printed": doc_text, "read_back_matches": same,
                             "before": before, "after": after.final}
        status = OK if after.final == ALLOWED and same else PROBLEM
        summary = (f"applied {name} to the {ptype} {pname}; read back {'identical' if same else 'DIFFERENT'}; "
                   f"re-simulated: {before} → {after.final}")
        rows = pd.DataFrame([{"check": "applied, re-simulated", "before": before, "after": after.final,
                              "expected": "allowed", "as_expected": after.final == ALLOWED}])
        return Finding(9, "verify", title, status, summary, pd.concat([frame, rows], ignore_index=True),
                       dict(self.verification))

    def _read_inline(self, ptype: str, pname: str) -> list[tuple[str, dict[str, Any]]]:
        reader = {"user": self.target.list_user_inline_policies, "group": self.target.list_group_inline_policies,
                  "role": self.target.list_role_inline_policies}[ptype]
        return [(n, load_document(doc)) for n, doc in reader(pname)]

    def conclusion(self) -> Finding:
        """The verdicts, in the order of the procedure, and the rule to keep next time."""
        order = {v: i for i, v in enumerate(VERDICTS)}
        self.verdicts.sort(key=lambda v: order[v["verdict"]])
        frame = pd.DataFrame([{"verdict": v["verdict"], "details": json.dumps({k: x for k, x in v.items()
                                                                            if k != "verdict"}, default=str)}
                              for v in self.verdicts], columns=["verdict", "details"])
        names = [v["verdict"] for v in self.verdicts] or ["no verdict"]
        status = OK if names == ["allowed"] and not self.security else PROBLEM
        unconfirmed = [f"step {f.step} ({f.title}): {f.summary.removeprefix('could not check: ')}"
                       for f in self.findings if f.status == COULD_NOT_CHECK]
        summary = "verdict: " + ", ".join(names)
        if unconfirmed:
            summary += f" — not confirmed: {len(unconfirmed)} step(s) could not be checked"
        return self._add(Finding(10, "verdict", "Verdict", status, summary, frame,
                                 {"verdicts": self.verdicts, "rule": RULE, "security": self.security,
                                  "unconfirmed": unconfirmed}))

    # -- results ------------------------------------------------------------------------------------------
    def identifiers(self) -> dict[str, Any]:
        """Every identifier the reports must anonymise, gathered from what the investigation saw."""
        ids: dict[str, Any] = {"user": "", "role": self.role_name, "job": self.job, "profile": self.profile,
                               "account": "", "accounts": [], "users": [], "roles": [], "groups": [], "jobs": [],
                               "policies": []}
        try:
            ident = self._caller or self.target.caller_identity()  # step 1 read it already
            ids["investigator"] = ident["Arn"].rsplit("/", 1)[-1] if "/" in ident["Arn"] else ""
            ids["accounts"].append(ident["Account"])
        except (KitError, CouldNotCheck):
            pass
        try:
            pp = self.principal
            ids["account"] = pp.account
            if pp.principal_type == "user":
                ids["user"] = pp.name
            else:
                ids["roles"].append(pp.name)
            ids["groups"] = [g["GroupName"] for g in pp.groups]
        except KitError:
            ids["user"] = self.user.rsplit("/", 1)[-1]
        if self.error:
            ids["accounts"].append(self.error.account)
            for arn in (self.error.principal, self.error.resource):
                try:
                    a = parse_arn(arn)
                    ids["roles" if ":role/" in arn or "assumed-role/" in arn else "users"].append(a.name)
                    if "assumed-role/" in arn:
                        ids["roles"].append(a.resource.split("/")[1])
                except ArnError:
                    pass
        try:
            auth = self.target.authorization_details(aws_managed=False)
            ids["users"] += [u["UserName"] for u in auth["UserDetailList"]]
            ids["groups"] += [g["GroupName"] for g in auth["GroupDetailList"]]
            ids["roles"] += [r["RoleName"] for r in auth["RoleDetailList"]]
            ids["policies"] += [p.get("PolicyName") or p["Arn"].rsplit("/", 1)[-1] for p in auth["Policies"]
                                if not p.get("Arn", "").startswith("arn:aws:iam::aws:")]
        except (KitError, CouldNotCheck):
            pass
        try:
            ids["jobs"] += [j["Name"] for j in self.target.list_jobs()]
        except (KitError, CouldNotCheck):
            pass
        if self.job_frame is not None and not self.job_frame.empty:
            ids["roles"].append(self.job_frame.loc[0, "role_name"])
        for key in ("users", "roles", "groups", "jobs", "policies", "accounts"):
            ids[key] = sorted({x for x in ids[key] if x})
        return ids

    def results(self) -> dict[str, Any]:
        """findings.json (before anonymisation): verdicts, every step, simulations, the fix, the call tally."""
        return {
            "format": "glue-iam-kit/findings@1",
            "verdicts": self.verdicts,
            "error": self.error.as_dict() if self.error else None,
            "steps": [f.as_dict() for f in self.findings],
            "simulations": [self._layer_details(layer) for layer in self.layers],
            "fix": self.fix,
            "what_if": self.what_if,
            "verification": self.verification,
            "security": self.security,
            "aws_calls": dict(sorted(getattr(self.target, "calls", {}).items())),
            "rule": RULE,
        }

    def finish(self, artifacts_dir: str = "") -> pd.DataFrame:
        """Write the raw results for the reports (when asked), close the target, and show the call tally."""
        if not any(f.key == "verdict" for f in self.findings):
            self.conclusion()
        tally = c.render_call_tally(self.target)
        if artifacts_dir:
            from glue_iam_kit.sources.snapshot import write_json_atomic

            write_json_atomic(f"{artifacts_dir}/raw-results.json",
                              {"results": self.results(), "identifiers": self.identifiers()})
        self.target.close()
        return tally


def open_investigation(target: str = "sandbox", *, scenario: str = "seed-incident", profile: str = "",
                       region: str = "", snapshot_path: str = "", user: str = "", job: str = "", role: str = "",
                       service: str = "glue.amazonaws.com", error_text: str = "", account_id: str = "",
                       endpoint_url: str = "", scenario_params: dict[str, str] | None = None) -> Investigation:
    """Open the target and start an investigation (what the notebook's first cell calls)."""
    from glue_iam_kit.sources.base import open_target

    kwargs: dict[str, Any] = {}
    if target == "sandbox":
        # In the sandbox the names also build the scenario (a name, or the name in an ARN).
        try:
            kwargs = {"user": name_from(user, "user") if user else None,
                      "role": name_from(role, "role") if role else None, "job": job or None}
        except ArnError as exc:
            raise KitError(str(exc)) from None
        kwargs["account_id"] = account_id or None
        kwargs.update({k: v for k, v in (scenario_params or {}).items() if v})
    t = open_target(target, scenario=scenario, profile=profile or None, region=region or None,
                    snapshot_path=snapshot_path or None, endpoint_url=endpoint_url or None, **kwargs)
    try:
        inv = Investigation(t, user=user, job=job, role=role, service=service, error_text=error_text,
                            profile=profile)
        inv.principal  # noqa: B018 - an unknown principal makes the whole investigation impossible: say so now
    except Exception:
        t.close()
        raise
    return inv
