"""environment.yml (for conda users) lists the same packages as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Extras that conda-forge ships as separate packages.
EXTRAS = {"moto[server]": {"moto", "flask", "flask-cors"}}


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
            if item.startswith("python"):
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
