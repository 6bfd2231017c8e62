"""The vocabulary of results: immutable records with no logic beyond small conveniences.

They are NamedTuples rather than frozen dataclasses for one measured reason: a frozen dataclass sets each field
through object.__setattr__, which made building one four times slower (2.3 us against 0.5 us for nine fields), and
scoring builds several per sentence. The `index` fields shadow tuple.index, which nothing here uses.

The scoring core builds the per-sentence ones (Sentence, Match, ActorMention, SentenceScore) with
`tuple.__new__(Type, fields)`, every field given in order: a NamedTuple's own __new__ is an interpreted function, and
calling it from the compiled core (setup.py) cost three times as much (0.55 us against 0.20 us for a Match).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import numpy as np


class Sentence(NamedTuple):
    """A sentence: normalised text, end-exclusive code-point offsets into the original text."""

    index: int  # type: ignore[assignment]
    text: str
    begin: int
    end: int
    norm_begin: int = 0  # where the sentence starts in the normalised document (internal)


class Match(NamedTuple):
    """One lexicon entry found in a sentence."""

    signal: str
    pattern: str
    text: str
    begin: int
    end: int
    weight: float
    negated: bool = False
    hypothetical: bool = False
    cue: str | None = None  # the negation or hedging words that changed this match


class ActorMention(NamedTuple):
    canonical: str
    kind: str
    text: str
    begin: int
    end: int


class TermContribution(NamedTuple):
    """A model feature and its share of one head's decision value (coefficient x feature value)."""

    term: str
    contribution: float


class SentenceScore(NamedTuple):
    index: int  # type: ignore[assignment]
    text: str
    begin: int
    end: int
    probabilities: dict[str, float]  # every head: the nine signals plus escalatory / deescalatory
    signals: tuple[str, ...]  # signals flagged at the model's thresholds
    matches: tuple[Match, ...]
    actors: tuple[ActorMention, ...]
    top_terms: dict[str, tuple[TermContribution, ...]]  # per flagged signal; empty unless explained

    @property
    def escalatory(self) -> float:
        return self.probabilities["escalatory"]

    @property
    def actor_names(self) -> tuple[str, ...]:
        """Canonical names of the actors found, in order of first mention, without repeats."""
        return canonical_names(self.actors)

    @property
    def deescalatory(self) -> float:
        return self.probabilities["deescalatory"]


class SignalScore(NamedTuple):
    """A signal aggregated over a document."""

    name: str
    probability: float
    flagged: bool
    polarity: str
    cameo: str
    plover: str
    threshold: float
    sentences: tuple[int, ...]  # indices of the sentences that carry the signal


class DocumentScore(NamedTuple):
    risk: float  # the document's escalation risk in [0, 1]
    level: str  # low / elevated / high / critical
    deescalation: float
    escalation_flagged: bool
    deescalation_flagged: bool
    signals: dict[str, SignalScore]
    sentences: tuple[SentenceScore, ...]
    actors: tuple[ActorMention, ...]

    @property
    def flagged_signals(self) -> tuple[str, ...]:
        return tuple(name for name, score in self.signals.items() if score.flagged)

    @property
    def actor_names(self) -> tuple[str, ...]:
        """Canonical names of the actors found, in order of first mention, without repeats."""
        return canonical_names(self.actors)


def canonical_names(mentions: tuple[ActorMention, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([mention.canonical for mention in mentions])) if mentions else ()


class DocumentSummaries(NamedTuple):
    """What score_many says about documents as wholes, without their per-sentence records (Scorer.summarise_many):
    for callers that write only document-level columns, like the batch CLI without --sentences or --evidence."""

    maxima: np.ndarray  # (documents, heads): per document, each head's highest sentence probability, HEADS order
    flagged: np.ndarray  # (documents, signals), bool: the signal's maximum reaches its flag threshold
    actors: list[tuple[str, ...]]  # per document, canonical actor names in order of first mention, without repeats
    sentences: list[int]  # per document, its number of sentences
