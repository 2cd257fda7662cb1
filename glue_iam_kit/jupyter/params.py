"""The notebooks' parameters, declared once.

Each notebook's cell tagged ``parameters`` lists them in papermill's documented form (``name: type = value  #
help``, what ``papermill --help-notebook`` prints); ``tests/jupyter/test_params.py`` checks every cell against
these declarations with papermill's own inspection. The CLI (:func:`parameters_from_args`) and
:func:`~glue_iam_kit.account.open_investigation` derive from them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from glue_iam_kit.errors import KitError
from glue_iam_kit.model import GLUE_SERVICE


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    help: str
    cli: str | None = None  # the argparse destination it comes from (None: not from the command line)
    convert: Callable[[Any], Any] | None = None  # command-line value -> parameter value

    @property
    def type_name(self) -> str:
        return type(self.default).__name__


def read_error_text(path: str | None) -> str:
    """The error text from a file (``-``: standard input); a clear error when it cannot be read or is empty.

    An empty file is refused rather than read as "no error text": the sandbox would then quote its scenario's own
    error as the user's."""
    if not path:
        return ""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
    except OSError as exc:
        raise KitError(f"cannot read the error text file {path!r}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise KitError(f"the error text file {path!r} is not UTF-8 text") from None
    if not text.strip():
        where = "standard input" if path == "-" else f"the error text file {path!r}"
        raise KitError(f"{where} is empty: paste the error into it, or leave out --error-text (on the sandbox the "
                       "scenario's own error is then investigated)")
    return text


INVESTIGATION: tuple[Param, ...] = (
    Param("target", "sandbox", 'where to look: "sandbox" (moto, no AWS), "aws" (a real account), "snapshot" (offline '
          "file)"),
    Param("scenario", "seed-incident", "sandbox: the scenario to build (see `glue-iam-kit scenarios`)", "sandbox"),
    Param("profile", "", "aws: the AWS profile to read with (read-only permissions suffice)", "profile"),
    Param("region", "", "aws: the region of the Glue job; sandbox: overrides the scenario's region", "region"),
    Param("snapshot_path", "", "snapshot: the file written by `glue-iam-kit snapshot`", "snapshot", os.path.abspath),
    Param("user", "", "the IAM user (name or ARN) that was denied; empty: read from error_text or the scenario",
          "user"),
    Param("job", "", "the Glue job name; empty: the scenario's", "job"),
    Param("entry_point", "", "the Glue resource that passes the role: job, crawler, session, dev-endpoint or "
          "ml-transform; empty: from the error's operation, else job", "entry_point"),
    Param("resource", "", "the crawler, session, dev endpoint or ML transform name (a job's is job)", "resource"),
    Param("role", "", "the runtime role (name or ARN); empty: read from error_text, else the job's role", "role"),
    Param("service", GLUE_SERVICE, "the service the role is passed to (iam:PassedToService)", "service"),
    Param("error_text", "", "the console/CLI error, pasted verbatim; empty: the scenario's", "error_text",
          read_error_text),
    Param("event_id", "", "a CloudTrail event id (`glue-iam-kit denials`): its message, principal and real "
          "request context (MFA, source IP) are investigated", "event_id"),
    Param("apply_fix", False, "True: put the proposed policy, read it back and re-simulate (never on a snapshot)",
          "apply_fix", bool),
    Param("account_id", "", "sandbox: the account id to build; empty: the scenario's", "account_id"),
    Param("scenario_params", {}, 'sandbox: more scenario names, e.g. {"glue_group": "GlueUsers", "dev_group": '
          '"Devs"}'),
    Param("endpoint_url", "", "aws: a custom endpoint (tests use a local moto server); empty: AWS", "endpoint_url"),
)

TRAINING: tuple[Param, ...] = (
    Param("scenario", "seed-incident", "the scenario to practise on", "scenario"),
    Param("predicted_verdict", "", "your prediction: wrong-account, role-not-found, job-uses-other-role, "
          "trust-missing-service, explicit-deny, no-allow, allowed or evidence-disagrees", "verdict"),
    Param("predicted_policy", "", "the policy you think decides (e.g. RequireMFA); empty: not graded", "policy"),
    Param("predicted_escalation", "", "yes or no: will the fix's security review find escalation (the role may do "
          "what the principal may not)? empty: not graded", "escalation"),
)

ACCOUNT_MATRIX: tuple[Param, ...] = (
    Param("snapshot_path", "", "the snapshot file (`glue-iam-kit snapshot --out FILE`); empty: a small synthetic "
          "account"),
    Param("service", GLUE_SERVICE, "the service the roles are passed to (iam:PassedToService)"),
    Param("mfa", "absent", "aws:MultiFactorAuthPresent: absent (long-term access keys), present (MFA session) or "
          "false"),
    Param("top", 15, "how many rows of each table to show"),
    Param("out_path", "", "also write every pair to FILE.parquet or FILE.csv; empty: do not write"),
)

ORGANIZATION: tuple[Param, ...] = (
    Param("dataset", "", "the dataset `glue-iam-kit org matrix --out DATASET` wrote; empty: a small synthetic "
          "organisation, computed here"),
    Param("top", 15, "how many rows of each table to show"),
)

EXPLORER: tuple[Param, ...] = (
    Param("target", "sandbox", 'where to look: "sandbox", "aws" or "snapshot"'),
    Param("scenario", "seed-incident", "sandbox: the scenario (see `glue-iam-kit scenarios`)"),
    Param("profile", "", "aws: the AWS profile (read-only permissions suffice)"),
    Param("region", "", "aws: the region; sandbox: overrides the scenario's"),
    Param("snapshot_path", "", "snapshot: the file written by `glue-iam-kit snapshot`"),
)

PYTHON_API: tuple[Param, ...] = (
    Param("scenario", "seed-incident", "the sandbox scenario to explore (see `glue-iam-kit scenarios`)"),
    Param("user", "alice", "the principal asking (a name, or a user or role ARN)"),
    Param("role", "etl-runtime", "the Glue job's runtime role"),
    Param("job", "nightly", "the Glue job"),
)

# Which notebook declares which parameters.
NOTEBOOK_PARAMETERS = {"01_investigate_passrole.ipynb": INVESTIGATION, "02_explore.ipynb": EXPLORER,
                       "03_training.ipynb": TRAINING, "04_account_matrix.ipynb": ACCOUNT_MATRIX,
                       "05_organization.ipynb": ORGANIZATION,
                       "06_python_api.ipynb": PYTHON_API}


def complete(declared: tuple[Param, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    """*values* with every declared parameter (defaults for the missing ones); unknown names are refused."""
    names = [p.name for p in declared]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise KitError(f"unknown parameter(s) {', '.join(unknown)}; the parameters are {', '.join(names)}")
    return {p.name: values.get(p.name, _fresh(p.default)) for p in declared}


def investigation_parameters(values: Mapping[str, Any]) -> dict[str, Any]:
    return complete(INVESTIGATION, values)


def from_namespace(declared: tuple[Param, ...], namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The declared parameters as a notebook's namespace holds them (after papermill injected its values)."""
    return {p.name: namespace[p.name] for p in declared if p.name in namespace}


def parameters_from_args(declared: tuple[Param, ...], args: Any, **fixed: Any) -> dict[str, Any]:
    """The parameters a command line gives (``None`` / absent options keep the default), plus *fixed*."""
    values: dict[str, Any] = {}
    for p in declared:
        raw = getattr(args, p.cli, None) if p.cli else None
        if raw is not None and raw != "":
            values[p.name] = p.convert(raw) if p.convert else raw
    values.update(fixed)
    return complete(declared, values)


def render_parameters_cell(declared: tuple[Param, ...]) -> str:
    """The parameters cell's source, in papermill's ``name: type = value  # help`` form."""
    return "\n".join(f"{p.name}: {p.type_name} = {_literal(p.default)}  # {p.help}" for p in declared)


def _literal(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _fresh(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value
