"""Prometheus metrics: Litestar's HTTP metrics grouped by route template, plus the scoring domain's own.

No label takes a value from the request: HTTP labels are the route template, the method of a matched route and the
status code; domain labels are signal names (a fixed list) and the model's version. Under several worker processes
prometheus_client's multiprocess mode is used: PROMETHEUS_MULTIPROC_DIR must be set before this module is imported
(`escalation serve` does that and wipes the directory on start), and /metrics then aggregates every worker.
"""

from __future__ import annotations

from collections.abc import Sequence

from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from prometheus_client import Counter, Gauge, Histogram

from service.signals import SIGNAL_NAMES
from service.types import DocumentScore

# Scoring one 600-character document takes 1-3 ms on the development machine; batches of 256 take about a second.
DURATION_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Risk is a probability; tenths, plus the level cut points of service/aggregate.py (0.3, 0.6, 0.85).
RISK_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0)
# Input size in code points: a headline, a paragraph, an article, a long report, the default limit (100,000).
INPUT_BUCKETS = (100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000)
# Latency buckets of the HTTP histogram, finer than prometheus_client's default at the low end.
HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]

DOCUMENTS = Counter("escalation_documents_scored", "Documents scored.")
SENTENCES = Counter("escalation_sentences_scored", "Sentences scored.")
SCORING_SECONDS = Histogram(
    "escalation_scoring_duration_seconds",
    "Time spent in the Scorer per request (one document or one batch), without HTTP.",
    buckets=DURATION_BUCKETS,
)
RISK = Histogram("escalation_risk", "Escalation risk of each scored document.", buckets=RISK_BUCKETS)
SIGNALS_FLAGGED = Counter("escalation_signals_flagged", "Documents in which a signal was flagged.", ["signal"])
INPUT_CHARS = Histogram("escalation_input_chars", "Length of each scored text in code points.", buckets=INPUT_BUCKETS)
MODEL_INFO = Gauge(
    "escalation_model_info",
    "The loaded model: 1 for the version and lexicon version being served.",
    ["version", "lexicon_version"],
    multiprocess_mode="max",
)

# Every signal appears from the start, at zero; its child is looked up once here rather than per flag (labels()
# validates and locks on every call).
FLAGGED_BY_SIGNAL = {name: SIGNALS_FLAGGED.labels(signal=name) for name in SIGNAL_NAMES}


def record_scored(texts: Sequence[str], scores: Sequence[DocumentScore], seconds: float) -> None:
    SCORING_SECONDS.observe(seconds)
    DOCUMENTS.inc(len(scores))
    SENTENCES.inc(sum(len(score.sentences) for score in scores))
    for text in texts:
        INPUT_CHARS.observe(len(text))
    for score in scores:
        RISK.observe(score.risk)
        for name in score.flagged_signals:
            FLAGGED_BY_SIGNAL[name].inc()


def record_model(version: str, lexicon_version: str) -> None:
    MODEL_INFO.labels(version=version, lexicon_version=lexicon_version).set(1)


def prometheus_config() -> PrometheusConfig:
    """HTTP metrics labelled by route template (`group_path`), never by the raw path."""
    return PrometheusConfig(
        app_name="escalation-risk",
        prefix="escalation_http",
        group_path=True,
        buckets=list(HTTP_BUCKETS),
        exclude_unhandled_paths=True,
    )


class MetricsController(PrometheusController):
    """GET /metrics in the Prometheus text format; aggregates all workers in multiprocess mode."""

    path = "/metrics"
    include_in_schema = False
