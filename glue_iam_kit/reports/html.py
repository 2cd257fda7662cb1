"""report.html: the executed notebook (already anonymised) as one standalone page, code hidden (nbconvert, in
this process; its template is loaded while the kernel runs)."""

from __future__ import annotations

import json
from typing import Any

_exporter: Any = None


def _html_exporter() -> Any:
    global _exporter
    if _exporter is None:
        from nbconvert import HTMLExporter

        _exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    return _exporter


def warm_up() -> None:
    """Import nbconvert and load its template ahead of time (called while the kernel runs)."""
    import nbformat

    _html_exporter().from_notebook_node(nbformat.v4.new_notebook())


def render_report_html(notebook: dict[str, Any]) -> str:
    """The notebook (already anonymised) as standalone HTML with the code hidden (nbconvert, in process)."""
    import nbformat

    body, _ = _html_exporter().from_notebook_node(nbformat.reads(json.dumps(notebook), as_version=4))
    return body
