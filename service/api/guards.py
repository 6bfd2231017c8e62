"""Route guards, run in this order before the body is parsed: API key (401), readiness (503), JSON body
(415, 413, 400).

Every guard is a coroutine, even those that never await: Litestar runs a plain function guard in a thread pool, and
those thread hops (with the GIL handed back and forth each time) cost a /score request several milliseconds. The
scoring routes run the three as one before_request hook, `check_scoring_request`, which also runs before the body is
parsed: Litestar copies the route handler for every guard it calls.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.exceptions.http_exceptions import InternalServerException, RequestEntityTooLarge
from litestar.handlers.base import BaseRouteHandler

from service.api.problems import CLIENT_CLOSED_REQUEST, ApiProblem
from service.api.state import ModelHolder
from service.settings import Settings

API_KEY_HEADER = "X-API-Key"
JSON_MEDIA_TYPE = "application/json"


def settings_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Settings:
    settings: Settings = connection.app.state.settings
    return settings


def holder_of(connection: ASGIConnection[Any, Any, Any, Any]) -> ModelHolder:
    holder: ModelHolder = connection.app.state.model
    return holder


async def require_api_key(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler | None) -> None:
    """When ESCALATION_API_KEYS is set, the X-API-Key header must hold one of its keys."""
    keys = settings_of(connection).api_keys
    if not keys:
        return
    offered = connection.headers.get(API_KEY_HEADER, "").encode()
    # compare with every key, without stopping early, so timing does not reveal which keys are close
    matched = [hmac.compare_digest(offered, key.encode()) for key in sorted(keys)]
    if not offered or not any(matched):
        raise ApiProblem(
            401,
            f"a valid {API_KEY_HEADER} header is required",
            headers={"WWW-Authenticate": f'ApiKey header="{API_KEY_HEADER}"'},
        )


async def require_ready(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler | None) -> None:
    holder = holder_of(connection)
    if holder.loaded is None:
        raise ApiProblem(503, holder.error or "the model is still loading", headers={"Retry-After": "1"})


def is_json_media_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == JSON_MEDIA_TYPE or (media.startswith("application/") and media.endswith("+json"))


async def require_json_body(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler | None) -> None:
    """415 unless the body is declared JSON; 413 past the body limit; 400 for an empty or non-UTF-8 body.

    Reading the body here caches it on the request, so the handler's parsing does not read it again.
    """
    content_type = connection.headers.get("Content-Type", "")
    if not is_json_media_type(content_type):
        shown = content_type or "none"
        raise ApiProblem(415, f"Content-Type must be {JSON_MEDIA_TYPE}, got {shown}")
    assert isinstance(connection, Request)
    try:
        body = await connection.body()
    except RequestEntityTooLarge:
        limit = settings_of(connection).max_body_bytes
        raise ApiProblem(413, f"the request body is larger than {limit} bytes (ESCALATION_MAX_BODY_BYTES)") from None
    except InternalServerException:
        # Litestar's word for a client that disconnected before its body was complete: nobody is left to answer and
        # it is no fault of the service, so it is not counted as a 5xx. 499 is nginx's "client closed request".
        raise ApiProblem(CLIENT_CLOSED_REQUEST, "the client closed the connection before sending the body") from None
    if not body.strip():
        raise ApiProblem(400, "the request body is empty; expected a JSON object")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiProblem(400, f"the request body is not valid UTF-8 (byte {exc.start})") from None


async def check_scoring_request(request: Request[Any, Any, Any]) -> None:
    """API key, readiness, JSON body, in that order, before the body is parsed: the scoring routes' before_request
    hook. A hook rather than three guards, because Litestar copies the route handler for every guard it calls, which
    cost each request more than the checks themselves."""
    await require_api_key(request, None)
    await require_ready(request, None)
    await require_json_body(request, None)
