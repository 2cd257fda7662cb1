"""The kit's own words (pure, computed once): every word its code can write into a report.

Taken from the string literals of the package's modules (docstrings left out) and the report templates: the
prose, the findings' keys and words, and every keyword of the CLI, CloudFormation and Terraform forms
(``Statement``, ``Resource``, ``aws_iam_policy_document``, ``Users``...). Two rules use it, so they agree:

- the anonymiser never looks for a real name among the kit's own words in unmarked prose (a group named
  ``Policy`` is replaced where it stands as data and where the kit marked it, never in "Policy" the word);
- the survivor check (:mod:`glue_iam_kit.reports.survivors`) does not call the kit's words survivors, for the
  same reason. A name that is also a kit word can therefore only leak through prose the kit did not mark: every
  place the kit writes an identifier into prose marks it (:mod:`glue_iam_kit.engine.marks`).
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
# Words inside words (``AWS::IAM::Policy`` -> AWS, IAM, Policy) and whole ones (``aws_iam_policy_document``,
# ``source-ip``).
_FINE = re.compile(r"[A-Za-z0-9]+")
_WHOLE = re.compile(r"[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?")
# Never in a report: the sandbox's example data, the CLI's and the notebooks' help (examples such as RequireMFA).
_SKIP = ("sources/", "org/", "matrix/", "jupyter/", "cli/")


def _docstring_ids(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstring_ids(tree)
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


@lru_cache(maxsize=1)
def kit_words() -> frozenset[str]:
    """Every word of the kit's own vocabulary, lower-cased."""
    texts: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if not rel.startswith(_SKIP):
            texts += _literals(path)
    for path in sorted((PACKAGE / "reports" / "templates").glob("*")):
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8"))
    # The notebooks' own prose (their markdown cells are in the investigation form of report.html).
    for path in sorted((PACKAGE.parent / "notebooks").glob("*.py")):
        texts += [line.lstrip("# ") for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    words = {w.lower() for t in texts for w in (*_FINE.findall(t), *_WHOLE.findall(t))}
    return frozenset(words)


def is_kit_word(value: str) -> bool:
    """Whether *value* is one of the kit's own words (case-insensitive)."""
    return value.lower() in kit_words()


# The kit's own grant names (glue_iam_kit.diagnosis.fix.grant_name): AllowPassGlueRuntimeRoleToGlue,
# AllowPassRoleTo<Service>, Allow<Service><Action> for an AWS action verb. A policy that carries one (an account
# that applied the kit's fix before) names nothing of the customer's.
_KIT_GRANT = re.compile(r"AllowPassGlueRuntimeRoleToGlue|AllowPassRoleTo[A-Z][a-z0-9]*"
                        r"|Allow(?:S3|Kms|Glue|Dynamodb|Secretsmanager|Logs|Lambda|Sqs|Sns|Athena|Redshift|Iam|Sts|Ec2)"
                        r"(?:Get|Put|List|Describe|Create|Update|Delete|Start|Stop|Decrypt|Encrypt|Generate|Query|Scan"
                        r"|Batch|Send|Receive|Invoke|Pass|Tag|Untag|Restore|Abort)[A-Za-z0-9]*")


def is_kit_name(value: str) -> bool:
    """A kit word, or one of the names the kit gives its grants."""
    return is_kit_word(value) or bool(_KIT_GRANT.fullmatch(value))
