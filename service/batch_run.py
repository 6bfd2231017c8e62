"""`escalation score`: inputs -> chunks -> scored chunks (here, or in worker processes) -> one output, in input order.

With several workers this process only reads, hands chunks out and writes; it never imports the scoring stack
(numpy, scipy, joblib), which the forkserver imports once for the workers (service.parallel).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Generator, Iterator
from contextlib import closing
from itertools import chain
from pathlib import Path

from service.batch import BatchOptions, Scored, init_worker, reserved_columns, score_in_worker
from service.errors import EscalationError
from service.formats import (
    Chunk,
    count_rows,
    format_of,
    open_output,
    plan_columns,
    read_chunks,
    resolve_inputs,
    terminate_as_interrupt,
)
from service.parallel import SCORING_STACK, ordered_map
from service.progress import Progress, summary_line
from service.settings import Settings

clock = time.perf_counter  # the summary's timer; tests replace it to assert exact summary lines


def _scored_chunks(
    chunks: Iterator[Chunk], workers: int, model: Path | None, options: BatchOptions
) -> Generator[Scored, None, None]:
    """Scored chunks in input order: in this process for one worker or one chunk, else in `workers` processes."""
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    if workers == 1 or second is None:
        from service.batch import ChunkScorer
        from service.scoring import Scorer

        scorer = ChunkScorer(Scorer.load(model), options)
        yield from map(scorer, chain([first], [second] if second is not None else [], chunks))
        return
    if model is not None and not model.is_file():
        raise EscalationError(f"{model}: model artifact not found")
    with closing(
        ordered_map(
            score_in_worker,
            chain([first, second], chunks),
            workers=workers,
            initializer=init_worker,
            initargs=(model, options),
            preload=SCORING_STACK,
        )
    ) as results:
        yield from results


def score_files(args: argparse.Namespace) -> int:
    """Run `escalation score` with its parsed arguments; the exit status."""
    sources = resolve_inputs(args.inputs)
    keep = [name for names in args.keep or [] for name in names]
    clashes = sorted(set(keep) & reserved_columns())
    if clashes:
        raise EscalationError(f"--keep {', '.join(clashes)}: the output already has such a column; rename it first")
    plan = plan_columns(sources, args.text_col, args.id_col, list(dict.fromkeys(keep)))
    output_format = format_of(args.output)
    options = BatchOptions(
        text_col=plan.text,
        id_col=plan.id,
        keep=plan.keep,
        sentences=args.sentences,
        evidence=args.evidence,
        thresholds=dict(args.threshold or []),
        output_format=output_format,
        name_sources=len(sources) > 1,
    )
    model = args.model or Settings.from_env().model_path
    progress = Progress(sys.stderr, enabled=None)
    if progress.enabled:
        progress.total = count_rows(sources)
    started = clock()
    rows = errors = written = 0
    with terminate_as_interrupt(), open_output(args.output, output_format, options.schema()) as writer:
        chunks = read_chunks(plan, args.chunk_rows)
        try:
            with closing(_scored_chunks(chunks, args.workers, model, options)) as results:
                for scored in results:
                    writer.write(scored.payload)
                    rows, errors, written = rows + scored.rows, errors + scored.errors, written + scored.output_rows
                    progress.advance(scored.rows)
        finally:
            progress.close()  # also on an interrupt or error, so its message starts on a clean line
    seconds = clock() - started
    print(summary_line(rows, errors, seconds, written if args.sentences else None), file=sys.stderr)
    return 1 if args.strict and errors else 0
