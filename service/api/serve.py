"""`escalation serve`: the API under uvicorn with several worker processes.

Before the workers start: the model artifact is checked against its manifest (so a missing or tampered model is a
one-line error, not N crashing workers), and PROMETHEUS_MULTIPROC_DIR is set and wiped, so /metrics aggregates the
live workers only. Nothing here imports prometheus_client or the app: the workers must import them after the
environment is set.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from service.argtypes import default_workers, whole_number
from service.errors import ArtifactError
from service.settings import Settings

logger = logging.getLogger("escalation.serve")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
APP_FACTORY = "service.api.app:create_app"
# uvicorn kills a worker that has not answered its supervisor within this many seconds. Its default (5) is shorter
# than a spawned worker takes to import scikit-learn on a busy 2-core machine (measured 7-10 s), which made every
# worker "die" in a restart loop.
WORKER_HEALTHCHECK_SECONDS = 60


def check_model(path: Path) -> None:
    """Raise ArtifactError unless the artifact exists and matches its manifest's sha256 (nothing is unpickled)."""
    from service.model import file_sha256, read_manifest  # numpy and joblib: only for `serve`, not every command

    if not path.is_file():
        raise ArtifactError(f"{path}: model artifact not found; build it with `make model` or `escalation train`")
    manifest = read_manifest(path)
    if file_sha256(path) != manifest["sha256"]:
        raise ArtifactError(f"{path}: sha256 does not match its manifest; refusing to serve it")


def prepare_metrics_dir(configured: str | None) -> tuple[Path, bool]:
    """The multiprocess metrics directory, emptied; True when it is a temporary one this process should remove."""
    if not configured:
        return Path(tempfile.mkdtemp(prefix="escalation-metrics-")), True
    directory = Path(configured)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):  # only prometheus_client's files: the directory may be the operator's
        stale.unlink()
    return directory, False


def log_config(level: str) -> dict[str, Any]:
    """JSON lines on stderr for the access log, the service and uvicorn; uvicorn's own access log is off."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"class": "service.api.edge.JsonFormatter"}},
        "handlers": {"stderr": handler},
        "loggers": {
            "escalation": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def _disable_nagle(sock: socket.socket) -> socket.socket:
    """TCP_NODELAY on a listening socket, which Linux passes on to every connection it accepts.

    uvicorn binds with protocol 0, so asyncio's own TCP_NODELAY (set only when the protocol is IPPROTO_TCP) never
    applies: Nagle's algorithm then holds the response body back behind the headers until the client's delayed ACK,
    and every keep-alive request took 40 ms more (measured with wrk: 22 requests/s on one connection instead of
    hundreds).
    """
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def listening_socket(config: Any) -> socket.socket:
    """The socket a single-process server listens on: uvicorn's, without Nagle."""
    return _disable_nagle(config.bind_socket())


def _bind_reusable(sock: socket.socket, address: Any) -> socket.socket:
    """Bind `sock` to `address` in the address's SO_REUSEPORT group; closed again if the bind fails."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def worker_socket(family: int, address: Any) -> socket.socket:
    """A new socket of the worker's own in the address's SO_REUSEPORT group (TCP_NODELAY, not yet listening)."""
    return _disable_nagle(_bind_reusable(socket.socket(family, socket.SOCK_STREAM), address))


class PerWorkerSocket(socket.socket):
    """The supervisor's socket, which reserves the address but never listens. It pickles as "bind your own":
    each worker process that uvicorn spawns with it unpickles a new socket of its own (`worker_socket`).

    Why: with one listening socket shared by all workers, whichever worker wakes first accepts every connection that
    is waiting, so a burst of keep-alive connections (a client's pool, a load generator) all landed on one worker
    while the others idled (seen with wrk: 4 connections, 4 on one worker, run after run). With one socket per
    worker in an SO_REUSEPORT group, Linux spreads new connections over the workers by a hash of the addresses.
    A worker's socket dies with it; its replacement binds a new one.
    """

    def __reduce__(self) -> tuple[Any, tuple[int, Any]]:
        return worker_socket, (int(self.family), self.getsockname())


def supervisor_socket(config: Any) -> socket.socket:
    """The multi-worker server's socket: a PerWorkerSocket where Linux balances SO_REUSEPORT groups, else uvicorn's
    shared socket."""
    if not (sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")) or config.uds or config.fd:
        return listening_socket(config)
    family = socket.AF_INET6 if config.host and ":" in config.host else socket.AF_INET
    sock = _bind_reusable(PerWorkerSocket(family, socket.SOCK_STREAM), (config.host, config.port))
    sock.set_inheritable(True)
    return sock


def server_stack() -> tuple[str, str]:
    """The event loop and HTTP parser to give uvicorn: uvloop and httptools (dependencies; about 0.3 ms less CPU per
    request than the alternatives), or asyncio's loop and h11 where they are not installed (no uvloop on Windows)."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return loop, http


def run_server(config: Any) -> None:
    """What uvicorn.run does with a ready Config, with our listening sockets."""
    from uvicorn import Server
    from uvicorn.supervisors import Multiprocess

    if config.workers > 1:
        sock = supervisor_socket(config)
        logger.info(
            "listening on %s:%d with %d workers (%s, %s)",
            config.host, sock.getsockname()[1], config.workers, config.loop, config.http,
        )
        Multiprocess(config, sockets=[sock]).run()
    else:
        config.load_app()  # fail before binding, as uvicorn.run does
        sock = listening_socket(config)
        logger.info("listening on %s:%d with 1 worker (%s, %s)", config.host, sock.getsockname()[1], config.loop,
                    config.http)
        Server(config).run(sockets=[sock])


def command_serve(args: argparse.Namespace) -> int:
    if args.model is not None:
        os.environ["ESCALATION_MODEL_PATH"] = str(args.model)
    settings = Settings.from_env()  # bad ESCALATION_* values fail here, once, not in every worker
    check_model(settings.model_path)
    directory, temporary = prepare_metrics_dir(os.environ.get(MULTIPROC_ENV))
    os.environ[MULTIPROC_ENV] = str(directory)
    import uvicorn  # imported late: the workers inherit the environment set above

    loop, http = server_stack()
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        loop=loop,
        http=http,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=log_config(args.log_level),
        access_log=False,
        server_header=False,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
    try:
        run_server(config)
    finally:
        if temporary:
            shutil.rmtree(directory, ignore_errors=True)
    return 0


def add_serve_command(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the HTTP API (uvicorn, several worker processes)")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    serve.add_argument(
        "--port", type=whole_number("port", 1, 65535), default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    serve.add_argument("--workers", type=whole_number("workers"), default=default_workers(),
                       help="worker processes (default: the number of cores)")
    serve.add_argument("--model", type=Path, default=None, help="model artifact (default: ESCALATION_MODEL_PATH)")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"],
                       help="log level (default info)")
    serve.set_defaults(handler=command_serve)
