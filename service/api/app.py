"""The app factory. Its lifespan owns the model: it loads the Scorer in a worker thread at startup, so that
/health/live answers at once and /health/ready (and scoring) answer 503 until the model is loaded and verified.

Layers, outermost first:
    request id + access log (edge.py)  ->  Litestar: routing, exception handlers -> problem details
    -> Prometheus HTTP metrics -> rate limit (scoring routes, if enabled) -> guards or the scoring routes'
    before_request checks (key, ready, JSON body) -> body parsing -> handler
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from importlib import metadata
from typing import Any

from litestar import Litestar, Request, Router
from litestar.datastructures import State
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.types import Middleware

from service.api.docs import StrictStructSchemaPlugin, openapi_config
from service.api.edge import RequestIdAndAccessLog
from service.api.metrics import MetricsController, prometheus_config
from service.api.problems import EXCEPTION_HANDLERS
from service.api.routes import KEYED_ROUTES, OPEN_ROUTES
from service.api.state import Loader, ModelHolder, load_scorer
from service.scoring import Scorer
from service.settings import Settings

SCORING_ROUTES = frozenset({"/score", "/score/batch"})
# Scoring runs in a worker thread while the event loop thread keeps serving. When one thread holds the GIL, the other
# gets it only when the holder blocks or after Python's switch interval (5 ms by default), so a response that had
# finished scoring could wait 5 ms for the loop thread to send it. A 0.5 ms interval bounds that wait.
GIL_SWITCH_INTERVAL_S = 0.0005


def _version() -> str:
    try:
        return metadata.version("escalation-risk")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _is_scoring_route(request: Request[Any, Any, Any]) -> bool:
    return request.scope.get("path_template") in SCORING_ROUTES


def create_app(
    settings: Settings | None = None, scorer: Scorer | None = None, *, loader: Loader | None = None
) -> Litestar:
    """Build the service. `scorer` serves a Scorer already loaded; otherwise `loader` (default: Scorer.load from
    settings.model_path) runs in a thread when the app starts."""
    settings = settings or Settings.from_env()
    holder = ModelHolder()
    if scorer is not None:
        holder.set(scorer)
    load = loader or load_scorer

    @asynccontextmanager
    async def own_the_model(app: Litestar) -> AsyncIterator[None]:
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        pending = None
        if holder.loaded is None:
            pending = asyncio.get_running_loop().run_in_executor(None, holder.load, load, settings)
        try:
            yield
        finally:
            if pending is not None:
                with suppress(Exception):
                    await pending

    middleware: list[Middleware] = [prometheus_config().middleware]
    if settings.rate_limit_per_minute > 0:
        middleware.append(
            RateLimitConfig(
                rate_limit=("minute", settings.rate_limit_per_minute), check_throttle_handler=_is_scoring_route
            ).middleware
        )
    keyed = Router(path="/", route_handlers=KEYED_ROUTES, security=[{"ApiKey": []}] if settings.api_keys else None)
    app = Litestar(
        route_handlers=[keyed, *OPEN_ROUTES, MetricsController],
        lifespan=[own_the_model],
        state=State({"settings": settings, "model": holder}),
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,
        plugins=[StrictStructSchemaPlugin()],
        openapi_config=openapi_config(_version(), api_keys=bool(settings.api_keys)),
        request_max_body_size=settings.max_body_bytes,
        logging_config=None,
        debug=False,
    )
    app.asgi_handler = RequestIdAndAccessLog(app.asgi_handler)
    return app
