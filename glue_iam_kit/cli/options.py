"""The options every command that reads a target shares, and opening the target they name."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from glue_iam_kit.errors import EXIT_IDENTIFIER_SURVIVED
from glue_iam_kit.sources.glue_resources import GLUE_KINDS

_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*\.(amazonaws\.com(\.cn)?|aws\.internal)")


def service_principal(text: str) -> str:
    """argparse type of ``--service``: a service principal as ``iam:PassedToService`` carries it
    (``lambda.amazonaws.com``); a bare name is a usage error that says what it likely means, never completed
    silently (a grant to ``lambda`` matches no request)."""
    word = text.strip()
    if _SERVICE_PRINCIPAL.fullmatch(word):
        return word
    hint = f" (did you mean {word.lower()}.amazonaws.com?)" if re.fullmatch(r"[A-Za-z0-9-]+", word) else ""
    raise argparse.ArgumentTypeError(f"{text!r} is not a service principal{hint}: iam:PassedToService names one "
                                     "like glue.amazonaws.com")


EPILOG = """\
targets (pick one; the sandbox is the default):
  --sandbox SCENARIO          moto in process, seeded from a built-in scenario (see `glue-iam-kit scenarios`)
  --aws [--region R]          a real AWS account through boto3's default credential chain, as the AWS CLI finds
                              it (environment variables, AWS_PROFILE, an SSO profile, an instance or container
                              role, CloudShell); read-only (see required permissions in the README)
  --profile P [--region R]    the same with the named profile
  --snapshot FILE             offline, from `glue-iam-kit snapshot --out FILE` or
                              `aws iam get-account-authorization-details` output
"""

EXIT_STATUSES = f"""
exit status:
  0  a verdict was reached, whatever it is
  1  the investigation could not run (an unknown user, a missing snapshot, a bad profile): one line says why
  2  usage error
  {EXIT_IDENTIFIER_SURVIVED}  the last anonymisation check refused the reports: a real identifier survived in one of
     them. investigation.ipynb (executed, NOT anonymised: for you only) is written to --out all the same, report.html,
     report.md and findings.json are not; the message names the file, the section and the kind of identifier
     (never its value). Share nothing from that run; report the file, section and kind as a glue-iam-kit bug.
"""



def add_target_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("target")
    g.add_argument("--sandbox", metavar="SCENARIO", help="sandbox scenario (default: seed-incident)")
    g.add_argument("--aws", action="store_true", help="a real account, with boto3's default credential chain")
    g.add_argument("--profile", help="AWS profile of a real account (implies --aws)")
    g.add_argument("--region", help="AWS region (aws target: default the configured one; sandbox: overrides the "
                                    "scenario's region)")
    g.add_argument("--endpoint-url", help="custom AWS endpoint, e.g. a local moto server (aws target; "
                                          "AWS_ENDPOINT_URL is honoured as boto3 does)")
    g.add_argument("--snapshot", metavar="FILE", help="snapshot file (the snapshot target)")
    s = p.add_argument_group("sandbox names (fill the scenario's parameters)")
    s.add_argument("--account-id", help="sandbox account id (twelve digits)")
    s.add_argument("--glue-group", help="sandbox group that carries AWSGlueConsoleFullAccess")
    s.add_argument("--dev-group", help="sandbox developers group (MFA policy)")


def add_subject_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", help="IAM user name or ARN (sandbox: also names the built user)")
    p.add_argument("--role", help="the job's runtime role, name or ARN (sandbox: also names the built role)")
    p.add_argument("--job", help="Glue job name (sandbox: also names the built job)")
    for kind in RESOURCE_KINDS:
        p.add_argument(f"--{kind}", metavar="NAME", help=f"the Glue {kind.replace('-', ' ')} that passes the role "
                                                          "(instead of a job)")


# The Glue resources besides jobs, as options (--crawler NAME, ...): one per kind the sources read.
RESOURCE_KINDS = tuple(kind for kind in GLUE_KINDS if kind != "job")


def resource_choice(args: argparse.Namespace) -> tuple[str, str]:
    """(entry point, resource name) the options name: at most one of --crawler/--session/--dev-endpoint/...;
    ("", "") when none (a job, or what the error's operation says)."""
    chosen = [(kind, getattr(args, kind.replace("-", "_"), None)) for kind in RESOURCE_KINDS
              if getattr(args, kind.replace("-", "_"), None)]
    if len(chosen) > 1:
        raise SystemExit(f"glue-iam-kit: error: name one Glue resource, not {' and '.join(k for k, _ in chosen)}")
    return chosen[0] if chosen else ("", "")


def target_kind(args: argparse.Namespace) -> str:
    aws = getattr(args, "aws", False) or args.profile or args.endpoint_url
    chosen = [k for k, v in (("sandbox", args.sandbox), ("snapshot", args.snapshot), ("aws", aws)) if v]
    if len(chosen) > 1:
        raise SystemExit(f"glue-iam-kit: error: choose one target, not {' and '.join(chosen)}")
    if not chosen and args.region:
        raise SystemExit("glue-iam-kit: error: --region alone chooses no target: add --aws (the default credential "
                         "chain) or --profile P for a real account, or --sandbox SCENARIO to move a scenario")
    return chosen[0] if chosen else "sandbox"


def open_from_args(args: argparse.Namespace) -> Any:
    """Open the target the arguments name (the sandbox by default)."""
    from glue_iam_kit.sources.base import open_target

    kind = target_kind(args)
    if kind == "sandbox":
        from glue_iam_kit.sources.sandbox import sandbox_names

        params = {k: getattr(args, k, None) for k in ("job", "glue_group", "dev_group")}
        params.update(sandbox_names(getattr(args, "user", None), getattr(args, "role", None),
                                    getattr(args, "account_id", None)))
        return open_target("sandbox", scenario=args.sandbox or "seed-incident", region=args.region, **params)
    if kind == "snapshot":
        return open_target("snapshot", snapshot_path=args.snapshot)
    return open_target("aws", profile=args.profile, region=args.region, endpoint_url=args.endpoint_url)


def snapshot_from(target: Any, quiet: bool) -> Any:
    """*target* as a snapshot target: read into one first when it is not (read-only; said on stderr unless
    *quiet*): one read of the whole account instead of a few calls per principal."""
    from glue_iam_kit.sources.snapshot import SnapshotTarget, as_snapshot_target

    if not isinstance(target, SnapshotTarget) and not quiet:
        print(f"reading the {target.kind} target into a snapshot (read-only) ...", file=sys.stderr)
    return as_snapshot_target(target)


def print_frame(title: str, frame: Any) -> None:
    import pandas as pd

    print(f"\n## {title}")
    if frame.empty:
        print("(none)")
        return
    with pd.option_context("display.max_colwidth", 90, "display.width", 200, "display.max_columns", 20):
        print(frame.to_string(index=False))
