"""``glue-iam-kit``: a thin CLI that only turns arguments into library calls.

Imports are lazy (per command) so that ``simulate`` and ``--help`` start fast. Errors the kit understands
are printed as one line (``glue-iam-kit: error: ...``) with exit status 1; usage errors exit 2; a report refused
because an identifier survived anonymisation exits 3 (the executed notebook is written all the same).
"""


import argparse
import os
import sys

from glue_iam_kit.cli.commands import (
    cmd_demo,
    cmd_denials,
    cmd_evidence,
    cmd_investigate,
    cmd_matrix,
    cmd_sandbox,
    cmd_scenarios,
    cmd_simulate,
    cmd_snapshot,
)
from glue_iam_kit.cli.escalation import add_escalation_parser
from glue_iam_kit.cli.options import EPILOG, EXIT_STATUSES, add_subject_args, add_target_args, service_principal
from glue_iam_kit.cli.org import add_org_parser
from glue_iam_kit.cli.train import add_train_parser
from glue_iam_kit.errors import EXIT_IDENTIFIER_SURVIVED


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
    add_target_args(p)
    add_subject_args(p)
    p.set_defaults(func=cmd_sandbox)

    p = sub.add_parser("snapshot", help="write a snapshot file from any target (read-only)",
                       description="Read users, groups, roles, policies, Glue jobs and SCPs from a target and write "
                                   "one JSON file, so an investigation can be replayed offline without credentials.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, metavar="FILE", help="snapshot file to write")
    add_target_args(p)
    add_subject_args(p)
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("evidence", help="collect and print the evidence of each step (no verdict)",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_target_args(p)
    add_subject_args(p)
    p.add_argument("--documents", action="store_true", help="also print whole policy documents (wide)")
    p.set_defaults(func=cmd_evidence)

    p = sub.add_parser(
        "investigate", help="run the whole investigation and write the anonymised incident report",
        description="Run notebooks/01_investigate_passrole.ipynb with papermill on a target and write into --out: "
                    "investigation.ipynb (executed, not anonymised: for the investigator only), report.html and "
                    "report.md (anonymised incident write-ups) and findings.json (anonymised, machine-readable). "
                    "Read-only unless --apply-fix.",
        epilog=EPILOG + EXIT_STATUSES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_target_args(p)
    add_subject_args(p)
    p.add_argument("--error-text", metavar="FILE", help="the console/CLI error, verbatim, in a file (- for stdin)")
    p.add_argument("--event-id", metavar="ID", help="a CloudTrail event (see `glue-iam-kit denials`): its message, "
                                                   "principal, time and request context (MFA, source IP)")
    p.add_argument("--service", type=service_principal,
                   help="service the role is passed to (default: the service of the error's "
                   "operation, e.g. lambda.amazonaws.com for CreateFunction; else glue.amazonaws.com)")
    p.add_argument("--apply-fix", action="store_true", help="put the proposed policy, read it back, re-simulate "
                                                            "(never on a snapshot)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the four files")
    p.add_argument("--report", choices=["postmortem", "investigation"], default="postmortem",
                   help="report.md and report.html as a postmortem (Summary, Impact, Timeline, Root cause, "
                        "Resolution, Action items, Lessons, Appendix; the default) or as the investigation log; "
                        "investigation.ipynb is always the executed notebook")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_investigate)

    add_train_parser(sub)

    p = sub.add_parser(
        "matrix", help="who can pass which role: the account-wide PassRole matrix (Parquet or CSV)",
        description="Decide iam:PassRole for every user and role principal × every role of an account, as the "
                    "local evaluator does (identity policies, permissions boundaries, SCPs, explicit denies), and "
                    "write one row per pair: principal_arn, role_arn, decision, blocked_by, statements. Principals "
                    "with the same policies and roles selected by the same patterns are evaluated once. Best from "
                    "a snapshot; another target is read into one first (read-only). Prints the over-broad grants "
                    "(PassRole on every role, or with no iam:PassedToService condition).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_target_args(p)
    p.add_argument("--service", type=service_principal,
                   help="the iam:PassedToService value (default: glue.amazonaws.com)")
    p.add_argument("--mfa", choices=["absent", "present", "false"], default="absent",
                   help="aws:MultiFactorAuthPresent: absent (long-term access keys, the default), present (an MFA "
                        "session), false")
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.parquet or FILE.csv (written atomically)")
    p.add_argument("--summaries", metavar="DIR", help="also write roles.csv, principals.csv, overbroad-grants.csv")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars and no grants table")
    p.set_defaults(func=cmd_matrix)

    p = sub.add_parser(
        "denials", help="recent AccessDenied events of Glue and IAM calls, from CloudTrail",
        description="List recent AccessDenied events of Glue and IAM calls (CloudTrail LookupEvents, read-only, "
                    "paced at two calls a second; a snapshot's CloudTrailEvents; a sandbox scenario's events): "
                    "time, principal, operation, action, resource, source IP, MFA, user agent, event id. "
                    "Investigate one with `glue-iam-kit investigate --event-id ID`.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_target_args(p)
    p.add_argument("--since", default="24h", help="how far back: 90m, 24h, 7d (default 24h; a snapshot keeps "
                                                  "what it holds)")
    p.add_argument("--action", help="only denials of this action, e.g. iam:PassRole")
    p.add_argument("--json", action="store_true", help="one JSON object per line, for machines")
    p.set_defaults(func=cmd_denials)

    p = sub.add_parser("demo", help="the seed incident on the sandbox (what `make demo` runs)",
                       description="Investigate the seed incident on the sandbox: a developer with "
                                   "AWSGlueConsoleFullAccess cannot save a Glue job whose runtime role has a custom "
                                   "name. Needs no AWS account and no credentials; nothing leaves this machine.")
    p.add_argument("--out", default="reports/seed-incident", help="report folder (default: reports/seed-incident)")
    p.set_defaults(func=cmd_demo)

    add_org_parser(sub)
    add_escalation_parser(sub)  # issue 22: Glue escalation routes

    p = sub.add_parser(
        "simulate", help="evaluate simulate-custom-policy style cases (JSON Lines) with the local evaluator",
        description="Read JSON Lines cases modelled on `aws iam simulate-custom-policy` (PolicyInputList, "
                    "PermissionsBoundaryPolicyInputList, ServiceControlPolicies, ResourcePolicy, ResourceOwner, "
                    "CallerArn, ActionNames, ResourceArns, ContextEntries) and print one JSON line per case, shaped "
                    "like the AWS response. A bad line gives {\"id\", \"error\"}; the others go on.")
    p.add_argument("--cases", required=True, metavar="FILE.jsonl", help="cases file, or - for standard input")
    p.add_argument("--explain", action="store_true", help="print the trace for people instead of JSON")
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes for a large file (default: the cores "
                                                          "this process may use, up to 8; 1: one process); the "
                                                          "output is in input order either way")
    p.set_defaults(func=cmd_simulate)
    return parser


def _version() -> str:
    from glue_iam_kit import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from glue_iam_kit.errors import IdentifierSurvived, KitError

    try:
        return args.func(args)
    except IdentifierSurvived as exc:
        print(f"glue-iam-kit: error: {exc}", file=sys.stderr)
        return EXIT_IDENTIFIER_SURVIVED
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

