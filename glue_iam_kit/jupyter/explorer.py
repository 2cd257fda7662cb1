"""The interactive explorer (ipywidgets): pick a target, a principal, a role and a job, change the request
context, and see, live, the decision, why (the trace), the nearest allows and the proposed fix — with a button
to simulate with the fix added.

The notebook (``notebooks/02_explore.ipynb``) only creates an :class:`Explorer` and displays it.
"""

from __future__ import annotations

import html
import json
from typing import Any

import ipywidgets as w

from glue_iam_kit.diagnosis.evidence import Evidence
from glue_iam_kit.diagnosis.fix import fix_policy, fix_policy_name, plan_fix, proposed_fix_record
from glue_iam_kit.diagnosis.review import review_fix
from glue_iam_kit.engine.context import RequestContext, context_value
from glue_iam_kit.engine.decision import ALLOWED, EXPLICIT_DENY
from glue_iam_kit.engine.explain import render_trace_text
from glue_iam_kit.engine.marks import strip_marks_deep
from glue_iam_kit.entrypoints import ENTRY_POINTS
from glue_iam_kit.errors import KitError
from glue_iam_kit.principals.context import request_context
from glue_iam_kit.reports.finding import render_fix_forms_html
from glue_iam_kit.reports.review import review_details, review_headline
from glue_iam_kit.sources.base import open_target
from glue_iam_kit.sources.sandbox import scenario_names

SERVICES = ["glue.amazonaws.com", "ec2.amazonaws.com", "lambda.amazonaws.com", "sagemaker.amazonaws.com"]
MFA_CHOICES = [("absent (long-term keys)", "absent"), ("false", "false"), ("true (MFA session)", "present")]
COLOURS = {ALLOWED: "#1a7f37", EXPLICIT_DENY: "#cf222e"}


def _decision_html(decision: str, note: str = "") -> str:
    colour = COLOURS.get(decision, "#9a6700")
    return (f'<span class="gik-decision" style="font-size:1.3em;font-weight:bold;color:{colour}">{decision}</span>'
            f"<span style='margin-left:1em'>{html.escape(note)}</span>")


class Explorer:
    """The explorer's state and widgets. ``Explorer()`` opens the seed incident on the sandbox."""

    def __init__(self, target: str = "sandbox", scenario: str = "seed-incident", profile: str = "",
                 region: str = "", snapshot_path: str = "") -> None:
        style = {"description_width": "110px"}
        self.target_kind = w.ToggleButtons(options=["sandbox", "aws", "snapshot"], value=target,
                                           description="Target", style=style)
        self.scenario = w.Dropdown(options=scenario_names(), value=scenario, description="Scenario", style=style)
        self.profile = w.Text(value=profile, description="AWS profile", style=style)
        self.region = w.Text(value=region, description="Region", style=style)
        self.snapshot_path = w.Text(value=snapshot_path, description="Snapshot file", style=style)
        self.load_button = w.Button(description="Load", button_style="primary", icon="download")
        self.progress = w.IntProgress(min=0, max=4, value=0, description="Loading", style=style,
                                      layout=w.Layout(visibility="hidden"))
        self.status = w.HTML()
        self.principal = w.Dropdown(description="Principal", style=style, layout=w.Layout(width="60%"))
        self.role = w.Dropdown(description="Role", style=style, layout=w.Layout(width="60%"))
        # Every Glue resource that passes a role: (label, (entry point, name)); ("", None) for none.
        self.job = w.Dropdown(description="Glue resource", style=style, layout=w.Layout(width="60%"))
        self.mfa = w.ToggleButtons(options=MFA_CHOICES, value="absent", description="MFA",
                                   style={**style, "button_width": "auto"})
        self.source_ip = w.Text(description="Source IP", placeholder="e.g. 203.0.113.7 (empty: none)", style=style)
        self.service = w.Dropdown(options=SERVICES, value=SERVICES[0], description="Passed to", style=style)
        self.decision = w.HTML()
        self.trace = w.HTML()
        self.nearest = w.HTML()
        self.fix = w.HTML()
        self.fix_button = w.Button(description="Simulate with the fix", icon="wrench", disabled=True)
        self.fix_result = w.HTML()
        self.review = w.HTML()  # the fix's security review
        self._target: Any = None
        self._evidence: Evidence | None = None
        self._quiet = False

        self.load_button.on_click(lambda _: self.load())
        self.fix_button.on_click(lambda _: self.simulate_with_fix())
        self.target_kind.observe(lambda _: self._show_target_fields(), names="value")
        for control in (self.principal, self.role, self.job):
            control.observe(lambda _: self._subject_changed(), names="value")
        for control in (self.mfa, self.source_ip, self.service):
            control.observe(lambda _: self.refresh(), names="value")
        self._show_target_fields()
        self.widget = w.VBox([
            w.HTML("<h3>Why can (or can't) this principal pass this role?</h3>"),
            w.HBox([self.target_kind, self.load_button]), self.scenario, self.profile, self.region,
            self.snapshot_path, self.progress, self.status,
            self.principal, self.role, self.job,
            w.HTML("<b>Request context</b>"), self.mfa, self.source_ip, self.service,
            w.HTML("<b>Decision</b>"), self.decision, self.trace,
            w.HTML("<b>Nearest allows</b>"), self.nearest,
            w.HTML("<b>Proposed fix</b>"), self.fix, self.review, self.fix_button, self.fix_result,
        ])
        self.load()

    # -- loading -----------------------------------------------------------------------------------------
    def _show_target_fields(self) -> None:
        kind = self.target_kind.value
        self.scenario.layout.display = "" if kind == "sandbox" else "none"
        self.profile.layout.display = "" if kind == "aws" else "none"
        self.region.layout.display = "" if kind in ("aws", "sandbox") else "none"
        self.snapshot_path.layout.display = "" if kind == "snapshot" else "none"

    def close(self) -> None:
        if self._target is not None:
            self._target.close()
            self._target = None

    def load(self) -> None:
        """Open the chosen target and fill the dropdowns from it (with a progress bar)."""
        self.close()
        self.progress.layout.visibility = "visible"
        self.progress.value = 0
        try:
            kind = self.target_kind.value
            self._target = open_target(kind, scenario=self.scenario.value, profile=self.profile.value or None,
                                       region=self.region.value or None,
                                       snapshot_path=self.snapshot_path.value or None)
            self.progress.value = 1
            auth = self._target.authorization_details(aws_managed=False)
            self.progress.value = 2
            resources: list[tuple[str, tuple[str, str]]] = []
            for ep in ENTRY_POINTS.values():
                try:
                    resources += [(f"{ep.noun.removeprefix('Glue ')}: {n}", (ep.name, n))
                                  for n in ep.list_names(self._target)]
                except KitError:
                    pass
            self.progress.value = 3
            principals = [u["Arn"] for u in auth["UserDetailList"]] + [r["Arn"] for r in auth["RoleDetailList"]]
            roles = [r["Arn"] for r in auth["RoleDetailList"]]
            defaults = self._target.subject_defaults()
            scenario = getattr(self._target, "scenario", None) or {}
            self._quiet = True
            self.principal.options, self.role.options = principals, roles
            self.job.options = [("", None), *resources]
            self.principal.value = self._default(principals, defaults.get("user"))
            self.role.value = self._default(roles, defaults.get("role"))
            wanted = (defaults.get("entry_point", "job"), defaults.get("resource") or defaults.get("job", ""))
            values = [v for _, v in resources]
            self.job.value = wanted if wanted in values else (values[0] if values else None)
            self._quiet = False
            self.status.value = f"<i>{kind}{': ' + scenario.get('description', '') if scenario else ''}</i>"
            self.progress.value = 4
            self._subject_changed()
        except KitError as exc:
            self._quiet = False
            self.status.value = f"<b style='color:#cf222e'>could not load: {html.escape(str(exc))}</b>"
        finally:
            self.progress.layout.visibility = "hidden"

    @staticmethod
    def _default(options: list[str], name: str | None) -> str | None:
        match = [o for o in options if name and o.rsplit("/", 1)[-1] == name]
        return match[0] if match else (options[0] if options else None)

    def _subject_changed(self) -> None:
        if self._quiet or self._target is None or not self.principal.value or not self.role.value:
            return
        kind, name = self.job.value or ("job", "")
        self._evidence = Evidence(self._target, user=self.principal.value, role=self.role.value,
                                  job=name if kind == "job" else "", entry_point=kind, resource=name,
                                  service=self.service.value)
        self.refresh()

    # -- evaluating --------------------------------------------------------------------------------------
    def context(self) -> RequestContext:
        """The request context the toggles describe (the same builder the investigation and the matrix use)."""
        assert self._evidence is not None
        extra = []
        if self.source_ip.value.strip():
            try:
                extra.append(context_value("aws:SourceIp", self.source_ip.value.strip(), "ip"))
            except KitError as exc:
                self.decision.value = _decision_html("?", str(exc))
                raise
        return request_context(self._evidence.principal, self.service.value, self.mfa.value, extra)

    def refresh(self) -> None:
        """Simulate with the current choices and show the decision, the trace, the nearest allows, the fix."""
        if self._quiet or self._evidence is None:
            return
        self.fix_result.value = ""
        try:
            layer = self._evidence.simulate(self.context(), role_arn=self.role.value)
        except KitError as exc:
            self.trace.value = f"<b>could not check:</b> {html.escape(str(exc))}"
            return
        d = layer.decision
        note = f"(AWS simulator: {layer.aws_decision})" if layer.aws_decision else ""
        self.decision.value = _decision_html(layer.final, note)
        self.trace.value = f"<pre>{html.escape(render_trace_text(d))}</pre>"
        rows = "".join(f"<tr><td>{i + 1}</td><td>{html.escape(t.label)}</td><td>{html.escape('; '.join(t.failures))}"
                       f"</td></tr>" for i, t in enumerate(d.nearest_allows[:5]))
        self.nearest.value = (f"<table><tr><th>#</th><th>statement</th><th>why it missed</th></tr>{rows}</table>"
                              if rows else "<i>none</i>")
        doc = fix_policy(self.role.value, self.service.value)
        forms = ""
        if layer.final != ALLOWED:
            try:
                fix = strip_marks_deep(plan_fix(self._evidence, d)[0])
                forms = (f"<p><em>{html.escape(fix['note'])}</em></p>" if fix.get("note") else "") + \
                    render_fix_forms_html(fix)
            except KitError as exc:
                forms = f"<i>could not place the fix: {html.escape(str(exc))}</i>"
        self.fix.value = f"<pre>{html.escape(json.dumps(doc, indent=2))}</pre>{forms}"
        self.fix_button.disabled = layer.final == ALLOWED
        self.review.value = self._review_html(doc) if layer.final != ALLOWED else ""

    def _review_html(self, doc: dict) -> str:
        """The fix's security review (issue 22): what passing the chosen role gives."""
        record = proposed_fix_record(fix_policy_name(self.service.value), doc)
        review = review_fix(self._evidence, [record], None, role_arn=self.role.value)
        lines = "".join(f"<li>{html.escape(line)}</li>" for line in review_details(review))
        colour = "#cf222e" if review.get("escalation") else "#1a7f37"
        return (f"<p style='color:{colour}'><b>{html.escape(review_headline(review))}</b></p>"
                + (f"<ul>{lines}</ul>" if lines else ""))

    def simulate_with_fix(self) -> None:
        """What-if: the same request with the least-privilege policy added."""
        if self._evidence is None:
            return
        record = proposed_fix_record(fix_policy_name(self.service.value),
                                     fix_policy(self.role.value, self.service.value))
        layer = self._evidence.simulate(self.context(), role_arn=self.role.value, extra=[record])
        self.decision.value = _decision_html(layer.final, "with the proposed fix")
        self.fix_result.value = f"with the fix: <b>{layer.final}</b>"
        self.trace.value = f"<pre>{html.escape(render_trace_text(layer.decision))}</pre>"

    @property
    def shown_decision(self) -> str:
        """The decision currently shown (for tests and scripts)."""
        text = self.decision.value
        return text.split(">", 1)[1].split("<", 1)[0] if ">" in text else ""

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
