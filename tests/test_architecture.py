"""The layout's rules, checked: boto3 only in the sources layer, a pure engine, no branching on the kind of
target, modules and classes of a readable size, and tests that mirror the package."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "glue_iam_kit"
TESTS = Path(__file__).resolve().parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
MAX_MODULE_LINES, MAX_CLASS_LINES = 400, 250
SIZE_EXCUSE = re.compile(r"longer than|over \d+ lines", re.IGNORECASE)  # a comment at the top that says why


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def _rel(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_boto3_only_in_the_sources_layer(path):
    uses = {m for m in _imports(path) if m.split(".")[0] in ("boto3", "botocore", "moto")}
    if uses:
        assert _rel(path).startswith("sources/"), f"{_rel(path)} imports {sorted(uses)}"


@pytest.mark.parametrize("path", sorted(PACKAGE.joinpath("engine").glob("*.py")), ids=_rel)
def test_the_engine_is_pure(path):
    for module in _imports(path):
        top = module.split(".")[0]
        assert top not in ("pandas", "numpy", "boto3", "botocore", "moto"), f"{_rel(path)} imports {module}"
        if top == "glue_iam_kit":
            assert module.startswith(("glue_iam_kit.engine", "glue_iam_kit.errors")), f"{_rel(path)}: {module}"


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_no_branching_on_the_kind_of_target(path):
    text = path.read_text()
    assert not re.search(r"\.kind\s*==\s*[\"'](aws|sandbox|snapshot)", text), "ask can(target, CAPABILITY)"


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_modules_and_classes_stay_readable(path):
    text = path.read_text()
    excused = bool(SIZE_EXCUSE.search(text[:1500]))
    assert excused or len(text.splitlines()) <= MAX_MODULE_LINES, f"{_rel(path)}: split it, or say why at its top"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            size = node.end_lineno - node.lineno + 1
            assert excused or size <= MAX_CLASS_LINES, f"{_rel(path)}: class {node.name} has {size} lines"


def test_the_jupyter_side_uses_public_names_only():
    for path in PACKAGE.joinpath("jupyter").glob("*.py"):
        for m in re.finditer(r"\b(inv|investigation|evidence|_evidence|ev)\._\w+", path.read_text()):
            pytest.fail(f"{_rel(path)} reaches inside: {m.group(0)}")


def test_tests_mirror_the_package():
    subpackages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    test_dirs = {p.name for p in TESTS.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert subpackages <= test_dirs, f"no test folder for {sorted(subpackages - test_dirs)}"


# -- arrows only run down (layout.md) ----------------------------------------------------------------------------
def _package_imports(path: Path) -> set[str]:
    return {m for m in _imports(path) if m.startswith("glue_iam_kit")}


def _module_path(module: str) -> Path | None:
    rel = module.removeprefix("glue_iam_kit").lstrip(".").replace(".", "/")
    for candidate in (PACKAGE / f"{rel}.py", PACKAGE / rel / "__init__.py"):
        if rel and candidate.exists():
            return candidate
    return None


def _reachable(start: Path, within: str) -> set[str]:
    """The package modules under *within* that *start* imports, directly or through each other."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for module in _package_imports(todo.pop()):
            if module.startswith(within) and module not in seen:
                seen.add(module)
                found = _module_path(module)
                if found is not None:
                    todo.append(found)
    return seen


def test_the_model_holds_data_and_imports_no_renderer():
    allowed = ("glue_iam_kit.engine", "glue_iam_kit.errors")
    assert all(m.startswith(allowed) for m in _package_imports(PACKAGE / "model.py")), \
        _package_imports(PACKAGE / "model.py")


def test_the_step_registry_does_not_import_the_runner():
    reached = _reachable(PACKAGE / "diagnosis" / "steps.py", "glue_iam_kit.diagnosis")
    assert "glue_iam_kit.diagnosis.investigation" not in reached, sorted(reached)


@pytest.mark.parametrize("path", sorted(PACKAGE.joinpath("diagnosis").glob("*.py")), ids=_rel)
def test_the_diagnosis_imports_no_upper_layer(path):
    upper = ("glue_iam_kit.jupyter", "glue_iam_kit.reports", "glue_iam_kit.matrix", "glue_iam_kit.org",
             "glue_iam_kit.cli", "glue_iam_kit.account")
    assert not [m for m in _package_imports(path) if m.startswith(upper)], _rel(path)


@pytest.mark.parametrize("path", [p for p in MODULES if not _rel(p).startswith(("cli/", "account"))], ids=_rel)
def test_only_the_top_floor_imports_the_python_api(path):
    assert not [m for m in _package_imports(path) if m.startswith(("glue_iam_kit.account", "glue_iam_kit.cli"))]
