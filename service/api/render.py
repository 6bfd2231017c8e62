"""From the Scorer's result types (service/types.py) to the wire Structs (service/api/schemas.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service.api.schemas import (
    Actor,
    Deescalation,
    DocumentId,
    Escalation,
    Evidence,
    LexiconEvidence,
    Mention,
    ModelInfo,
    ModelRef,
    ScoreResponse,
    SignalInfo,
    SignalResult,
    Span,
    TermEvidence,
)
from service.scoring import Scorer
from service.signals import SIGNALS
from service.types import ActorMention, DocumentScore, SentenceScore, SignalScore

DIGITS = 6  # probabilities are reported to six decimals, as in the CLI's output rows


def _round(value: float) -> float:
    return round(float(value), DIGITS)


def _span(sentence: SentenceScore, signal: str, explain: bool) -> Span:
    matches = [
        LexiconEvidence(
            pattern=m.pattern,
            text=m.text,
            begin=m.begin,
            end=m.end,
            weight=m.weight,
            negated=m.negated,
            hypothetical=m.hypothetical,
            cue=m.cue,
        )
        for m in sentence.matches
        if m.signal == signal
    ]
    terms = None
    if explain:
        terms = [
            TermEvidence(term=t.term, contribution=_round(t.contribution)) for t in sentence.top_terms.get(signal, ())
        ]
    return Span(
        begin=sentence.begin,
        end=sentence.end,
        score=_round(sentence.probabilities[signal]),
        sentence=sentence.index,
        evidence=Evidence(matches=matches, top_terms=terms),
    )


def _signal(score: SignalScore, by_index: dict[int, SentenceScore], spans: bool, explain: bool) -> SignalResult:
    return SignalResult(
        score=_round(score.probability),
        type="probability",
        flagged=score.flagged,
        threshold=score.threshold,
        polarity="escalatory" if score.polarity == "escalatory" else "deescalatory",
        cameo=score.cameo,
        plover=score.plover,
        spans=[_span(by_index[i], score.name, explain) for i in score.sentences] if spans else None,
    )


def _actors(mentions: Sequence[ActorMention]) -> list[Actor]:
    """Mentions grouped by actor, actors in order of first mention."""
    grouped: dict[tuple[str, str], list[Mention]] = {}
    for m in mentions:
        grouped.setdefault((m.canonical, m.kind), []).append(Mention(begin=m.begin, end=m.end, text=m.text))
    return [Actor(canonical=canonical, kind=kind, mentions=found) for (canonical, kind), found in grouped.items()]


def score_response(
    identifier: DocumentId,
    score: DocumentScore,
    model: ModelRef,
    signals: Sequence[str] | None,
    spans: bool,
    explain: bool,
) -> ScoreResponse:
    by_index = {sentence.index: sentence for sentence in score.sentences}
    names = signals if signals is not None else [s.name for s in SIGNALS]
    return ScoreResponse(
        id=identifier,
        model=model,
        escalation=Escalation(score=_round(score.risk), level=score.level, flagged=score.escalation_flagged),  # type: ignore[arg-type]
        deescalation=Deescalation(score=_round(score.deescalation), flagged=score.deescalation_flagged),
        signals={name: _signal(score.signals[name], by_index, spans, explain) for name in names},
        actors=_actors(score.actors),
        sentences=len(score.sentences),
    )


def model_info(scorer: Scorer) -> ModelInfo:
    manifest: dict[str, Any] = scorer.artifact.manifest
    thresholds = scorer.thresholds
    return ModelInfo(
        name=str(manifest.get("name", "escalation-risk")),
        version=str(manifest.get("version", "unknown")),
        sha256=str(manifest.get("sha256", "")),
        trained_at=manifest.get("trained_at"),
        lexicon_version=str(manifest.get("lexicon_version", scorer.lexicon.version)),
        signals=[
            SignalInfo(
                name=s.name,
                polarity=s.polarity,
                cameo=s.cameo,
                plover=s.plover,
                threshold=float(thresholds[s.name]),
                definition=s.definition,
            )
            for s in SIGNALS
        ],
        thresholds={head: float(value) for head, value in thresholds.items()},
        metrics=dict(manifest.get("metrics", {})),
    )
