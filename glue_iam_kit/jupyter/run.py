"""Run the kit's notebooks with papermill, and an investigation's four files from one run.

The kernel is started before papermill is imported, so it boots on the other core while papermill loads. The
notebook's last output hands its results over (:class:`~glue_iam_kit.diagnosis.handover.Handover`, no side
file); the reports are rendered from them here (:mod:`glue_iam_kit.reports.bundle`).
"""

from __future__ import annotations

import json
import os
import sys
import sysconfig
import tempfile
import threading
from pathlib import Path
from typing import Any

from glue_iam_kit.diagnosis.handover import RESULTS_MEDIA_TYPE
from glue_iam_kit.errors import KitError

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"  # a checkout (editable install)
# A wheel install puts them under <prefix>/share (pyproject's data-files).
INSTALLED_NOTEBOOK_DIRS = tuple(Path(p) / "share" / "glue-iam-kit" / "notebooks"
                                for p in dict.fromkeys((sysconfig.get_path("data"), sys.prefix)))
PRELOAD = "import pandas, boto3, moto"
INVESTIGATION = "01_investigate_passrole.ipynb"
TRAINING = "03_training.ipynb"


def notebook_path(name: str) -> Path:
    """A numbered notebook of the kit: ``notebooks/`` beside the package, else where a wheel installed them."""
    for folder in (NOTEBOOK_DIR, *INSTALLED_NOTEBOOK_DIRS):
        if (folder / name).exists():
            return folder / name
    raise KitError(f"notebook {name} not found in {NOTEBOOK_DIR} or {INSTALLED_NOTEBOOK_DIRS[0]}: reinstall the "
                   "kit (`make demo`, `pip install -e .` or its wheel)")


def execute_notebook(name: str, output: str, parameters: dict[str, Any], progress: bool = True,
                     cwd: str | None = None, while_running: Any = None) -> None:
    """papermill, with a clear error instead of a traceback when a cell fails.

    *while_running* (a callable) is started in a thread once papermill is loaded.
    """
    from jupyter_client.manager import KernelManager

    source = str(notebook_path(name))
    km = KernelManager(kernel_name="python3")
    # The kernel would wait idle for papermill to load: let it import what the first cell needs meanwhile.
    # (Its log stays at errors: the TCP warning is about a loopback kernel this process started itself.)
    km.start_kernel(cwd=cwd, extra_arguments=[f"--IPKernelApp.exec_lines={PRELOAD}", "--IPKernelApp.log_level=ERROR"])
    try:
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

        if while_running is not None:
            threading.Thread(target=while_running, daemon=True).start()
        try:
            pm.execute_notebook(source, output, parameters=parameters, progress_bar=progress, kernel_name="python3",
                                language="python", log_output=False, cwd=cwd, km=km,
                                request_save_on_cell_execute=False)  # only the final notebook is needed
        except PapermillExecutionError as exc:
            raise KitError(f"{exc.evalue}" if exc.ename.endswith(("Error", "Exception")) and exc.evalue
                           else f"the notebook failed: {exc.ename}: {exc.evalue}") from None
    finally:
        km.shutdown_kernel(now=True)


def take_handover(notebook: dict[str, Any]) -> dict[str, Any]:
    """The results the notebook handed over, removed from its outputs (raises KitError when there are none)."""
    found = None
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            if RESULTS_MEDIA_TYPE in output.get("data", {}):
                found = output["data"].pop(RESULTS_MEDIA_TYPE)
    if found is None:
        raise KitError("the notebook ran but left no results: is it the kit's own notebook?")
    return json.loads("".join(found) if isinstance(found, list) else found)


def run_investigation(parameters: dict[str, Any], out_dir: str, progress: bool = True,
                      notebook: str = INVESTIGATION, report: str = "postmortem") -> dict[str, Any]:
    """Execute the investigation (or training) notebook and write its four files into *out_dir*; return the
    verdicts and the paths."""
    from glue_iam_kit.reports.html import warm_up

    warmed = threading.Event()

    def warm() -> None:  # load nbconvert while the kernel works: this process only waits then
        try:
            warm_up()
        finally:
            warmed.set()

    with tempfile.TemporaryDirectory(prefix="glue-iam-kit-") as tmp:
        executed = os.path.join(tmp, "investigation.ipynb")
        execute_notebook(notebook, executed, parameters, progress, cwd=tmp, while_running=warm)
        with open(executed, encoding="utf-8") as fh:
            executed_nb = json.load(fh)
    raw = take_handover(executed_nb)
    notebook_text = json.dumps(executed_nb, indent=1, ensure_ascii=False) + "\n"

    warmed.wait(timeout=60)
    return write_investigation(raw["results"], raw["identifiers"], notebook_text, out_dir, parameters, report)


def write_investigation(results: dict[str, Any], identifiers: dict[str, Any], notebook_text: str, out_dir: str,
                        parameters: dict[str, Any], report: str = "postmortem") -> dict[str, Any]:
    """The four files of an investigation's *results* (``Investigation.results()``) into *out_dir*, anonymised as
    the CLI's are (the profile and a snapshot's path are identifiers too); the verdicts and the paths. The CLI's
    notebook run and :meth:`glue_iam_kit.account.InvestigationResult.write_reports` both end here."""
    from glue_iam_kit.reports.bundle import render_outputs, write_outputs

    identifiers = dict(identifiers)
    if parameters.get("profile"):
        identifiers["profile"] = parameters["profile"]
    if parameters.get("snapshot_path"):  # a local path says whose machine and which account
        identifiers["paths"] = [parameters["snapshot_path"], os.path.basename(parameters["snapshot_path"])]
    paths = write_outputs(out_dir, render_outputs(notebook_text, results, identifiers, report))
    # The steps (not anonymised) stay in this process: train prints the grade from them.
    return {"verdicts": [v["verdict"] for v in results["verdicts"]], "paths": paths, "steps": results["steps"]}
