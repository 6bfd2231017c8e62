"""The labeled corpus: reading and validating JSONL, and building the committed train/dev split.

Line format (also what `escalation eval` reads): {"id": str, "text": str, "labels": [signal names], "source": str};
an empty label list means neutral. Extra keys (conflict, style, hard_negative) are kept for the datasheet.

    python -m training.corpus     # rebuild fixtures/corpus/{train,dev}.jsonl from fixtures/raw/*.jsonl
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from service.signals import HEADS, SIGNAL_NAMES, check_signal_names, derived_heads
from training.paths import DEV_PATH, RAW_DIRECTORY, TRAIN_PATH

DEV_FOLDS = 5  # one fold of five: a 20% dev split
SPLIT_SEED = 20201117
# Hand-written batches keep minimal pairs on consecutive lines; blocks of this many lines stay on one side of the
# split so that a sentence's near-twin never sits in dev while the sentence itself is trained on.
PAIR_BLOCK = 6


class CorpusError(ValueError):
    """A corpus file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    labels: frozenset[str]
    source: str
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> str:
        row = {"id": self.id, "text": self.text, "labels": sorted(self.labels), "source": self.source, **self.extra}
        return json.dumps(row, ensure_ascii=False)


def read_jsonl(path: Path | str) -> list[Example]:
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: file not found")
    examples: list[Example] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{where}: invalid JSON: {exc.msg}") from None
            if not isinstance(row, dict):
                raise CorpusError(f"{where}: expected a JSON object")
            text, labels = row.get("text"), row.get("labels")
            if not isinstance(text, str) or not text.strip():
                raise CorpusError(f"{where}: 'text' must be a non-empty string")
            if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
                raise CorpusError(f"{where}: 'labels' must be a list of signal names")
            try:
                check_signal_names(labels)
            except ValueError as exc:
                raise CorpusError(f"{where}: {exc}") from None
            identifier = str(row.get("id", f"{path.stem}-{number}"))
            if identifier in seen:
                raise CorpusError(f"{where}: duplicate id {identifier!r}")
            seen.add(identifier)
            extra = {k: v for k, v in row.items() if k not in ("id", "text", "labels", "source")}
            examples.append(Example(identifier, text, frozenset(labels), str(row.get("source", "")), extra))
    if not examples:
        raise CorpusError(f"{path}: no examples")
    return examples


def label_matrix(examples: list[Example]) -> np.ndarray:
    """(n_examples, n_heads) 0/1 matrix in HEADS order (nine signals, escalatory, deescalatory)."""
    return np.array([[int(derived_heads(set(e.labels))[head]) for head in HEADS] for e in examples], dtype=np.int8)


def corpus_sha256(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(example.to_json().encode("utf-8") + b"\n")
    return digest.hexdigest()


def _stratum(example: Example, frequency: Counter[str]) -> str:
    """The example's rarest label (or "none"): what the split stratifies on."""
    if not example.labels:
        return "none"
    return min(example.labels, key=lambda label: (frequency[label], label))


def split_train_dev(examples: list[Example], groups: list[str]) -> tuple[list[Example], list[Example]]:
    # imported here, not at the top: the scoring CLI imports this module for its paths
    from sklearn.model_selection import StratifiedGroupKFold

    frequency = Counter(label for example in examples for label in example.labels)
    strata = [_stratum(example, frequency) for example in examples]
    splitter = StratifiedGroupKFold(n_splits=DEV_FOLDS, shuffle=True, random_state=SPLIT_SEED)
    train_index, dev_index = next(splitter.split(np.zeros(len(examples)), strata, groups))
    return [examples[i] for i in sorted(train_index)], [examples[i] for i in sorted(dev_index)]


def load_raw(directory: Path = RAW_DIRECTORY) -> tuple[list[Example], list[str]]:
    """All hand-written batches and the labeled seed sentences, with the split group of each."""
    examples: list[Example] = []
    groups: list[str] = []
    texts: set[str] = set()
    for path in sorted(directory.glob("*.jsonl")):
        if path.name.endswith("_unlabeled.jsonl"):
            continue
        for position, example in enumerate(read_jsonl(path)):
            if example.text in texts:
                continue  # the same sentence written twice counts once
            texts.add(example.text)
            examples.append(example)
            if example.source == "seed":
                groups.append("seed:" + example.id.rsplit("-", 1)[0])
            else:
                groups.append(f"{path.stem}:{position // PAIR_BLOCK}")
    return examples, groups


def write_jsonl(examples: list[Example], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(example.to_json() + "\n" for example in examples), encoding="utf-8")


def counts(examples: list[Example]) -> dict[str, int]:
    tally = Counter(label for example in examples for label in example.labels)
    result = {name: tally[name] for name in SIGNAL_NAMES}
    result["none"] = sum(1 for example in examples if not example.labels)
    return result


def main() -> None:
    examples, groups = load_raw()
    train, dev = split_train_dev(examples, groups)
    write_jsonl(train, TRAIN_PATH)
    write_jsonl(dev, DEV_PATH)
    print(f"{len(examples)} examples: {len(train)} train, {len(dev)} dev ({len(dev) / len(examples):.1%})")
    print("train", counts(train))
    print("dev  ", counts(dev))


if __name__ == "__main__":
    main()
