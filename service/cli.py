"""The `escalation` command's scoring side: `score` (batch files). Training adds `train`, `eval` and `corpus`.

Usage errors exit 2 with argparse's message; domain errors (missing model, unreadable input) are caught once in
`run` and exit 1 with a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from service.batch import InputRow, score_rows
from service.errors import EscalationError
from service.scoring import Scorer
from service.signals import HEADS

Handler = Callable[[argparse.Namespace], int]


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


def read_jsonl_rows(handle: TextIO) -> Iterator[InputRow]:
    """Input rows of a JSONL stream; a line that is not a JSON object becomes a row with an error."""
    for number, line in enumerate(handle, 1):
        if not line.strip():
            yield InputRow(number, None, f"line {number}: empty line")
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield InputRow(number, None, f"line {number}: invalid JSON: {exc.msg}")
            continue
        if not isinstance(record, dict):
            yield InputRow(number, None, f"line {number}: expected a JSON object")
            continue
        identifier = record.get("id", number)
        if "text" not in record:
            yield InputRow(identifier, None, "text is missing")
        else:
            yield InputRow(identifier, record["text"])


def _write_atomically(target: Path, write: Callable[[TextIO], None]) -> None:
    """Write beside the target and rename at the end, so an interrupted run leaves no partial file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            write(handle)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def command_score(args: argparse.Namespace) -> int:
    input_path: Path = args.input
    if str(input_path) != "-" and not input_path.is_file():
        raise EscalationError(f"{input_path}: no such file")
    scorer = Scorer.load(args.model)
    thresholds = dict(args.threshold or [])
    started = time.perf_counter()
    tally = {"rows": 0, "errors": 0}

    def emit(out: TextIO) -> None:
        source = sys.stdin if str(input_path) == "-" else input_path.open(encoding="utf-8")
        try:
            for row in score_rows(scorer, read_jsonl_rows(source), thresholds):
                tally["rows"] += 1
                tally["errors"] += row.get("error") is not None
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        finally:
            if source is not sys.stdin:
                source.close()

    if str(args.output) == "-":
        emit(sys.stdout)
    else:
        _write_atomically(args.output, emit)
    seconds = time.perf_counter() - started
    rate = tally["rows"] / seconds if seconds > 0 else 0.0
    print(f"scored {tally['rows']} rows, {tally['errors']} errors, {seconds:.2f} s, {rate:.0f} rows/s", file=sys.stderr)
    return 1 if args.strict and tally["errors"] else 0


def add_scoring_commands(commands: Any) -> None:
    score = commands.add_parser("score", help="score a JSONL file of {id, text} lines")
    score.add_argument("input", type=Path, help="input JSONL file, or - for stdin")
    score.add_argument("-o", "--output", type=Path, required=True, help="output JSONL file, or - for stdout")
    score.add_argument("--model", type=Path, default=None, help="model artifact (default: ESCALATION_MODEL_PATH)")
    score.add_argument("--threshold", type=threshold_override, action="append", metavar="SIGNAL=VALUE",
                       help="override a signal's flag threshold (repeatable)")
    score.add_argument("--strict", action="store_true", help="exit 1 if any row has an error")
    score.set_defaults(handler=command_score)


def build_parser() -> tuple[argparse.ArgumentParser, Any]:
    parser = argparse.ArgumentParser(prog="escalation", description="Conflict escalation risk scoring.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_scoring_commands(commands)
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

