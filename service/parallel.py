"""An ordered, bounded map over worker processes.

`ordered_map` runs `function` on every item in a pool of spawned processes and yields the results in input order.
At most `in_flight` items are submitted ahead of the one being waited for, so memory is bounded by a few items, not
by the length of the input (concurrent.futures' own `map` and multiprocessing's `imap` both read the whole input
ahead). Workers ignore SIGINT: a Ctrl-C reaches the parent, which cancels what is queued, lets the running items
finish and shuts the pool down.

Workers start from a "forkserver": a clean process, started once, that imports the `preload` modules (the scoring
stack: numpy, scipy, scikit-learn) and forks a worker per request, so the imports are paid once per run rather than
once per worker, and the workers share those pages. Never plain "fork" of the parent: the parent runs polars'
threads, and forking a multi-threaded process can deadlock. The preload must not import polars for the same reason.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from service.errors import EscalationError

T = TypeVar("T")
R = TypeVar("R")

IN_FLIGHT_PER_WORKER = 2  # items queued per worker: one running, one ready to start, so no worker waits on the parent


def _start_worker(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)


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
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
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
