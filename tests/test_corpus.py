"""The committed corpus keeps the promises of its datasheet (fixtures/README.md)."""

import json
from collections import Counter
from pathlib import Path

import pytest

from service.signals import SIGNAL_NAMES
from service.text import normalise, split_sentences
from training.corpus import CorpusError, load_raw, read_jsonl, split_train_dev
from training.paths import DEV_PATH, RAW_DIRECTORY, TRAIN_PATH

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def test_corpus_is_large_and_covers_every_signal() -> None:
    examples = read_jsonl(TRAIN_PATH) + read_jsonl(DEV_PATH)
    tally = Counter(label for e in examples for label in e.labels)
    neutral = [e for e in examples if not e.labels]
    assert len(examples) >= 4000
    assert all(tally[name] >= 150 for name in SIGNAL_NAMES)
    assert len(neutral) >= 1200
    assert sum(bool(e.extra.get("hard_negative")) for e in neutral) >= 400
    assert len({e.extra.get("conflict") for e in examples} - {"none"}) >= 15
    assert sum(e.extra.get("style") == "mt" for e in examples) >= 0.10 * len(examples)


def test_dev_split_is_disjoint_from_train_and_at_least_fifteen_percent() -> None:
    train, dev = read_jsonl(TRAIN_PATH), read_jsonl(DEV_PATH)
    assert not {e.text for e in train} & {e.text for e in dev}
    assert len(dev) >= 0.15 * (len(train) + len(dev))


def test_committed_split_is_what_the_builder_makes() -> None:
    examples, groups = load_raw()
    train, dev = split_train_dev(examples, groups)
    assert [e.id for e in train] == [e.id for e in read_jsonl(TRAIN_PATH)]
    assert [e.id for e in dev] == [e.id for e in read_jsonl(DEV_PATH)]


def test_every_seed_sentence_is_labeled() -> None:
    labeled = {e.text for e in read_jsonl(RAW_DIRECTORY / "seeds.jsonl") if e.source == "seed"}
    for path in SEEDS.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        for sentence in split_sentences(normalise(text)):
            assert text[sentence.begin : sentence.end] in labeled


def test_unknown_label_is_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    rows = [{"id": "1", "text": "Rockets hit.", "labels": ["attack"]}, {"id": "2", "text": "x", "labels": ["atack"]}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    with pytest.raises(CorpusError, match=r"bad.jsonl:2: unknown signal\(s\) \['atack'\]"):
        read_jsonl(path)
