"""The `escalation` command's scoring side: `score` (batch files) and `trend`. Training adds `train`, `eval`, `corpus`.

Usage errors exit 2 with argparse's message; domain errors (missing model, missing file or column, unreadable input)
are caught once in `run` and exit 1 with a one-line message on stderr; an interrupt exits 130 and leaves no output.

This module holds the parser and imports only what the parser needs; a command imports its own modules when it runs
(polars, the scoring stack), so `escalation --help` answers at once and a multi-worker `escalation score` can start
its workers' imports before its own (service.batch_run).

    escalation score INPUT... -o OUTPUT     formats by extension (.csv .tsv .jsonl .ndjson .parquet, - for JSONL)
    escalation trend SCORED --date-col date [--by actor|COLUMN] [--freq 1d|1w] -o OUT [--plot trend.png]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.api.serve import add_serve_command
from service.argtypes import default_workers, whole_number
from service.errors import EscalationError
from service.formatnames import STDIO, format_of
from service.parallel import SCORING_STACK, start_forkserver
from service.signals import HEADS
from service.trend_options import ACTOR, frequency

Handler = Callable[[argparse.Namespace], int]
CHUNK_DOCUMENTS = 256  # documents per score_many call: large enough to amortise per-call costs, small for memory


def threshold_override(text: str) -> tuple[str, float]:
    """argparse type for --threshold signal=value."""
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected signal=value, got {text!r}")
    if name not in HEADS:
        raise argparse.ArgumentTypeError(f"unknown signal {name!r}; valid names are {', '.join(HEADS)}")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"threshold {value!r} is not a number") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"threshold {number} must be between 0 and 1")
    return name, number


def known_format(text: str) -> str:
    """argparse type for an input or output name: its extension must name a format."""
    try:
        format_of(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def table_output(text: str) -> str:
    """argparse type for the trend output: a table format, or - for CSV on stdout."""
    if text != STDIO and known_format(text) and format_of(text) == "jsonl":
        raise argparse.ArgumentTypeError(f"{text}: trend tables are written as .csv, .tsv or .parquet (or - for CSV)")
    return text


def png_path(text: str) -> Path:
    if not text.lower().endswith(".png"):
        raise argparse.ArgumentTypeError(f"{text}: the plot is written as a .png file")
    return Path(text)


def column_list(text: str) -> list[str]:
    """argparse type for --keep: one column, or several separated by commas."""
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected column names separated by commas, got {text!r}")
    return names


def command_score(args: argparse.Namespace) -> int:
    # Polars' own threads would only compete for the cores with the scoring, which is the work here and already runs
    # on --workers of them; on 256-row chunks they cost more in hand-offs than they save.
    os.environ.setdefault("POLARS_MAX_THREADS", "1")  # read when polars is imported, which has not happened yet
    if args.workers > 1:  # the workers' imports run in the forkserver while this process imports polars
        start_forkserver(SCORING_STACK)
    from service.batch_run import score_files

    return score_files(args)


def command_trend(args: argparse.Namespace) -> int:
    from service.formats import encode, open_output, terminate_as_interrupt
    from service.trend import plot_trend, trend

    report = trend(args.scored, args.date_col, by=args.by, freq=args.freq)
    kind = "csv" if args.output == STDIO else format_of(args.output)
    with terminate_as_interrupt(), open_output(args.output, kind, report.frame.schema) as writer:
        writer.write(encode(report.frame, kind))
    if args.plot is not None:
        by = f" by {args.by}" if args.by else ""
        plot_trend(report, args.plot, f"Escalation index{by}, per {args.freq} — {args.scored.name}")
    print(report.summary(), file=sys.stderr)
    return 0


def add_scoring_commands(commands: Any) -> None:
    score = commands.add_parser(
        "score",
        help="score CSV/TSV/JSONL/Parquet files of documents",
        description="Score every row of the inputs into one output, in input order; formats go by extension.",
    )
    score.add_argument("inputs", nargs="+", type=known_format, metavar="INPUT",
                       help="input files or quoted globs (.csv .tsv .jsonl .ndjson .parquet), or - for JSONL on stdin")
    score.add_argument("-o", "--output", type=known_format, required=True,
                       help="output file (format by extension), or - for JSONL on stdout")
    score.add_argument("--text-col", default="text", metavar="COLUMN", help="column with the text (default: text)")
    score.add_argument("--id-col", default=None, metavar="COLUMN",
                       help="column with the document id (default: id; the row number when there is none)")
    score.add_argument("--keep", type=column_list, action="append", metavar="COLUMN[,COLUMN]",
                       help="carry input columns through to the output, e.g. --keep date,source,url (repeatable)")
    score.add_argument("--sentences", action="store_true",
                       help="one output row per sentence, with offsets and per-sentence scores")
    score.add_argument("--evidence", action="store_true", help="add an evidence column (JSON) to every row")
    score.add_argument("--workers", type=whole_number("workers"), default=default_workers(),
                       help="scoring processes (default: all cores, here %(default)s)")
    score.add_argument("--chunk-rows", type=whole_number("chunk rows"), default=CHUNK_DOCUMENTS, metavar="N",
                       help="documents per chunk handed to a worker (default: %(default)s)")
    score.add_argument("--model", type=Path, default=None, help="model artifact (default: ESCALATION_MODEL_PATH)")
    score.add_argument("--threshold", type=threshold_override, action="append", metavar="SIGNAL=VALUE",
                       help="override a signal's flag threshold (repeatable)")
    score.add_argument("--strict", action="store_true", help="exit 1 if any row has an error")
    score.set_defaults(handler=command_score)

    def freq_type(text: str) -> str:
        try:
            return frequency(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    report = commands.add_parser(
        "trend",
        help="aggregate a scored file into an escalation index over time",
        description="Mean and p90 risk, share of high/critical documents and signal counts per period.",
    )
    report.add_argument("scored", type=Path, help="output of `escalation score` (.csv .tsv .jsonl .parquet)")
    report.add_argument("--date-col", required=True, metavar="COLUMN", help="column with the document date")
    report.add_argument("--by", default=None, metavar=f"{ACTOR}|COLUMN",
                        help=f"one series per group: '{ACTOR}' (each actor mentioned) or any column, e.g. source")
    report.add_argument("--freq", type=freq_type, default="1d", help="period length: 1d, 1w, 1mo, ... (default: 1d)")
    report.add_argument("-o", "--output", type=table_output, required=True,
                        help="trend table (.csv .tsv .parquet), or - for CSV on stdout")
    report.add_argument("--plot", type=png_path, default=None, metavar="PNG",
                        help="also draw the index and the signal counts over time")
    report.set_defaults(handler=command_trend)


def build_parser() -> tuple[argparse.ArgumentParser, Any]:
    parser = argparse.ArgumentParser(prog="escalation", description="Conflict escalation risk scoring.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_scoring_commands(commands)
    add_serve_command(commands)
    return parser, commands


def run(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (EscalationError, OSError) as exc:
        print(f"escalation: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("escalation: interrupted", file=sys.stderr)
        return 130

