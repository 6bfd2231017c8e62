"""Batch scoring rows: the single-document path applied to many documents, one output row per input row.

A row whose text is missing, not a string, empty or too long gets an `error` instead of scores; it is never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from service.errors import InputError
from service.scoring import Scorer
from service.signals import SIGNAL_NAMES
from service.types import DocumentScore

CHUNK_DOCUMENTS = 256  # documents per score_many call: large enough to amortise per-call costs, small for memory


@dataclass(frozen=True, slots=True)
class InputRow:
    id: Any
    text: Any
    error: str | None = None  # set when the row could not even be read (bad JSON, not an object)


def document_row(identifier: Any, score: DocumentScore) -> dict[str, Any]:
    """The output columns of one scored document."""
    row: dict[str, Any] = {
        "id": identifier,
        "risk": round(score.risk, 6),
        "level": score.level,
        "deescalation": round(score.deescalation, 6),
    }
    for name in SIGNAL_NAMES:
        row[name] = round(score.signals[name].probability, 6)
    row["signals"] = list(score.flagged_signals)
    row["actors"] = list(score.actor_names)
    row["error"] = None
    return row


def error_row(identifier: Any, message: str) -> dict[str, Any]:
    return {"id": identifier, "error": message}


def score_rows(
    scorer: Scorer, rows: Iterable[InputRow], thresholds: dict[str, float] | None = None
) -> Iterator[dict[str, Any]]:
    """Score rows in chunks, yielding one output row per input row, in input order."""
    chunk: list[InputRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_DOCUMENTS:
            yield from _score_chunk(scorer, chunk, thresholds)
            chunk = []
    if chunk:
        yield from _score_chunk(scorer, chunk, thresholds)


def _score_chunk(
    scorer: Scorer, chunk: list[InputRow], thresholds: dict[str, float] | None
) -> Iterator[dict[str, Any]]:
    problems: dict[int, str] = {}
    for position, row in enumerate(chunk):
        if row.error is not None:
            problems[position] = row.error
            continue
        try:
            scorer.check_text(row.text)
        except InputError as exc:
            problems[position] = str(exc) if row.text is not None else "text is missing"
    valid = [position for position in range(len(chunk)) if position not in problems]
    scores = iter(scorer.score_many([chunk[p].text for p in valid], thresholds=thresholds)) if valid else iter(())
    for position, row in enumerate(chunk):
        if position in problems:
            yield error_row(row.id, problems[position])
        else:
            yield document_row(row.id, next(scores))
