"""`escalation trend`: a scored file aggregated into an escalation index per period, checked against hand counts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from service.formats import LIST_SEPARATOR
from service.signals import SIGNAL_NAMES
from service.trend import trend
from service.trend_options import frequency
from training.cli import main

NO_SIGNALS = dict.fromkeys(SIGNAL_NAMES, 0)


def scored_row(day: str | None, risk: float | None, level: str | None, signals: list[str] | None,
               actors: list[str] | None = None, source: str = "wire", error: str | None = None) -> dict[str, Any]:
    return {"id": "x", "date": day, "source": source, "risk": risk, "level": level, "signals": signals,
            "actors": actors, "error": error}


# Three documents on Monday 4 March, none on the 5th, one on the 6th; one error and one undated row left out.
ROWS = [
    scored_row("2024-03-04", 0.9, "critical", ["attack", "threat"], ["Iran", "Israel"], "wire"),
    scored_row("2024-03-04T18:30:00", 0.5, "elevated", ["attack"], ["Iran"], "paper"),
    scored_row("2024-03-04 09:00:00", 0.1, "low", [], [], "wire"),
    scored_row("2024-03-06", 0.7, "high", ["truce"], ["Israel"], "wire"),
    scored_row("2024-03-05", None, None, None, None, "wire", error="text is missing"),
    scored_row("not a date", 0.2, "low", [], [], "wire"),
]


def write_scored(path: Path, rows: list[dict[str, Any]] = ROWS) -> Path:
    frame = pl.DataFrame(rows, schema={"id": pl.String, "date": pl.String, "source": pl.String, "risk": pl.Float64,
                                       "level": pl.String, "signals": pl.List(pl.String),
                                       "actors": pl.List(pl.String), "error": pl.String})
    if path.suffix == ".parquet":
        frame.write_parquet(path)
    elif path.suffix == ".jsonl":
        frame.write_ndjson(path)
    else:
        frame.with_columns(pl.col("signals", "actors").list.join(LIST_SEPARATOR)).write_csv(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_daily_index_matches_hand_counts_and_fills_empty_days(tmp_path: Path, suffix: str) -> None:
    report = trend(write_scored(tmp_path / f"scored{suffix}"), "date", freq="1d")
    assert (report.rows, report.errors, report.undated) == (6, 1, 1)
    rows = report.frame.to_dicts()
    assert [row["period"] for row in rows] == [date(2024, 3, 4), date(2024, 3, 5), date(2024, 3, 6)]
    assert rows[0] == {
        "period": date(2024, 3, 4), "documents": 3, "risk_mean": 0.5, "risk_p90": 0.82, "high_share": 0.333333,
        **NO_SIGNALS, "attack": 2, "threat": 1,
    }
    assert rows[1] == {"period": date(2024, 3, 5), "documents": 0, "risk_mean": None, "risk_p90": None,
                       "high_share": None, **NO_SIGNALS}
    assert rows[2]["documents"] == 1 and rows[2]["truce"] == 1 and rows[2]["high_share"] == 1.0


def test_weekly_periods_start_on_monday(tmp_path: Path) -> None:
    rows = [*ROWS, scored_row("2024-03-17", 0.3, "elevated", ["diplomacy"]), scored_row("2024-03-18", 0.2, "low", [])]
    report = trend(write_scored(tmp_path / "scored.csv", rows), "date", freq="1w")
    assert report.frame.select("period", "documents", "diplomacy").rows() == [
        (date(2024, 3, 4), 4, 0), (date(2024, 3, 11), 1, 1), (date(2024, 3, 18), 1, 0)
    ]


def test_by_actor_counts_each_document_once_per_actor_it_mentions(tmp_path: Path) -> None:
    report = trend(write_scored(tmp_path / "scored.csv"), "date", by="actor", freq="1w")
    assert report.frame.select("period", "actor", "documents", "risk_mean", "attack").rows() == [
        (date(2024, 3, 4), "Iran", 2, 0.7, 2),
        (date(2024, 3, 4), "Israel", 2, 0.8, 1),
    ]
    assert report.overall["documents"].to_list() == [4]  # the overall index still counts each document once


def test_by_column_groups_on_that_column(tmp_path: Path) -> None:
    report = trend(write_scored(tmp_path / "scored.parquet"), "date", by="source", freq="1w")
    assert report.frame.select("source", "documents", "high_share").rows() == [("paper", 1, 0.0), ("wire", 3, 0.666667)]


def test_frequency_accepts_polars_periods_only() -> None:
    assert frequency("1d") == "1d" and frequency("2w") == "2w" and frequency("1mo") == "1mo"
    for bad in ("daily", "0d", "1m", "d"):
        with pytest.raises(ValueError, match="is not a period like 1d"):
            frequency(bad)


def test_trend_command_writes_the_table_and_a_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scored = write_scored(tmp_path / "scored.csv")
    code = main(["trend", str(scored), "--date-col", "date", "--freq", "1d", "-o", str(tmp_path / "trend.parquet"),
                 "--plot", str(tmp_path / "trend.png")])
    assert code == 0
    assert capsys.readouterr().err == (
        "trend: 4 documents in 3 periods of 1d (1 with an error, 1 without a date left out)\n"
    )
    assert pl.read_parquet(tmp_path / "trend.parquet")["documents"].to_list() == [3, 0, 1]
    assert (tmp_path / "trend.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_trend_by_actor_plot_and_csv_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scored = write_scored(tmp_path / "scored.jsonl")
    assert main(["trend", str(scored), "--date-col", "date", "--by", "actor", "-o", "-",
                 "--plot", str(tmp_path / "actors.png")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("period,actor,documents,risk_mean,risk_p90,high_share,threat,")
    assert len(lines) == 1 + 3 * 2  # three days x two actors
    assert (tmp_path / "actors.png").stat().st_size > 10_000


def test_trend_missing_column_exits_1_and_lists_the_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scored = write_scored(tmp_path / "scored.csv")
    assert main(["trend", str(scored), "--date-col", "published", "-o", str(tmp_path / "t.csv")]) == 1
    assert capsys.readouterr().err == (
        f"escalation: error: {scored}: no column 'published' (needed by --date-col); "
        "the columns are: id, date, source, risk, level, signals, actors, error\n"
    )
    assert main(["trend", str(scored), "--date-col", "date", "--by", "outlet", "-o", str(tmp_path / "t.csv")]) == 1
    assert "no column 'outlet' (needed by --by)" in capsys.readouterr().err
    assert not (tmp_path / "t.csv").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--freq", "weekly"], "is not a period like 1d"),
        (["-o", "trend.jsonl"], "trend tables are written as .csv, .tsv or .parquet"),
        (["--plot", "trend.pdf"], "the plot is written as a .png file"),
    ],
)
def test_trend_usage_errors_exit_2(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    scored = write_scored(tmp_path / "scored.csv")
    argv = ["trend", str(scored), "--date-col", "date", "-o", "t.csv", *args]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_score_then_trend_end_to_end(model_path: Path, tmp_path: Path) -> None:
    documents = [
        {"id": "1", "date": "2024-05-01", "text": "Militants fired rockets at the air base, killing two soldiers."},
        {"id": "2", "date": "2024-05-01", "text": "The central bank kept interest rates unchanged."},
        {"id": "3", "date": "2024-05-02", "text": "Both sides agreed to extend the ceasefire and resume talks."},
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    assert main(["score", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "scored.csv"), "--keep", "date",
                 "--model", str(model_path), "--workers", "1"]) == 0
    assert main(["trend", str(tmp_path / "scored.csv"), "--date-col", "date", "-o", str(tmp_path / "t.csv")]) == 0
    table = pl.read_csv(tmp_path / "t.csv")
    assert table["documents"].to_list() == [2, 1]
    assert table["attack"].to_list() == [1, 0]
