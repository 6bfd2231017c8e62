"""Errors to HTTP problem details (RFC 9457), decided here at the edge only.

    HTTPException (Litestar)            its own status: 400 malformed JSON, 401, 404, 405, 413 body too large, 429, 503
    ├── ValidationException (Litestar)  422: the body did not match the wire schema (wrong types, empty text, ...)
    └── ApiProblem                      the status it was raised with: 413 text too long, 415, 422, 503 not ready
    InputError (service.errors)         422: the Scorer refused the input
    any other exception                 500, logged with its traceback; the body says nothing about the internals
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap

from service.api.schemas import FieldError, Problem
from service.errors import InputError
from service.signals import HEADS, SIGNAL_NAMES

PROBLEM_MEDIA_TYPE = "application/problem+json"
CLIENT_CLOSED_REQUEST = 499  # nginx's status for a client that went away mid-request; not in http.HTTPStatus

logger = logging.getLogger("escalation.api")


class ApiProblem(HTTPException):
    """An HTTP error raised by this API's handlers and guards, with optional per-field errors."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail=detail, status_code=status_code, headers=headers)
        self.errors = errors


def request_id_of(request: Request[Any, Any, Any]) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def _title(status: int) -> str:
    if status == CLIENT_CLOSED_REQUEST:
        return "Client Closed Request"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    body = Problem(
        title=_title(status),
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=request_id_of(request),
        errors=errors,
    )
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


# msgspec's messages for the constraints in service/api/schemas.py, said in the API's words.
_PLAIN_MESSAGES = {
    "Expected `str` of length >= 1": "text is empty",
}
_BLANK_TEXT_PREFIX = "Expected `str` matching regex"  # the only pattern in the schema is Text's non-blank one


def _explain(field: str, message: str) -> str:
    """The message, with the valid names added where a name was wrong (signals, score_threshold)."""
    message = "text is blank" if message.startswith(_BLANK_TEXT_PREFIX) else _PLAIN_MESSAGES.get(message, message)
    if field.startswith("signals") and message.startswith("Invalid enum value"):
        return f"{message}; valid signals are {list(SIGNAL_NAMES)}"
    if field.startswith("score_threshold") and message.startswith("Object contains unknown field"):
        return f"{message}; valid names are {list(HEADS)}"
    return message


def _validation_errors(extra: Any) -> list[FieldError]:
    errors = []
    for item in extra if isinstance(extra, list) else []:
        if isinstance(item, dict):
            key = str(item.get("key") or "body")
            field = "body" if key == "data" else key
            errors.append(FieldError(field=field, message=_explain(field, str(item.get("message", "")))))
    return errors


def handle_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    errors = _validation_errors(exc.extra)
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or str(exc.detail)
    return problem_response(request, 422, detail, errors or None)


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    if not 400 <= status <= 599:
        status = 500
    errors = exc.errors if isinstance(exc, ApiProblem) else None
    detail = str(exc.detail) if exc.detail else _title(status)
    if status >= 500 and status != 503:  # a fault of the service: log it with its traceback (503 is "not ready")
        logger.error(
            "server error %d: %s", status, detail, exc_info=exc,
            extra={"fields": {"request_id": request_id_of(request), "route": request.scope.get("path_template")}},
        )
    headers = dict(exc.headers or {})
    if status == 429 and "RateLimit-Reset" in headers:  # Litestar sends the window's reset; clients look for this
        headers.setdefault("Retry-After", headers["RateLimit-Reset"])
        detail = f"rate limit of {headers.get('RateLimit-Limit', '?')} scoring requests per minute exceeded"
    return problem_response(request, status, detail, errors, headers)


def handle_input_error(request: Request[Any, Any, Any], exc: InputError) -> Response[Problem]:
    return problem_response(request, 422, str(exc))


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    logger.error(
        "unhandled error", exc_info=exc,
        extra={"fields": {"request_id": request_id_of(request), "route": request.scope.get("path_template")}},
    )
    return problem_response(request, 500, "internal error; the request id identifies it in the service's logs")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ValidationException: handle_validation,
    ApiProblem: handle_http,
    HTTPException: handle_http,
    InputError: handle_input_error,
    Exception: handle_unexpected,
}


def problem_specs(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI response entries for the problem statuses an operation can answer with."""
    return {
        status: ResponseSpec(
            data_container=Problem, description=HTTPStatus(status).phrase, media_type=PROBLEM_MEDIA_TYPE
        )
        for status in statuses
    }

