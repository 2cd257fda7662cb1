"""A whole notebook anonymised (pure): cell sources, outputs (text, HTML, JSON), tracebacks and metadata.

A notebook shows real renderings, without marks (:mod:`glue_iam_kit.engine.marks`): there only shapes and the
known names that are no kit word are replaced (:meth:`Anonymiser.anonymise_text`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glue_iam_kit.reports.anonymise import Anonymiser


def _anonymise_output(self: Anonymiser, mime: str, value: Any) -> Any:
    if mime == "text/html":
        if isinstance(value, list):  # nbformat keeps lines: a tag may span two of them
            return self.anonymise_html("".join(value)).splitlines(keepends=True)
        return self.anonymise_html(value) if isinstance(value, str) else self.anonymise_object(value, typed=False)
    return self.anonymise_object(value, as_html=mime == "text/markdown", typed=False)

def anonymise_notebook(self: Anonymiser, nb: dict[str, Any]) -> dict[str, Any]:
    """Every part of a notebook: cell sources, outputs (text, HTML, JSON), tracebacks and metadata. (A
    notebook shows real renderings, without marks: only shapes and known names are replaced there.)"""
    out = dict(nb)
    out["metadata"] = self.anonymise_object(nb.get("metadata", {}), typed=False)
    cells = []
    for cell in nb.get("cells", []):
        cell = dict(cell)
        is_md = cell.get("cell_type") == "markdown"
        cell["source"] = self.anonymise_object(cell.get("source", ""), as_html=is_md, typed=False)
        cell["metadata"] = self.anonymise_object(cell.get("metadata", {}), typed=False)
        if "outputs" in cell:
            outputs = []
            for o in cell["outputs"]:
                o = dict(o)
                if "data" in o:
                    o["data"] = {mime: _anonymise_output(self, mime, v) for mime, v in o["data"].items()}
                for key in ("text", "traceback", "evalue", "ename", "metadata"):
                    if key in o:
                        o[key] = self.anonymise_object(o[key], typed=False)
                outputs.append(o)
            cell["outputs"] = outputs
        for key in list(cell):
            if key not in ("source", "metadata", "outputs", "cell_type", "execution_count", "id"):
                cell[key] = self.anonymise_object(cell[key], typed=False)
        cells.append(cell)
    out["cells"] = cells
    return out
