"""One function per command: arguments in, library calls, a few lines out. Imports are lazy (per command) so
that ``simulate`` and ``--help`` start fast."""

from __future__ import annotations

import argparse
import json
import os
import sys

from glue_iam_kit.cli.options import open_from_args, print_frame, resource_choice, snapshot_from, target_kind


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


def _read(principal: object) -> object:
    """The gathered principal, or the reason it could not be read (raised again, for each step that needs it)."""
    if isinstance(principal, Exception):
        raise principal
    return principal


def cmd_evidence(args: argparse.Namespace) -> int:
    """Collect and print the evidence of each step (no verdict)."""
    from glue_iam_kit import collectors as c
    from glue_iam_kit.entrypoints import ENTRY_POINTS
    from glue_iam_kit.errors import CouldNotCheck, NotFoundError
    from glue_iam_kit.principals import gather_principal, principal_name

    with open_from_args(args) as target:
        defaults = target.subject_defaults()
        user = args.user or defaults.get("user")
        role = args.role or defaults.get("role")
        job = args.job or defaults.get("job")
        if not user:
            raise SystemExit("glue-iam-kit: error: --user is required for this target (a name or any principal ARN)")
        kind, name, _ = principal_name(user)
        try:  # read once; steps 2, 3 and the statements are views of it
            principal = gather_principal(target, user)
        except (CouldNotCheck, NotFoundError) as exc:
            principal = exc
        entry_point, resource = resource_choice(args)
        ep = ENTRY_POINTS[entry_point or "job"]
        name_of = resource or (job if ep.name == "job" else "")
        steps = [
            ("1. account (STS caller identity)", lambda: c.fetch_caller_identity(target)),
            (f"2. {kind.noun} {name}: attached and inline policies",
             lambda: c.fetch_principal_policies(target, _read(principal))),
            (f"3. {kind.noun} {name}: groups and their policies",
             (lambda: c.fetch_principal_groups(target, _read(principal))) if kind.has_groups else None),
            (f"4. role {role}: trust policy", (lambda: c.fetch_role(target, role)) if role else None),
            (f"5. {ep.noun} {name_of}", (lambda: ep.fetch(target, name_of)) if name_of else None),
            ("service control policies", lambda: c.fetch_service_control_policies(target)),
            (f"identity statements that apply to {user}",
             lambda: c.fetch_identity_statements(target, _read(principal))),
        ]
        for title, step in steps:
            if step is None:
                print(f"\n## {title}\n" + ("only IAM users have groups" if title.startswith("3.") else
                                            "could not check: not given"))
                continue
            try:
                frame = step()
                if not args.documents:  # whole policy documents make every table too wide to read
                    frame = frame.drop(columns=["document"], errors="ignore")
                print_frame(title, frame)
            except (CouldNotCheck, NotFoundError) as exc:
                print(f"\n## {title}\ncould not check: {exc}")
        print_frame("AWS calls made", c.render_call_tally(target))
    return 0


def cmd_matrix(args: argparse.Namespace) -> int:
    import time

    from glue_iam_kit.matrix import check_output_path, compute_matrix
    from glue_iam_kit.model import GLUE_SERVICE
    from glue_iam_kit.principals.context import mfa_values

    check_output_path(args.out)  # before the long part
    mfa_values(args.mfa)
    started = time.perf_counter()
    with open_from_args(args) as target:
        snapshot = snapshot_from(target, args.quiet)
        matrix = compute_matrix(snapshot, args.service or GLUE_SERVICE, args.mfa, progress=not args.quiet)
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
            print_frame(f"over-broad PassRole grants, riskiest first (top 10 of {len(grants)})",
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

    kind = target_kind(args)
    if args.apply_fix and kind == "snapshot":
        raise SystemExit("glue-iam-kit: error: --apply-fix never applies to a snapshot")
    entry_point, resource = resource_choice(args)
    params = parameters_from_args(INVESTIGATION, args, target=kind, entry_point=entry_point, resource=resource,
                                  scenario_params={k: v for k, v in (("glue_group", args.glue_group),
                                                                     ("dev_group", args.dev_group)) if v})
    from glue_iam_kit.cli.inputs import check_investigation_inputs

    check_investigation_inputs(args, params)
    if not args.quiet:
        print(f"investigating on the {kind} target" + (f" ({params['scenario']})" if kind == "sandbox" else "")
              + " ...", file=sys.stderr)
    result = run_investigation(params, args.out, progress=not args.quiet, report=args.report)
    print("verdict:")
    for v in result["verdicts"] or ["(none reached)"]:
        print(f"  {v}")
    print("wrote:")
    from glue_iam_kit.files import OUTPUT_FILES

    for f in OUTPUT_FILES:
        print(f"  {result['paths'][f.name]}  ({'anonymised' if f.anonymised else 'not anonymised: ' + f.reader})")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    try:
        fh = sys.stdin if args.cases == "-" else open(args.cases, encoding="utf-8")
    except OSError as exc:
        print(f"glue-iam-kit: error: cannot read cases file {args.cases!r}: {exc.strerror}", file=sys.stderr)
        return 1
    if args.jobs is not None and args.jobs < 1:
        raise SystemExit("glue-iam-kit: error: --jobs takes a number of processes, 1 or more")
    with fh:
        if not args.explain:
            from glue_iam_kit.cli.simulate import write_simulation

            write_simulation(fh, sys.stdout.write, args.jobs)
            return 0
        from glue_iam_kit.engine.cases import simulate_lines
        from glue_iam_kit.engine.explain import render_trace_text

        for out, decisions in simulate_lines(fh):
            print(f"# case {out.get('id')}")
            if "error" in out:
                print(f"error: {out['error']}")
            for d in decisions:
                print(render_trace_text(d))
            print()
    return 0


def cmd_denials(args: argparse.Namespace) -> int:
    """Recent AccessDenied events, newest first."""
    import pandas as pd

    from glue_iam_kit.diagnosis.errortext import ErrorTextError, parse_error_text
    from glue_iam_kit.errors import KitError
    from glue_iam_kit.sources.base import EVENT_READER, can
    from glue_iam_kit.sources.cloudtrail import EVENT_COLUMNS, denials, parse_since

    since = parse_since(args.since)
    with open_from_args(args) as target:
        if not can(target, EVENT_READER):
            raise KitError(f"the {target.kind} target has no CloudTrail events")
        found = denials(target.cloudtrail_events(since), args.action or "")
    rows = []
    for e in found:
        try:
            parsed = parse_error_text(e.error_message)
            action, resource = parsed.action, parsed.resource
        except ErrorTextError:
            action, resource = "", ""
        rows.append({"time": e.time, "event_id": e.event_id, "principal": e.principal, "operation": e.operation,
                     "action": action, "resource": resource, "source_ip": e.source_ip, "mfa": e.mfa or "absent",
                     "user_agent": e.user_agent, "region": e.region})
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print_frame(f"AccessDenied events ({len(rows)})", pd.DataFrame(rows, columns=EVENT_COLUMNS))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from glue_iam_kit.cli import build_parser

    return cmd_investigate(build_parser().parse_args(["investigate", "--sandbox", "seed-incident", "--out", args.out]))
