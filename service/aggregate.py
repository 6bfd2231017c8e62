"""From sentence scores to a document score.

A signal's document probability is its highest sentence probability: "does the document carry this signal?" is
answered by its strongest sentence, and a maximum neither drifts towards 1 as documents grow (as a noisy-OR would) nor
dilutes one decisive sentence among many neutral ones (as a mean would).

The escalation risk is, the same way, the highest sentence probability of the "escalatory" head (any escalatory signal
present), and the de-escalation score that of the "deescalatory" head. Both stay calibrated sentence probabilities,
and neutral text added around a sentence leaves them unchanged (a test checks this).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from service.signals import HEADS, SIGNALS
from service.types import ActorMention, DocumentScore, SentenceScore, SignalScore

# Level cut points on the calibrated risk: "elevated" from a 30% chance that some sentence carries an escalatory
# signal, "high" once that is more likely than not (60%), "critical" when it is near certain (85%).
LEVELS: tuple[tuple[float, str], ...] = ((0.85, "critical"), (0.6, "high"), (0.3, "elevated"), (0.0, "low"))


def level_of(risk: float) -> str:
    for cut, name in LEVELS:
        if risk >= cut:
            return name
    return LEVELS[-1][1]


def document_maxima(probabilities: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """Per document (consecutive runs of `sizes` rows), the highest probability of every head; 0 for a document
    without sentences (a text of zero-width spaces has none), as a maximum over nothing."""
    counts = np.asarray(sizes, dtype=np.int64)
    maxima = np.zeros((len(counts), probabilities.shape[1]))
    filled = counts > 0
    if filled.any():
        starts = np.cumsum(counts) - counts
        maxima[filled] = np.maximum.reduceat(probabilities, starts[filled], axis=0)
    return maxima


def aggregate(
    sentences: tuple[SentenceScore, ...],
    maxima: Sequence[float],
    thresholds: Sequence[float],
    actors: tuple[ActorMention, ...],
) -> DocumentScore:
    """A document's score from its sentences and the per-head maxima of their probabilities (in HEADS order)."""
    head = dict(zip(HEADS, maxima, strict=True))
    cut = dict(zip(HEADS, thresholds, strict=True))
    signals: dict[str, SignalScore] = {}
    for signal in SIGNALS:
        name = signal.name
        carriers = tuple(s.index for s in sentences if name in s.signals) if head[name] >= cut[name] else ()
        signals[name] = SignalScore(
            name, head[name], bool(carriers), signal.polarity, signal.cameo, signal.plover, cut[name], carriers
        )
    escalatory, deescalatory = head["escalatory"], head["deescalatory"]
    return DocumentScore(
        risk=escalatory,
        level=level_of(escalatory),
        deescalation=deescalatory,
        escalation_flagged=escalatory >= cut["escalatory"],
        deescalation_flagged=deescalatory >= cut["deescalatory"],
        signals=signals,
        sentences=sentences,
        actors=actors,
    )
