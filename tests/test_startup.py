"""What each process imports: the CLI's parser and the parent of a multi-worker run stay clear of the scoring stack.

The scoring stack (numpy, scipy, joblib; scikit-learn for training) takes seconds to import. The parser needs none
of it, and the parent of a multi-worker `escalation score` only reads and writes while the forkserver imports it for
the workers (service.batch_run). Each check runs in a fresh interpreter: this one has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "sklearn", "joblib", "polars", "litestar", "prometheus_client")


def modules_after(statement: str) -> set[str]:
    probe = f"import sys; {statement}; import json; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout))


def test_the_cli_parser_imports_none_of_the_heavy_libraries() -> None:
    assert modules_after("from training.cli import parser; parser()") == set()


@pytest.mark.parametrize("module", ["service.batch_run", "service.trend"])
def test_batch_and_trend_commands_import_polars_but_not_the_scoring_stack(module: str) -> None:
    assert modules_after(f"import {module}") == {"polars", "numpy"}


def test_the_package_gives_scorer_on_first_use() -> None:
    assert modules_after("import service") == set()
    assert {"numpy", "scipy", "joblib"} <= modules_after("from service import Scorer")
