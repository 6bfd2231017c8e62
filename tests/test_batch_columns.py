"""service.batch builds its output a column at a time; these pin it to the cell-at-a-time results it replaced.

Each fast path (msgspec for JSON in and out, numpy rounding, joined name lists) is compared with the plain Python
it stands for: json.loads, round(x, 6), json.dumps and a polars Series built from a list of lists.
"""

from __future__ import annotations

import io
import json
import math
from datetime import date
from typing import Any, cast

import msgspec
import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.batch import (
    DECIMALS,
    BatchOptions,
    ChunkScorer,
    _evidence_json,
    _name_lists,
    _number,
    _rounded,
    document_evidence,
    read_rows,
    sentence_evidence,
)
from service.formats import TEXT as TEXT_COLUMN
from service.formats import Chunk, encode
from service.scoring import Scorer
from service.signals import SIGNAL_NAMES
from service.types import DocumentScore

TIES = [(k + 0.5) / 10**DECIMALS for k in range(0, 3000, 7)]  # exact decimal ties, as near as a double gets
AWKWARD = [0.0, -0.0, 1.0, 5e-324, 1e-300, 1e-7, 5e-7, 1.5e-6, 9.9999995e-5, 1e-4, 0.5, 999.9999995, 1e3, 1e17, -2.5e-6]
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(TIES + AWKWARD)


def same_float(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


@given(st.lists(FLOATS, min_size=3, max_size=30).map(lambda values: values[: len(values) // 3 * 3]))
def test_rounded_columns_round_every_value_as_round_does(values: list[float]) -> None:
    rows = [tuple(values[i : i + 3]) for i in range(0, len(values), 3)]
    columns = _rounded(("a", "b", "c"), np.array(rows))
    for index, name in enumerate("abc"):
        got = columns[name].tolist()
        assert all(same_float(g, round(row[index], DECIMALS)) for g, row in zip(got, rows, strict=True))


def test_rounded_columns_take_every_awkward_value_without_a_warning() -> None:
    values = [*AWKWARD, *TIES, 1e308, -1e308, math.inf, -math.inf, math.nan]
    got = _rounded(("value",), np.array(values).reshape(-1, 1))["value"].tolist()
    assert all(same_float(g, round(value, DECIMALS)) for g, value in zip(got, values, strict=True))


def test_rounded_columns_of_no_rows_are_empty_float_columns() -> None:
    columns = _rounded(("a", "b"), np.zeros((0, 2)))
    assert [(name, column.dtype, column.shape) for name, column in columns.items()] == [
        ("a", np.float64, (0,)),
        ("b", np.float64, (0,)),
    ]


def plain(value: Any) -> Any:
    """The evidence with every msgspec.Raw back as the float it spells: what the old code handed json.dumps."""
    if isinstance(value, msgspec.Raw):
        return float(bytes(value))
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)  # lone surrogates fail any UTF-8 output


@given(st.lists(FLOATS, max_size=20), TEXT, st.integers(min_value=-(2**70), max_value=2**70))
def test_evidence_json_is_what_json_dumps_writes(values: list[float], text: str, number: int) -> None:
    numbers = [_number(value) for value in values]
    assert all(same_float(plain(got), round(value, DECIMALS)) for got, value in zip(numbers, values, strict=True))
    evidence = {"numbers": numbers, "nested": [{"text": text, "n": number, "flag": True, "cue": None}], "empty": {}}
    assert _evidence_json(evidence).decode() == json.dumps(plain(evidence), ensure_ascii=False)


def test_evidence_json_writes_numpy_floats_as_json_dumps_does() -> None:
    evidence = {"a": np.float64(0.25), "b": _number(np.float64(0.1234567)), "c": _number(np.float64(3e-9))}
    assert _evidence_json(evidence).decode() == json.dumps(plain(evidence), ensure_ascii=False)


@pytest.mark.parametrize(
    "lists",
    [
        [("a", "b"), (), ("c",), ("",), ("", "")],
        [(), ()],
        [],
        [("x\x1fy", "z"), ()],  # a name holding the separator: built the slow way
        [("Saudi Arabia",), ("a;b", "c,d", 'q"uote')],
    ],
)
def test_name_lists_are_the_lists_given(lists: list[tuple[str, ...]]) -> None:
    series = _name_lists("names", lists)
    assert series.dtype == pl.List(pl.String)
    assert series.to_list() == [list(names) for names in lists]


# Reading JSONL: msgspec first, json.loads for what msgspec rejects; the rows must be what json.loads alone gives.
LINES = [
    b'{"id": "a", "text": "plain", "date": "2024-01-01"}\n',
    b'{"id": 12345678901234567890123, "text": "big id", "date": 1.5e300}\n',
    b'{"id": 1e400, "text": "infinite id", "date": NaN}\n',
    b'\xef\xbb\xbf{"id": "bom", "text": "after a byte order mark"}\n',
    b'{"id": "s", "text": "lone \\ud800 surrogate", "date": -Infinity}\n',
    b'{"id": "dup", "text": "first", "text": "second"}\n',
    b'{"id": [1, {"k": null}], "text": 5, "date": {"nested": true}}\n',
    b'{"id": "t", "text": "tab\tinside"}\n',
    b'{"id": "u", "text": "\xff not utf-8"}\n',
    b"   \n",
    b"[1, 2]\n",
    b'"just a string"\n',
    b"{not json\n",
    b'{"date": "no text"}\n',
    b'{"id": null, "text": null}\n',
    '{"id": "é", "text": "ünïcödé 中文"}\n'.encode("utf-16"),
]


def reference_record(line: bytes) -> tuple[dict[str, Any], str | None]:
    if not line.strip():
        return {}, "empty line"
    try:
        record = json.loads(line)
    except UnicodeDecodeError:
        return {}, "not valid UTF-8"
    except json.JSONDecodeError as exc:
        return {}, f"invalid JSON: {exc.msg}"
    if not isinstance(record, dict):
        return {}, "expected a JSON object"
    if "\\ud800" in line.decode("utf-8", "replace"):  # the one lone surrogate in LINES: no format can write it
        return {}, "invalid JSON: a string holds an unpaired surrogate escape (not valid Unicode)"
    return record, None


def as_text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def test_jsonl_rows_are_what_json_loads_reads() -> None:
    options = BatchOptions(keep={"date": pl.String()})
    rows = read_rows(Chunk("in.jsonl", 100, 7, lines=tuple(LINES)), options)
    for offset, line in enumerate(LINES):
        record, error = reference_record(line)
        identifier = record.get("id")
        assert rows.ids[offset] == (str(100 + offset) if identifier is None else as_text(identifier))
        assert rows.texts[offset] == record.get("text")
        if error is not None:
            assert rows.errors[offset] == f"line {7 + offset}: {error}"
        else:
            assert rows.errors[offset] == (None if "text" in record else "text is missing")
        assert rows.kept["date"][offset] == as_text(record.get("date"))


# The whole frame, against the cell-at-a-time construction it replaced.


def reference_cells(score: DocumentScore, evidence: bool) -> dict[str, Any]:
    cells: dict[str, Any] = {
        "risk": round(score.risk, DECIMALS),
        "level": score.level,
        "deescalation": round(score.deescalation, DECIMALS),
    }
    cells |= {name: round(score.signals[name].probability, DECIMALS) for name in SIGNAL_NAMES}
    cells |= {"signals": list(score.flagged_signals), "actors": list(score.actor_names)}
    if evidence:
        cells["evidence"] = json.dumps(plain(document_evidence(score)), ensure_ascii=False)
    return cells


def reference_sentence_cells(document: DocumentScore, evidence: bool) -> list[dict[str, Any]]:
    rows = []
    for sentence in document.sentences:
        cells: dict[str, Any] = {"sentence": sentence.index, "begin": sentence.begin, "end": sentence.end}
        cells["sentence_text"] = sentence.text
        cells["escalatory"] = round(sentence.escalatory, DECIMALS)
        cells["deescalatory"] = round(sentence.deescalatory, DECIMALS)
        cells |= {name: round(sentence.probabilities[name], DECIMALS) for name in SIGNAL_NAMES}
        cells["signals"] = list(sentence.signals)
        cells["actors"] = list(dict.fromkeys(mention.canonical for mention in sentence.actors))
        if evidence:
            cells["evidence"] = json.dumps(plain(sentence_evidence(sentence)), ensure_ascii=False)
        rows.append(cells)
    return rows


TEXTS = [
    "Militants fired three rockets at the air base on Tuesday, killing two soldiers. Israel vowed to retaliate.",
    "The central bank kept interest rates unchanged on Tuesday.",
    "Iran and Saudi Arabia agreed to resume talks. Both sides called for calm.",
    "Russia warned NATO it would respond to any deployment; Ukraine said the truce had collapsed.",
]


@pytest.mark.parametrize("sentences", [False, True])
@pytest.mark.parametrize("evidence", [False, True])
def test_output_frame_is_the_cell_by_cell_frame(scorer: Scorer, sentences: bool, evidence: bool) -> None:
    records: list[Any] = [{"id": str(i), "text": text, "src": f"s{i}"} for i, text in enumerate(TEXTS)]
    records[1:1] = [{"id": "empty", "text": " "}, {"id": "number", "text": 7, "src": 1.5}, "not an object"]
    errors = {1: "text is empty", 2: "text must be a string, got int", 3: "line 4: expected a JSON object"}
    lines = tuple(json.dumps(record).encode() + b"\n" for record in records)
    options = BatchOptions(keep={"src": pl.String()}, sentences=sentences, evidence=evidence, output_format="parquet")
    scored = ChunkScorer(scorer, options)(Chunk("in.jsonl", 1, 1, lines=lines))

    expected: list[dict[str, Any]] = []
    for position, record in enumerate(records):
        if position in errors:
            identifier = record["id"] if isinstance(record, dict) else str(position + 1)
            src = as_text(record.get("src")) if isinstance(record, dict) else None
            expected.append({"id": identifier, "src": src, "error": errors[position]})
            continue
        base = {"id": record["id"], "src": record["src"]}
        document = scorer.score_many([record["text"]], explain=evidence)[0]
        if sentences:
            expected += [base | cells for cells in reference_sentence_cells(document, evidence)]
        else:
            expected.append(base | reference_cells(document, evidence))
    schema = options.schema()
    reference = pl.DataFrame([{name: row.get(name) for name in schema} for row in expected], schema=schema)
    assert isinstance(scored.payload, pl.DataFrame) and scored.payload.equals(reference)
    assert (scored.rows, scored.errors, scored.output_rows) == (len(records), len(errors), len(expected))


AWKWARD_TEXT = ["quote \" backslash \\ tab \t", "\x00\x1f\x7f\u2028\u2029", "ünïcödé 中文 😀", "</script>"]


@pytest.mark.parametrize("sentences", [False, True])
@pytest.mark.parametrize("evidence", [False, True])
def test_jsonl_lines_are_what_polars_writes_for_the_frame(scorer: Scorer, sentences: bool, evidence: bool) -> None:
    records: list[Any] = [{"id": f"{i} {text}", "text": text, "src": text} for i, text in enumerate(TEXTS)]
    records += [{"id": text, "text": f"{text} Rebels shelled the town.", "src": text} for text in AWKWARD_TEXT]
    records[2:2] = [{"id": "empty", "text": ""}, {"id": 3.5, "text": None, "src": [1, "x"]}, "not an object", "{"]
    lines = tuple((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)).encode() + b"\n" for r in records)
    chunk = Chunk("in.jsonl", 1, 1, lines=lines)
    options = BatchOptions(keep={"src": pl.String()}, sentences=sentences, evidence=evidence, output_format="jsonl")
    chunk_scorer = ChunkScorer(scorer, options)
    columns = chunk_scorer.score(read_rows(chunk, options))
    scored = chunk_scorer(chunk)
    assert isinstance(scored.payload, bytes) and scored.payload == encode(columns.frame(options.schema()), "jsonl")
    assert scored.payload.count(b"\n") == scored.output_rows > len(records) - 4


@pytest.mark.parametrize("sentences", [False, True])
def test_jsonl_lines_of_a_chunk_of_errors_only_are_what_polars_writes(scorer: Scorer, sentences: bool) -> None:
    chunk = Chunk("in.jsonl", 1, 1, lines=(b"[]\n", b'{"text": " "}\n'))
    options = BatchOptions(sentences=sentences, output_format="jsonl")
    columns = ChunkScorer(scorer, options).score(read_rows(chunk, options))
    payload = ChunkScorer(scorer, options)(chunk).payload
    assert payload == encode(columns.frame(options.schema()), "jsonl")
    assert [json.loads(line)["risk" if not sentences else "escalatory"] for line in payload.splitlines()] == [None] * 2


def test_jsonl_output_with_kept_columns_of_other_types_goes_through_polars(scorer: Scorer) -> None:
    frame = pl.DataFrame({TEXT_COLUMN: TEXTS[:2], "when": [date(2024, 1, 2), None]})
    options = BatchOptions(keep={"when": pl.Date()}, output_format="jsonl")
    payload = ChunkScorer(scorer, options)(Chunk("in.parquet", 1, 1, frame=frame)).payload
    assert isinstance(payload, bytes)
    assert [json.loads(line)["when"] for line in payload.splitlines()] == ["2024-01-02", None]


def test_csv_cells_hold_the_joined_names(scorer: Scorer) -> None:
    lines = tuple(json.dumps({"id": str(i), "text": text}).encode() + b"\n" for i, text in enumerate(TEXTS))
    lines += (b"{}\n",)
    scored = ChunkScorer(scorer, BatchOptions(output_format="csv"))(Chunk("in.jsonl", 1, 1, lines=lines))
    parquet = ChunkScorer(scorer, BatchOptions(output_format="parquet"))(Chunk("in.jsonl", 1, 1, lines=lines))
    assert isinstance(scored.payload, bytes) and isinstance(parquet.payload, pl.DataFrame)
    cells = pl.read_csv(io.BytesIO(scored.payload), has_header=False, new_columns=parquet.payload.columns)
    joined = parquet.payload.select(pl.col("signals", "actors").list.join(";"))
    assert cells.select("signals", "actors").fill_null("").equals(joined.fill_null(""))
    assert cells["signals"][-1] is None and cells["error"][-1] == "text is missing"


class FailingOn:
    """The scorer, except that scoring any batch holding a text with `poison` raises (the compiled Scorer's methods
    cannot be patched)."""

    def __init__(self, scorer: Scorer, poison: str) -> None:
        self.scorer, self.poison = scorer, poison

    def __getattr__(self, name: str) -> Any:
        return getattr(self.scorer, name)

    def _check(self, texts: list[str]) -> None:
        if any(self.poison in text for text in texts):
            raise RuntimeError("boom")

    def score_many(self, texts: list[str], **options: Any) -> Any:
        self._check(texts)
        return self.scorer.score_many(texts, **options)

    def summarise_many(self, texts: list[str], **options: Any) -> Any:
        self._check(texts)
        return self.scorer.summarise_many(texts, **options)


@pytest.mark.parametrize("evidence", [False, True])
@pytest.mark.parametrize("texts", [[], TEXTS[:1], TEXTS], ids=["only-row", "one-other", "among-others"])
def test_a_text_that_fails_to_score_costs_only_its_own_row(scorer: Scorer, evidence: bool, texts: list[str]) -> None:
    records = [{"id": str(i), "text": text} for i, text in enumerate(texts)]
    records.insert(len(texts) // 2, {"id": "bad", "text": "POISON: rockets hit the base."})
    lines = tuple(json.dumps(record).encode() + b"\n" for record in records)
    options = BatchOptions(evidence=evidence, output_format="parquet")
    scored = ChunkScorer(cast(Scorer, FailingOn(scorer, "POISON")), options)(Chunk("in.jsonl", 1, 1, lines=lines))
    assert isinstance(scored.payload, pl.DataFrame) and (scored.rows, scored.errors) == (len(records), 1)
    rows = scored.payload.to_dicts()
    assert [row["id"] for row in rows] == [record["id"] for record in records]
    for row, record in zip(rows, records, strict=True):
        if record["id"] == "bad":
            assert row["error"] == "scoring failed: RuntimeError: boom" and row["risk"] is None
        else:
            expected = reference_cells(scorer.score_many([record["text"]], explain=evidence)[0], evidence)
            assert row["error"] is None and {name: row[name] for name in expected} == expected
