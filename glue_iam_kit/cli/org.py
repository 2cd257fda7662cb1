"""``glue-iam-kit org snapshot`` and ``org matrix``: the organisation sweep (see :mod:`glue_iam_kit.org`)."""

from __future__ import annotations

import argparse
import sys
import time

from glue_iam_kit.cli.options import service_principal

ORG_EPILOG = """\
workflow:
  glue-iam-kit org snapshot --profile mgmt --out snaps/          # from the management account (read-only)
  glue-iam-kit org matrix --snapshots snaps/ --out org-matrix/    # one Dask task per account
  then open notebooks/05_organization.ipynb with dataset=org-matrix/ (riskiest accounts first)
"""


def add_org_parser(sub: argparse._SubParsersAction) -> None:
    org = sub.add_parser("org", help="across an organisation: a snapshot per account, the PassRole matrix of all "
                                     "of them on Dask", description="The organisation sweep. `org snapshot` reads "
                                     "every member account into DIR/<account-id>.json; `org matrix` computes every "
                                     "account's matrix into one Parquet dataset partitioned by account.",
                         epilog=ORG_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    osub = org.add_subparsers(dest="org_command", metavar="COMMAND")

    p = osub.add_parser(
        "snapshot", help="a snapshot of every account of the organisation (read-only)",
        description="From the management account (or a delegated administrator): list the accounts, read the SCPs "
                    "that apply to each (root, OUs, account: each level read once), assume ROLE in each member "
                    "account and write DIR/<account-id>.json (snapshot@1, with that account's SCP levels). A "
                    "failure (cannot assume, AccessDenied, suspended) goes to DIR/failures.json and the others go "
                    "on; accounts already written are skipped unless --refresh. Read-only: AssumeRole only returns "
                    "credentials. Throttling is retried with client-side rate limiting (botocore adaptive mode).",
        epilog=ORG_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_argument_group("the management account (pick one)")
    g.add_argument("--aws", action="store_true", help="boto3's default credential chain")
    g.add_argument("--profile", help="an AWS profile of the management account (or a delegated administrator)")
    g.add_argument("--sandbox-org", action="store_true", help="a moto organisation in process (try it, tests)")
    p.add_argument("--region", help="AWS region (default: the configured one)")
    p.add_argument("--endpoint-url", help=argparse.SUPPRESS)
    p.add_argument("--role-name", default="OrganizationAccountAccessRole",
                   help="the role to assume in each member account (default: OrganizationAccountAccessRole; a "
                        "read-only audit role is recommended: GlueIamKitAudit, see the README)")
    p.add_argument("--accounts", metavar="FILE", help="only these account ids (one per line, or a JSON list)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for <account-id>.json and failures.json")
    p.add_argument("--scheduler", metavar="ADDR", help="an existing Dask scheduler (tcp://host:8786); its workers "
                                                       "assume ROLE with their own credentials")
    p.add_argument("--workers", type=int, help="accounts read at once (default 8)")
    p.add_argument("--refresh", action="store_true", help="write every account again")
    p.add_argument("--no-events", action="store_true", help="skip the last 7 days of AccessDenied events "
                                                           "(CloudTrail is paced at 2 calls a second per account)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_org_snapshot)

    p = osub.add_parser(
        "matrix", help="every account's PassRole matrix as one Parquet dataset, on Dask",
        description="One Dask task per account snapshot: a LocalCluster of one worker process per CPU by default, "
                    "or an existing cluster (--scheduler). Writes DATASET/account_id=<id>/part-0.parquet (the "
                    "matrix columns), DATASET/_summaries/<id>.json, DATASET/_failures.json (the accounts org snapshot "
                    "could not read, from its failures.json, and those whose matrix failed: a malformed snapshot is "
                    "reported, the others complete) and the org-wide summary in DATASET/_summary/ (accounts.csv: "
                    "every account, riskiest first, those not computed last with status and reason; "
                    "overbroad-grants.csv, unpassable-roles.csv, escalation-routes.csv: the Glue "
                    "escalation routes of every account, riskiest first). Resumable: accounts already in "
                    "the dataset are skipped unless --refresh.",
        epilog=ORG_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--snapshots", required=True, metavar="DIR", help="the folder `org snapshot` wrote")
    p.add_argument("--out", required=True, metavar="DATASET", help="the dataset folder")
    p.add_argument("--service", default="glue.amazonaws.com", type=service_principal,
                   help="iam:PassedToService (default glue.amazonaws.com)")
    p.add_argument("--mfa", choices=["absent", "present", "false"], default="absent",
                   help="aws:MultiFactorAuthPresent (default absent: long-term keys)")
    p.add_argument("--scheduler", metavar="ADDR", help="an existing Dask scheduler (tcp://host:8786); the snapshots "
                                                       "and the dataset must be on storage its workers share")
    p.add_argument("--workers", type=int, help="worker processes of the local cluster (default: one per CPU)")
    p.add_argument("--refresh", action="store_true", help="compute every account again")
    p.add_argument("--no-escalation", action="store_true", help="skip the Glue escalation routes (_escalation/, "
                                                                "_summary/escalation-routes.csv)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_org_matrix)
    org.set_defaults(func=lambda args: (org.print_help(), 2)[1])


def cmd_org_snapshot(args: argparse.Namespace) -> int:
    from glue_iam_kit.org.snapshots import collect_org
    from glue_iam_kit.sources.base import open_target

    chosen = [k for k, v in (("--aws", args.aws or args.endpoint_url), ("--profile", args.profile),
                             ("--sandbox-org", args.sandbox_org)) if v]
    if len(chosen) != 1:
        raise SystemExit("glue-iam-kit: error: org snapshot reads the management account: name it with one of "
                         "--aws, --profile P (or --sandbox-org to try it)")
    if args.sandbox_org:
        from glue_iam_kit.sources.sandbox.organization import open_org_sandbox

        target = open_org_sandbox(region=args.region or "eu-west-1")
    else:
        target = open_target("aws", profile=args.profile, region=args.region, endpoint_url=args.endpoint_url)
    started = time.perf_counter()
    with target:
        result = collect_org(target, args.out, args.role_name, args.accounts, args.scheduler, args.refresh,
                             progress=not args.quiet, workers=args.workers, events=not args.no_events)
    print(f"{len(result['written'])} account(s) written, {len(result['skipped'])} already there (--refresh to "
          f"redo), {len(result['failures'])} failed, in {time.perf_counter() - started:.1f} s -> {args.out}")
    for f in result["failures"]:
        print(f"  failed {f['account_id']} {f.get('name') or ''}: {f['reason']}", file=sys.stderr)
    return 0


def cmd_org_matrix(args: argparse.Namespace) -> int:
    from pathlib import Path

    from glue_iam_kit.cli.inputs import note
    from glue_iam_kit.cli.options import print_frame
    from glue_iam_kit.org.matrix import org_matrix, stray_snapshot_files, write_escalation_summary
    from glue_iam_kit.org.summary import accounts_frame, write_org_summary

    started = time.perf_counter()
    for stray in stray_snapshot_files(args.snapshots) if Path(args.snapshots).is_dir() else []:
        note(f"{stray} is not read: org matrix reads <account-id>.json files (rename it to its twelve-digit "
             "account id to count it)")
    result = org_matrix(args.snapshots, args.out, args.service, args.mfa, scheduler=args.scheduler,
                        workers=args.workers, refresh=args.refresh, progress=not args.quiet,
                        escalation=not args.no_escalation)
    names = write_org_summary(result["summaries"], Path(args.out) / "_summary", result["all_failures"])
    if not args.no_escalation:  # issue 22: every account's Glue escalation routes
        names.append(write_escalation_summary(args.out, Path(args.out) / "_summary"))
    seconds = time.perf_counter() - started
    peak = sum(result["memory"].values())
    print(f"{len(result['written'])} account(s) computed, {len(result['skipped'])} already in the dataset, "
          f"{len(result['failures'])} failed, {len(result['not_snapshotted'])} not snapshotted (org snapshot's "
          f"failures.json), in {seconds:.1f} s; peak memory {peak / 2**20:,.0f} MiB over "
          f"{len(result['memory'])} process(es) -> {args.out}")
    print(f"org-wide summary: {', '.join(names)} in {Path(args.out) / '_summary'} (every account; those not "
          "computed with their reason)")
    if not args.quiet:
        riskiest = accounts_frame(result["summaries"])
        print_frame("riskiest accounts (top 10)", riskiest.drop(columns=["status", "reason"]).head(10))
    for f in result["all_failures"]:
        stage = "not snapshotted" if f["stage"] == "snapshot" else "failed"
        print(f"  {stage} {f['account_id']} {f.get('name') or ''}".rstrip() + f": {f['error']}", file=sys.stderr)
    return 0
