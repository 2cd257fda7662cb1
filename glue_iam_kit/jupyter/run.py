"""Run the investigation notebook with papermill and write the four files of an investigation.

- ``investigation.ipynb``: the executed notebook, not anonymised, for the investigator only;
- ``report.html``: anonymised, code hidden, standalone (nbconvert, rendered in this process);
- ``report.md``: anonymised, for tickets and postmortem documents;
- ``findings.json``: anonymised, machine-readable.

Every file is rendered first and written last (temporary file, then rename): a failed run leaves no half
report. A last check refuses to write an anonymised file in which a real identifier survives.
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

from glue_iam_kit.errors import KitError
from glue_iam_kit.reports.anonymise import Anonymiser, find_survivors

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

    The kernel is started first, so that it boots on the other core while papermill (a heavy import) loads
    here; *while_running* (a callable) is started in a thread once papermill is loaded.
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


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run_investigation(parameters: dict[str, Any], out_dir: str, progress: bool = True,
                      notebook: str = INVESTIGATION) -> dict[str, Any]:
    """Execute the investigation (or training) notebook and write its four files into *out_dir*; return the
    verdicts and the paths."""
    from glue_iam_kit.reports.markdown import render_report_html, render_report_md, warm_up

    warmed = threading.Event()

    def warm() -> None:  # load nbconvert while the kernel works: this process only waits then
        try:
            warm_up()
        finally:
            warmed.set()

    with tempfile.TemporaryDirectory(prefix="glue-iam-kit-") as tmp:
        executed = os.path.join(tmp, "investigation.ipynb")
        execute_notebook(notebook, executed, {**parameters, "artifacts_dir": tmp}, progress, cwd=tmp,
                         while_running=warm)
        raw_path = os.path.join(tmp, "raw-results.json")
        if not os.path.exists(raw_path):
            raise KitError("the notebook ran but left no results: is it the kit's own notebook?")
        with open(raw_path, encoding="utf-8") as fh:
            raw = json.load(fh)
        with open(executed, encoding="utf-8") as fh:
            notebook_text = fh.read()

    warmed.wait(timeout=60)
    identifiers = dict(raw["identifiers"])
    if parameters.get("profile"):
        identifiers["profile"] = parameters["profile"]
    anonymiser = Anonymiser(identifiers)
    anonymous_nb = anonymiser.anonymise_notebook(json.loads(notebook_text))
    results = anonymiser.anonymise_object(raw["results"])
    files = {
        "report.html": render_report_html(anonymous_nb),
        # The report's own prose is anonymised too: a name may collide with a word the report uses.
        "report.md": anonymiser.anonymise_text(render_report_md(results)),
        "findings.json": json.dumps(results, indent=1, default=str) + "\n",
    }
    kinds = {"report.html": "html", "report.md": "text", "findings.json": "json"}
    for name, text in files.items():
        survivors = find_survivors(text, identifiers, kinds[name])
        if survivors:
            # Never name them here: this message may itself end up in a ticket.
            raise KitError(f"refusing to write {name}: {len(survivors)} identifier(s) survived anonymisation")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files["investigation.ipynb"] = notebook_text
    for name in ("investigation.ipynb", "report.html", "report.md", "findings.json"):
        _atomic_write(out / name, files[name])
    return {"verdicts": [v["verdict"] for v in raw["results"]["verdicts"]],
            "paths": {name: str(out / name) for name in ("investigation.ipynb", "report.html", "report.md",
                                                          "findings.json")}}
