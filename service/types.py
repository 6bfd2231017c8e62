"""The vocabulary of results: frozen dataclasses with no logic beyond small conveniences."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence: normalised text, end-exclusive code-point offsets into the original text."""

    index: int
    text: str
    begin: int
    end: int
    norm_begin: int = 0  # where the sentence starts in the normalised document (internal)


@dataclass(frozen=True, slots=True)
class Match:
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


@dataclass(frozen=True, slots=True)
class ActorMention:
    canonical: str
    kind: str
    text: str
    begin: int
    end: int


@dataclass(frozen=True, slots=True)
class TermContribution:
    """A model feature and its share of one head's decision value (coefficient x feature value)."""

    term: str
    contribution: float


@dataclass(frozen=True, slots=True)
class SentenceScore:
    index: int
    text: str
    begin: int
    end: int
    probabilities: dict[str, float]  # every head: the nine signals plus escalatory / deescalatory
    signals: tuple[str, ...]  # signals flagged at the model's thresholds
    matches: tuple[Match, ...]
    actors: tuple[ActorMention, ...]
    top_terms: dict[str, tuple[TermContribution, ...]] = field(default_factory=dict)

    @property
    def escalatory(self) -> float:
        return self.probabilities["escalatory"]

    @property
    def deescalatory(self) -> float:
        return self.probabilities["deescalatory"]


@dataclass(frozen=True, slots=True)
class SignalScore:
    """A signal aggregated over a document."""

    name: str
    probability: float
    flagged: bool
    polarity: str
    cameo: str
    plover: str
    threshold: float
    sentences: tuple[int, ...]  # indices of the sentences that carry the signal


@dataclass(frozen=True, slots=True)
class DocumentScore:
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
        return tuple(dict.fromkeys(mention.canonical for mention in self.actors))
