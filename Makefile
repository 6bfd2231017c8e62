# The README's two commands: `make serve` (service on the bundled default model, trained first if missing)
# and `make test`. Everything installs into .venv from requirements.lock (pinned) on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILT := $(VENV)/.built
# The modules setup.py compiles with mypyc (when a C compiler is at hand): edited, they are compiled again.
CORE := $(addprefix service/,text.py phrases.py lexicon.py actors.py features.py aggregate.py scoring.py)
MODEL := models/escalation.joblib
CORPUS := fixtures/corpus/train.jsonl fixtures/corpus/dev.jsonl
LEXICON := $(wildcard service/lexicon/*.tsv)

.PHONY: install model serve test lint typecheck check eval bench bench-batch bench-api lock clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $(STAMP)

# The project itself, editable; setup.py compiles the scoring core in place (or says why it could not). Its modules
# are byte-compiled here because Python does not write their caches itself where PYTHONDONTWRITEBYTECODE is set (as
# on these machines): every process of a run would compile them again (~0.1 s each).
$(BUILT): $(STAMP) setup.py $(CORE)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m compileall -q service training
	$(BIN)/python -c "from service.compiled import compiled_modules as c; print('scoring core:', 'compiled' if c() else 'pure Python')"
	touch $(BUILT)

install: $(BUILT)

$(MODEL): $(BUILT) $(CORPUS) $(LEXICON) $(CORE)
	$(BIN)/escalation train -o $(MODEL)

model: $(MODEL)

serve: $(MODEL)
	$(BIN)/escalation serve

test: $(BUILT)
	$(BIN)/python -m pytest -q

lint: $(BUILT)
	$(BIN)/ruff check setup.py service training tests benchmarks
	$(BIN)/hadolint Dockerfile

typecheck: $(BUILT)
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
	rm -rf $(VENV) models build .pytest_cache .mypy_cache .ruff_cache service/_compiled.json
	find service -name '*.so' -delete
	rm -f *__mypyc*.so
