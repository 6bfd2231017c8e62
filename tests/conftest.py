"""Shared fixtures: a small model trained into a temporary directory once per test session (no committed binaries)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.actors import Gazetteer
from service.scoring import Scorer
from training.paths import TRAIN_PATH
from training.train import train

SMALL_TRAIN_SIZE = 1200  # enough positives of every signal for a usable model in a few seconds


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every third line of the committed train split, capped: keeps each signal represented."""
    lines = TRAIN_PATH.read_text(encoding="utf-8").splitlines()
    chosen = lines[::3][:SMALL_TRAIN_SIZE]
    path = tmp_path_factory.mktemp("corpus") / "small.jsonl"
    path.write_text("\n".join(chosen) + "\n", encoding="utf-8")
    assert all(json.loads(line)["text"] for line in chosen)
    return path


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory, small_corpus: Path) -> Path:
    output = tmp_path_factory.mktemp("model") / "escalation.joblib"
    train(output, train_path=small_corpus, dev_path=None, log=lambda message: None, folds=3)
    return output


@pytest.fixture(scope="session")
def scorer(model_path: Path) -> Scorer:
    return Scorer.load(model_path)


@pytest.fixture(scope="session")
def full_scorer(tmp_path_factory: pytest.TempPathFactory) -> Scorer:
    """The shipped model's recipe on the whole train split (3 folds, no dev evaluation: ~30 s), for the tests of what
    the product does with real news; the small model above is too weak to speak for it."""
    output = tmp_path_factory.mktemp("full-model") / "escalation.joblib"
    train(output, dev_path=None, log=lambda message: None, folds=3)
    return Scorer.load(output)


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()
