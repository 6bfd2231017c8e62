"""An ordered, bounded map over worker processes.

`ordered_map` runs `function` on every item in a pool of spawned processes and yields the results in input order.
At most `in_flight` items are submitted ahead of the one being waited for, so memory is bounded by a few items, not
by the length of the input (concurrent.futures' own `map` and multiprocessing's `imap` both read the whole input
ahead). Workers ignore SIGINT: a Ctrl-C reaches the parent, which cancels what is queued, lets the running items
finish and shuts the pool down.

Workers start from a "forkserver": a clean process, started once, that imports the `preload` modules (the scoring
stack: numpy, scipy, joblib) and forks a worker per request, so the imports are paid once per run rather than
once per worker, and the workers share those pages. `start_forkserver` starts it, and its imports, ahead of the
pool, so that they overlap with whatever the parent does before its first item is ready. Never plain "fork" of the
parent: the parent runs polars' threads, and forking a multi-threaded process can deadlock. The preload must not
import polars for the same reason (importing it starts threads).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import signal
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from service.errors import EscalationError

T = TypeVar("T")
R = TypeVar("R")

SCORING_STACK = ("service.scoring",)  # a preload for scoring workers: numpy, scipy, joblib, the scoring core
IN_FLIGHT_PER_WORKER = 2  # items queued per worker: one running, one ready to start, so no worker waits on the parent


def _start_worker(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)


def _forkserver_context(preload: tuple[str, ...]) -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context


def start_forkserver(preload: tuple[str, ...] = ()) -> None:
    """Start the forkserver now, importing `preload` in the background; a later `ordered_map` with the same preload
    forks its workers from it. Does nothing if it is already running."""
    _forkserver_context(preload)
    multiprocessing.forkserver.ensure_running()


def ordered_map(
    function: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    in_flight: int | None = None,
    preload: tuple[str, ...] = (),
) -> Generator[R, None, None]:
    """`map(function, items)` over `workers` processes, in order, with at most `in_flight` items submitted."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    limit = in_flight or IN_FLIGHT_PER_WORKER * workers
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_forkserver_context(preload),
        initializer=_start_worker,
        initargs=(initializer, initargs),
    )
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(executor.submit(function, item))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool:
        raise EscalationError("a worker process died (out of memory?); rerun with fewer --workers") from None
    finally:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
