"""Batch scoring: the single-document path applied to chunks of rows, one output row per input row (or per sentence).

A chunk (service.formats.Chunk) arrives as raw JSONL lines or as a polars frame. `ChunkScorer` turns it into input
rows, scores the valid ones with one `Scorer.summarise_many` call (`score_many` when the output needs each
sentence's record: --sentences, --evidence), and builds the output with the fixed schema of
`output_schema`, the same for every chunk and every format. A row whose text is missing, not a string, empty or too
long gets `error` set instead of scores; it is never dropped.

Everything around the score_many call is paid again for every chunk, so it works a column at a time rather than a
cell at a time: msgspec reads the JSONL lines, writes the evidence (json only what msgspec would do differently) and
writes JSONL output straight from the columns; numpy rounds the probabilities; for the other formats the name lists
reach polars as joined strings that polars splits. The output stays byte for byte what json.loads, round() and
json.dumps, cell by cell, give, and JSONL what polars writes for the same frame; tests/test_batch_columns.py holds
it there.

Worker processes call `init_worker` once and then `score_in_worker` per chunk; each loads its own Scorer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, compress
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import msgspec
import numpy as np
import polars as pl

from service.aggregate import level_of
from service.collector import collector_paused
from service.errors import InputError
from service.formats import ID, TEXT, Chunk, encode
from service.signals import HEADS, SIGNAL_NAMES
from service.types import DocumentScore, DocumentSummaries, SentenceScore

if TYPE_CHECKING:  # imported by the workers only: the parent process of a multi-worker run never scores
    from service.scoring import Scorer

DECIMALS = 6  # probabilities are rounded to this many decimals in the output

_FLOAT = pl.Float64()
_TEXT = pl.String()
_NAMES = pl.List(pl.String())

_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(value, ensure_ascii=False), one encoder for all
# What it decodes, it decodes as json.loads does, three times faster; it rejects a few lines that json.loads takes
# (NaN, a byte order mark, lone surrogates, numbers beyond the float range), and those go to json.loads.
_decode_line = msgspec.json.Decoder().decode


def _builtin_float(value: Any) -> float:
    """For msgspec, which takes no float subclass (numpy.float64, say): json.dumps writes one as the float it is."""
    if isinstance(value, float):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_msgspec_encode = msgspec.json.Encoder(enc_hook=_builtin_float).encode


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
    return _to_json(value)


def read_rows(chunk: Chunk, options: BatchOptions) -> InputRows:
    """The rows of a chunk. A JSONL line that is blank, not JSON, not an object or without text gets an error."""
    if chunk.frame is not None:
        frame = chunk.frame
        texts = frame[TEXT].to_list()
        raw_ids = frame[ID].to_list() if ID in frame.columns else [None] * frame.height
        ids = [str(chunk.start + i) if value is None else value for i, value in enumerate(raw_ids)]
        return InputRows(ids, texts, [None] * frame.height, frame.select(list(options.keep)))
    records, errors = _parse_lines(chunk, options)
    text_col = options.text_col
    ids = [_row_id(record.get(options.id_col), chunk.start + offset) for offset, record in enumerate(records)]
    texts = [record.get(text_col) for record in records]
    errors = [
        f"{text_col} is missing" if error is None and text_col not in record else error
        for record, error in zip(records, errors, strict=True)
    ]
    kept = {name: [_as_text(record.get(name)) for record in records] for name in options.keep}
    return InputRows(ids, texts, errors, pl.DataFrame(kept, schema=options.keep))


def _row_id(identifier: Any, row_number: int) -> str:
    return str(row_number) if identifier is None else str(_as_text(identifier))


def _parse_lines(chunk: Chunk, options: BatchOptions) -> tuple[list[dict[str, Any]], list[str | None]]:
    """Each line's JSON object, or an empty one and the error saying why the line has none."""
    records: list[dict[str, Any]] = []
    errors: list[str | None] = []
    for offset, line in enumerate(chunk.lines or ()):
        try:
            record = _decode_line(line)
        except (ValueError, RecursionError):
            record = None
        error = None
        if not isinstance(record, dict):  # json.loads has the last word on the line, and words the error
            number = chunk.first + offset
            where = f"{chunk.source} line {number}" if options.name_sources else f"line {number}"
            record, error = _parse_line(line, where)
        records.append(record)
        errors.append(error)
    return records, errors


def _parse_line(line: bytes, where: str) -> tuple[dict[str, Any], str | None]:
    """A line as json.loads reads it: its object, or an empty one and the error."""
    if not line.strip():
        return {}, f"{where}: empty line"
    try:
        record = json.loads(line)
    except UnicodeDecodeError:
        return {}, f"{where}: not valid UTF-8"
    except json.JSONDecodeError as exc:
        return {}, f"{where}: invalid JSON: {exc.msg}"
    if not isinstance(record, dict):
        return {}, f"{where}: expected a JSON object"
    try:  # json.loads turns an escaped lone surrogate ("\\ud800") into a string that no output format can encode
        _to_json(record).encode("utf-8")
    except UnicodeEncodeError:
        return {}, f"{where}: invalid JSON: a string holds an unpaired surrogate escape (not valid Unicode)"
    return record, None


Result = TypeVar("Result", DocumentScore, SentenceScore)


class ChunkScorer:
    """Scores chunks with one Scorer: one scoring call per chunk, one output payload per chunk.

    Document rows without --evidence need only each document's maxima, flags and actors, which
    Scorer.summarise_many gives without building the per-sentence records of score_many (~15% of its time);
    --sentences and --evidence write those records, so they call score_many.
    The scores become columns of plain values first (`Columns`); JSONL output is written from them directly as
    msgspec lines, every other format goes through a polars frame. Both write the same bytes for JSONL, but the frame
    and polars' writer cost 6-15 us more per document on one polars thread, ~25 us on two, against ~500 us to score
    it (tests/test_batch_columns.py holds the two equal).
    Kept columns of other types than text (from CSV or Parquet inputs) keep the frame, so polars formats them.
    """

    def __init__(self, scorer: Scorer, options: BatchOptions) -> None:
        self.scorer = scorer
        self.options = options
        self.schema = options.schema()
        self._as_lines = options.output_format == "jsonl" and all(
            dtype == _TEXT for dtype in options.keep.values()
        )

    def __call__(self, chunk: Chunk) -> Scored:
        # score_many pauses the collector while it allocates its results; building the output allocates more, and with
        # the collector back on that would trigger collections walking all the results, which hold no cycles.
        with collector_paused():
            rows = read_rows(chunk, self.options)
            columns = self.score(rows)
            if self._as_lines:
                payload: bytes | pl.DataFrame = columns.jsonl(self.schema)
            else:
                payload = encode(columns.frame(self.schema), self.options.output_format)
        return Scored(len(rows.ids), columns.errors, len(columns.ids), payload)

    def score(self, rows: InputRows) -> Columns:
        """The output of a chunk's rows as columns, in input order."""
        problems = self._problems(rows)
        if not (self.options.sentences or self.options.evidence):  # document columns only: no per-sentence records
            return self._summarised(rows, problems)
        outcomes = self._outcomes(rows, problems)
        errors = sum(isinstance(outcome, str) for outcome in outcomes)
        if not self.options.sentences:
            return self._columns(rows.ids, rows.kept, outcomes, self._document_columns, errors)
        source_rows, results = _sentence_rows(outcomes)  # the input row of every output row, to repeat ids and kept
        kept = rows.kept[source_rows] if self.options.keep and source_rows else rows.kept.clear()
        ids = [rows.ids[position] for position in source_rows]
        return self._columns(ids, kept, results, self._sentence_columns, errors)

    def _summarised(self, rows: InputRows, problems: list[str | None]) -> Columns:
        valid_texts = [text for text, problem in zip(rows.texts, problems, strict=True) if problem is None]
        summaries, failures = self._summarise(valid_texts)
        failed = iter(failures)
        messages = [next(failed) if problem is None else problem for problem in problems]
        errors = len(messages) - messages.count(None)
        return Columns(rows.ids, rows.kept, _summary_columns(summaries), messages, errors)

    def _summarise(self, texts: list[str]) -> tuple[DocumentSummaries, list[str | None]]:
        """Summaries of the texts that scored, and per text None or why it did not."""
        parts = _whole_or_each(partial(self.scorer.summarise_many, thresholds=self.options.thresholds), texts)
        failures = [failure for part in parts for failure in _failures_of(part)]
        return _joined([part for part in parts if not isinstance(part, str)]), failures

    def _outcomes(self, rows: InputRows, problems: list[str | None]) -> list[DocumentScore | str]:
        """Per input row: its scores, or the error that stands in for them."""
        valid_texts = [text for text, problem in zip(rows.texts, problems, strict=True) if problem is None]
        scores = iter(self._score_texts(valid_texts))
        outcomes = [next(scores) if problem is None else problem for problem in problems]
        if self.options.sentences:
            no_sentences = "text has no sentences"
            return [no_sentences if isinstance(o, DocumentScore) and not o.sentences else o for o in outcomes]
        return outcomes

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

    def _score_texts(self, texts: list[str]) -> list[DocumentScore | str]:
        """Scores for valid texts, or per text why it did not score."""
        score = partial(self.scorer.score_many, explain=self.options.evidence, thresholds=self.options.thresholds)
        parts = _whole_or_each(score, texts)
        return [outcome for part in parts for outcome in ([part] if isinstance(part, str) else part)]

    @staticmethod
    def _columns(
        ids: list[str],
        kept: pl.DataFrame,
        results: Sequence[Result | str],
        score_columns: Callable[[list[Result]], dict[str, ColumnValues]],
        errors: int,
    ) -> Columns:
        """One output row per result: scores from the scored ones, `error` from the others."""
        messages = [result if isinstance(result, str) else None for result in results]
        scored = [result for result in results if not isinstance(result, str)]
        return Columns(ids, kept, score_columns(cast(list[Result], scored)), messages, errors)

    def _document_columns(self, scores: list[DocumentScore]) -> dict[str, ColumnValues]:
        columns = _summary_columns(summaries_of(scores))
        if self.options.evidence:
            columns["evidence"] = [_evidence_json(document_evidence(score)) for score in scores]
        return columns

    def _sentence_columns(self, sentences: list[SentenceScore]) -> dict[str, ColumnValues]:
        columns: dict[str, ColumnValues] = {
            "sentence": [sentence.index for sentence in sentences],
            "begin": [sentence.begin for sentence in sentences],
            "end": [sentence.end for sentence in sentences],
            "sentence_text": [sentence.text for sentence in sentences],
        }
        names = ("escalatory", "deescalatory", *SIGNAL_NAMES)
        probabilities = [_in_sentence_order(sentence.probabilities) for sentence in sentences]
        table = np.fromiter(chain.from_iterable(probabilities), np.float64, len(sentences) * len(names))
        columns |= _rounded(names, table.reshape(len(sentences), len(names)))
        columns["signals"] = [sentence.signals for sentence in sentences]
        columns["actors"] = [sentence.actor_names for sentence in sentences]
        if self.options.evidence:
            columns["evidence"] = [_evidence_json(sentence_evidence(sentence)) for sentence in sentences]
        return columns


# A score column's values for the scored rows: rounded floats as an array, name lists as tuples, evidence as JSON
# bytes, anything else as a list of the cells.
ColumnValues = np.ndarray | list[Any]


@dataclass(frozen=True, slots=True)
class Columns:
    """A scored chunk's output rows, column by column, before they become a frame or JSONL lines."""

    ids: list[str]
    kept: pl.DataFrame
    scores: dict[str, ColumnValues]  # for the rows whose message is None, in order
    messages: list[str | None]  # per output row: its error, or None for a scored row
    errors: int  # input rows with an error

    def frame(self, schema: pl.Schema) -> pl.DataFrame:
        names = [name for name in schema if name in self.scores]
        scores = pl.DataFrame([_series(name, self.scores[name], schema[name]) for name in names])
        if self.messages.count(None) != len(self.messages):  # spread the scored rows out, nulls in the rows of errors
            places: list[int | None] = [None] * len(self.messages)
            for row, position in enumerate(i for i, message in enumerate(self.messages) if message is None):
                places[position] = row
            scores = scores.select(pl.all().gather(pl.Series(places, dtype=pl.UInt32)))
        errors = pl.Series("error", self.messages, dtype=_TEXT)
        ids = pl.Series("id", self.ids, dtype=_TEXT)
        return pl.DataFrame([ids, *self.kept.get_columns(), *scores.get_columns(), errors])

    def jsonl(self, schema: pl.Schema) -> bytes:
        """The rows as JSON lines, byte for byte what polars writes for `frame()` (kept columns must be text)."""
        names = list(schema)
        front = [self.ids, *(self.kept.get_column(name).to_list() for name in self.kept.columns)]
        score_names = [name for name in names if name in self.scores]
        scored = zip(*(_plain(self.scores[name]) for name in score_names), strict=True)
        blank = (None,) * len(score_names)
        records = [
            dict(zip(names, (*cells, *(blank if message is not None else next(scored)), message), strict=True))
            for cells, message in zip(zip(*front, strict=True), self.messages, strict=True)
        ]
        return _encode_lines(records)


_encode_lines = msgspec.json.Encoder().encode_lines


def _plain(values: ColumnValues) -> list[Any]:
    """A score column's cells as JSON-ready Python values."""
    if isinstance(values, np.ndarray):
        return values.tolist()  # type: ignore[no-any-return]
    if values and isinstance(values[0], bytes):
        return [value.decode() for value in values]
    return values


def _series(name: str, values: ColumnValues, dtype: pl.DataType) -> pl.Series:
    if dtype == _NAMES:
        return _name_lists(name, cast(list[tuple[str, ...]], values))
    if isinstance(values, list) and values and isinstance(values[0], bytes):  # evidence: JSON bytes, valid UTF-8
        return pl.Series(name, values, dtype=pl.Binary()).cast(_TEXT)
    return pl.Series(name, values, dtype=dtype)


def _sentence_rows(outcomes: list[DocumentScore | str]) -> tuple[list[int], list[SentenceScore | str]]:
    """The output rows with --sentences (every sentence of a scored row, or the row's error) and their input rows."""
    source_rows: list[int] = []
    results: list[SentenceScore | str] = []
    for position, outcome in enumerate(outcomes):
        if isinstance(outcome, str):
            source_rows.append(position)
            results.append(outcome)
        else:
            source_rows += [position] * len(outcome.sentences)
            results += outcome.sentences
    return source_rows, results


Part = TypeVar("Part", list[DocumentScore], DocumentSummaries)


def _whole_or_each(score: Callable[[list[str]], Part], texts: list[str]) -> list[Part | str]:
    """`score(texts)` as one part; if that fails, each text scored alone, so one bad text costs one row: a part per
    text, or the message saying why it failed."""
    try:
        return [score(texts)]
    except Exception as exc:
        if len(texts) == 1:
            return [_failure(exc)]
    parts: list[Part | str] = []
    for text in texts:
        try:
            parts.append(score([text]))
        except Exception as exc:  # any failure becomes this row's error; the run goes on
            parts.append(_failure(exc))
    return parts


def _failure(exc: Exception) -> str:
    return f"scoring failed: {type(exc).__name__}: {exc}"


def _failures_of(part: DocumentSummaries | str) -> list[str | None]:
    """Per text of a part: None for each text it summarises, or the part's own failure message."""
    return [part] if isinstance(part, str) else [None] * len(part.sentences)


_RISK_AT, _DEESCALATION_AT = HEADS.index("escalatory"), HEADS.index("deescalatory")
_DOCUMENT_SCORES = ("risk", "deescalation", *SIGNAL_NAMES)
_DOCUMENT_SCORE_HEADS = [_RISK_AT, _DEESCALATION_AT, *(HEADS.index(name) for name in SIGNAL_NAMES)]


def _summary_columns(summaries: DocumentSummaries) -> dict[str, ColumnValues]:
    """The document-level score columns: rounded probabilities, level, flagged signals, actors."""
    columns: dict[str, ColumnValues] = dict(_rounded(_DOCUMENT_SCORES, summaries.maxima[:, _DOCUMENT_SCORE_HEADS]))
    columns["level"] = [level_of(risk) for risk in summaries.maxima[:, _RISK_AT].tolist()]
    columns["signals"] = [tuple(compress(SIGNAL_NAMES, flags)) for flags in summaries.flagged.tolist()]
    columns["actors"] = summaries.actors
    return columns


def summaries_of(scores: Sequence[DocumentScore]) -> DocumentSummaries:
    """The document-level part of full scores, as Scorer.summarise_many gives it (HEADS order: signals, escalatory,
    deescalatory)."""
    signals = [_in_signal_order(score.signals) for score in scores]
    maxima = [
        (*(signal.probability for signal in row), score.risk, score.deescalation)
        for row, score in zip(signals, scores, strict=True)
    ]
    return DocumentSummaries(
        np.array(maxima, dtype=np.float64).reshape(len(scores), len(HEADS)),
        np.array([[signal.flagged for signal in row] for row in signals], dtype=bool).reshape(
            len(scores), len(SIGNAL_NAMES)
        ),
        [score.actor_names for score in scores],
        [len(score.sentences) for score in scores],
    )


def _joined(parts: Sequence[DocumentSummaries]) -> DocumentSummaries:
    """Several summaries as one, in order."""
    return DocumentSummaries(
        np.vstack([np.zeros((0, len(HEADS))), *(part.maxima for part in parts)]),
        np.vstack([np.zeros((0, len(SIGNAL_NAMES)), dtype=bool), *(part.flagged for part in parts)]),
        [names for part in parts for names in part.actors],
        [size for part in parts for size in part.sentences],
    )


_in_signal_order = itemgetter(*SIGNAL_NAMES)
_in_sentence_order = itemgetter("escalatory", "deescalatory", *SIGNAL_NAMES)


_NAME_SEPARATOR = "\x1f"
_EMPTY_NAMES = pl.Series([[]], dtype=_NAMES)


def _name_lists(name: str, lists: Sequence[Collection[str]]) -> pl.Series:
    """A List(String) column. Polars converts a Python list of lists a value at a time, slowly, so the names arrive
    joined by a separator and polars splits them (the conversion stays for a name that contains the separator)."""
    joined = [_NAME_SEPARATOR.join(names) if names else None for names in lists]
    separators = sum(map(len, lists)) - len(lists) + joined.count(None)
    if "".join(filter(None, joined)).count(_NAME_SEPARATOR) != separators:
        return pl.Series(name, [list(names) for names in lists], dtype=_NAMES)
    return pl.Series(name, joined, dtype=_TEXT).str.split(_NAME_SEPARATOR).fill_null(_EMPTY_NAMES)


# Rounding without a call of round(x, DECIMALS) per value. For x below _SURE_BELOW, x * _SCALE is below 1e9 and off
# by at most 6e-8 from the exact product, so unless it lies within _TIE_MARGIN of a tie its nearest integer n is the
# one round() finds, and n / _SCALE is then the double nearest the decimal, which is what round() returns.
_SCALE = 10.0**DECIMALS
_SURE_BELOW = 1e3
_TIE_MARGIN = 1e-6


def _rounded(names: Sequence[str], values: np.ndarray) -> dict[str, np.ndarray]:
    """Float columns from a (rows, names) table, every value rounded to DECIMALS exactly as `round` rounds it."""
    with np.errstate(over="ignore", invalid="ignore"):  # huge, infinite and nan values are among the unsure
        scaled = values * _SCALE
        columns = np.ascontiguousarray(np.rint(scaled).T) / _SCALE
        unsure = ~(np.abs(values) < _SURE_BELOW) | (np.abs(scaled - np.floor(scaled) - 0.5) < _TIE_MARGIN)
    for row, column in zip(*np.nonzero(unsure), strict=True):
        columns[column, row] = round(float(values[row, column]), DECIMALS)
    return dict(zip(names, columns, strict=True))


def _evidence_json(evidence: dict[str, Any]) -> bytes:
    """The evidence as json.dumps(evidence, ensure_ascii=False) writes it, usually four times faster.

    msgspec writes the same text once formatted with indent 0 (which adds json.dumps' spaces after separators),
    provided the evidence holds no float that msgspec writes differently: `_number` makes sure of that.
    """
    try:
        return msgspec.json.format(_msgspec_encode(evidence), indent=0)
    except msgspec.DecodeError:  # a NaN or Infinity, which json.dumps writes but is no JSON that msgspec formats
        return _to_json_with_raw(evidence).encode()


def _raw_float(value: Any) -> float:
    if isinstance(value, msgspec.Raw):
        return float(bytes(value))
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_to_json_with_raw = json.JSONEncoder(ensure_ascii=False, default=_raw_float).encode


_PLAIN_FROM = 1e-4  # from here to 1e16, msgspec writes a float as repr() and json.dumps do


def _number(value: float) -> float | msgspec.Raw:
    """A float of the evidence, rounded to DECIMALS; as its json.dumps text where msgspec would write it differently.

    Outside [1e-4, 1e16) msgspec avoids the exponents that repr() uses, and it writes null for nan and infinities,
    where json.dumps writes NaN and Infinity.
    """
    rounded = round(value, DECIMALS)
    if rounded == 0 or _PLAIN_FROM <= abs(rounded) < 1e16:
        return rounded
    return msgspec.Raw(_to_json(rounded).encode())


def sentence_evidence(sentence: SentenceScore) -> dict[str, Any]:
    """Why a sentence scored as it did: lexicon matches, actor mentions and the model terms behind each flag.

    For `_evidence_json`: its floats are `_number`s.
    """
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
            signal: [{"term": term.term, "contribution": _number(term.contribution)} for term in terms]
            for signal, terms in sentence.top_terms.items()
        },
    }


def document_evidence(score: DocumentScore) -> dict[str, Any]:
    """The flagged signals with their sentences, and the evidence of every sentence that flags or matches anything."""
    return {
        "signals": [
            {
                "signal": signal.name,
                "probability": _number(signal.probability),
                "threshold": _number(signal.threshold),
                "sentences": list(signal.sentences),
            }
            for signal in score.signals.values()
            if signal.flagged
        ],
        "sentences": [sentence_evidence(s) for s in score.sentences if s.signals or s.matches],
    }


# Worker processes -------------------------------------------------------------------------------------------------

_worker: ChunkScorer | None = None
_load_error: BaseException | None = None


def init_worker(model_path: Path | None, options: BatchOptions) -> None:
    """Runs once in each worker process, as soon as it starts: loads the model while the parent reads the first
    chunks. A load error is kept and raised by the first chunk, so that it reaches the caller with its message (an
    initializer's own exception only breaks the pool)."""
    global _worker, _load_error
    # POLARS_MAX_THREADS is set by `escalation score` before the forkserver starts: here it would come too late,
    # since polars starts its threads when imported, and this module imports it.
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        pass
    from service.scoring import Scorer

    try:
        _worker, _load_error = ChunkScorer(Scorer.load(model_path), options), None
    except Exception as exc:
        _worker, _load_error = None, exc


def score_in_worker(chunk: Chunk) -> Scored:
    if _worker is None:
        raise _load_error or RuntimeError("init_worker was not called in this process")
    return _worker(chunk)
