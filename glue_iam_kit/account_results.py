"""What :class:`glue_iam_kit.account.Account` returns beside DataFrames: a simulation and an investigation, each
rendering itself in Jupyter."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from glue_iam_kit.errors import CouldNotCheck, KitError
from glue_iam_kit.model import GLUE_SERVICE, PASSROLE


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
    """The decision of :meth:`Account.simulate`, by the local evaluator over the principal's policies, its
    boundary and the SCPs (the investigation's own request context, :func:`glue_iam_kit.principals.context.
    request_context`)."""
    from glue_iam_kit.diagnosis.reproduce import render_simulate_command
    from glue_iam_kit.engine.context import context_from_mapping, context_value
    from glue_iam_kit.engine.evaluator import Request, evaluate_request
    from glue_iam_kit.engine.explain import render_trace_text
    from glue_iam_kit.frames import render_trace_frame
    from glue_iam_kit.principals import gather_scps
    from glue_iam_kit.principals.base import tag_map
    from glue_iam_kit.principals.context import request_context, role_values

    pp = account.principal(principal)
    passrole = action.lower() == PASSROLE.lower()
    if not resource:
        raise KitError("simulate needs the resource: the role ARN (or name) for iam:PassRole, else the ARN")
    extra = list(context_from_mapping(context or {}))
    if source_ip:
        extra.append(context_value("aws:SourceIp", source_ip, "ip"))
    ctx = request_context(pp, (service or GLUE_SERVICE) if passrole else (service or ""), mfa, extra)
    notes: list[str] = []
    if passrole:
        if not resource.startswith("arn:"):
            resource = f"arn:aws:iam::{pp.account}:role/{resource}"
        try:
            ctx = ctx.with_values(*role_values(tag_map(account.target.get_role(resource.rsplit("/", 1)[-1]))))
        except KitError as exc:
            notes.append(f"the role's tags could not be read ({exc}): iam:ResourceTag/* absent")
    try:
        scps = gather_scps(account.target)
    except CouldNotCheck as exc:
        scps, _ = [], notes.append(f"SCPs could not be read ({exc}); evaluated without them")
    decision = evaluate_request(pp.policy_set(scps), Request(action, resource, pp.arn, ctx))
    trace = render_trace_frame(decision)
    frame = trace[trace["deciding"] | trace["nearest_rank"].notna()].reset_index(drop=True)
    command = render_simulate_command(pp.arn, action, resource, ctx, profile=account.profile)
    return Simulation(decision.decision, frame, trace, render_trace_text(decision), ctx.as_entries(), [command],
                      notes + list(pp.problems))


class InvestigationResult:
    """An investigation run in process: ``verdicts`` (the verdict words, in order), ``fix`` (as in
    findings.json), ``steps`` (each with ``key``, ``status``, ``summary``, ``frame`` and ``reproduce``),
    ``findings`` (findings.json as data, not anonymised) and :meth:`write_reports`."""

    def __init__(self, inv: Any, parameters: dict[str, Any]) -> None:
        self.investigation = inv
        self.parameters = parameters
        self.document = inv.results()
        self.identifiers = inv.identifiers()

    @property
    def verdicts(self) -> list[str]:
        return [v["verdict"] for v in self.document["verdicts"]]

    @property
    def fix(self) -> dict[str, Any] | None:
        return self.document["fix"]

    @property
    def steps(self) -> list[Any]:
        return list(self.investigation.findings)

    def step(self, key: str) -> Any:
        """The step *key* (``account``, ``groups``, ``simulate``, ...)."""
        found = self.investigation.finding(key)
        if found is None:
            raise KitError(f"no step {key!r}; the steps are {', '.join(f.key for f in self.steps)}")
        return found

    @property
    def findings(self) -> dict[str, Any]:
        return self.document

    def summary(self) -> pd.DataFrame:
        """One row per step: step, key, status, summary."""
        return pd.DataFrame([{"step": f.step, "key": f.key, "status": f.status, "summary": f.summary}
                             for f in self.steps], columns=["step", "key", "status", "summary"])

    def write_reports(self, out_dir: str, report: str = "postmortem") -> dict[str, str]:
        """The CLI's four files (investigation.ipynb, report.html, report.md, findings.json; the reports
        anonymised) into *out_dir*; their paths by name."""
        from glue_iam_kit.jupyter.run import write_investigation

        notebook = render_steps_notebook(self.steps)
        return write_investigation(self.document, self.identifiers, notebook, out_dir, self.parameters,
                                   report)["paths"]

    def __repr__(self) -> str:
        return f"verdict: {', '.join(self.verdicts) or 'none'}\n" + self.summary().to_string(index=False)

    def _repr_html_(self) -> str:
        return (f"<p><strong>verdict: {html.escape(', '.join(self.verdicts) or 'none')}</strong></p>"
                + self.summary().to_html(index=False, border=0))


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


__all__ = ["InvestigationResult", "Simulation", "render_steps_notebook", "simulate_principal"]
