"""Benchmark: the whole ``glue-iam-kit investigate --sandbox seed-incident`` against papermill executing an empty
one-cell notebook (the floor: process start, kernel start, papermill), side by side, alternating, in one run.

Target: at most 1.5x the floor. Prints each run and the medians.
Run: ``.venv/bin/python benchmarks/bench_investigate.py`` (or ``make bench``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

BIN = Path(sys.executable).parent


def _run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs of each, alternating (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.ipynb"
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, empty)
        floor_cmd = [str(BIN / "papermill"), "--no-progress-bar", str(empty), str(Path(tmp) / "out.ipynb")]
        kit_cmd = [str(BIN / "glue-iam-kit"), "investigate", "--sandbox", "seed-incident", "-q",
                   "--out", str(Path(tmp) / "reports")]
        _run(floor_cmd)  # warm the file cache once for both
        floors, kits = [], []
        for i in range(args.runs):
            floors.append(_run(floor_cmd))
            kits.append(_run(kit_cmd))
            print(f"run {i + 1}: papermill empty notebook {floors[-1]:6.2f} s   investigate {kits[-1]:6.2f} s")
    floor, kit = statistics.median(floors), statistics.median(kits)
    print(f"median: floor {floor:.2f} s, investigate {kit:.2f} s, ratio {kit / floor:.2f} (target <= 1.50)")


if __name__ == "__main__":
    main()
