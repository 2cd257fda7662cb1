"""Benchmark: the local evaluator against principalmapper, side by side in one run.

Measures, each printed with its ratio:
1. the evaluation loop: >= 10,000 decisions of mixed shapes (the seed story's managed policy and MFA deny,
   boundaries, SCP levels, source-IP conditions, policy variables), policies compiled once and reused;
2. whole processes (start-up counts), ``glue-iam-kit simulate --cases FILE`` against a process doing the same
   with principalmapper, on two workloads:
   - *PassRole-heavy*: ~18,000 decisions of the shapes above, 10 decisions per case;
   - *mixed*: every case of every topic in ``tests/engine/cases/`` (each condition family, policy variables,
     NotAction/NotResource, resource policies, boundaries, SCPs, malformed inputs; 1-4 small policies per case,
     each case its own policies and context), replicated to ~18,000 decisions;
   and the start-up alone (a one-line file). The kit runs as a user runs it (a large file is decided by worker
   processes, one per core) and with ``--jobs 1``; both are printed.

principalmapper 1.1.5 (AGPL, unmaintained) is a benchmark-only comparator, never a dependency: it runs from its
own venv (``--pmapper-python PATH`` or ``PMAPPER_PYTHON``; ``python -m venv /tmp/pmvenv && /tmp/pmvenv/bin/pip
install principalmapper==1.1.5``), or from this Python when importable; otherwise the kit is measured alone. On
Python 3.11 it needs the collections aliases set below. Runs of the two sides alternate, best of ``--runs``.
Run: ``.venv/bin/python benchmarks/bench_evaluator.py`` (or ``make bench``).
"""

from __future__ import annotations

import argparse
import collections
import collections.abc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ACCOUNT = "111122223333"
GLUE_CONSOLE = {"Version": "2012-10-17", "Statement": [
    {"Sid": "BaseAppPermissions", "Effect": "Allow", "Resource": ["*"],
     "Action": ["glue:*", "redshift:DescribeClusters", "iam:ListRoles", "iam:ListUsers", "iam:ListGroups",
                "iam:ListRolePolicies", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies",
                "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "s3:ListAllMyBuckets",
                "s3:ListBucket", "s3:GetBucketAcl", "s3:GetBucketLocation", "cloudformation:ListStacks",
                "cloudwatch:GetMetricData", "kms:ListAliases", "kms:DescribeKey"]},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
     "Resource": ["arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::*/*aws-glue-*/*", "arn:aws:s3:::aws-glue-*"]},
    {"Effect": "Allow", "Action": ["tag:GetResources"], "Resource": ["*"]},
    {"Effect": "Allow", "Action": ["s3:CreateBucket"], "Resource": ["arn:aws:s3:::aws-glue-*"]},
    {"Effect": "Allow", "Action": ["logs:GetLogEvents"], "Resource": ["arn:aws:logs:*:*:/aws-glue/*"]},
    {"Effect": "Allow", "Action": ["ec2:RunInstances"],
     "Resource": ["arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:*:*:subnet/*", "arn:aws:ec2:*:*:volume/*"]},
    {"Action": ["iam:PassRole"], "Effect": "Allow", "Resource": "arn:aws:iam::*:role/AWSGlueServiceRole*",
     "Condition": {"StringLike": {"iam:PassedToService": ["glue.amazonaws.com"]}}},
    {"Action": ["iam:PassRole"], "Effect": "Allow", "Resource": "arn:aws:iam::*:role/AWSGlueServiceNotebookRole*",
     "Condition": {"StringLike": {"iam:PassedToService": ["ec2.amazonaws.com"]}}},
    {"Action": ["iam:PassRole"], "Effect": "Allow",
     "Resource": ["arn:aws:iam::*:role/service-role/AWSGlueServiceRole*"],
     "Condition": {"StringLike": {"iam:PassedToService": ["glue.amazonaws.com"]}}},
]}
MFA = {"Version": "2012-10-17", "Statement": [
    {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny", "Resource": "*",
     "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
                   "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
     "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}
FIX = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::{ACCOUNT}:role/etl-runtime",
     "Condition": {"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}}}]}
OFFICE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:*", "iam:PassRole"], "Resource": "*"},
    {"Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]}}}]}
HOME = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::home/${aws:username}/*"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::home",
     "Condition": {"StringLike": {"s3:prefix": ["${aws:username}/*"]}}}]}
BOUNDARY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["glue:*", "s3:*", "logs:*"], "Resource": "*"}]}
SCP_ROOT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
SCP_OU = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Deny", "Action": ["iam:CreateUser", "iam:DeleteRole", "organizations:*"], "Resource": "*"}]}

SHAPES = [  # (name, identity policies, boundary, scp levels)
    ("seed", [GLUE_CONSOLE, MFA], [], []),
    ("seed+fix", [GLUE_CONSOLE, MFA, FIX], [], []),
    ("office-ip", [OFFICE, GLUE_CONSOLE], [], [[SCP_ROOT], [SCP_OU]]),
    ("home-vars", [HOME, GLUE_CONSOLE], [BOUNDARY], []),
    ("boundary", [GLUE_CONSOLE, FIX], [BOUNDARY], [[SCP_ROOT]]),
]
ACTIONS = ["iam:PassRole", "glue:UpdateJob", "s3:GetObject", "s3:ListBucket", "logs:GetLogEvents"]
RESOURCES = [f"arn:aws:iam::{ACCOUNT}:role/etl-runtime", f"arn:aws:iam::{ACCOUNT}:role/AWSGlueServiceRoleETL",
             f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSGlueServiceRole-x", "arn:aws:s3:::home/alice/notes.txt",
             "arn:aws:s3:::aws-glue-scripts/job.py", "arn:aws:s3:::home", "*"]
CONTEXTS = [
    {"iam:PassedToService": "glue.amazonaws.com"},
    {"iam:PassedToService": "glue.amazonaws.com", "aws:MultiFactorAuthPresent": "true"},
    {"iam:PassedToService": "ec2.amazonaws.com", "aws:MultiFactorAuthPresent": "true",
     "aws:SourceIp": "203.0.113.7"},
    {"aws:MultiFactorAuthPresent": "false", "aws:SourceIp": "192.0.2.1", "s3:prefix": "alice/x"},
    {"aws:MultiFactorAuthPresent": "true", "aws:SourceIp": "198.51.100.3", "s3:prefix": "bob/x"},
]
TYPES = {"aws:MultiFactorAuthPresent": "boolean", "aws:SourceIp": "ip"}


def make_cases(decisions: int, seed: int = 7) -> list[dict]:
    """simulate-custom-policy style cases; each has 2 actions x 5 resources = 10 decisions."""
    rng = random.Random(seed)
    cases = []
    for i in range(decisions // 10):
        name, identity, boundary, scps = SHAPES[i % len(SHAPES)]
        ctx = {**rng.choice(CONTEXTS), "aws:username": "alice"}
        case = {"id": f"{name}-{i}", "PolicyInputList": identity, "CallerArn": f"arn:aws:iam::{ACCOUNT}:user/alice",
                "ActionNames": rng.sample(ACTIONS, 2), "ResourceArns": rng.sample(RESOURCES, 5),
                "ContextEntries": [{"ContextKeyName": k, "ContextKeyValues": [v],
                                    "ContextKeyType": TYPES.get(k, "string")} for k, v in ctx.items()]}
        if boundary:
            case["PermissionsBoundaryPolicyInputList"] = boundary
        if scps:
            case["ServiceControlPolicies"] = scps
        cases.append(case)
    return cases


def load_pmapper():
    """principalmapper's full local check, or None when it is not installed."""
    collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]
    collections.MutableMapping = collections.abc.MutableMapping  # type: ignore[attr-defined]
    try:
        from principalmapper.common import Node, Policy
        from principalmapper.querying.query_interface import local_check_authorization_full
    except ImportError:
        return None
    return Node, Policy, local_check_authorization_full


def _document(doc):
    return json.loads(doc) if isinstance(doc, str) else doc


def pmapper_requests(cases: list[dict], pm) -> list[tuple]:
    """The same requests as principalmapper inputs (policies built once per case, like the kit): (node, action,
    resource, context, scps, resource policy, resource owner)."""
    node_cls, policy_cls, _ = pm
    out = []
    for case in cases:
        pols = [policy_cls(f"arn:aws:iam::{ACCOUNT}:policy/p{i}", f"p{i}", _document(doc))
                for i, doc in enumerate(case.get("PolicyInputList", []))]
        boundary = (policy_cls(f"arn:aws:iam::{ACCOUNT}:policy/boundary", "boundary",
                               _document(case["PermissionsBoundaryPolicyInputList"][0]))
                    if case.get("PermissionsBoundaryPolicyInputList") else None)
        caller = case.get("CallerArn") or f"arn:aws:iam::{ACCOUNT}:user/alice"
        node = node_cls(caller, "AIDAEXAMPLE", pols, [], None, None, 0, False, False, boundary, False, {})
        scps = [[policy_cls(f"arn:aws:organizations::{ACCOUNT}:policy/scp{n}", f"scp{n}", _document(d))
                 for d in level] for n, level in enumerate(case.get("ServiceControlPolicies", []))] or None
        ctx = {e["ContextKeyName"]: (e["ContextKeyValues"][0] if len(e["ContextKeyValues"]) == 1
                                     else e["ContextKeyValues"]) for e in case.get("ContextEntries", [])}
        resource_policy = _document(case["ResourcePolicy"]) if case.get("ResourcePolicy") else None
        owner = case.get("ResourceOwner")
        owner = owner.split(":")[4] if owner and owner.startswith("arn:") else owner
        for action in case["ActionNames"]:
            for resource in case.get("ResourceArns") or ["*"]:
                out.append((node, action, resource, ctx, scps, resource_policy, owner))
    return out


def bench_loop(cases: list[dict], pm) -> None:
    from glue_iam_kit.engine.cases import case_policy_set, case_requests
    from glue_iam_kit.engine.evaluator import evaluate_request

    kit = [(case_policy_set(c), r) for c in cases for r in case_requests(c)]
    n = len(kit)
    counts: collections.Counter[str] = collections.Counter()
    t0 = time.perf_counter()
    # Keep the answer only, as the simulate CLI and the matrix do (they stream): holding 10,000+ full traces
    # would measure the garbage collector, not the evaluator.
    decisions = [evaluate_request(ps, r).decision for ps, r in kit]
    kit_s = time.perf_counter() - t0
    counts.update(decisions)
    kit_us = kit_s / n * 1e6
    print(f"evaluation loop: {n} decisions ({dict(counts)})")
    print(f"  glue-iam-kit (with trace)   {kit_us:8.1f} us/decision")
    if pm is None:
        print("  principalmapper             not importable here: skipped (the process runs below use "
              "--pmapper-python)")
        return
    reqs = pmapper_requests(cases, pm)
    check = pm[2]
    t0 = time.perf_counter()
    answers = [check(node, a, r, ctx, rp, owner, scps) for node, a, r, ctx, scps, rp, owner in reqs]
    pm_s = time.perf_counter() - t0
    pm_us = pm_s / n * 1e6
    agree = sum(ans == (d == "allowed") for ans, d in zip(answers, decisions, strict=True))
    print(f"  principalmapper (bare bool) {pm_us:8.1f} us/decision")
    print(f"  ratio kit/principalmapper   {kit_us / pm_us:8.2f}  (<= 1.00 meets the target)")
    print(f"  agreement on allowed/denied {agree}/{n}")


# principalmapper's side of the process benchmark: read the same file, decide, print one line per decision (a
# malformed case is one error line, as the kit prints it).
PMAPPER_PROCESS = """
import json, sys
sys.path.insert(0, {root!r})
from benchmarks.bench_evaluator import load_pmapper, pmapper_requests
pm = load_pmapper()
out = sys.stdout.write
with open(sys.argv[1]) as fh:
    for line in fh:
        case = json.loads(line)
        try:
            for node, a, r, ctx, scps, rp, owner in pmapper_requests([case], pm):
                out(json.dumps(pm[2](node, a, r, ctx, rp, owner, scps)) + "\\n")
        except Exception as exc:
            out(json.dumps({{"id": case.get("id"), "error": str(exc)}}) + "\\n")
"""


def mixed_cases(decisions: int) -> list[dict]:
    """Every case of every topic of tests/engine/cases/ (as the case tests build them), replicated (with new ids)
    until they hold about *decisions* decisions."""
    from tests.engine.test_evaluator_cases import CASE_DIR, build

    base = []
    for path in sorted(CASE_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        base += [build(data.get("defaults", {}), case) for case in data["cases"]]
    per_round = sum(len(c.get("ActionNames") or [1]) * len(c.get("ResourceArns") or [1]) for c in base)
    rounds = max(1, round(decisions / per_round))
    return [{**c, "id": f"{c['id']} #{r}"} for r in range(rounds) for c in base]


def pmapper_command(pmapper_python: str | None) -> list[str] | None:
    """How to run principalmapper's side: its own venv's python, or this one when it can import it."""
    python = pmapper_python or os.environ.get("PMAPPER_PYTHON")
    if python:
        return [python, "-c", PMAPPER_PROCESS.format(root=str(ROOT))]
    return [sys.executable, "-c", PMAPPER_PROCESS.format(root=str(ROOT))] if load_pmapper() else None


def _run(cmd: list[str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, cwd=ROOT)
    return time.perf_counter() - t0, done.stdout.count(b"\n")


def bench_processes(workloads: dict[str, list[dict]], pm_cmd: list[str] | None, runs: int) -> dict[str, float]:
    """Whole processes, the sides alternating run by run (a shared machine's noise hits all); best of *runs*.
    The kit runs as a user runs it (worker processes for a large file) and with ``--jobs 1`` (one process).
    Returns each workload's ratio kit/principalmapper (the default kit)."""
    ratios = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, cases in workloads.items():
            path = os.path.join(tmp, f"{name}.jsonl")
            with open(path, "w") as fh:
                for c in cases:
                    fh.write(json.dumps(c) + "\n")
            kit_cmd = [sys.executable, "-m", "glue_iam_kit.cli", "simulate", "--cases", path]
            sides = {"kit": kit_cmd, "kit --jobs 1": [*kit_cmd, "--jobs", "1"],
                     **({"pmapper": [*pm_cmd, path]} if pm_cmd else {})}
            best = {k: float("inf") for k in sides}
            for _ in range(runs):
                for side, cmd in sides.items():
                    best[side] = min(best[side], _run(cmd)[0])
            decisions = sum(len(c.get("ActionNames") or [1]) * len(c.get("ResourceArns") or [1]) for c in cases)
            print(f"whole process, {name} ({decisions} decisions in {len(cases)} cases, best of {runs}):")
            print(f"  glue-iam-kit simulate       {best['kit']:8.2f} s  (worker processes: {_jobs()})")
            print(f"  ... --jobs 1 (one process)  {best['kit --jobs 1']:8.2f} s")
            if not pm_cmd:
                print("  principalmapper             not installed: skipped (--pmapper-python PATH)")
                continue
            ratios[name] = best["kit"] / best["pmapper"]
            print(f"  principalmapper process     {best['pmapper']:8.2f} s")
            print(f"  ratio kit/principalmapper   {ratios[name]:8.2f}  (<= 0.80 meets the target; one process: "
                  f"{best['kit --jobs 1'] / best['pmapper']:.2f})")
    return ratios


def _jobs() -> int:
    from glue_iam_kit.cli.simulate import default_jobs

    return default_jobs()


def bench_startup(runs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "one.jsonl")
        with open(path, "w") as fh:
            fh.write(json.dumps(make_cases(10)[0]) + "\n")
        best = min(_run([sys.executable, "-m", "glue_iam_kit.cli", "simulate", "--cases", path])[0]
                   for _ in range(max(runs, 5)))
    print(f"start-up (a one-line file, best of {max(runs, 5)}): {best:.3f} s  (<= 0.10 s meets the target)")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=12_000, help="decisions in the loop (default 12,000)")
    parser.add_argument("--process-decisions", type=int, default=18_000, help="decisions in each process run")
    parser.add_argument("--runs", type=int, default=5, help="process runs per side, best kept (default 5)")
    parser.add_argument("--pmapper-python", help="a Python with principalmapper 1.1.5 (default: $PMAPPER_PYTHON)")
    args = parser.parse_args()
    pm = load_pmapper()
    bench_loop(make_cases(args.decisions), pm)
    ratios = bench_processes({"PassRole-heavy": make_cases(args.process_decisions),
                              "mixed": mixed_cases(args.process_decisions)},
                             pmapper_command(args.pmapper_python), args.runs)
    bench_startup(args.runs)
    if ratios:
        print("ratios kit/principalmapper, whole process: "
              + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items())
              + ("  (both <= 0.80: met)" if all(v <= 0.8 for v in ratios.values()) else "  (target 0.80: MISSED)"))


if __name__ == "__main__":
    main()
