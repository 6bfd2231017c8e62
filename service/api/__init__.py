"""The HTTP API: `create_app` (service.api.app) builds the Litestar service; `escalation serve` (service.api.serve)
runs it under uvicorn workers.

`create_app` is imported lazily: importing this package (as the CLI does) must not import prometheus_client, whose
multiprocess mode depends on PROMETHEUS_MULTIPROC_DIR being set first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from service.api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from service.api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
