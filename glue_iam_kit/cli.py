"""``glue-iam-kit``: a thin CLI that only turns arguments into library calls.

Imports are lazy (per command) so that ``simulate`` and ``--help`` start fast. Errors the kit understands
are printed as one line (``glue-iam-kit: error: ...``) with exit status 1; usage errors exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

EPILOG = """\
targets (pick one; the sandbox is the default):
  --sandbox SCENARIO          moto in process, seeded from a built-in scenario (see `glue-iam-kit scenarios`)
  --profile P --region R      a real AWS account, read-only (see required permissions in the README)
  --snapshot FILE             offline, from `glue-iam-kit snapshot --out FILE` or
                              `aws iam get-account-authorization-details` output
"""


def _add_target_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("target")
    g.add_argument("--sandbox", metavar="SCENARIO", help="sandbox scenario (default: seed-incident)")
    g.add_argument("--profile", help="AWS profile of a real account (the aws target)")
    g.add_argument("--region", help="AWS region (aws target; overrides the sandbox scenario's region)")
    g.add_argument("--endpoint-url", help="custom AWS endpoint, e.g. a local moto server (aws target)")
    g.add_argument("--snapshot", metavar="FILE", help="snapshot file (the snapshot target)")
    s = p.add_argument_group("sandbox names (fill the scenario's parameters)")
    s.add_argument("--account-id", help="sandbox account id (twelve digits)")
    s.add_argument("--glue-group", help="sandbox group that carries AWSGlueConsoleFullAccess")
    s.add_argument("--dev-group", help="sandbox developers group (MFA policy)")


def _add_subject_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", help="IAM user name or ARN (sandbox: also names the built user)")
    p.add_argument("--role", help="the job's runtime role, name or ARN (sandbox: also names the built role)")
    p.add_argument("--job", help="Glue job name (sandbox: also names the built job)")


def _target_kind(args: argparse.Namespace) -> str:
    chosen = [k for k, v in (("sandbox", args.sandbox), ("snapshot", args.snapshot),
                             ("aws", args.profile or args.endpoint_url)) if v]
    if len(chosen) > 1:
        raise SystemExit(f"glue-iam-kit: error: choose one target, not {' and '.join(chosen)}")
    return chosen[0] if chosen else "sandbox"


def open_from_args(args: argparse.Namespace) -> Any:
    """Open the target the arguments name (the sandbox by default)."""
    from glue_iam_kit.sources.base import open_target

    kind = _target_kind(args)
    if kind == "sandbox":
        from glue_iam_kit.engine.arns import name_from
        from glue_iam_kit.errors import ArnError, KitError

        params = {k: getattr(args, k, None) for k in ("user", "role", "job", "account_id", "glue_group", "dev_group")}
        try:  # names build the scenario; an ARN gives its name
            params.update({k: name_from(params[k], k) for k in ("user", "role") if params[k]})
        except ArnError as exc:
            raise KitError(str(exc)) from None
        return open_target("sandbox", scenario=args.sandbox or "seed-incident", region=args.region, **params)
    if kind == "snapshot":
        return open_target("snapshot", snapshot_path=args.snapshot)
    return open_target("aws", profile=args.profile, region=args.region, endpoint_url=args.endpoint_url)


def _print_frame(title: str, frame: Any) -> None:
    import pandas as pd

    print(f"\n## {title}")
    if frame.empty:
        print("(none)")
        return
    with pd.option_context("display.max_colwidth", 90, "display.width", 200, "display.max_columns", 20):
        print(frame.to_string(index=False))


def cmd_scenarios(args: argparse.Namespace) -> int:
    from glue_iam_kit.sources.sandbox import list_scenarios

    for s in list_scenarios():
        print(f"{s['name']:<24} {s['description']}")
        if args.verbose:
            print(f"{'':<24} cause: {s['root_cause']}")
            print(f"{'':<24} verdicts: {', '.join(s['expected_verdicts'])}")
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    args.sandbox = args.scenario
    with open_from_args(args) as target:
        scenario = target.scenario
        print(f"sandbox {scenario['name']}: {scenario['description']}")
        print(f"account {scenario['parameters']['account_id']}, region {target.region}")
        auth = target.authorization_details()
        for u in auth["UserDetailList"]:
            print(f"  user  {u['Arn']}  groups: {', '.join(u.get('GroupList', [])) or '-'}")
        for g in auth["GroupDetailList"]:
            pols = [p["PolicyName"] for p in g.get("AttachedManagedPolicies", [])] + \
                   [p["PolicyName"] + " (inline)" for p in g.get("GroupPolicyList", [])]
            print(f"  group {g['Arn']}  policies: {', '.join(pols) or '-'}")
        for r in auth["RoleDetailList"]:
            print(f"  role  {r['Arn']}")
        for j in target.list_jobs():
            print(f"  job   {j['Name']}  role: {j['Role']}")
        if scenario.get("error_text"):
            print("error text:\n  " + scenario["error_text"].replace("\n", "\n  "))
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from glue_iam_kit.files import write_json_atomic
    from glue_iam_kit.sources.snapshot import build_snapshot

    with open_from_args(args) as target:
        data = build_snapshot(target)
    write_json_atomic(args.out, data)
    auth = data["AuthorizationDetails"]
    print(f"wrote {args.out}: {len(auth['UserDetailList'])} users, {len(auth['GroupDetailList'])} groups, "
          f"{len(auth['RoleDetailList'])} roles, {len(auth['Policies'])} managed policies, "
          f"{len(data.get('Jobs', []))} jobs")
    return 0


def cmd_evidence(args: argparse.Namespace) -> int:
    """Collect and print the evidence of each step (no verdict)."""
    from glue_iam_kit import collectors as c
    from glue_iam_kit.errors import CouldNotCheck, NotFoundError

    with open_from_args(args) as target:
        params = getattr(target, "scenario", {}).get("parameters", {})
        user = args.user or params.get("user")
        role = args.role or params.get("role")
        job = args.job or params.get("job")
        if not user:
            raise SystemExit("glue-iam-kit: error: --user is required for this target")
        steps = [
            ("1. account (STS caller identity)", lambda: c.fetch_caller_identity(target, params.get("account_id"))),
            (f"2. user {user}: attached and inline policies", lambda: c.fetch_user_policies(target, user)),
            (f"3. user {user}: groups and their policies", lambda: c.fetch_user_groups(target, user)),
            (f"4. role {role}: trust policy", (lambda: c.fetch_role(target, role)) if role else None),
            (f"5. Glue job {job}", (lambda: c.fetch_job(target, job)) if job else None),
            ("service control policies", lambda: c.fetch_service_control_policies(target)),
            (f"identity statements that apply to {user}", lambda: c.fetch_identity_statements(target, user)),
        ]
        for title, step in steps:
            if step is None:
                print(f"\n## {title}\ncould not check: not given")
                continue
            try:
                frame = step()
                if not args.documents:  # whole policy documents make every table too wide to read
                    frame = frame.drop(columns=["document"], errors="ignore")
                _print_frame(title, frame)
            except (CouldNotCheck, NotFoundError) as exc:
                print(f"\n## {title}\ncould not check: {exc}")
        _print_frame("AWS calls made", c.render_call_tally(target))
    return 0


def cmd_matrix(args: argparse.Namespace) -> int:
    import time

    from glue_iam_kit.matrix import check_output_path, compute_matrix
    from glue_iam_kit.principals.context import mfa_values
    from glue_iam_kit.sources.snapshot import SnapshotTarget, build_snapshot

    check_output_path(args.out)  # before the long part
    mfa_values(args.mfa)
    started = time.perf_counter()
    with open_from_args(args) as target:
        # One read of the whole account instead of a few calls per principal.
        if not isinstance(target, SnapshotTarget) and not args.quiet:
            print(f"reading the {target.kind} target into a snapshot (read-only) ...", file=sys.stderr)
        snapshot = target if isinstance(target, SnapshotTarget) else SnapshotTarget(build_snapshot(target))
        matrix = compute_matrix(snapshot, args.service, args.mfa, progress=not args.quiet)
    out = matrix.write(args.out, progress=not args.quiet)
    seconds = time.perf_counter() - started
    from glue_iam_kit.matrix.summary import (
        find_overbroad_grants,
        render_matrix_overview,
        summarise_principals,
        summarise_roles,
    )

    print(render_matrix_overview(matrix, seconds))
    print(f"wrote {out} ({os.path.getsize(out) / 1e6:,.1f} MB)")
    if args.summaries or not args.quiet:
        grants = find_overbroad_grants(matrix)
        if not args.quiet:
            _print_frame(f"over-broad PassRole grants, riskiest first (top 10 of {len(grants)})",
                         grants.drop(columns=["reasons"]).head(10))
        if args.summaries:
            os.makedirs(args.summaries, exist_ok=True)
            for name, frame in (("roles.csv", summarise_roles(matrix)), ("principals.csv",
                                summarise_principals(matrix)), ("overbroad-grants.csv", grants)):
                frame.to_csv(os.path.join(args.summaries, name), index=False)
            print(f"\nwrote roles.csv, principals.csv, overbroad-grants.csv into {args.summaries}")
    return 0


def cmd_investigate(args: argparse.Namespace) -> int:
    from glue_iam_kit.jupyter.params import INVESTIGATION, parameters_from_args
    from glue_iam_kit.jupyter.run import run_investigation

    kind = _target_kind(args)
    if args.apply_fix and kind == "snapshot":
        raise SystemExit("glue-iam-kit: error: --apply-fix never applies to a snapshot")
    params = parameters_from_args(INVESTIGATION, args, target=kind, scenario_params={
        k: v for k, v in (("glue_group", args.glue_group), ("dev_group", args.dev_group)) if v})
    if not args.quiet:
        print(f"investigating on the {kind} target" + (f" ({params['scenario']})" if kind == "sandbox" else "")
              + " ...", file=sys.stderr)
    result = run_investigation(params, args.out, progress=not args.quiet)
    print("verdict:")
    for v in result["verdicts"] or ["(none reached)"]:
        print(f"  {v}")
    print("wrote:")
    from glue_iam_kit.files import OUTPUT_FILES

    for f in OUTPUT_FILES:
        print(f"  {result['paths'][f.name]}  ({'anonymised' if f.anonymised else 'not anonymised: ' + f.reader})")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from glue_iam_kit.jupyter.params import TRAINING as TRAINING_PARAMS
    from glue_iam_kit.jupyter.params import parameters_from_args
    from glue_iam_kit.jupyter.run import TRAINING, run_investigation
    from glue_iam_kit.sources.sandbox import load_scenario_file, scenario_names

    if not args.all and not args.scenario:
        raise SystemExit("glue-iam-kit: error: give --scenario NAME, or --all for the answer key")
    names = scenario_names() if args.all else [args.scenario]
    for name in names:
        load_scenario_file(name)  # a clear error for an unknown scenario, before any kernel starts
        out = os.path.join(args.out, name) if args.all else args.out
        params = parameters_from_args(TRAINING_PARAMS, args, scenario=name)
        result = run_investigation(params, out, progress=not args.quiet, notebook=TRAINING)
        print(f"{name}: {', '.join(result['verdicts'])}  ->  {result['paths']['report.md']}")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from glue_iam_kit.engine.cases import simulate_lines

    try:
        fh = sys.stdin if args.cases == "-" else open(args.cases, encoding="utf-8")
    except OSError as exc:
        print(f"glue-iam-kit: error: cannot read cases file {args.cases!r}: {exc.strerror}", file=sys.stderr)
        return 1
    write = sys.stdout.write
    with fh:
        for out, decisions in simulate_lines(fh):
            if args.explain:
                from glue_iam_kit.engine.explain import render_trace_text

                print(f"# case {out.get('id')}")
                if "error" in out:
                    print(f"error: {out['error']}")
                for d in decisions:
                    print(render_trace_text(d))
                print()
            else:
                write(json.dumps(out, separators=(",", ":")) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glue-iam-kit",
        description="Investigate AWS Glue iam:PassRole AccessDenied failures: collect the evidence, explain the "
                    "decision, propose the least-privilege fix. Read-only unless told otherwise.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("scenarios", help="list the built-in sandbox scenarios",
                       description="List the built-in sandbox scenarios: each is a data file under "
                                   "glue_iam_kit/sources/sandbox/scenarios/ with a one-line description, its root "
                                   "cause and the verdicts the investigation must reach. Build one with "
                                   "`glue-iam-kit sandbox --scenario NAME`, investigate it with `--sandbox NAME`.")
    p.add_argument("-v", "--verbose", action="store_true", help="also print each root cause and verdicts")
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser("sandbox", help="build a sandbox scenario and show what was built",
                       description="Build a sandbox scenario (moto, in process) and print its users, groups, roles, "
                                   "jobs and error text. Every name is a parameter with a default.")
    p.add_argument("--scenario", default="seed-incident", help="scenario name (default: seed-incident)")
    _add_target_args(p)
    _add_subject_args(p)
    p.set_defaults(func=cmd_sandbox)

    p = sub.add_parser("snapshot", help="write a snapshot file from any target (read-only)",
                       description="Read users, groups, roles, policies, Glue jobs and SCPs from a target and write "
                                   "one JSON file, so an investigation can be replayed offline without credentials.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, metavar="FILE", help="snapshot file to write")
    _add_target_args(p)
    _add_subject_args(p)
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("evidence", help="collect and print the evidence of each step (no verdict)",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_target_args(p)
    _add_subject_args(p)
    p.add_argument("--documents", action="store_true", help="also print whole policy documents (wide)")
    p.set_defaults(func=cmd_evidence)

    p = sub.add_parser(
        "investigate", help="run the whole investigation and write the anonymised incident report",
        description="Run notebooks/01_investigate_passrole.ipynb with papermill on a target and write into --out: "
                    "investigation.ipynb (executed, not anonymised: for the investigator only), report.html and "
                    "report.md (anonymised incident write-ups) and findings.json (anonymised, machine-readable). "
                    "Exit 0 when a verdict was reached, whatever it is; 1 when the investigation could not run. "
                    "Read-only unless --apply-fix.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_target_args(p)
    _add_subject_args(p)
    p.add_argument("--error-text", metavar="FILE", help="the console/CLI error, verbatim, in a file (- for stdin)")
    p.add_argument("--service", default="glue.amazonaws.com", help="service the role is passed to "
                                                                   "(default: glue.amazonaws.com)")
    p.add_argument("--apply-fix", action="store_true", help="put the proposed policy, read it back, re-simulate "
                                                            "(never on a snapshot)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the four files")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_investigate)

    p = sub.add_parser(
        "train", help="practise on a sandbox scenario: predict, then see the investigation and your grade",
        description="Run notebooks/03_training.ipynb with papermill on a sandbox scenario. With --verdict (and "
                    "--policy) the prediction is graded; with --all every scenario is run into OUT/<scenario>/ — "
                    "the answer key, as anonymised reports.")
    p.add_argument("--scenario", help="the scenario (see `glue-iam-kit scenarios`)")
    p.add_argument("--all", action="store_true", help="every scenario: the answer key")
    p.add_argument("--verdict", help="your predicted verdict, e.g. explicit-deny")
    p.add_argument("--policy", help="the policy you think decides, e.g. RequireMFA")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the reports")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "matrix", help="who can pass which role: the account-wide PassRole matrix (Parquet or CSV)",
        description="Decide iam:PassRole for every user and role principal × every role of an account, as the "
                    "local evaluator does (identity policies, permissions boundaries, SCPs, explicit denies), and "
                    "write one row per pair: principal_arn, role_arn, decision, blocked_by, statements. Principals "
                    "with the same policies and roles selected by the same patterns are evaluated once. Best from "
                    "a snapshot; another target is read into one first (read-only). Prints the over-broad grants "
                    "(PassRole on every role, or with no iam:PassedToService condition).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_target_args(p)
    p.add_argument("--service", default="glue.amazonaws.com",
                   help="the iam:PassedToService value (default: glue.amazonaws.com)")
    p.add_argument("--mfa", choices=["absent", "present", "false"], default="absent",
                   help="aws:MultiFactorAuthPresent: absent (long-term access keys, the default), present (an MFA "
                        "session), false")
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.parquet or FILE.csv (written atomically)")
    p.add_argument("--summaries", metavar="DIR", help="also write roles.csv, principals.csv, overbroad-grants.csv")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars and no grants table")
    p.set_defaults(func=cmd_matrix)

    p = sub.add_parser("demo", help="the seed incident on the sandbox (what `make demo` runs)",
                       description="Investigate the seed incident on the sandbox: a developer with "
                                   "AWSGlueConsoleFullAccess cannot save a Glue job whose runtime role has a custom "
                                   "name. Needs no AWS account and no credentials; nothing leaves this machine.")
    p.add_argument("--out", default="reports/seed-incident", help="report folder (default: reports/seed-incident)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "simulate", help="evaluate simulate-custom-policy style cases (JSON Lines) with the local evaluator",
        description="Read JSON Lines cases modelled on `aws iam simulate-custom-policy` (PolicyInputList, "
                    "PermissionsBoundaryPolicyInputList, ServiceControlPolicies, ResourcePolicy, ResourceOwner, "
                    "CallerArn, ActionNames, ResourceArns, ContextEntries) and print one JSON line per case, shaped "
                    "like the AWS response. A bad line gives {\"id\", \"error\"}; the others go on.")
    p.add_argument("--cases", required=True, metavar="FILE.jsonl", help="cases file, or - for standard input")
    p.add_argument("--explain", action="store_true", help="print the trace for people instead of JSON")
    p.set_defaults(func=cmd_simulate)
    return parser


def cmd_demo(args: argparse.Namespace) -> int:
    return cmd_investigate(build_parser().parse_args(["investigate", "--sandbox", "seed-incident", "--out", args.out]))


def _version() -> str:
    from glue_iam_kit import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from glue_iam_kit.errors import KitError

    try:
        return args.func(args)
    except KitError as exc:
        print(f"glue-iam-kit: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("glue-iam-kit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("GLUE_IAM_KIT_DEBUG"):
            raise
        print(f"glue-iam-kit: internal error: {type(exc).__name__}: {exc} "
              "(set GLUE_IAM_KIT_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
