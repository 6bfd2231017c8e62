# The README's two commands: `make serve` (service on the bundled default model, trained first if missing)
# and `make test`. Everything installs into .venv from requirements.lock (pinned) on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL := models/escalation.joblib
CORPUS := fixtures/corpus/train.jsonl fixtures/corpus/dev.jsonl
LEXICON := $(wildcard service/lexicon/*.tsv)

.PHONY: install model serve test lint typecheck check eval bench bench-batch bench-api lock clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

$(MODEL): $(STAMP) $(CORPUS) $(LEXICON)
	$(BIN)/escalation train -o $(MODEL)

model: $(MODEL)

serve: $(MODEL)
	$(BIN)/escalation serve

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check service training tests benchmarks
	$(BIN)/hadolint Dockerfile

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

eval: $(MODEL)
	$(BIN)/escalation eval fixtures/corpus/dev.jsonl

bench: $(MODEL)
	$(BIN)/python benchmarks/throughput.py

bench-batch: $(MODEL)
	$(BIN)/python benchmarks/batch.py

bench-api: $(MODEL)
	$(BIN)/python benchmarks/load.py

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) models .pytest_cache .mypy_cache .ruff_cache
