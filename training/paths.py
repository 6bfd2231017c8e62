"""Where the labeled corpus lives. Apart from training.corpus (numpy) so the CLI's parser can show them as defaults."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RAW_DIRECTORY = FIXTURES / "raw"
CORPUS_DIRECTORY = FIXTURES / "corpus"
TRAIN_PATH = CORPUS_DIRECTORY / "train.jsonl"
DEV_PATH = CORPUS_DIRECTORY / "dev.jsonl"
