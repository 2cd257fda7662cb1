# Two commands do all the set-up on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/glue-iam-kit investigate --sandbox seed-incident --out reports/seed-incident

test: $(STAMP)
	$(BIN)/ruff check glue_iam_kit tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check glue_iam_kit tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_evaluator.py
	$(BIN)/python benchmarks/bench_investigate.py
	$(BIN)/python benchmarks/bench_matrix.py
	$(BIN)/python benchmarks/bench_org.py
	$(BIN)/python benchmarks/bench_escalation.py

clean:
	rm -rf $(VENV) reports .pytest_cache
