"""Benchmark: the organisation matrix on Dask (issue 16), side by side with the loop it replaces, in one run.

1. A synthetic organisation (default 200 accounts of 100 users + 200 roles) is written as ``org snapshot`` would.
2. Baseline: ``glue-iam-kit matrix --snapshot ACCOUNT.json --out ACCOUNT.parquet`` as 200 sequential processes
   (what a user's own loop does).
3. ``glue-iam-kit org matrix --snapshots DIR --out DATASET`` as one process: a LocalCluster of one worker process
   per CPU (cluster start-up included in its time).
4. Every account's rows in the dataset must equal its own ``matrix`` output (compared for every account).
5. Printed: both wall times and their ratio (target <= 0.5), and the peak memory of the scheduler and workers as
   ``org matrix`` reports it (bounded by the worker count, not the account count: the run is repeated on a
   quarter of the accounts to show it).

Run: ``.venv/bin/python benchmarks/bench_org.py [--accounts N]`` (or ``make bench``).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RATIO_TARGET = 0.5


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "glue-iam-kit"  # the console script, as a user's loop calls it
    return [str(script)] if script.exists() else [sys.executable, "-m", "glue_iam_kit.cli"]


def _org_matrix(snaps: Path, out: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([*_cli(), "org", "matrix", "--snapshots", str(snaps), "--out", str(out), "-q"],
                          check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--roles", type=int, default=200)
    args = ap.parse_args()

    import pandas as pd

    from glue_iam_kit.org.matrix import read_org_dataset
    from glue_iam_kit.sources.synthetic import synthetic_org

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        paths = [Path(p) for p in synthetic_org(str(work / "snaps"), accounts=args.accounts, users=args.users,
                                                roles=args.roles)]
        print(f"{args.accounts} synthetic accounts of {args.users} users + {args.roles} roles "
              f"({args.accounts * (args.users + args.roles) * args.roles:,} pairs in all)")

        (work / "own").mkdir()
        started = time.perf_counter()
        for p in paths:
            subprocess.run([*_cli(), "matrix", "--snapshot", str(p), "--out", str(work / "own" / f"{p.stem}.parquet"),
                            "-q"], check=True, capture_output=True)
        sequential = time.perf_counter() - started
        print(f"sequential `glue-iam-kit matrix` processes: {sequential:7.1f} s")

        dask_s, stdout = _org_matrix(work / "snaps", work / "dataset")
        print(f"`glue-iam-kit org matrix` on a LocalCluster: {dask_s:7.1f} s")
        ratio = dask_s / sequential
        print(f"ratio org / sequential: {ratio:.2f} (target <= {RATIO_TARGET}) "
              f"{'OK' if ratio <= RATIO_TARGET else 'MISSED'}")
        peak = re.search(r"peak memory ([\d,]+) MiB over (\d+) process", stdout)
        if peak:
            print(f"peak memory, scheduler + workers: {peak.group(1)} MiB over {peak.group(2)} processes")

        quarter = work / "quarter"
        quarter.mkdir()
        for p in paths[: max(1, len(paths) // 4)]:
            (quarter / p.name).symlink_to(p)
        _, small = _org_matrix(quarter, work / "dataset-quarter")
        small_peak = re.search(r"peak memory ([\d,]+) MiB", small)
        if small_peak and peak:
            print(f"  a quarter of the accounts: {small_peak.group(1)} MiB (memory follows the workers, not the "
                  "accounts)")

        data = read_org_dataset(work / "dataset")
        mismatched = []
        for p in paths:
            want = pd.read_parquet(work / "own" / f"{p.stem}.parquet").astype(str)
            got = data[data.account_id == p.stem].drop(columns="account_id").astype(str)[list(want.columns)]
            key = ["principal_arn", "role_arn"]
            if not want.sort_values(key, ignore_index=True).equals(got.sort_values(key, ignore_index=True)):
                mismatched.append(p.stem)
        print(f"rows equal to each account's own matrix: {len(paths) - len(mismatched)}/{len(paths)} accounts"
              + (f" (DIFFERENT: {', '.join(mismatched[:5])})" if mismatched else ""))
        return 0 if not mismatched else 1


if __name__ == "__main__":
    raise SystemExit(main())
