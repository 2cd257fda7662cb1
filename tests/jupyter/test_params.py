"""The notebooks' parameters are declared once (glue_iam_kit.jupyter.params): every parameters cell matches its
declaration, as papermill itself reads the cell, and the CLI and open_investigation derive from it."""

from __future__ import annotations

import ast
from pathlib import Path

import papermill
import pytest

from glue_iam_kit.cli import build_parser
from glue_iam_kit.errors import KitError
from glue_iam_kit.jupyter.params import (
    INVESTIGATION,
    NOTEBOOK_PARAMETERS,
    investigation_parameters,
    parameters_from_args,
)

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.parametrize("name", sorted(NOTEBOOK_PARAMETERS))
def test_each_parameters_cell_matches_its_declaration(name):
    inspected = papermill.inspect_notebook(str(NOTEBOOKS / name))
    declared = NOTEBOOK_PARAMETERS[name]
    assert list(inspected) == [p.name for p in declared]
    for p in declared:
        got = inspected[p.name]
        assert ast.literal_eval(got["default"]) == p.default, p.name
        assert got["inferred_type_name"] == p.type_name, p.name
        assert got["help"] == p.help, p.name


def test_every_notebook_is_declared():
    assert {p.name for p in NOTEBOOKS.glob("*.ipynb")} == set(NOTEBOOK_PARAMETERS)


def test_the_cli_gives_the_declared_parameters(tmp_path):
    error = tmp_path / "error.txt"
    error.write_text("the error")
    args = build_parser().parse_args(["investigate", "--sandbox", "source-ip", "--user", "u", "--error-text",
                                      str(error), "--apply-fix", "--out", str(tmp_path)])
    params = parameters_from_args(INVESTIGATION, args, target="sandbox")
    assert list(params) == [p.name for p in INVESTIGATION]
    assert params["scenario"] == "source-ip" and params["user"] == "u" and params["error_text"] == "the error"
    assert params["apply_fix"] is True and params["service"] == "glue.amazonaws.com" and params["role"] == ""


def test_unknown_parameters_are_refused():
    with pytest.raises(KitError, match="unknown parameter"):
        investigation_parameters({"usr": "typo"})
    assert investigation_parameters({})["scenario_params"] == {}
