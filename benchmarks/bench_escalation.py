"""Benchmark: ``escalation`` against ``matrix`` on the same snapshot, side by side in one run (issue 22).

1. The matrix benchmark's generator (:func:`glue_iam_kit.sources.synthetic.synthetic_snapshot`; default 500 users
   and 1,000 roles) writes one snapshot file.
2. ``glue-iam-kit matrix --snapshot FILE --out FILE.parquet -q`` and ``glue-iam-kit escalation --snapshot FILE
   --out FILE.csv -q`` run as their own processes, in turn (A B A B ...: a drifting machine moves both), each
   ``--runs`` times; start-up, reading and writing included, as a user runs them.
3. Printed: the median wall time of each, their ratio (goal: escalation <= 3x matrix), and the routes found.

The same pair from outside, with ``farm-bench``::

    farm-bench --vs '.venv/bin/glue-iam-kit matrix --snapshot S.json --out /tmp/m.parquet -q' -- \\
        .venv/bin/glue-iam-kit escalation --snapshot S.json --out /tmp/e.csv -q

Run: ``.venv/bin/python benchmarks/bench_escalation.py [--users N --roles M --runs K]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RATIO_TARGET = 3.0


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "glue-iam-kit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "glue_iam_kit.cli"]


def _timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([*_cli(), *args], check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--roles", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    from glue_iam_kit.sources.synthetic import synthetic_snapshot

    with tempfile.TemporaryDirectory() as tmp:
        snap = Path(tmp) / "account.json"
        # The matrix benchmark's shapes: groups and policies scale with the users.
        snap.write_text(json.dumps(synthetic_snapshot(users=args.users, roles=args.roles,
                                                      groups=max(2, args.users // 12),
                                                      policies=max(7, args.users // 5))))
        matrix_args = ["matrix", "--snapshot", str(snap), "--out", str(Path(tmp) / "m.parquet"), "-q"]
        routes_csv = Path(tmp) / "routes.csv"
        escalation_args = ["escalation", "--snapshot", str(snap), "--out", str(routes_csv), "-q"]
        _timed(matrix_args)  # warm-up: file caches, bytecode
        matrix_s, escalation_s = [], []
        for _ in range(args.runs):
            escalation_s.append(_timed(escalation_args))
            matrix_s.append(_timed(matrix_args))
        rows = routes_csv.read_text().count("\n") - 1
        m, e = statistics.median(matrix_s), statistics.median(escalation_s)
        ratio = e / m
        print(f"{args.users} users + {args.roles} roles ({(args.users + args.roles) * args.roles:,} pairs)")
        print(f"matrix      median {m:6.2f} s  (runs: {', '.join(f'{s:.2f}' for s in matrix_s)})")
        print(f"escalation  median {e:6.2f} s  (runs: {', '.join(f'{s:.2f}' for s in escalation_s)}); "
              f"{rows:,} routes")
        print(f"ratio escalation / matrix: {ratio:.2f}x (goal <= {RATIO_TARGET:.0f}x): "
              + ("met" if ratio <= RATIO_TARGET else "NOT met"))
    return 0 if ratio <= RATIO_TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
