"""``glue-iam-kit escalation``: every (principal, role, route) by which a principal can run code, through Glue, as a
role that gives it more."""

from __future__ import annotations

import argparse
import json
import sys

from glue_iam_kit.cli.options import EPILOG, add_target_args, open_from_args, print_frame, snapshot_from

ROUTES_HELP = """\
routes:
  job                  glue:CreateJob or glue:UpdateJob, iam:PassRole to Glue, and a way to start it
                       (glue:StartJobRun, glue:CreateTrigger, or glue:StartTrigger/UpdateTrigger on its trigger)
  dev-endpoint         glue:CreateDevEndpoint and iam:PassRole
  dev-endpoint-update  glue:UpdateDevEndpoint on an existing endpoint that runs as the role (no PassRole)
  session              glue:CreateSession, glue:RunStatement and iam:PassRole
  script               s3:PutObject on the script of a job that runs as the role (no PassRole)

columns: principal, role, route, actions, admin (the role may grant itself anything), gains (how many
'service:Action on resource' the role may do that the principal may not; gains_sample: the riskiest few),
mfa (the route needs an MFA session).

""" + EPILOG


def add_escalation_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "escalation", help="Glue escalation routes: who can run code as a role that gives them more",
        description="List every (principal, role, route) by which a user or role can run code through Glue as a "
                    "role that may do more than it may itself, riskiest first (admin roles, then the most gains). "
                    "Every action is decided by the local evaluator in the principal's context (identity "
                    "policies, permissions boundaries, SCPs, explicit denies); a role whose trust policy does not "
                    "let Glue assume it gives no route; a principal that may already do everything the role may is "
                    "not listed. Best from a snapshot; another target is read into one first (read-only).",
        epilog=ROUTES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_target_args(p)
    p.add_argument("--json", action="store_true", help="print the routes as one JSON list (gains as {count, sample})")
    p.add_argument("--out", metavar="FILE", help="also write FILE.csv or FILE.parquet (written atomically)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_escalation)


def cmd_escalation(args: argparse.Namespace) -> int:
    import time

    from glue_iam_kit.matrix.escalation import EscalationAccount, escalation_frame, write_escalation
    from glue_iam_kit.matrix.table import check_output_path

    if args.out:
        check_output_path(args.out)  # before the long part
    started = time.perf_counter()
    with open_from_args(args) as target:
        account = EscalationAccount(snapshot_from(target, args.quiet))
        routes = account.routes(progress=not (args.quiet or args.json))
    if args.out:
        out = write_escalation(routes, args.out)
        print(f"wrote {out} ({len(routes):,} routes)", file=sys.stderr)
    # What could not be checked, on stderr in every mode (with --json too: an empty list must not read as "none").
    for problem in account.problems[:10]:
        print(f"could not check: {problem}", file=sys.stderr)
    if len(account.problems) > 10:
        print(f"could not check: ... and {len(account.problems) - 10:,} more", file=sys.stderr)
    if args.json:
        json.dump([r.as_json() for r in routes], sys.stdout, indent=1)
        print()
        return 0
    seconds = time.perf_counter() - started
    principals = len({r.principal for r in routes})
    admin = sum(1 for r in routes if r.admin)
    print(f"{len(routes):,} routes ({admin:,} to admin roles) for {principals:,} principals, in {seconds:.1f} s")
    frame = escalation_frame(routes)
    print_frame(f"escalation routes, riskiest first (top 20 of {len(routes):,})", frame.head(20))
    return 0
