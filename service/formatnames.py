"""Which format a file has, by its extension: the names only, without polars, so the CLI's parser can check them."""

from __future__ import annotations

from pathlib import Path

STDIO = "-"
FORMATS: dict[str, str] = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
SEPARATORS = {"csv": ",", "tsv": "\t"}
LIST_SEPARATOR = ";"  # lists (signals, actors) in CSV/TSV cells; no signal name or canonical actor contains it


def valid_formats() -> str:
    return ", ".join(FORMATS) + f", or {STDIO} for JSONL on stdin/stdout"


def format_of(name: str) -> str:
    """The format of a path or glob by its extension; ValueError listing the valid ones for anything else."""
    if name == STDIO:
        return "jsonl"
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        shown = repr(suffix) if suffix else "no extension"
        raise ValueError(f"{name}: unknown format ({shown}); use {valid_formats()}")
    return FORMATS[suffix]
