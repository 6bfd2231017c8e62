"""The HTTP API through Litestar's test client: every endpoint, the response contract and every error status."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast, get_args

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from service.api import create_app
from service.api.schemas import SignalName, Thresholds
from service.errors import EscalationError
from service.model import read_manifest
from service.scoring import Scorer
from service.settings import Settings
from service.signals import HEADS, SIGNAL_NAMES, SIGNALS_BY_NAME

ATTACK = "Militants fired three rockets at the air base on Tuesday, killing two soldiers."
# Leading spaces, curly quotes and a non-BMP character before the sentences: offsets must still slice the original.
TRICKY = (
    "  \u201cWe warned them\u201d \U0001f4a5 Iran vowed to avenge the killing.  "
    "Rockets hit the U.S. embassy in Baghdad."
)
LIMITS = Settings(max_text_chars=2_000, max_batch_documents=4, max_body_bytes=20_000)
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def app(scorer: Scorer) -> Litestar:
    return create_app(LIMITS, scorer=scorer)


@pytest.fixture(scope="module")
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app) as test_client:
        yield test_client


def assert_problem(response: httpx.Response, status: int, *fragments: str) -> dict[str, Any]:
    """A problem-details body with this status whose detail contains every fragment."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    for fragment in fragments:
        assert fragment in body["detail"], body["detail"]
    return body


def post_raw(client: TestClient[Litestar], path: str, content: bytes, content_type: str | None) -> httpx.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return client.post(path, content=content, headers=headers)


# --- POST /score -------------------------------------------------------------------------------------------------


def test_score_answers_200_with_the_contract_fields(client: TestClient[Litestar], model_path: Path) -> None:
    response = client.post("/score", json={"text": ATTACK, "id": "doc-1"})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "doc-1"
    manifest = read_manifest(model_path)
    assert body["model"] == {
        "name": manifest["name"], "version": manifest["version"], "lexicon_version": manifest["lexicon_version"],
    }
    assert set(body["escalation"]) == {"score", "level", "flagged"}
    assert 0.0 <= body["escalation"]["score"] <= 1.0
    assert body["escalation"]["level"] in {"low", "elevated", "high", "critical"}
    assert set(body["deescalation"]) == {"score", "flagged"}
    assert list(body["signals"]) == list(SIGNAL_NAMES)
    for name, signal in body["signals"].items():
        taxonomy = SIGNALS_BY_NAME[name]
        assert signal["type"] == "probability"
        assert (signal["polarity"], signal["cameo"], signal["plover"]) == (
            taxonomy.polarity, taxonomy.cameo, taxonomy.plover,
        )
        assert signal["flagged"] == bool(signal["spans"])
    assert body["signals"]["attack"]["flagged"]
    assert body["sentences"] == 1


def test_score_equals_the_scorer(client: TestClient[Litestar], scorer: Scorer) -> None:
    body = client.post("/score", json={"text": TRICKY}).json()
    expected = scorer.score(TRICKY, explain=False)
    assert body["escalation"]["score"] == round(expected.risk, 6)
    assert body["escalation"]["flagged"] == expected.escalation_flagged
    assert body["deescalation"]["score"] == round(expected.deescalation, 6)
    for name in SIGNAL_NAMES:
        assert body["signals"][name]["score"] == round(expected.signals[name].probability, 6)
        assert body["signals"][name]["flagged"] == expected.signals[name].flagged


def test_span_and_evidence_offsets_slice_the_submitted_text(client: TestClient[Litestar], scorer: Scorer) -> None:
    body = client.post("/score", json={"text": TRICKY, "score_threshold": dict.fromkeys(SIGNAL_NAMES, 0.0)}).json()
    sentences = {s.index: s for s in scorer.score(TRICKY).sentences}
    spans = [span for signal in body["signals"].values() for span in signal["spans"]]
    assert {span["sentence"] for span in spans} == set(sentences)  # threshold 0: every sentence carries every signal
    for span in spans:
        sentence = sentences[span["sentence"]]
        assert (span["begin"], span["end"]) == (sentence.begin, sentence.end)
        assert TRICKY[span["begin"]:span["end"]].strip() == TRICKY[span["begin"]:span["end"]]
        for match in span["evidence"]["matches"]:
            assert TRICKY[match["begin"]:match["end"]] == match["text"]
            assert span["begin"] <= match["begin"] < match["end"] <= span["end"]
    assert "vowed to avenge" in {m["text"] for span in spans for m in span["evidence"]["matches"]}


def test_actors_carry_canonical_name_kind_and_mention_offsets(client: TestClient[Litestar]) -> None:
    body = client.post("/score", json={"text": TRICKY}).json()
    assert body["actors"], body
    for actor in body["actors"]:
        assert actor["canonical"] and actor["kind"]
        for mention in actor["mentions"]:
            assert TRICKY[mention["begin"]:mention["end"]] == mention["text"]
    assert "Iran" in {mention["text"] for actor in body["actors"] for mention in actor["mentions"]}


def test_signals_option_limits_the_signals_reported(client: TestClient[Litestar]) -> None:
    body = client.post("/score", json={"text": ATTACK, "signals": ["attack", "truce"]}).json()
    assert list(body["signals"]) == ["attack", "truce"]


def test_score_threshold_overrides_the_flag_threshold(client: TestClient[Litestar]) -> None:
    never = client.post("/score", json={"text": ATTACK, "score_threshold": {"attack": 1.0}}).json()
    always = client.post("/score", json={"text": ATTACK, "score_threshold": {"truce": 0.0}}).json()
    assert never["signals"]["attack"]["threshold"] == 1.0
    assert not never["signals"]["attack"]["flagged"] and never["signals"]["attack"]["spans"] == []
    assert always["signals"]["truce"]["flagged"] and always["signals"]["truce"]["threshold"] == 0.0


def test_spans_false_leaves_spans_out_and_explain_adds_top_terms(client: TestClient[Litestar]) -> None:
    plain = client.post("/score", json={"text": ATTACK, "spans": False}).json()
    assert all("spans" not in signal for signal in plain["signals"].values())
    explained = client.post("/score", json={"text": ATTACK, "explain": True}).json()
    evidence = explained["signals"]["attack"]["spans"][0]["evidence"]
    assert evidence["top_terms"] and all(term["contribution"] > 0 for term in evidence["top_terms"])
    unexplained = client.post("/score", json={"text": ATTACK}).json()
    assert "top_terms" not in unexplained["signals"]["attack"]["spans"][0]["evidence"]


def test_id_may_be_a_number_and_defaults_to_null(client: TestClient[Litestar]) -> None:
    assert client.post("/score", json={"text": ATTACK, "id": 7}).json()["id"] == 7
    assert client.post("/score", json={"text": ATTACK}).json()["id"] is None


# --- POST /score/batch -------------------------------------------------------------------------------------------


def test_batch_answers_200_with_results_in_request_order(client: TestClient[Litestar], scorer: Scorer) -> None:
    texts = [ATTACK, "The central bank kept interest rates unchanged.", TRICKY]
    documents = [{"id": f"d{i}", "text": text} for i, text in enumerate(texts)]
    response = client.post("/score/batch", json={"documents": documents, "signals": ["attack"]})
    assert response.status_code == 200
    body = response.json()
    assert [result["id"] for result in body["results"]] == ["d0", "d1", "d2"]
    assert body["model"] == body["results"][0]["model"]
    for text, result in zip(texts, body["results"], strict=True):
        assert list(result["signals"]) == ["attack"]
        assert result["signals"]["attack"]["score"] == round(scorer.score(text).signals["attack"].probability, 6)


def test_one_bad_document_makes_the_batch_a_422_naming_its_index(client: TestClient[Litestar]) -> None:
    documents = [{"id": 1, "text": ATTACK}, {"id": 2, "text": "   "}, {"id": 3, "text": ATTACK}]
    body = assert_problem(client.post("/score/batch", json={"documents": documents}), 422, "documents[1].text")
    assert body["errors"] == [{"field": "documents[1].text", "message": "text is blank"}]
    wrong_type = client.post("/score/batch", json={"documents": [{"text": ATTACK}, {"text": 5}]})
    assert_problem(wrong_type, 422, "documents[1].text")


def test_batch_over_the_document_limit_is_422(client: TestClient[Litestar]) -> None:
    documents = [{"text": ATTACK}] * (LIMITS.max_batch_documents + 1)
    assert_problem(client.post("/score/batch", json={"documents": documents}), 422, "limit is 4")


def test_batch_with_a_text_over_the_length_limit_is_413_naming_its_index(client: TestClient[Litestar]) -> None:
    documents = [{"text": ATTACK}, {"text": "x" * (LIMITS.max_text_chars + 1)}]
    assert_problem(client.post("/score/batch", json={"documents": documents}), 413, "documents[1].text", "2000")


def test_empty_batch_is_422(client: TestClient[Litestar]) -> None:
    assert_problem(client.post("/score/batch", json={"documents": []}), 422)


# --- error statuses ----------------------------------------------------------------------------------------------


def test_malformed_json_is_400(client: TestClient[Litestar]) -> None:
    assert_problem(post_raw(client, "/score", b'{"text": "unterminated', "application/json"), 400)


def test_a_lone_surrogate_escape_is_malformed_json_400(client: TestClient[Litestar]) -> None:
    assert_problem(post_raw(client, "/score", b'{"text": "Rockets hit \\ud800 the base."}', "application/json"), 400)


def test_empty_and_non_utf8_bodies_are_400(client: TestClient[Litestar]) -> None:
    assert_problem(post_raw(client, "/score", b"", "application/json"), 400, "empty")
    assert_problem(post_raw(client, "/score", b'{"text": "caf\xe9"}', "application/json"), 400, "UTF-8")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_declared_json_is_415(client: TestClient[Litestar], content_type: str | None) -> None:
    response = post_raw(client, "/score", json.dumps({"text": ATTACK}).encode(), content_type)
    assert_problem(response, 415, "application/json")


def test_json_with_a_charset_or_a_json_suffix_is_accepted(client: TestClient[Litestar]) -> None:
    body = json.dumps({"text": ATTACK}).encode()
    assert post_raw(client, "/score", body, "application/json; charset=utf-8").status_code == 200
    assert post_raw(client, "/score", body, "application/vnd.escalation+json").status_code == 200


def test_a_body_over_the_byte_limit_is_413(client: TestClient[Litestar]) -> None:
    body = json.dumps({"text": "a" * LIMITS.max_body_bytes}).encode()
    assert_problem(post_raw(client, "/score", body, "application/json"), 413, "20000 bytes")


def test_a_text_over_the_character_limit_is_413(client: TestClient[Litestar]) -> None:
    response = client.post("/score", json={"text": "word " * 500})
    assert_problem(response, 413, "2500 characters", "limit is 2000")


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"text": ""}, "text"),
        ({"text": " \n\t "}, "blank"),
        ({"text": 42}, "Expected `str`"),
        ({"txt": ATTACK}, "txt"),
        ({"text": ATTACK, "spans": "yes"}, "spans"),
        ({"text": ATTACK, "score_threshold": {"attack": 1.5}}, "score_threshold"),
        ({"text": ATTACK, "id": 1.5}, "id"),
        (["not", "an", "object"], "object"),
    ],
)
def test_invalid_requests_are_422(client: TestClient[Litestar], payload: Any, fragment: str) -> None:
    assert_problem(client.post("/score", json=payload), 422, fragment)


def test_unknown_signal_names_are_422_listing_the_valid_ones(client: TestClient[Litestar]) -> None:
    body = assert_problem(client.post("/score", json={"text": ATTACK, "signals": ["attack", "war"]}), 422, "'war'")
    assert all(name in body["detail"] for name in SIGNAL_NAMES)
    body = assert_problem(
        client.post("/score", json={"text": ATTACK, "score_threshold": {"peace": 0.5}}), 422, "peace"
    )
    assert all(name in body["detail"] for name in HEADS)


def test_the_wire_schema_names_exactly_the_taxonomys_signals_and_heads() -> None:
    assert get_args(SignalName) == SIGNAL_NAMES
    assert Thresholds.__struct_fields__ == HEADS


def test_unknown_path_is_404_and_wrong_method_is_405_as_problems(client: TestClient[Litestar]) -> None:
    assert_problem(client.get("/nowhere"), 404)
    assert_problem(client.get("/score"), 405)


def test_a_client_that_disconnects_mid_body_gets_499_not_a_500(app: Litestar) -> None:
    """Litestar calls a disconnect while reading the body a 500; it is the client's doing and not a server error."""
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": b'{"text": "half a bo', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/score", "raw_path": b"/score", "query_string": b"", "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"test")],
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80), "state": {},
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 499


def test_rate_limit_answers_429_on_scoring_routes_only(scorer: Scorer) -> None:
    settings = Settings(rate_limit_per_minute=2)
    with TestClient(create_app(settings, scorer=scorer)) as client:
        assert client.post("/score", json={"text": ATTACK}).status_code == 200
        assert client.post("/score/batch", json={"documents": [{"text": ATTACK}]}).status_code == 200
        limited = client.post("/score", json={"text": ATTACK})
        assert_problem(limited, 429)
        assert "retry-after" in limited.headers
        assert all(client.get(path).status_code == 200 for path in ["/health/live", "/model", "/metrics"] * 2)


def test_api_keys_when_set_guard_scoring_and_model_but_not_probes(scorer: Scorer) -> None:
    settings = Settings(api_keys=frozenset({"k-one", "k-two"}))
    with TestClient(create_app(settings, scorer=scorer)) as client:
        for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}):
            missing = client.post("/score", json={"text": ATTACK}, headers=headers)
            assert_problem(missing, 401, "X-API-Key")
            assert missing.headers["www-authenticate"].startswith("ApiKey")
            assert_problem(client.get("/model", headers=headers), 401)
        assert client.post("/score", json={"text": ATTACK}, headers={"X-API-Key": "k-two"}).status_code == 200
        assert client.get("/model", headers={"X-API-Key": "k-one"}).status_code == 200
        for path in ["/health/live", "/health/ready", "/metrics", "/schema/openapi.json"]:
            assert client.get(path).status_code == 200
        schema = client.get("/schema/openapi.json").json()
        assert schema["components"]["securitySchemes"]["ApiKey"]["name"] == "X-API-Key"
        assert schema["paths"]["/score"]["post"]["security"] == [{"ApiKey": []}]
        assert "security" not in schema["paths"]["/health/ready"]["get"]


def test_without_api_keys_the_schema_documents_no_security(client: TestClient[Litestar]) -> None:
    schema = client.get("/schema/openapi.json").json()
    assert "security" not in schema["paths"]["/score"]["post"]
    assert "securitySchemes" not in schema.get("components", {})


# --- readiness and the model's lifecycle --------------------------------------------------------------------------


def test_ready_is_503_until_the_model_is_loaded(scorer: Scorer) -> None:
    release = threading.Event()

    def slow_loader(settings: Settings) -> Scorer:
        release.wait(timeout=30)
        return scorer

    with TestClient(create_app(LIMITS, loader=slow_loader)) as client:
        assert client.get("/health/live").status_code == 200
        assert_problem(client.get("/health/ready"), 503, "loading")
        assert_problem(client.post("/score", json={"text": ATTACK}), 503)
        assert_problem(client.post("/score/batch", json={"documents": [{"text": ATTACK}]}), 503)
        assert_problem(client.get("/model"), 503)
        release.set()
        deadline = time.monotonic() + 30
        while client.get("/health/ready").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.get("/health/ready").json() == {"status": "ready"}
        assert client.post("/score", json={"text": ATTACK}).status_code == 200


def test_a_model_that_fails_to_load_keeps_ready_at_503_with_the_reason(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(model_path=tmp_path / "missing.joblib"))) as client:
        deadline = time.monotonic() + 30
        while "loading" in client.get("/health/ready").text and time.monotonic() < deadline:
            time.sleep(0.02)
        assert_problem(client.get("/health/ready"), 503, "model failed to load", "not found")
        assert client.get("/health/live").status_code == 200


def test_the_lifespan_loads_the_model_from_settings(model_path: Path) -> None:
    with TestClient(create_app(Settings(model_path=model_path))) as client:
        deadline = time.monotonic() + 60
        while client.get("/health/ready").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get("/health/ready").status_code == 200
        assert client.post("/score", json={"text": ATTACK}).json()["signals"]["attack"]["flagged"]


LONG_ATTACK = " ".join([ATTACK] * 14)  # over the default inline limit of 1,000 characters


def running_before_scoring(before: Callable[[], object], scorer: Scorer) -> Scorer:
    """The scorer, with `before` run ahead of every score_many call (a compiled Scorer's methods cannot be patched)."""

    class Wrapped:
        def __getattr__(self, name: str) -> Any:
            return getattr(scorer, name)

        def score_many(self, *args: Any, **kwargs: Any) -> Any:
            before()
            return scorer.score_many(*args, **kwargs)

    return cast(Scorer, Wrapped())


@pytest.mark.parametrize(
    ("inline_max_chars", "text"), [(0, ATTACK), (Settings.inline_max_chars, LONG_ATTACK)], ids=["no-inline", "long"]
)
def test_scoring_runs_off_the_event_loop(scorer: Scorer, inline_max_chars: int, text: str) -> None:
    """While one request is scoring (made slow here), the same worker still answers other requests at once."""
    settings = Settings(max_text_chars=2_000, inline_max_chars=inline_max_chars)
    app = create_app(settings, scorer=running_before_scoring(lambda: time.sleep(1.0), scorer))

    async def scenario() -> tuple[int, float]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar's precise ASGI types
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            slow = asyncio.create_task(client.post("/score", json={"text": text}))
            await asyncio.sleep(0.2)
            started = time.perf_counter()
            live = await client.get("/health/live")
            waited = time.perf_counter() - started
            assert (await slow).status_code == 200
            return live.status_code, waited

    status, waited = asyncio.run(scenario())
    assert status == 200
    assert waited < 0.5


@pytest.mark.parametrize(("inline_max_chars", "text", "on_loop"), [
    (Settings.inline_max_chars, ATTACK, True),
    (Settings.inline_max_chars, LONG_ATTACK, False),
    (0, ATTACK, False),
    (len(ATTACK), ATTACK, True),
    (len(ATTACK) - 1, ATTACK, False),
])
def test_only_texts_up_to_the_inline_limit_are_scored_on_the_event_loop(
    scorer: Scorer, inline_max_chars: int, text: str, on_loop: bool
) -> None:
    threads: list[int] = []
    recording = running_before_scoring(lambda: threads.append(threading.get_ident()), scorer)
    app = create_app(Settings(max_text_chars=2_000, inline_max_chars=inline_max_chars), scorer=recording)

    async def scenario() -> tuple[int, int]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post("/score", json={"text": text})
            return response.status_code, threading.get_ident()

    status, loop_thread = asyncio.run(scenario())
    assert status == 200
    assert (threads == [loop_thread]) is on_loop and len(threads) == 1


def test_the_inline_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALATION_INLINE_MAX_CHARS", "0")
    assert Settings.from_env().inline_max_chars == 0
    monkeypatch.setenv("ESCALATION_INLINE_MAX_CHARS", "-1")
    with pytest.raises(EscalationError, match="ESCALATION_INLINE_MAX_CHARS=-1 must be at least 0"):
        Settings.from_env()


# --- GET endpoints -----------------------------------------------------------------------------------------------


def test_model_describes_the_served_artifact(client: TestClient[Litestar], model_path: Path, scorer: Scorer) -> None:
    body = client.get("/model").json()
    manifest = read_manifest(model_path)
    assert body["sha256"] == manifest["sha256"] and body["trained_at"] == manifest["trained_at"]
    assert (body["name"], body["version"], body["lexicon_version"]) == (
        manifest["name"], manifest["version"], manifest["lexicon_version"],
    )
    assert [s["name"] for s in body["signals"]] == list(SIGNAL_NAMES)
    for signal in body["signals"]:
        assert signal["threshold"] == scorer.thresholds[signal["name"]]
        assert signal["cameo"] == SIGNALS_BY_NAME[signal["name"]].cameo
        assert signal["plover"] == SIGNALS_BY_NAME[signal["name"]].plover
    assert set(body["thresholds"]) == set(HEADS)
    assert "cross_validated" in body["metrics"]


def test_live_and_ready(client: TestClient[Litestar]) -> None:
    assert client.get("/health/live").json() == {"status": "ok"}
    assert client.get("/health/ready").json() == {"status": "ready"}


def test_metrics_expose_http_and_domain_metrics(client: TestClient[Litestar], model_path: Path) -> None:
    client.post("/score", json={"text": ATTACK})
    client.post("/score/batch", json={"documents": [{"text": ATTACK}, {"text": TRICKY}]})
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    manifest = read_manifest(model_path)
    labels = f'lexicon_version="{manifest["lexicon_version"]}",version="{manifest["version"]}"'
    assert f"escalation_model_info{{{labels}}} 1.0" in text
    for name in [
        "escalation_documents_scored_total", "escalation_sentences_scored_total",
        "escalation_scoring_duration_seconds_bucket", "escalation_risk_bucket", "escalation_input_chars_bucket",
    ]:
        assert re.search(rf"^{name}\S* \d", text, re.MULTILINE), name
    assert re.search(r'^escalation_signals_flagged_total\{signal="attack"\} [1-9]', text, re.MULTILINE)
    assert 'escalation_http_requests_total{app_name="escalation-risk",method="POST",path="/score/batch"' in text


def test_no_metric_label_takes_a_value_from_the_request(client: TestClient[Litestar]) -> None:
    client.get("/nowhere-unique-path-1")
    client.post("/score", json={"text": "unique-text-marker fired rockets", "id": "unique-id-marker"},
                headers={"X-Request-ID": "unique-request-marker"})
    client.get("/health/live?unique-query-marker=1")
    text = client.get("/metrics").text
    for marker in ["unique-path", "unique-text", "unique-id", "unique-request", "unique-query"]:
        assert marker not in text
    labels = set(re.findall(r'(\w+)="', text))
    assert labels <= {"app_name", "method", "path", "status_code", "le", "signal", "version", "lexicon_version",
                      "implementation", "major", "minor", "patchlevel", "generation", "quantile"}


# --- request ids, access log, docs ---------------------------------------------------------------------------------


def test_request_id_is_echoed_or_generated(client: TestClient[Litestar]) -> None:
    assert client.get("/health/live", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    generated = client.get("/health/live").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    replaced = client.get("/health/live", headers={"X-Request-ID": "bad id\twith spaces"}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)
    assert client.get("/nowhere", headers={"X-Request-ID": "on-404"}).headers["x-request-id"] == "on-404"


def test_access_log_is_structured_and_never_holds_submitted_text(
    client: TestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Zanzibarian secret envoy"
    with caplog.at_level(logging.INFO, logger="escalation.access"):
        client.post("/score", json={"text": f"{secret} fired rockets."}, headers={"X-Request-ID": "log-1"})
        client.post(
            "/score?text=Zanzibarian", content=b"{bad Zanzibarian", headers={"Content-Type": "application/json"}
        )
    records = [r for r in caplog.records if r.name == "escalation.access"]
    assert len(records) == 2
    fields = records[0].fields  # type: ignore[attr-defined]
    assert fields["request_id"] == "log-1" and fields["route"] == "/score" and fields["status"] == 200
    assert fields["method"] == "POST" and fields["duration_ms"] >= 0
    assert records[1].fields["status"] == 400  # type: ignore[attr-defined]
    for record in records:
        assert "Zanzibarian" not in record.getMessage() and "Zanzibarian" not in json.dumps(record.fields)  # type: ignore[attr-defined]


def test_docs_ui_and_its_assets_are_served_locally(client: TestClient[Litestar]) -> None:
    page = client.get("/schema")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert urls and all(url.startswith("/schema/assets/") for url in urls), urls
    assert "http://" not in page.text and "https://" not in page.text
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert client.get("/schema/swagger").status_code == 200


def test_openapi_schema_documents_200_for_scoring_and_the_problem_statuses(client: TestClient[Litestar]) -> None:
    schema = client.get("/schema/openapi.json").json()
    for path in ["/score", "/score/batch"]:
        responses = schema["paths"][path]["post"]["responses"]
        assert "200" in responses and "201" not in responses
        for status in ["400", "413", "415", "422", "429", "503"]:
            assert PROBLEM in responses[status]["content"], (path, status)
    assert {"/health/live", "/health/ready", "/model"} <= set(schema["paths"])
