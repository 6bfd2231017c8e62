"""Batch scoring: the single-document path applied to chunks of rows, one output row per input row (or per sentence).

A chunk (service.formats.Chunk) arrives as raw JSONL lines or as a polars frame. `ChunkScorer` turns it into input
rows, scores the valid ones with one `Scorer.score_many` call, and builds the output frame with the fixed schema of
`output_schema`, the same for every chunk and every format. A row whose text is missing, not a string, empty or too
long gets `error` set instead of scores; it is never dropped.

Worker processes call `init_worker` once and then `score_in_worker` per chunk; each loads its own Scorer.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from service.errors import InputError
from service.formats import ID, TEXT, Chunk, encode
from service.scoring import Scorer
from service.signals import SIGNAL_NAMES
from service.types import DocumentScore, SentenceScore

CHUNK_DOCUMENTS = 256  # documents per score_many call: large enough to amortise per-call costs, small for memory
DECIMALS = 6  # probabilities are rounded to this many decimals in the output

_FLOAT = pl.Float64()
_TEXT = pl.String()
_NAMES = pl.List(pl.String())


@dataclass(frozen=True)
class BatchOptions:
    """What to read from each row and what to write for it; sent once to every worker."""

    text_col: str = "text"
    id_col: str = "id"
    keep: dict[str, pl.DataType] = field(default_factory=dict)  # kept columns and their output types
    sentences: bool = False  # one output row per sentence
    evidence: bool = False  # an `evidence` column with the evidence as JSON
    thresholds: dict[str, float] = field(default_factory=dict)  # flag threshold overrides per signal
    output_format: str = "jsonl"
    name_sources: bool = False  # several inputs: a JSONL line's error names its file

    def schema(self) -> pl.Schema:
        return output_schema(self.keep, sentences=self.sentences, evidence=self.evidence)


def output_schema(keep: dict[str, pl.DataType], *, sentences: bool = False, evidence: bool = False) -> pl.Schema:
    """The output columns, in order: id, kept columns, scores, signals, actors, [evidence], error."""
    columns: dict[str, pl.DataType] = {"id": _TEXT, **keep}
    if sentences:
        columns |= {"sentence": pl.Int64(), "begin": pl.Int64(), "end": pl.Int64(), "sentence_text": _TEXT}
        columns |= {"escalatory": _FLOAT, "deescalatory": _FLOAT}
    else:
        columns |= {"risk": _FLOAT, "level": _TEXT, "deescalation": _FLOAT}
    columns |= dict.fromkeys(SIGNAL_NAMES, _FLOAT)
    columns |= {"signals": _NAMES, "actors": _NAMES}
    if evidence:
        columns["evidence"] = _TEXT
    columns["error"] = _TEXT
    return pl.Schema(columns)


def reserved_columns() -> frozenset[str]:
    """Output column names a kept column may not take."""
    return frozenset(output_schema({}, sentences=True, evidence=True)) | set(output_schema({}, evidence=True))


@dataclass(frozen=True, slots=True)
class InputRows:
    """A chunk's rows as read: ids, raw text values, read errors, and the kept columns as a frame."""

    ids: list[str]
    texts: list[Any]
    errors: list[str | None]  # set when the row could not even be read (bad JSON, not an object, no text)
    kept: pl.DataFrame


@dataclass(frozen=True, slots=True)
class Scored:
    """A scored chunk, encoded for the output."""

    rows: int  # input rows
    errors: int  # input rows with an error
    output_rows: int  # rows written (differs from `rows` with --sentences)
    payload: bytes | pl.DataFrame


def _as_text(value: Any) -> str | None:
    """A JSON value as an output cell: text as is, null as null, anything else as its JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def read_rows(chunk: Chunk, options: BatchOptions) -> InputRows:
    """The rows of a chunk. A JSONL line that is blank, not JSON, not an object or without text gets an error."""
    if chunk.frame is not None:
        frame = chunk.frame
        texts = frame[TEXT].to_list()
        raw_ids = frame[ID].to_list() if ID in frame.columns else [None] * frame.height
        ids = [str(chunk.start + i) if value is None else value for i, value in enumerate(raw_ids)]
        return InputRows(ids, texts, [None] * frame.height, frame.select(list(options.keep)))
    ids, texts, errors, kept = [], [], [], []
    for offset, line in enumerate(chunk.lines or ()):
        number = chunk.first + offset
        where = f"{chunk.source} line {number}" if options.name_sources else f"line {number}"
        record: Any = None
        error = None
        if not line.strip():
            error = f"{where}: empty line"
        else:
            try:
                record = json.loads(line)
            except UnicodeDecodeError:
                error = f"{where}: not valid UTF-8"
            except json.JSONDecodeError as exc:
                error = f"{where}: invalid JSON: {exc.msg}"
            else:
                if not isinstance(record, dict):
                    error, record = f"{where}: expected a JSON object", None
        record = record or {}
        identifier = record.get(options.id_col)
        ids.append(str(chunk.start + offset) if identifier is None else str(_as_text(identifier)))
        texts.append(record.get(options.text_col))
        if error is None and options.text_col not in record:
            error = f"{options.text_col} is missing"
        errors.append(error)
        kept.append([_as_text(record.get(name)) for name in options.keep])
    columns = {name: [row[i] for row in kept] for i, name in enumerate(options.keep)}
    return InputRows(ids, texts, errors, pl.DataFrame(columns, schema=options.keep))


class ChunkScorer:
    """Scores chunks with one Scorer: one score_many call per chunk, one output frame per chunk."""

    def __init__(self, scorer: Scorer, options: BatchOptions) -> None:
        self.scorer = scorer
        self.options = options
        self.schema = options.schema()

    def __call__(self, chunk: Chunk) -> Scored:
        rows = read_rows(chunk, self.options)
        frame, errors = self.score(rows)
        return Scored(len(rows.ids), errors, frame.height, encode(frame, self.options.output_format))

    def _problems(self, rows: InputRows) -> list[str | None]:
        problems: list[str | None] = []
        for text, error in zip(rows.texts, rows.errors, strict=True):
            if error is None and text is None:
                error = f"{self.options.text_col} is missing"
            elif error is None:
                try:
                    self.scorer.check_text(text)
                except InputError as exc:
                    error = str(exc)
            problems.append(error)
        return problems

    def score(self, rows: InputRows) -> tuple[pl.DataFrame, int]:
        """The output frame of a chunk's rows, in input order, and how many rows have an error."""
        problems = self._problems(rows)
        valid = [position for position, problem in enumerate(problems) if problem is None]
        results = dict(zip(valid, self._score_texts([rows.texts[p] for p in valid]), strict=True))
        columns: dict[str, list[Any]] = {name: [] for name in self.schema if name not in self.options.keep}
        source_rows: list[int] = []  # the input row of every output row, to repeat the kept columns
        errors = 0
        for position, identifier in enumerate(rows.ids):
            result = results.get(position, problems[position])
            if isinstance(result, DocumentScore) and self.options.sentences and not result.sentences:
                result = "text has no sentences"
            errors += not isinstance(result, DocumentScore)
            if isinstance(result, DocumentScore) and self.options.sentences:
                for sentence in result.sentences:
                    self._append(columns, identifier, self._sentence_cells(sentence))
                    source_rows.append(position)
            else:
                cells = self._document_cells(result) if isinstance(result, DocumentScore) else {"error": result}
                self._append(columns, identifier, cells)
                source_rows.append(position)
        scores = pl.DataFrame(columns, schema={name: self.schema[name] for name in columns})
        if not self.options.keep:
            return scores, errors
        kept = rows.kept[source_rows] if source_rows else rows.kept.clear()
        return pl.concat([scores.select("id"), kept, scores.drop("id")], how="horizontal"), errors

    @staticmethod
    def _append(columns: dict[str, list[Any]], identifier: str, cells: dict[str, Any]) -> None:
        for name, values in columns.items():
            values.append(identifier if name == "id" else cells.get(name))

    def _score_texts(self, texts: list[str]) -> list[DocumentScore | str]:
        """Scores for valid texts; if the batch call fails, each text alone, so one bad text costs one row."""
        if not texts:
            return []
        options = self.options
        try:
            return list(self.scorer.score_many(texts, explain=options.evidence, thresholds=options.thresholds))
        except Exception:
            if len(texts) == 1:
                return [self._score_alone(texts[0])]
        return [self._score_alone(text) for text in texts]

    def _score_alone(self, text: str) -> DocumentScore | str:
        try:
            return self.scorer.score_many([text], explain=self.options.evidence, thresholds=self.options.thresholds)[0]
        except Exception as exc:  # any failure becomes this row's error; the run goes on
            return f"scoring failed: {type(exc).__name__}: {exc}"

    def _document_cells(self, score: DocumentScore) -> dict[str, Any]:
        cells: dict[str, Any] = {
            "risk": round(score.risk, DECIMALS),
            "level": score.level,
            "deescalation": round(score.deescalation, DECIMALS),
        }
        for name in SIGNAL_NAMES:
            cells[name] = round(score.signals[name].probability, DECIMALS)
        cells["signals"] = list(score.flagged_signals)
        cells["actors"] = list(score.actor_names)
        if self.options.evidence:
            cells["evidence"] = json.dumps(document_evidence(score), ensure_ascii=False)
        return cells

    def _sentence_cells(self, sentence: SentenceScore) -> dict[str, Any]:
        cells: dict[str, Any] = {
            "sentence": sentence.index,
            "begin": sentence.begin,
            "end": sentence.end,
            "sentence_text": sentence.text,
            "escalatory": round(sentence.escalatory, DECIMALS),
            "deescalatory": round(sentence.deescalatory, DECIMALS),
        }
        for name in SIGNAL_NAMES:
            cells[name] = round(sentence.probabilities[name], DECIMALS)
        cells["signals"] = list(sentence.signals)
        cells["actors"] = list(dict.fromkeys(mention.canonical for mention in sentence.actors))
        if self.options.evidence:
            cells["evidence"] = json.dumps(sentence_evidence(sentence), ensure_ascii=False)
        return cells


def sentence_evidence(sentence: SentenceScore) -> dict[str, Any]:
    """Why a sentence scored as it did: lexicon matches, actor mentions and the model terms behind each flag."""
    return {
        "index": sentence.index,
        "begin": sentence.begin,
        "end": sentence.end,
        "text": sentence.text,
        "signals": list(sentence.signals),
        "matches": [
            {
                "signal": match.signal,
                "pattern": match.pattern,
                "text": match.text,
                "begin": match.begin,
                "end": match.end,
                "negated": match.negated,
                "hypothetical": match.hypothetical,
                "cue": match.cue,
            }
            for match in sentence.matches
        ],
        "actors": [
            {"canonical": m.canonical, "kind": m.kind, "text": m.text, "begin": m.begin, "end": m.end}
            for m in sentence.actors
        ],
        "top_terms": {
            signal: [{"term": term.term, "contribution": round(term.contribution, DECIMALS)} for term in terms]
            for signal, terms in sentence.top_terms.items()
        },
    }


def document_evidence(score: DocumentScore) -> dict[str, Any]:
    """The flagged signals with their sentences, and the evidence of every sentence that flags or matches anything."""
    return {
        "signals": [
            {
                "signal": signal.name,
                "probability": round(signal.probability, DECIMALS),
                "threshold": round(signal.threshold, DECIMALS),
                "sentences": list(signal.sentences),
            }
            for signal in score.signals.values()
            if signal.flagged
        ],
        "sentences": [sentence_evidence(s) for s in score.sentences if s.signals or s.matches],
    }


# Worker processes -------------------------------------------------------------------------------------------------

_worker_setup: tuple[Path | None, BatchOptions] | None = None
_worker: ChunkScorer | None = None


def init_worker(model_path: Path | None, options: BatchOptions) -> None:
    """Runs once in each worker process. The model loads on the first chunk, so a load error reaches the caller."""
    global _worker_setup, _worker
    os.environ.setdefault("POLARS_MAX_THREADS", "1")  # the processes already use every core
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        pass
    _worker_setup, _worker = (model_path, options), None


def score_in_worker(chunk: Chunk) -> Scored:
    global _worker
    if _worker is None:
        assert _worker_setup is not None, "init_worker was not called in this process"
        model_path, options = _worker_setup
        _worker = ChunkScorer(Scorer.load(model_path), options)
    return _worker(chunk)
