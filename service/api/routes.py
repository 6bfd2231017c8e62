"""Route handlers: thin edges over the one Scorer.

Scoring a batch, or a text longer than ESCALATION_INLINE_MAX_CHARS, runs in a worker thread so that the event loop
keeps answering other requests meanwhile. A short text is scored on the loop itself: it costs about as much CPU as the
hop to the thread and back (measured: ~0.65 ms to score 600 characters; the round trip through the thread added
0.3-0.7 ms of CPU and a GIL hand-over on this machine), so the hop only made every request slower.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial
from typing import Any

import msgspec
from anyio import CapacityLimiter, to_thread
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import JSONBody

from service.api.guards import check_scoring_request, holder_of, require_api_key, require_ready, settings_of
from service.api.metrics import record_scored
from service.api.problems import ApiProblem, problem_specs
from service.api.render import model_info, score_response
from service.api.schemas import (
    BatchRequest,
    DocumentId,
    FieldError,
    Health,
    ModelInfo,
    ScoreOptions,
    ScoreRequest,
    ScoreResponse,
)
from service.api.schemas import BatchResponse as BatchResponseBody
from service.api.state import Loaded

SCORING_THREADS = 1  # per worker; see scoring_limiter


def thresholds_of(options: ScoreOptions) -> dict[str, float] | None:
    """The request's threshold overrides as the Scorer takes them: {head: threshold}, only those given."""
    if options.score_threshold is None:
        return None
    given = msgspec.structs.asdict(options.score_threshold)
    return {name: float(value) for name, value in given.items() if value is not None}


def _check_texts(texts: Sequence[str], limit: int, fields: Sequence[str]) -> None:
    """413 for a text over the length limit, 422 for a blank one; the field names the document's index."""
    for text, field in zip(texts, fields, strict=True):
        if len(text) > limit:
            message = f"text has {len(text)} characters; the limit is {limit} (ESCALATION_MAX_TEXT_CHARS)"
            raise ApiProblem(413, f"{field}: {message}", [FieldError(field=field, message=message)])
        if not text.strip():
            raise ApiProblem(422, f"{field}: text is blank", [FieldError(field=field, message="text is blank")])


def _score(
    loaded: Loaded, ids: Sequence[DocumentId], texts: list[str], options: ScoreOptions
) -> list[ScoreResponse]:
    """The CPU-bound part, run in a worker thread: score, record metrics, build the response bodies."""
    started = time.perf_counter()
    scores = loaded.scorer.score_many(texts, explain=options.explain, thresholds=thresholds_of(options))
    record_scored(texts, scores, time.perf_counter() - started)
    signals = list(dict.fromkeys(options.signals)) if options.signals is not None else None
    return [
        score_response(identifier, score, loaded.model, signals, options.spans, options.explain)
        for identifier, score in zip(ids, scores, strict=True)
    ]


def scoring_limiter(request: Request[Any, Any, Any]) -> CapacityLimiter:
    """One scoring thread per worker process: scoring holds the GIL, so a second thread would only take turns with
    the first (every 5 ms, Python's switch interval), stretching both requests' latency, and the event loop would wait
    behind both. Queued requests wait on the loop without holding the GIL; more throughput comes from more workers."""
    state = request.app.state
    limiter: CapacityLimiter | None = state.get("scoring_limiter")
    if limiter is None:
        limiter = state["scoring_limiter"] = CapacityLimiter(SCORING_THREADS)
    return limiter


def _loaded(request: Request[Any, Any, Any]) -> Loaded:
    loaded = holder_of(request).loaded
    if loaded is None:  # the readiness check ran first; this only narrows the type
        raise ApiProblem(503, "the model is not loaded", headers={"Retry-After": "1"})
    return loaded


@post(
    "/score",
    status_code=200,
    before_request=check_scoring_request,
    summary="Score one document",
    description="Escalation risk, per-signal calibrated probabilities with the sentences that carry them, and actors.",
    responses=problem_specs(400, 401, 413, 415, 422, 429, 503),
    tags=["scoring"],
)
async def score(data: JSONBody[ScoreRequest], request: Request[Any, Any, Any]) -> ScoreResponse:
    settings = settings_of(request)
    _check_texts([data.text], settings.max_text_chars, ["text"])
    work = partial(_score, _loaded(request), [data.id], [data.text], data)
    if len(data.text) <= settings.inline_max_chars:
        return work()[0]
    results = await to_thread.run_sync(work, limiter=scoring_limiter(request))
    return results[0]


@post(
    "/score/batch",
    status_code=200,
    before_request=check_scoring_request,
    summary="Score several documents",
    description="Results in request order. One bad document makes the whole request fail, naming its index.",
    responses=problem_specs(400, 401, 413, 415, 422, 429, 503),
    tags=["scoring"],
)
async def score_batch(data: JSONBody[BatchRequest], request: Request[Any, Any, Any]) -> BatchResponseBody:
    limit = settings_of(request).max_batch_documents
    if len(data.documents) > limit:
        message = f"the batch has {len(data.documents)} documents; the limit is {limit} (ESCALATION_MAX_BATCH)"
        raise ApiProblem(422, message, [FieldError(field="documents", message=message)])
    texts = [document.text for document in data.documents]
    _check_texts(texts, settings_of(request).max_text_chars, [f"documents[{i}].text" for i in range(len(texts))])
    loaded = _loaded(request)
    ids = [document.id for document in data.documents]
    results = await to_thread.run_sync(partial(_score, loaded, ids, texts, data), limiter=scoring_limiter(request))
    return BatchResponseBody(model=loaded.model, results=results)


@get(
    "/model",
    guards=[require_api_key, require_ready],
    summary="The model being served",
    description="Name, version, sha256, training time, signals with thresholds and CAMEO/PLOVER codes, metrics.",
    responses=problem_specs(401, 503),
    tags=["model"],
)
async def model(request: Request[Any, Any, Any]) -> ModelInfo:
    return model_info(_loaded(request).scorer)


@get("/health/live", summary="The process is up", tags=["health"], sync_to_thread=False)
def live() -> Health:
    return Health(status="ok")


@get(
    "/health/ready",
    summary="The model and lexicon are loaded and verified",
    responses=problem_specs(503),
    tags=["health"],
    sync_to_thread=False,
)
def ready(state: State) -> Health:
    holder = state.model
    if holder.loaded is None:
        raise ApiProblem(503, holder.error or "the model is still loading", headers={"Retry-After": "1"})
    return Health(status="ready")


KEYED_ROUTES = [score, score_batch, model]  # need X-API-Key when ESCALATION_API_KEYS is set
OPEN_ROUTES = [live, ready]
