"""The one atomic writer, and the one list of an investigation's output files.

Every file the kit writes goes through :func:`atomic_path`: it is written under a temporary name in the same
directory and renamed into place, so a failed run never leaves a half-written report, snapshot or matrix.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple


class OutputFile(NamedTuple):
    name: str
    kind: str  # how the anonymisation check reads it: notebook, html, text, json
    anonymised: bool
    reader: str  # who it is for


# The four files of an investigation, in the order they are written and listed.
OUTPUT_FILES = (
    OutputFile("investigation.ipynb", "notebook", False, "the investigator: the executed notebook, every step"),
    OutputFile("report.html", "html", True, "a browser: the write-up, code hidden"),
    OutputFile("report.md", "text", True, "tickets and postmortem documents"),
    OutputFile("findings.json", "json", True, "machines: verdicts, simulations, the fix, the AWS call tally"),
)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside *path*; on success rename it into place, on failure remove it."""
    out = Path(path)
    out.absolute().parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.absolute().parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; the kit's files are ordinary files
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write *text* (UTF-8) to *path* atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> None:
    """Write *data* as indented JSON to *path* atomically."""
    write_text_atomic(path, json.dumps(data, indent=1, default=str) + "\n")
