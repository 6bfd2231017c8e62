"""From sentence scores to a document score.

A signal's document probability is its highest sentence probability: "does the document carry this signal?" is
answered by its strongest sentence, and a maximum neither drifts towards 1 as documents grow (as a noisy-OR would) nor
dilutes one decisive sentence among many neutral ones (as a mean would).

The escalation risk is, the same way, the highest sentence probability of the "escalatory" head (any escalatory signal
present), and the de-escalation score that of the "deescalatory" head. Both stay calibrated sentence probabilities,
and neutral text added around a sentence leaves them unchanged (a test checks this).
"""

from __future__ import annotations

from service.signals import SIGNALS
from service.types import ActorMention, DocumentScore, SentenceScore, SignalScore

# Level cut points on the calibrated risk: "elevated" from a 30% chance that some sentence carries an escalatory
# signal, "high" once that is more likely than not (60%), "critical" when it is near certain (85%).
LEVELS: tuple[tuple[float, str], ...] = ((0.85, "critical"), (0.6, "high"), (0.3, "elevated"), (0.0, "low"))


def level_of(risk: float) -> str:
    for cut, name in LEVELS:
        if risk >= cut:
            return name
    return LEVELS[-1][1]


def aggregate(
    sentences: tuple[SentenceScore, ...],
    thresholds: dict[str, float],
    actors: tuple[ActorMention, ...],
) -> DocumentScore:
    signals: dict[str, SignalScore] = {}
    for signal in SIGNALS:
        probability = max((s.probabilities[signal.name] for s in sentences), default=0.0)
        carriers = tuple(s.index for s in sentences if signal.name in s.signals)
        signals[signal.name] = SignalScore(
            name=signal.name,
            probability=probability,
            flagged=bool(carriers),
            polarity=signal.polarity,
            cameo=signal.cameo,
            plover=signal.plover,
            threshold=thresholds[signal.name],
            sentences=carriers,
        )
    escalatory = max((s.escalatory for s in sentences), default=0.0)
    deescalatory = max((s.deescalatory for s in sentences), default=0.0)
    return DocumentScore(
        risk=escalatory,
        level=level_of(escalatory),
        deescalation=deescalatory,
        escalation_flagged=escalatory >= thresholds["escalatory"],
        deescalation_flagged=deescalatory >= thresholds["deescalatory"],
        signals=signals,
        sentences=sentences,
        actors=actors,
    )
