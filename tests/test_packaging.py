"""environment.yml (for conda users) lists the same packages as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Extras that conda-forge ships as separate packages.
EXTRAS = {"moto[server]": {"moto", "flask", "flask-cors"}, "dask[distributed]": {"dask", "distributed"}}


def _names(specs: list[str]) -> set[str]:
    names: set[str] = set()
    for spec in specs:
        m = re.match(r"^\s*([A-Za-z0-9_.\-]+(\[[^\]]+\])?)", spec)
        assert m, spec
        name = m.group(1).lower()
        names |= EXTRAS.get(name, {re.sub(r"\[.*\]", "", name)})
    return names


def _conda_deps() -> tuple[set[str], list[str], list[str]]:
    deps, channels, pythons = set(), [], []
    section = None
    for line in (ROOT / "environment.yml").read_text().splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped:
            continue
        if not stripped.startswith(" "):
            section = stripped.rstrip(":")
            continue
        item = stripped.strip().removeprefix("- ").strip()
        if section == "channels":
            channels.append(item)
        elif section == "dependencies":
            if re.split(r"[=<>!~ ]", item, maxsplit=1)[0] == "python":  # not python-hcl2
                pythons.append(item)
            else:
                deps |= _names([item])
    return deps, channels, pythons


def test_environment_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip = _names(project["dependencies"]) | _names(project["optional-dependencies"]["dev"])
    conda, channels, pythons = _conda_deps()
    assert conda == pip, f"only in environment.yml: {conda - pip}; only in pyproject.toml: {pip - conda}"
    assert channels == ["conda-forge"]
    assert pythons == ["python=3.11"]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make demo" in readme
    assert "make test" in ci


def test_a_wheel_carries_the_notebooks_and_the_kit_finds_them(tmp_path, monkeypatch):
    import glob
    import shutil

    from glue_iam_kit.jupyter import run as execute

    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    shipped = {Path(p).name for pattern in data_files["share/glue-iam-kit/notebooks"]
               for p in glob.glob(str(ROOT / pattern))}
    assert shipped == {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    installed = tmp_path / "share" / "glue-iam-kit" / "notebooks"
    installed.mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / "02_explore.ipynb", installed)
    monkeypatch.setattr(execute, "NOTEBOOK_DIR", tmp_path / "no-checkout")
    monkeypatch.setattr(execute, "INSTALLED_NOTEBOOK_DIRS", (installed,))
    assert execute.notebook_path("02_explore.ipynb") == installed / "02_explore.ipynb"
    with pytest.raises(execute.KitError, match="reinstall"):
        execute.notebook_path("01_investigate_passrole.ipynb")
