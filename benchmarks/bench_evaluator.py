"""Benchmark: the local evaluator against principalmapper, side by side in one run.

Two measures, both printed with their ratio:
1. the evaluation loop: >= 10,000 decisions of mixed shapes (the seed story's managed policy and MFA deny,
   boundaries, SCP levels, source-IP conditions, policy variables), policies compiled once and reused;
2. the whole ``glue-iam-kit simulate`` process on a file of ~18,000 decisions (start-up counts) against a
   process that does the same with principalmapper.

principalmapper 1.1.5 (AGPL, unmaintained) is a benchmark-only comparator, never a dependency: when it is not
importable the benchmark says so and measures the kit alone. On Python 3.11 it needs the collections aliases
set below. Run: ``.venv/bin/python benchmarks/bench_evaluator.py`` (or ``make bench``).
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


def pmapper_requests(cases: list[dict], pm) -> list[tuple]:
    """The same requests as principalmapper inputs (policies built once per case, like the kit)."""
    node_cls, policy_cls, _ = pm
    out = []
    for case in cases:
        pols = [policy_cls(f"arn:aws:iam::{ACCOUNT}:policy/p{i}", f"p{i}", doc)
                for i, doc in enumerate(case["PolicyInputList"])]
        boundary = (policy_cls(f"arn:aws:iam::{ACCOUNT}:policy/boundary", "boundary",
                               case["PermissionsBoundaryPolicyInputList"][0])
                    if case.get("PermissionsBoundaryPolicyInputList") else None)
        node = node_cls(case["CallerArn"], "AIDAEXAMPLE", pols, [], None, None, 0, False, False, boundary, False, {})
        scps = [[policy_cls(f"arn:aws:organizations::{ACCOUNT}:policy/scp{n}", f"scp{n}", d) for d in level]
                for n, level in enumerate(case.get("ServiceControlPolicies", []))] or None
        ctx = {e["ContextKeyName"]: e["ContextKeyValues"][0] for e in case["ContextEntries"]}
        for action in case["ActionNames"]:
            for resource in case["ResourceArns"]:
                out.append((node, action, resource, ctx, scps))
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
        print("  principalmapper             not installed: skipped (pip install principalmapper==1.1.5 to compare)")
        return
    reqs = pmapper_requests(cases, pm)
    check = pm[2]
    t0 = time.perf_counter()
    answers = [check(node, a, r, ctx, service_control_policy_groups=scps) for node, a, r, ctx, scps in reqs]
    pm_s = time.perf_counter() - t0
    pm_us = pm_s / n * 1e6
    agree = sum(ans == (d == "allowed") for ans, d in zip(answers, decisions, strict=True))
    print(f"  principalmapper (bare bool) {pm_us:8.1f} us/decision")
    print(f"  ratio kit/principalmapper   {kit_us / pm_us:8.2f}  (<= 1.00 meets the target)")
    print(f"  agreement on allowed/denied {agree}/{n}")


PMAPPER_PROCESS = """
import json, sys
sys.path.insert(0, {root!r})
from benchmarks.bench_evaluator import load_pmapper, pmapper_requests
pm = load_pmapper()
out = sys.stdout.write
with open(sys.argv[1]) as fh:
    for line in fh:
        case = json.loads(line)
        for node, a, r, ctx, scps in pmapper_requests([case], pm):
            out(json.dumps(pm[2](node, a, r, ctx, service_control_policy_groups=scps)) + "\\n")
"""


def _time(cmd: list[str], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        best = min(best, time.perf_counter() - t0)
    return best


def bench_process(decisions: int, pm, runs: int) -> None:
    cases = make_cases(decisions)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cases.jsonl")
        with open(path, "w") as fh:
            for c in cases:
                fh.write(json.dumps(c) + "\n")
        kit_cmd = [sys.executable, "-m", "glue_iam_kit.cli", "simulate", "--cases", path]
        kit_s = _time(kit_cmd, runs)
        print(f"whole process on {decisions} decisions (best of {runs}):")
        print(f"  glue-iam-kit simulate       {kit_s:8.2f} s")
        if pm is None:
            print("  principalmapper             not installed: skipped")
            return
        pm_cmd = [sys.executable, "-c", PMAPPER_PROCESS.format(root=str(ROOT)), path]
        pm_s = _time(pm_cmd, runs)
        print(f"  principalmapper process     {pm_s:8.2f} s")
        print(f"  ratio kit/principalmapper   {kit_s / pm_s:8.2f}  (<= 1.00 meets the target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=12_000, help="decisions in the loop (default 12,000)")
    parser.add_argument("--process-decisions", type=int, default=18_000, help="decisions in the process run")
    parser.add_argument("--runs", type=int, default=3, help="process runs, best kept (default 3)")
    args = parser.parse_args()
    pm = load_pmapper()
    bench_loop(make_cases(args.decisions), pm)
    bench_process(args.process_decisions, pm, args.runs)


if __name__ == "__main__":
    main()
