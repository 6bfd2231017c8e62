"""Batch file formats: which format a path has, reading inputs in bounded chunks, writing outputs atomically.

    .csv   .tsv   .jsonl / .ndjson   .parquet      and  -  for JSONL on stdin or stdout

Reading. CSV, TSV and Parquet go through polars: `scan_*` -> column expressions (select, rename, cast) ->
`collect_batches`, so only a few chunks are in memory at once whatever the input's size. JSONL is read as raw lines
in chunks and parsed later, in the workers: a line that is not a JSON object must become one row with an error, and
polars' NDJSON reader would fail the whole file instead.

Writing. Each scored chunk is appended to a temporary file beside the target (Parquet: spooled as Arrow IPC parts that
`sink_parquet` streams into one file at the end). The temporary is renamed over the target only once everything is
written, and removed on any failure or interrupt, so a target is either complete or untouched.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from service.errors import EscalationError
from service.formatnames import LIST_SEPARATOR, SEPARATORS, STDIO, format_of

# Internal column names of the frames handed to the scorers (the user's columns are renamed to these).
TEXT = "__text"
ID = "__id"

# Lines read to find a JSONL file's keys: enough to see past a few bad first lines, small enough to stay instant.
PROBE_LINES = 1000
# Output rows buffered before a Parquet part is spooled to disk: bounds memory while keeping the part count low.
PARQUET_PART_ROWS = 65_536

# Polars' streaming CSV reader prefetches large chunks ahead of a slow consumer (about 250 MB with the defaults of
# polars 2.1, measured on a 600 MB file). Scoring is a slow consumer, so ask for small chunks and one chunk ahead:
# peak RSS while reading a 600 MB CSV drops from 370 MB to 100 MB. Set only when the user has not set them.
os.environ.setdefault("POLARS_CSV_CHUNK_SIZE", str(1 << 20))
os.environ.setdefault("POLARS_CSV_CHUNK_PREFETCH_LIMIT", "1")


@dataclass(frozen=True, slots=True)
class Source:
    """One input: a file, or stdin (path None, always JSONL)."""

    path: Path | None
    format: str

    @property
    def name(self) -> str:
        return STDIO if self.path is None else str(self.path)


def resolve_inputs(names: Iterable[str]) -> list[Source]:
    """Files in the order given; a pattern with glob characters expands to its matches, sorted."""
    sources: list[Source] = []
    for name in names:
        if name == STDIO:
            sources.append(Source(None, "jsonl"))
            continue
        if Path(name).is_file():
            matches = [name]
        elif glob.has_magic(name):
            matches = sorted(path for path in glob.glob(name, recursive=True) if Path(path).is_file())
            if not matches:
                raise EscalationError(f"{name}: no file matches")
        else:
            raise EscalationError(f"{name}: no such file")
        for match in matches:
            try:
                sources.append(Source(Path(match), format_of(match)))
            except ValueError as exc:
                raise EscalationError(str(exc)) from None
    if sum(source.path is None for source in sources) > 1:
        raise EscalationError(f"{STDIO} (stdin) can be given only once")
    return sources


def _scan(source: Source) -> pl.LazyFrame:
    assert source.path is not None
    if source.format == "parquet":
        return pl.scan_parquet(source.path)
    # Every column as text (ids keep their leading zeros), undecodable bytes replaced rather than failing the file,
    # a short row padded with nulls and a long one cut: a malformed row still gives one output row.
    return pl.scan_csv(
        source.path,
        separator=SEPARATORS[source.format],
        infer_schema=False,
        encoding="utf8-lossy",
        truncate_ragged_lines=True,
        raise_if_empty=False,
    )


def jsonl_keys(lines: Iterable[bytes]) -> set[str] | None:
    """The keys seen in the JSON objects among `lines`; None when no line is a JSON object."""
    keys: set[str] | None = None
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            keys = (keys or set()) | set(record)
    return keys


def columns_of(source: Source) -> dict[str, pl.DataType] | None:
    """An input's columns and types (JSONL: keys of its first objects, as text); None when that cannot be known."""
    if source.path is None:
        return None
    if source.format == "jsonl":
        with source.path.open("rb") as handle:
            keys = jsonl_keys(line for _, line in zip(range(PROBE_LINES), handle, strict=False))
        return None if keys is None else {key: pl.String() for key in sorted(keys)}
    try:
        return dict(_scan(source).collect_schema())
    except pl.exceptions.PolarsError as exc:
        raise EscalationError(f"{source.name}: cannot read: {exc}") from None


def missing_column(source: str, column: str, existing: Iterable[str], option: str) -> EscalationError:
    names = ", ".join(existing) or "(none)"
    return EscalationError(f"{source}: no column {column!r} (from {option}); the columns are: {names}")


@dataclass(frozen=True, slots=True)
class Plan:
    """Which columns to read from the inputs and the types the kept ones have in the output."""

    text: str
    id: str
    keep: dict[str, pl.DataType]
    sources: tuple[Source, ...]
    has_id: tuple[bool, ...]  # per source: whether it has the id column (else ids are row numbers)


def plan_columns(sources: list[Source], text: str, id_column: str | None, keep: list[str]) -> Plan:
    """Check that every input has the columns asked for, listing the columns it does have when one is missing.

    `id_column` None means the default `id`, which may be absent (ids are then row numbers); a named one must exist.
    A kept column's type is its type in the inputs when they agree, text otherwise.
    """
    found: list[dict[str, pl.DataType] | None] = [columns_of(source) for source in sources]
    for source, columns in zip(sources, found, strict=True):
        if columns is None:
            continue
        wanted = [(text, "--text-col"), *((name, "--keep") for name in keep)]
        if id_column is not None:
            wanted.append((id_column, "--id-col"))
        for name, option in wanted:
            if name not in columns:
                raise missing_column(source.name, name, columns, option)
    kept: dict[str, pl.DataType] = {}
    for name in keep:
        types = [pl.String() if columns is None else columns[name] for columns in found]
        kept[name] = types[0] if all(dtype == types[0] for dtype in types) else pl.String()
    identifier = id_column or "id"
    has_id = tuple(columns is None or identifier in columns for columns in found)
    return Plan(text, identifier, kept, tuple(sources), has_id)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of consecutive input rows: raw JSONL lines, or a frame with TEXT, optionally ID, and the kept columns."""

    source: str  # the input's name, for messages
    start: int  # global 1-based row number of the first row (the id of a row without one)
    first: int  # 1-based row or line number of the first row within its input
    lines: tuple[bytes, ...] | None = None
    frame: pl.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.lines) if self.lines is not None else (self.frame.height if self.frame is not None else 0)


def read_chunks(plan: Plan, chunk_rows: int, stdin: BinaryIO | None = None) -> Iterator[Chunk]:
    """Every row of every input, in order, as chunks of at most `chunk_rows` rows."""
    start = 1
    for source, has_id in zip(plan.sources, plan.has_id, strict=True):
        if source.format == "jsonl":
            chunks = _jsonl_chunks(source, plan, chunk_rows, start, stdin)
        else:
            chunks = _frame_chunks(source, plan, has_id, chunk_rows, start)
        for chunk in chunks:
            yield chunk
            start += len(chunk)


def _jsonl_chunks(
    source: Source, plan: Plan, chunk_rows: int, start: int, stdin: BinaryIO | None
) -> Iterator[Chunk]:
    handle = (stdin or sys.stdin.buffer) if source.path is None else source.path.open("rb")
    try:
        lines: list[bytes] = []
        first = 1
        for number, line in enumerate(handle, 1):
            lines.append(line)
            if len(lines) >= chunk_rows:
                yield _jsonl_chunk(source, plan, start, first, lines)
                start, first, lines = start + len(lines), number + 1, []
        if lines:
            yield _jsonl_chunk(source, plan, start, first, lines)
    finally:
        if source.path is not None:
            handle.close()


def _jsonl_chunk(source: Source, plan: Plan, start: int, first: int, lines: list[bytes]) -> Chunk:
    if source.path is None and first == 1:  # stdin cannot be probed ahead: check its first chunk instead
        keys = jsonl_keys(lines)
        if keys is not None and plan.text not in keys:
            raise missing_column(source.name, plan.text, sorted(keys), "--text-col")
    return Chunk(source.name, start, first, lines=tuple(lines))


def _frame_chunks(source: Source, plan: Plan, has_id: bool, chunk_rows: int, start: int) -> Iterator[Chunk]:
    columns = [pl.col(plan.text).alias(TEXT)]
    if has_id:
        columns.append(pl.col(plan.id).cast(pl.String).alias(ID))
    columns += [pl.col(name).cast(dtype) for name, dtype in plan.keep.items()]
    first = 1
    try:
        for batch in _scan(source).select(columns).collect_batches(chunk_size=chunk_rows):
            for frame in batch.iter_slices(chunk_rows):
                yield Chunk(source.name, start, first, frame=frame)
                start, first = start + frame.height, first + frame.height
    except pl.exceptions.PolarsError as exc:
        raise EscalationError(f"{source.name}: cannot read: {exc}") from None


def count_rows(sources: Iterable[Source]) -> int | None:
    """The number of input rows (for a progress bar's ETA); None when stdin is among them. Reads CSV/JSONL once."""
    total = 0
    for source in sources:
        if source.path is None:
            return None
        if source.format == "jsonl":
            total += _count_lines(source.path)
        else:
            total += int(_scan(source).select(pl.len()).collect().item())
    return total


def _count_lines(path: Path) -> int:
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


# Writing ---------------------------------------------------------------------------------------------------------


def for_text_format(frame: pl.DataFrame) -> pl.DataFrame:
    """CSV/TSV cells hold no nested values: lists are LIST_SEPARATOR-joined, structs JSON-encoded."""
    flat = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List | pl.Array):
            flat.append(pl.col(name).cast(pl.List(pl.String)).list.join(LIST_SEPARATOR))
        elif isinstance(dtype, pl.Struct):
            flat.append(pl.col(name).struct.json_encode())
    return frame.with_columns(flat) if flat else frame


def encode(frame: pl.DataFrame, output_format: str) -> bytes | pl.DataFrame:
    """A scored chunk as the bytes to append to the output (Parquet: the frame, spooled by the writer)."""
    if output_format == "jsonl":
        return frame.write_ndjson().encode()
    if output_format in SEPARATORS:
        return for_text_format(frame).write_csv(include_header=False, separator=SEPARATORS[output_format]).encode()
    return frame


def header(schema: pl.Schema, output_format: str) -> bytes:
    """What a file of this format starts with before any row (the CSV/TSV header line)."""
    if output_format not in SEPARATORS:
        return b""
    return for_text_format(pl.DataFrame(schema=schema)).write_csv(separator=SEPARATORS[output_format]).encode()


class StreamWriter:
    """Appends encoded chunks to a binary stream (JSONL, CSV, TSV)."""

    def __init__(self, handle: BinaryIO, schema: pl.Schema, output_format: str) -> None:
        self._handle = handle
        handle.write(header(schema, output_format))

    def write(self, payload: bytes | pl.DataFrame) -> None:
        assert isinstance(payload, bytes)
        self._handle.write(payload)

    def finish(self) -> None:
        self._handle.flush()


class ParquetSpool:
    """Buffers scored frames, spools them as Arrow IPC parts, and streams the parts into one Parquet file."""

    def __init__(self, directory: Path, target: Path, schema: pl.Schema) -> None:
        self._directory = directory
        self._target = target
        self._schema = schema
        self._buffer: list[pl.DataFrame] = []
        self._buffered = 0
        self._parts: list[Path] = []

    def write(self, payload: bytes | pl.DataFrame) -> None:
        assert isinstance(payload, pl.DataFrame)
        self._buffer.append(payload)
        self._buffered += payload.height
        if self._buffered >= PARQUET_PART_ROWS:
            self._spool()

    def _spool(self) -> None:
        if not self._buffer:
            return
        part = self._directory / f"part-{len(self._parts):06d}.arrow"
        pl.concat(self._buffer, how="vertical").write_ipc(part)
        self._parts.append(part)
        self._buffer, self._buffered = [], 0

    def finish(self) -> None:
        self._spool()
        if self._parts:
            pl.scan_ipc(self._parts).sink_parquet(self._target)
        else:
            pl.DataFrame(schema=self._schema).write_parquet(self._target)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM during a run unwinds like Ctrl-C, so that `open_output` removes the partial output before the end."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def open_output(output: str, output_format: str, schema: pl.Schema) -> Iterator[StreamWriter | ParquetSpool]:
    """A writer for the output; a file target appears only when the block completes (see the module docstring)."""
    writer: StreamWriter | ParquetSpool
    if output == STDIO:
        sys.stdout.flush()
        writer = StreamWriter(sys.stdout.buffer, schema, output_format)
        yield writer
        writer.finish()
        return
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    temporary = Path(name)
    temporary.chmod(0o666 & ~_umask())  # mkstemp makes the file private; the output gets the usual permissions
    spool: Path | None = None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if output_format == "parquet":
                spool = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".parts", dir=target.parent))
                writer = ParquetSpool(spool, temporary, schema)
            else:
                writer = StreamWriter(handle, schema, output_format)
            yield writer
            writer.finish()
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    finally:
        if spool is not None:
            shutil.rmtree(spool, ignore_errors=True)
