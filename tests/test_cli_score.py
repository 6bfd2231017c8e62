"""`escalation score`: driven through the console entry point, asserting exit codes, exact summaries and every row."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from service import batch, batch_run
from service.aggregate import LEVELS
from service.formats import LIST_SEPARATOR
from service.progress import Progress, summary_line
from service.signals import SIGNAL_NAMES
from training.cli import main

ROOT = Path(__file__).resolve().parent.parent
ATTACK = "Militants fired three rockets at the air base on Tuesday, killing two soldiers."
NEUTRAL = "The central bank kept interest rates unchanged on Tuesday."
TALKS = "Iran and Saudi Arabia agreed to resume talks. Both sides called for calm."
MAX_CHARS = 400  # ESCALATION_MAX_TEXT_CHARS in these tests, so "too long" is cheap to build

# One JSONL input with every kind of bad row, and what each output row must say (id, error or None).
MIXED_LINES = [
    json.dumps({"id": "a", "text": ATTACK, "date": "2024-03-01", "source": "wire"}),
    "",
    "{not json",
    json.dumps([1, 2]),
    json.dumps({"id": "e", "text": 5}),
    json.dumps({"id": "f", "date": "2024-03-02"}),
    json.dumps({"id": "n", "text": None}),
    json.dumps({"id": "g", "text": "   "}),
    json.dumps({"id": "h", "text": "x" * (MAX_CHARS + 1)}),
    json.dumps({"id": 9, "text": NEUTRAL, "source": "paper"}),
    json.dumps({"text": TALKS, "date": "2024-03-03"}),
]
MIXED_EXPECTED: list[tuple[str, str | None]] = [
    ("a", None),
    ("2", "line 2: empty line"),
    ("3", "line 3: invalid JSON: Expecting property name enclosed in double quotes"),
    ("4", "line 4: expected a JSON object"),
    ("e", "text must be a string, got int"),
    ("f", "text is missing"),
    ("n", "text is missing"),
    ("g", "text is empty"),
    ("h", f"text has {MAX_CHARS + 1} characters; the limit is {MAX_CHARS}"),
    ("9", None),
    ("11", None),
]
DOCUMENT_COLUMNS = ["id", "risk", "level", "deescalation", *SIGNAL_NAMES, "signals", "actors", "error"]


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALATION_MAX_TEXT_CHARS", str(MAX_CHARS))
    monkeypatch.delenv("ESCALATION_MODEL_PATH", raising=False)


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The summary's timer reads 100.0 at the start and 102.0 at the end: every run takes exactly 2.00 s."""
    readings: Iterator[float] = iter([100.0, 102.0])
    monkeypatch.setattr(batch_run, "clock", lambda: next(readings))


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def score(model: Path, *args: str | Path) -> int:
    return main(["score", *map(str, args), "--model", str(model)])


def read_output(path: Path) -> pl.DataFrame:
    """Any output file as a frame with native lists (CSV/TSV cells split back on LIST_SEPARATOR)."""
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    if path.suffix in (".jsonl", ".ndjson"):
        return pl.read_ndjson(path)
    frame = pl.read_csv(path, separator="\t" if path.suffix == ".tsv" else ",", infer_schema=False)
    lists = [
        pl.when(pl.col(name).is_null()).then(None).otherwise(
            pl.when(pl.col(name) == "").then(pl.lit([], pl.List(pl.String))).otherwise(
                pl.col(name).str.split(LIST_SEPARATOR)
            )
        ).alias(name)
        for name in ("signals", "actors")
    ]
    numbers = [pl.col(name).cast(pl.Float64) for name in ("risk", "deescalation", *SIGNAL_NAMES)]
    return frame.with_columns(*lists, *numbers)


def assert_scored(row: dict[str, Any]) -> None:
    """A row with scores: probabilities in [0, 1], a known level, lists of known names, no error."""
    assert row["error"] is None
    assert 0.0 <= row["risk"] <= 1.0 and 0.0 <= row["deescalation"] <= 1.0
    assert row["level"] in {name for _, name in LEVELS}
    assert all(0.0 <= row[name] <= 1.0 for name in SIGNAL_NAMES)
    assert set(row["signals"]) <= set(SIGNAL_NAMES)
    assert isinstance(row["actors"], list)


def assert_error_row(row: dict[str, Any], message: str) -> None:
    assert row["error"] == message
    assert row["risk"] is None and row["level"] is None and row["signals"] is None


# --- rows, order and the summary -------------------------------------------------------------------------------


def test_every_jsonl_line_gives_one_row_in_order_and_bad_rows_carry_their_error(
    model_path: Path, tmp_path: Path, fixed_clock: None, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_lines(tmp_path / "in.jsonl", MIXED_LINES)
    assert score(model_path, source, "-o", tmp_path / "out.jsonl", "--workers", "1") == 0
    assert capsys.readouterr().err == "scored 11 rows, 8 errors, 2.00 s, 6 rows/s\n"
    rows = read_output(tmp_path / "out.jsonl").to_dicts()
    assert [row["id"] for row in rows] == [identifier for identifier, _ in MIXED_EXPECTED]
    for row, (_, error) in zip(rows, MIXED_EXPECTED, strict=True):
        if error is None:
            assert_scored(row)
        else:
            assert_error_row(row, error)
    assert list(rows[0]) == DOCUMENT_COLUMNS
    assert "attack" in rows[0]["signals"] and rows[0]["risk"] > rows[9]["risk"]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".ndjson"])
def test_every_output_format_holds_the_same_rows_as_jsonl(
    model_path: Path, tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_lines(tmp_path / "in.jsonl", MIXED_LINES)
    assert score(model_path, source, "-o", tmp_path / "reference.jsonl", "--workers", "1", "--keep", "date") == 0
    target = tmp_path / f"out{suffix}"
    assert score(model_path, source, "-o", target, "--workers", "1", "--keep", "date") == 0
    reference = read_output(tmp_path / "reference.jsonl")
    written = read_output(target)
    assert written.columns == ["id", "date", *DOCUMENT_COLUMNS[1:]]
    assert written.to_dicts() == reference.to_dicts()
    assert capsys.readouterr().err.count("scored 11 rows, 8 errors,") == 2


def test_csv_lists_are_joined_and_parquet_lists_are_native(model_path: Path, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", [json.dumps({"id": "t", "text": TALKS})])
    assert score(model_path, source, "-o", tmp_path / "out.csv", "--workers", "1") == 0
    assert score(model_path, source, "-o", tmp_path / "out.parquet", "--workers", "1") == 0
    native = pl.read_parquet(tmp_path / "out.parquet")
    assert native.schema["signals"] == pl.List(pl.String) and native.schema["actors"] == pl.List(pl.String)
    cells = pl.read_csv(tmp_path / "out.csv", infer_schema=False).row(0, named=True)
    assert cells["actors"] == LIST_SEPARATOR.join(native["actors"][0])
    assert cells["signals"] == LIST_SEPARATOR.join(native["signals"][0])
    assert set(native["actors"][0]) >= {"Iran", "Saudi Arabia"}


def test_csv_input_with_named_columns_kept_columns_and_malformed_rows(
    model_path: Path, tmp_path: Path, fixed_clock: None, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        "doc,body,published,outlet\n"
        f'd1,"{ATTACK}",2024-03-01,wire\n'
        "d2,,2024-03-02,paper\n"  # empty text
        "d3\n"  # a short row: the missing cells are null
        f'd4,"{NEUTRAL}",2024-03-04,tv,extra\n'  # a long row: the extra cell is dropped, the row kept
        f',"{TALKS}",2024-03-05,wire\n',  # no id: the row number
        encoding="utf-8",
    )
    args = ["--text-col", "body", "--id-col", "doc", "--keep", "published,outlet", "--workers", "1"]
    assert score(model_path, source, "-o", tmp_path / "out.jsonl", *args) == 0
    assert capsys.readouterr().err == "scored 5 rows, 2 errors, 2.00 s, 2 rows/s\n"
    rows = read_output(tmp_path / "out.jsonl").to_dicts()
    assert [row["id"] for row in rows] == ["d1", "d2", "d3", "d4", "5"]
    assert [row["published"] for row in rows] == ["2024-03-01", "2024-03-02", None, "2024-03-04", "2024-03-05"]
    assert [row["outlet"] for row in rows] == ["wire", "paper", None, "tv", "wire"]
    assert_scored(rows[0])
    assert_error_row(rows[1], "body is missing")
    assert_error_row(rows[2], "body is missing")
    assert_scored(rows[3])
    assert_scored(rows[4])


def test_parquet_input_keeps_column_types_and_numbers_rows_without_id(model_path: Path, tmp_path: Path) -> None:
    pl.DataFrame(
        {"text": [ATTACK, None, NEUTRAL], "day": [date(2024, 3, 1), date(2024, 3, 2), None], "n": [1, 2, 3]}
    ).write_parquet(tmp_path / "in.parquet")
    assert score(model_path, tmp_path / "in.parquet", "-o", tmp_path / "out.parquet", "--keep", "day",
                 "--keep", "n", "--workers", "1") == 0
    written = pl.read_parquet(tmp_path / "out.parquet")
    assert written.schema["day"] == pl.Date and written.schema["n"] == pl.Int64
    assert written["id"].to_list() == ["1", "2", "3"]
    assert written["day"].to_list() == [date(2024, 3, 1), date(2024, 3, 2), None]
    assert written["error"].to_list() == [None, "text is missing", None]


def test_several_inputs_and_a_glob_go_to_one_output_with_running_row_numbers(
    model_path: Path, tmp_path: Path, fixed_clock: None, capsys: pytest.CaptureFixture[str]
) -> None:
    write_lines(tmp_path / "a.jsonl", [json.dumps({"text": ATTACK}), "oops"])
    write_lines(tmp_path / "b.jsonl", [json.dumps({"text": NEUTRAL})])
    (tmp_path / "c.csv").write_text(f'text\n"{TALKS}"\n', encoding="utf-8")
    glob = str(tmp_path / "[ab].jsonl")
    assert score(model_path, glob, tmp_path / "c.csv", "-o", tmp_path / "out.jsonl", "--workers", "1") == 0
    assert capsys.readouterr().err == "scored 4 rows, 1 errors, 2.00 s, 2 rows/s\n"
    rows = read_output(tmp_path / "out.jsonl").to_dicts()
    assert [row["id"] for row in rows] == ["1", "2", "3", "4"]
    assert rows[1]["error"] == f"{tmp_path / 'a.jsonl'} line 2: invalid JSON: Expecting value"
    assert [row["error"] is None for row in rows] == [True, False, True, True]


def test_stdin_to_stdout(
    model_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    data = "".join(line + "\n" for line in MIXED_LINES[:3]).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["score", "-", "-o", "-", "--model", str(model_path), "--workers", "1"]) == 0
    captured = capsysbinary.readouterr()
    rows = [json.loads(line) for line in captured.out.decode().splitlines()]
    assert [row["id"] for row in rows] == ["a", "2", "3"]
    assert [row["error"] for row in rows] == [None, "line 2: empty line", MIXED_EXPECTED[2][1]]
    assert captured.err.decode().startswith("scored 3 rows, 2 errors, ")


def test_empty_input_gives_an_empty_output_with_a_header(model_path: Path, tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text("", encoding="utf-8")
    assert score(model_path, tmp_path / "in.jsonl", "-o", tmp_path / "out.csv", "--workers", "1") == 0
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == ",".join(DOCUMENT_COLUMNS) + "\n"


# --- options ---------------------------------------------------------------------------------------------------


def test_sentences_gives_one_row_per_sentence_with_offsets_into_the_text(model_path: Path, tmp_path: Path) -> None:
    text = f"{NEUTRAL} {ATTACK}"
    write_lines(tmp_path / "in.jsonl", [json.dumps({"id": "d", "text": text}), json.dumps({"id": "bad"})])
    assert score(model_path, tmp_path / "in.jsonl", "-o", tmp_path / "out.parquet", "--sentences",
                 "--workers", "1") == 0
    rows = pl.read_parquet(tmp_path / "out.parquet").to_dicts()
    assert [(row["id"], row["sentence"]) for row in rows] == [("d", 0), ("d", 1), ("bad", None)]
    for row in rows[:2]:
        assert text[row["begin"] : row["end"]] == row["sentence_text"]
        assert row["error"] is None and 0.0 <= row["escalatory"] <= 1.0
    assert rows[1]["escalatory"] > rows[0]["escalatory"] and "attack" in rows[1]["signals"]
    assert rows[2]["error"] == "text is missing"


def test_sentences_summary_names_the_sentence_rows(
    model_path: Path, tmp_path: Path, fixed_clock: None, capsys: pytest.CaptureFixture[str]
) -> None:
    write_lines(tmp_path / "in.jsonl", [json.dumps({"text": f"{NEUTRAL} {ATTACK}"})])
    assert score(model_path, tmp_path / "in.jsonl", "-o", tmp_path / "out.csv", "--sentences", "--workers", "1") == 0
    assert capsys.readouterr().err == "scored 1 rows into 2 sentence rows, 0 errors, 2.00 s, 0 rows/s\n"


def test_evidence_column_explains_the_flagged_signals(model_path: Path, tmp_path: Path) -> None:
    write_lines(tmp_path / "in.jsonl", [json.dumps({"text": f"{NEUTRAL} {ATTACK}"}), json.dumps({"text": ""})])
    assert score(model_path, tmp_path / "in.jsonl", "-o", tmp_path / "out.csv", "--evidence", "--workers", "1") == 0
    first, second = pl.read_csv(tmp_path / "out.csv", infer_schema=False).to_dicts()
    evidence = json.loads(first["evidence"])
    assert [signal["signal"] for signal in evidence["signals"]] == first["signals"].split(LIST_SEPARATOR)
    attack = next(signal for signal in evidence["signals"] if signal["signal"] == "attack")
    assert attack["sentences"] == [1]
    sentence = next(s for s in evidence["sentences"] if s["index"] == 1)
    assert sentence["text"] == ATTACK and sentence["top_terms"]["attack"]
    assert second["evidence"] is None and second["error"] == "text is empty"


@pytest.mark.parametrize("options", [[], ["--evidence"], ["--sentences"], ["--keep", "title"]])
def test_a_lone_surrogate_escape_is_one_row_error_not_a_failed_run(
    model_path: Path, tmp_path: Path, options: list[str]
) -> None:
    # json.loads reads "\ud800" as a lone surrogate, which no output format can encode: the row is invalid JSON text.
    lines = [
        '{"id": "s", "title": "t", "text": "Rockets hit the base \\ud800 today."}',
        json.dumps({"id": "ok", "title": "t", "text": ATTACK}),
    ]
    write_lines(tmp_path / "in.jsonl", lines)
    assert score(model_path, tmp_path / "in.jsonl", "-o", tmp_path / "out.jsonl", *options, "--workers", "1") == 0
    bad, good = read_output(tmp_path / "out.jsonl").to_dicts()
    assert bad["error"] == "line 1: invalid JSON: a string holds an unpaired surrogate escape (not valid Unicode)"
    assert bad["risk"] is None if "--sentences" not in options else bad["sentence"] is None
    assert good["id"] == "ok" and good["error"] is None


def test_threshold_override_changes_the_flags(model_path: Path, tmp_path: Path) -> None:
    write_lines(tmp_path / "in.jsonl", [json.dumps({"text": NEUTRAL})])
    assert score(model_path, tmp_path / "in.jsonl", "-o", tmp_path / "low.jsonl", "--threshold", "truce=0",
                 "--workers", "1") == 0
    assert score(model_path, tmp_path / "in.jsonl", "-o", tmp_path / "high.jsonl", "--threshold", "truce=1",
                 "--workers", "1") == 0
    assert "truce" in read_output(tmp_path / "low.jsonl")["signals"][0]
    assert "truce" not in read_output(tmp_path / "high.jsonl")["signals"][0]


def test_strict_exits_1_on_row_errors_but_still_writes_every_row(model_path: Path, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", MIXED_LINES)
    assert score(model_path, source, "-o", tmp_path / "out.jsonl", "--strict", "--workers", "1") == 1
    assert read_output(tmp_path / "out.jsonl").height == len(MIXED_LINES)
    clean = write_lines(tmp_path / "clean.jsonl", [MIXED_LINES[0]])
    assert score(model_path, clean, "-o", tmp_path / "clean-out.jsonl", "--strict", "--workers", "1") == 0


def test_two_workers_give_the_same_rows_in_the_same_order(model_path: Path, tmp_path: Path) -> None:
    lines = [MIXED_LINES[i % len(MIXED_LINES)] for i in range(37)]
    source = write_lines(tmp_path / "in.jsonl", lines)
    assert score(model_path, source, "-o", tmp_path / "one.jsonl", "--workers", "1", "--chunk-rows", "4") == 0
    assert score(model_path, source, "-o", tmp_path / "two.jsonl", "--workers", "2", "--chunk-rows", "4") == 0
    assert (tmp_path / "two.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert read_output(tmp_path / "two.jsonl").height == 37


# --- errors ----------------------------------------------------------------------------------------------------


def test_missing_column_exits_1_and_lists_the_columns(
    model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in.csv").write_text("id,body,date\n1,hello,2024-01-01\n", encoding="utf-8")
    assert score(model_path, tmp_path / "in.csv", "-o", tmp_path / "out.csv") == 1
    assert capsys.readouterr().err == (
        f"escalation: error: {tmp_path / 'in.csv'}: no column 'text' (from --text-col); "
        "the columns are: id, body, date\n"
    )
    assert score(model_path, tmp_path / "in.csv", "-o", tmp_path / "out.csv", "--text-col", "body",
                 "--keep", "source") == 1
    assert "no column 'source' (from --keep); the columns are: id, body, date" in capsys.readouterr().err
    assert score(model_path, tmp_path / "in.csv", "-o", tmp_path / "out.csv", "--text-col", "body",
                 "--id-col", "doc") == 1
    assert "no column 'doc' (from --id-col)" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_jsonl_without_the_text_column_exits_1(
    model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_lines(tmp_path / "in.jsonl", [json.dumps({"id": 1, "body": "x"}), json.dumps({"id": 2, "title": "y"})])
    assert score(model_path, tmp_path / "in.jsonl", "-o", tmp_path / "out.jsonl") == 1
    assert capsys.readouterr().err.endswith("no column 'text' (from --text-col); the columns are: body, id, title\n")


def test_missing_input_file_exits_1(model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert score(model_path, tmp_path / "nope.jsonl", "-o", tmp_path / "out.jsonl") == 1
    assert capsys.readouterr().err == f"escalation: error: {tmp_path / 'nope.jsonl'}: no such file\n"
    assert score(model_path, str(tmp_path / "*.csv"), "-o", tmp_path / "out.jsonl") == 1
    assert capsys.readouterr().err == f"escalation: error: {tmp_path / '*.csv'}: no file matches\n"


@pytest.mark.parametrize("argument", ["input", "output"])
def test_unknown_format_is_a_usage_error(
    model_path: Path, tmp_path: Path, argument: str, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = write_lines(tmp_path / "in.jsonl", [MIXED_LINES[0]]), tmp_path / "data.xlsx"
    bad.write_text("", encoding="utf-8")
    args: list[str | Path] = [bad, "-o", tmp_path / "out.jsonl"] if argument == "input" else [
        good, "-o", tmp_path / "out.xml"
    ]
    with pytest.raises(SystemExit) as exit_info:
        score(model_path, *args)
    assert exit_info.value.code == 2
    suffix = ".xlsx" if argument == "input" else ".xml"
    assert f"unknown format ('{suffix}'); use .csv, .tsv, .jsonl, .ndjson, .parquet" in capsys.readouterr().err


def test_missing_model_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_lines(tmp_path / "in.jsonl", [MIXED_LINES[0]])
    assert score(tmp_path / "no-model.joblib", source, "-o", tmp_path / "out.jsonl", "--workers", "1") == 1
    assert capsys.readouterr().err.startswith("escalation: error: ")
    assert not (tmp_path / "out.jsonl").exists()
    assert list(tmp_path.iterdir()) == [source]


def test_a_model_the_workers_cannot_load_exits_1_with_the_loader_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Workers load the model as they start; the failure is raised by their first chunk, message intact."""
    source = write_lines(tmp_path / "in.jsonl", [MIXED_LINES[0]] * 6)
    broken = tmp_path / "broken.joblib"
    broken.write_bytes(b"not a model")
    assert score(broken, source, "-o", tmp_path / "out.jsonl", "--workers", "2", "--chunk-rows", "2") == 1
    assert "broken.manifest.json: manifest not found" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.joblib", "in.jsonl"]


def test_kept_column_may_not_shadow_an_output_column(
    model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_lines(tmp_path / "in.jsonl", [json.dumps({"text": ATTACK, "risk": "high"})])
    assert score(model_path, tmp_path / "in.jsonl", "-o", tmp_path / "out.jsonl", "--keep", "risk") == 1
    assert "--keep risk: the output already has such a column" in capsys.readouterr().err


# --- atomic output ---------------------------------------------------------------------------------------------


def test_a_crash_mid_run_leaves_no_output_and_no_temporary_file(
    model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    source = write_lines(inputs / "in.jsonl", [MIXED_LINES[0]] * 20)
    target = tmp_path / "out" / "scored.parquet"
    original = batch.ChunkScorer.__call__
    calls = {"n": 0}

    def crash_on_third_chunk(self: Any, chunk: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        return original(self, chunk)

    monkeypatch.setattr(batch.ChunkScorer, "__call__", crash_on_third_chunk)
    with pytest.raises(RuntimeError, match="disk on fire"):
        score(model_path, source, "-o", target, "--workers", "1", "--chunk-rows", "4")
    assert calls["n"] == 3
    assert list(target.parent.iterdir()) == []  # neither the target, nor a .partial file, nor a spool directory


def test_a_rerun_replaces_the_previous_output_whole(model_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old contents\n", encoding="utf-8")
    source = write_lines(tmp_path / "in.jsonl", MIXED_LINES[:2])
    assert score(model_path, source, "-o", target, "--workers", "1") == 0
    assert [row["id"] for row in read_output(target).to_dicts()] == ["a", "2"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.mark.parametrize(("workers", "stop"), [("1", signal.SIGINT), ("2", signal.SIGINT), ("1", signal.SIGTERM)])
def test_an_interrupted_run_leaves_no_partial_output(
    model_path: Path, tmp_path: Path, workers: str, stop: signal.Signals
) -> None:
    lines = [json.dumps({"id": i, "text": f"{ATTACK} {NEUTRAL} {TALKS}"}) for i in range(20_000)]
    source = write_lines(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out"
    out.mkdir()
    command = [sys.executable, "-m", "training.cli", "score", str(source), "-o", str(out / "scored.csv"),
               "--model", str(model_path), "--workers", workers, "--chunk-rows", "64"]
    environment = {**os.environ, "PYTHONWARNINGS": "error"}
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not any(path.stat().st_size > 0 for path in out.glob(".scored.csv.*.partial")):
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the run never started writing"
            time.sleep(0.05)
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert stderr.endswith("escalation: interrupted\n")
    assert list(out.iterdir()) == []


# --- progress and summary --------------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_summary_line_is_rows_errors_seconds_and_rate() -> None:
    assert summary_line(1000, 3, 4.0) == "scored 1000 rows, 3 errors, 4.00 s, 250 rows/s"
    assert summary_line(0, 0, 0.0) == "scored 0 rows, 0 errors, 0.00 s, 0 rows/s"
    assert summary_line(10, 0, 2.0, output_rows=31) == (
        "scored 10 rows into 31 sentence rows, 0 errors, 2.00 s, 5 rows/s"
    )


def test_progress_bar_shows_rows_rate_and_eta_on_a_terminal_only() -> None:
    ticks = iter([0.0, 1.0, 1.1, 2.0])
    terminal = _Terminal()
    bar = Progress(terminal, total=1000, clock=lambda: next(ticks))
    bar.advance(250)  # t=1.0: drawn
    bar.advance(10)  # t=1.1: too soon to redraw
    bar.advance(240)  # t=2.0: drawn
    bar.close()
    frames = terminal.getvalue().split("\r")
    assert frames[1].rstrip() == "scoring  25% |######...................| 250/1,000 rows  250 rows/s  ETA 0:00:03"
    assert frames[2].rstrip() == "scoring  50% |############.............| 500/1,000 rows  250 rows/s  ETA 0:00:02"
    assert frames[-1] == ""  # closed: the line is cleared for the summary
    log = io.StringIO()
    quiet = Progress(log, total=1000)
    quiet.advance(1000)
    quiet.close()
    assert log.getvalue() == "" and not quiet.enabled


def test_progress_without_a_known_total_shows_rows_and_rate() -> None:
    ticks = iter([0.0, 2.0])
    bar = Progress(_Terminal(), total=None, clock=lambda: next(ticks))
    bar.advance(5000)
    assert bar.line(2.0) == "scoring  5,000 rows  2,500 rows/s"


def test_progress_bar_is_drawn_when_stderr_is_a_terminal(
    model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    source = write_lines(tmp_path / "in.jsonl", MIXED_LINES)
    assert score(model_path, source, "-o", tmp_path / "out.jsonl", "--workers", "1") == 0
    text = terminal.getvalue()
    assert "\rscoring 100% |#########################| 11/11 rows" in text
    assert text.splitlines()[-1].strip().startswith("scored 11 rows, 8 errors, ")
