"""Benchmark: the account-wide PassRole matrix at scale (issue 7), with pair-by-pair baselines in the same run.

1. A synthetic account (default 2,000 users, 5,000 roles: 7,000 principals × 5,000 roles = 35,000,000 pairs) is
   written as a snapshot file.
2. ``glue-iam-kit matrix --snapshot FILE --out FILE.parquet`` (then ``.csv``) runs as its own process, its
   progress bars (with decisions/s) shown; wall time and peak memory summed over the process tree (sampled from
   /proc) are printed against the targets: <= 60 s, <= 2 GiB.
3. On a fixed random sample of pairs, the plain evaluator decides pair by pair (policies compiled once per
   principal, generous to it); its per-decision time, extrapolated to every pair, is compared with the matrix.
   The sample's decisions must equal the matrix's.
4. The same sample through principalmapper when it is available: importable here, or a Python that has it
   given by ``--pmapper-python`` or ``PMAPPER_PYTHON`` (it is AGPL and unmaintained: never a dependency).

Run: ``.venv/bin/python benchmarks/bench_matrix.py`` (or ``make bench``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WALL_TARGET_S = 60.0
MEMORY_TARGET = 2 * 1024**3


def _tree_rss(root: int) -> int:
    """Resident memory of *root* and all its descendants, in bytes (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry}/statm") as fh:
                pages = int(fh.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def run_measured(cmd: list[str]) -> tuple[float, int, int, str]:
    """(wall seconds, peak RSS summed over the process tree, largest single-process ru_maxrss, stdout) of *cmd*."""
    peak = 0
    started = time.perf_counter()
    # stderr (the progress bars, with decisions/s) passes through; stdout is kept for the caller.
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    printed = proc.stdout.read() if proc.stdout else ""
    code = proc.wait()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if code:
        raise SystemExit(f"{' '.join(cmd)} failed with exit status {code}")
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return wall, peak, maxrss, printed


def _gib(n: int) -> str:
    return f"{n / 1024**3:.2f} GiB"


PMAPPER_PROCESS = r"""
import collections, collections.abc, json, sys, time
collections.Mapping = collections.abc.Mapping
collections.MutableMapping = collections.abc.MutableMapping
from principalmapper.common import Node, Policy
from principalmapper.querying.query_interface import local_check_authorization_full
data = json.load(open(sys.argv[1]))
scps = [[Policy(f"arn:aws:organizations::1:policy/scp{n}{i}", f"scp{n}{i}", d) for i, d in enumerate(level)]
        for n, level in enumerate(data["scps"])] or None
nodes = {}
for arn, p in data["principals"].items():
    pols = [Policy(f"arn:aws:iam::1:policy/p{i}", f"p{i}", d) for i, d in enumerate(p["identity"])]
    boundary = Policy("arn:aws:iam::1:policy/b", "b", p["boundary"]) if p["boundary"] else None
    trust = {"Version": "2012-10-17", "Statement": []} if ":role/" in arn else None  # roles need one
    nodes[arn] = (Node(arn, "AIDAEXAMPLE", pols, [], trust, None, 0, False, False, boundary, False, {}), p["context"])
t0 = time.perf_counter()
answers = [local_check_authorization_full(nodes[a][0], "iam:PassRole", r, nodes[a][1],
                                          service_control_policy_groups=scps) for a, r in data["pairs"]]
print(json.dumps({"seconds": time.perf_counter() - t0, "answers": answers}))
"""


def pmapper_python(arg: str | None) -> str | None:
    """A Python that can import principalmapper: *arg*, $PMAPPER_PYTHON, or this one."""
    for candidate in (arg, os.environ.get("PMAPPER_PYTHON"), sys.executable):
        if not candidate:
            continue
        probe = subprocess.run([candidate, "-c", "import collections, collections.abc; "
                                "collections.Mapping = collections.abc.Mapping; "
                                "collections.MutableMapping = collections.abc.MutableMapping; import principalmapper"],
                               capture_output=True)
        if probe.returncode == 0:
            return candidate
    return None


def bench_pairs(snapshot: str, sample: int, matrix_wall: float, pm_python: str | None) -> None:
    from glue_iam_kit.engine.evaluator import Request, evaluate_request
    from glue_iam_kit.matrix import MatrixAccount
    from glue_iam_kit.model import DECISIONS
    from glue_iam_kit.principals.context import request_context
    from glue_iam_kit.sources.snapshot import SnapshotTarget

    target = SnapshotTarget.from_file(snapshot)
    account = MatrixAccount(target)
    t0 = time.perf_counter()
    matrix = account.decide()
    decide_s = time.perf_counter() - t0
    rng = random.Random(7)
    n_p, n_r = len(account.principals), len(account.roles)
    picks = [(rng.randrange(n_p), rng.randrange(n_r)) for _ in range(sample)]
    prepared = {}
    for p, _ in picks:
        if p not in prepared:
            pp = account.principals[p]
            prepared[p] = (pp.policy_set(account.scps), request_context(pp, "glue.amazonaws.com"), pp.arn)
    t0 = time.perf_counter()
    decisions = [evaluate_request(prepared[p][0], Request("iam:PassRole", account.roles[r], prepared[p][2],
                                                          prepared[p][1])).decision for p, r in picks]
    pair_s = time.perf_counter() - t0
    expected = [DECISIONS[matrix.decision[account.group_of[p], r]] for p, r in picks]
    agree = sum(a == b for a, b in zip(decisions, expected, strict=True))
    per_us = pair_s / sample * 1e6
    all_pairs_s = pair_s / sample * matrix.pairs
    print(f"\npair by pair, plain evaluator, on a fixed sample of {sample:,} pairs:")
    print(f"  {per_us:8.1f} us/decision -> {all_pairs_s:8.0f} s for all {matrix.pairs:,} pairs (extrapolated)")
    print(f"  matrix, deciding in process:  {decide_s:6.2f} s ({matrix.evaluations:,} evaluations)  "
          f"-> {all_pairs_s / decide_s:,.0f}x faster")
    print(f"  matrix, whole CLI run above:  {matrix_wall:6.2f} s (file written)  -> "
          f"{all_pairs_s / matrix_wall:,.0f}x faster")
    print(f"  agreement with the matrix     {agree:,}/{sample:,}")
    if agree != sample:
        raise SystemExit("the matrix disagrees with pair-by-pair evaluation")
    if pm_python is None:
        print("  principalmapper               not available: skipped (pass --pmapper-python or set PMAPPER_PYTHON "
              "to a Python with principalmapper==1.1.5)")
        return
    docs = {}
    for p, _ in picks:
        pp = account.principals[p]
        if pp.arn not in docs:
            context = {"iam:PassedToService": "glue.amazonaws.com", "aws:PrincipalArn": pp.arn}
            if pp.principal_type == "user":
                context["aws:username"] = pp.name
            docs[pp.arn] = {"identity": [r.document for r in pp.records],
                            "boundary": pp.boundary.document if pp.boundary else None, "context": context}
    data = {"principals": docs, "pairs": [(account.principals[p].arn, account.roles[r]) for p, r in picks],
            "scps": [[r.document for r in level] for level in account.scps]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(data, fh)
    try:
        out = subprocess.run([pm_python, "-c", PMAPPER_PROCESS, fh.name], capture_output=True, text=True)
    finally:
        os.unlink(fh.name)
    if out.returncode:
        print(f"  principalmapper               failed: {out.stderr.strip().splitlines()[-1:]}")
        return
    result = json.loads(out.stdout)
    pm_us = result["seconds"] / sample * 1e6
    pm_all = result["seconds"] / sample * matrix.pairs
    pm_agree = sum(a == (d == "allowed") for a, d in zip(result["answers"], decisions, strict=True))
    print(f"  principalmapper, pair by pair {pm_us:8.1f} us/decision -> {pm_all:8.0f} s for all pairs "
          f"(extrapolated) -> matrix {pm_all / matrix_wall:,.0f}x faster")
    print(f"  ratio kit/principalmapper per decision {per_us / pm_us:5.2f}; agreement on allowed/denied "
          f"{pm_agree:,}/{sample:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=40)
    parser.add_argument("--policies", type=int, default=60)
    parser.add_argument("--formats", default="parquet,csv", help="output formats to time (default parquet,csv)")
    parser.add_argument("--sample", type=int, default=20_000, help="pairs decided one by one (default 20,000)")
    parser.add_argument("--pmapper-python", help="a Python with principalmapper installed (or $PMAPPER_PYTHON)")
    parser.add_argument("--tags", action="store_true", help="also time an account whose users and roles carry "
                                                            "team tags and some policies grant by them (ABAC)")
    args = parser.parse_args()

    from glue_iam_kit.files import write_json_atomic
    from glue_iam_kit.sources.synthetic import synthetic_snapshot

    with tempfile.TemporaryDirectory() as tmp:
        snapshot = os.path.join(tmp, "snapshot.json")
        write_json_atomic(snapshot, synthetic_snapshot(args.users, args.roles, args.groups, args.policies))
        pairs = (args.users + args.roles) * args.roles
        print(f"synthetic account: {args.users:,} users, {args.roles:,} roles, {args.groups} groups, "
              f"{args.policies} policies -> {pairs:,} pairs; snapshot {os.path.getsize(snapshot) / 1e6:.1f} MB")
        walls = {}
        for fmt in args.formats.split(","):
            out = os.path.join(tmp, f"matrix.{fmt}")
            cmd = [sys.executable, "-m", "glue_iam_kit.cli", "matrix", "--snapshot", snapshot, "--out", out]
            print(f"\n$ glue-iam-kit matrix --snapshot snapshot.json --out matrix.{fmt}", flush=True)
            wall, peak, maxrss, printed = run_measured(cmd)
            print(printed.split("\n\n", 1)[0])  # its overview, not the grants table
            walls[fmt] = wall
            ok = wall <= WALL_TARGET_S and peak <= MEMORY_TARGET
            print(f"\n{fmt}: {wall:.1f} s wall ({pairs / wall:,.0f} decisions/s), peak memory {_gib(peak)} summed "
                  f"over the process tree (largest process {_gib(maxrss)}), file {os.path.getsize(out) / 1e6:,.0f} "
                  f"MB -> {'meets' if ok else 'MISSES'} the targets (<= {WALL_TARGET_S:.0f} s, "
                  f"<= {_gib(MEMORY_TARGET)})")
            os.unlink(out)
        if args.tags:
            # Side by side in this run: the same account with team tags and tag-based grants (issue 12: within
            # 1.5x of the untagged time).
            tagged = os.path.join(tmp, "tagged.json")
            write_json_atomic(tagged, synthetic_snapshot(args.users, args.roles, args.groups, args.policies, tags=True))
            out = os.path.join(tmp, "tagged.parquet")
            cmd = [sys.executable, "-m", "glue_iam_kit.cli", "matrix", "--snapshot", tagged, "--out", out]
            wall, peak, _, printed = run_measured(cmd)
            overview = printed.split("\n", 1)[0]
            print(f"\nwith tags and tag-based grants: {overview}")
            base = walls.get("parquet", min(walls.values()))
            print(f"tagged parquet: {wall:.1f} s wall, peak {_gib(peak)}; tagged/untagged {wall / base:.2f} "
                  f"({'within' if wall <= 1.5 * base else 'OVER'} 1.5x)")
            os.unlink(out)
        bench_pairs(snapshot, args.sample, min(walls.values()), pmapper_python(args.pmapper_python))


if __name__ == "__main__":
    main()
