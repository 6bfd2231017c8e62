"""`escalation serve`: its options, the model check before workers start, and the metrics directory it prepares."""

from __future__ import annotations

import os
import pickle
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from service.api import serve
from service.cli import build_parser
from service.model import manifest_path


def parse(*argv: str) -> Any:
    parser, _ = build_parser()
    return parser.parse_args(["serve", *argv])


def test_serve_defaults_to_loopback_port_8000_and_one_worker_per_core() -> None:
    args = parse()
    assert (args.host, args.port, args.workers, args.model) == ("127.0.0.1", 8000, serve.default_workers(), None)
    assert args.handler is serve.command_serve


@pytest.mark.parametrize("argv", [["--port", "0"], ["--port", "http"], ["--workers", "0"], ["--port", "70000"]])
def test_bad_serve_options_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse(*argv)
    assert exit_info.value.code == 2
    assert "escalation serve: error:" in capsys.readouterr().err


def test_serve_refuses_a_missing_model_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.cli import run

    monkeypatch.setenv("ESCALATION_MODEL_PATH", "overridden-by-the-model-option")  # serve sets it for its workers
    parser, _ = build_parser()
    code = run(parser, ["serve", "--model", str(tmp_path / "absent.joblib")])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("escalation: error:") and "absent.joblib: model artifact not found" in err


def test_serve_refuses_a_model_that_does_not_match_its_manifest(tmp_path: Path, model_path: Path) -> None:
    copy = tmp_path / "escalation.joblib"
    copy.write_bytes(model_path.read_bytes() + b"tampered")
    manifest_path(copy).write_text(manifest_path(model_path).read_text())
    with pytest.raises(serve.ArtifactError, match="sha256"):
        serve.check_model(copy)


def test_serve_wipes_the_metrics_directory_and_hands_uvicorn_the_app_factory(
    tmp_path: Path, model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_123.db").write_bytes(b"stale")
    (directory / "keep.txt").write_text("not ours")
    monkeypatch.setenv(serve.MULTIPROC_ENV, str(directory))
    monkeypatch.setenv("ESCALATION_MODEL_PATH", "overridden-by-the-model-option")  # restored after the test
    configs: list[Any] = []

    def fake_run_server(config: Any) -> None:
        configs.append(config)
        assert not list(directory.glob("*.db"))
        assert os.environ["ESCALATION_MODEL_PATH"] == str(model_path)

    monkeypatch.setattr(serve, "run_server", fake_run_server)
    args = parse("--model", str(model_path), "--workers", "3", "--port", "8123")
    assert serve.command_serve(args) == 0
    config = configs[0]
    assert config.app == "service.api.app:create_app" and config.factory is True
    assert (config.host, config.port, config.workers) == ("127.0.0.1", 8123, 3)
    assert config.access_log is False and config.timeout_worker_healthcheck == serve.WORKER_HEALTHCHECK_SECONDS
    assert (directory / "keep.txt").exists()


def test_without_a_configured_directory_serve_uses_and_removes_a_temporary_one(
    model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(serve.MULTIPROC_ENV, "")  # empty means unset; restored after the test
    seen: list[Path] = []

    def fake_run_server(config: Any) -> None:
        seen.append(Path(os.environ[serve.MULTIPROC_ENV]))
        assert seen[0].is_dir()

    monkeypatch.setattr(serve, "run_server", fake_run_server)
    monkeypatch.setenv("ESCALATION_MODEL_PATH", str(model_path))
    serve.command_serve(parse())
    assert not seen[0].exists()


def test_the_single_process_listening_socket_disables_nagle() -> None:
    """Accepted connections inherit TCP_NODELAY; without it every keep-alive response waited 40 ms for an ACK."""
    import uvicorn

    config = uvicorn.Config(serve.APP_FACTORY, factory=True, host="127.0.0.1", port=0, workers=1)
    sock = serve.listening_socket(config)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        sock.listen()
        client = socket.create_connection(sock.getsockname()[:2], timeout=5)
        accepted, _ = sock.accept()
        with client, accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        sock.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT balancing is Linux's")
def test_each_worker_unpickles_a_listening_socket_of_its_own_without_nagle() -> None:
    """What uvicorn hands each spawned worker pickles as "bind your own": a new socket on the same address in the
    SO_REUSEPORT group, so Linux spreads connections over the workers instead of one worker accepting them all."""
    from multiprocessing.reduction import ForkingPickler

    import uvicorn

    config = uvicorn.Config(serve.APP_FACTORY, factory=True, host="127.0.0.1", port=0, workers=2)
    supervisor = serve.supervisor_socket(config)
    workers = [pickle.loads(ForkingPickler.dumps(supervisor)) for _ in range(2)]
    try:
        assert isinstance(supervisor, serve.PerWorkerSocket)
        address = supervisor.getsockname()
        for worker in workers:
            assert type(worker) is socket.socket
            assert worker.getsockname() == address
            assert worker.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            assert worker.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        assert len({os.fstat(s.fileno()).st_ino for s in [supervisor, *workers]}) == 3  # three distinct sockets
        for worker in workers:
            worker.listen()
            worker.settimeout(0.05)
        accepted_by = []
        for _ in range(32):
            with socket.create_connection(address[:2], timeout=5):
                for index, worker in enumerate(workers):
                    try:
                        connection, _ = worker.accept()
                    except TimeoutError:
                        continue
                    connection.close()
                    accepted_by.append(index)
        assert len(accepted_by) == 32  # every connection reached a worker; the supervisor's socket takes none
        assert set(accepted_by) == {0, 1}  # both workers got some (1 in 2**31 to fail by chance)
    finally:
        for sock in [supervisor, *workers]:
            sock.close()


def test_a_taken_port_fails_the_multi_worker_server_before_any_worker_starts() -> None:
    import uvicorn

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = uvicorn.Config(serve.APP_FACTORY, factory=True, host="127.0.0.1", port=port, workers=2)
        with pytest.raises(OSError):
            serve.supervisor_socket(config)


def test_importing_the_cli_does_not_import_prometheus_client() -> None:
    """Multiprocess metrics need PROMETHEUS_MULTIPROC_DIR set before prometheus_client is first imported."""
    import subprocess

    code = "import sys, training.cli; print('prometheus_client' in sys.modules, 'litestar' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "False False"


def test_the_server_runs_on_uvloop_and_httptools_and_falls_back_without_them(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    import uvicorn

    assert serve.server_stack() == ("uvloop", "httptools")  # both are dependencies: installed with the project
    config = uvicorn.Config(serve.APP_FACTORY, factory=True, loop="uvloop", http="httptools")
    config.load()  # uvicorn resolves both names (an unknown one would raise here)
    assert config.http_protocol_class.__module__.endswith("httptools_impl")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    assert serve.server_stack() == ("asyncio", "h11")
