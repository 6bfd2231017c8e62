"""escalation-risk: scores news and statement text for conflict escalation and de-escalation signals."""

from service.errors import ArtifactError, EscalationError, InputError, LexiconError
from service.scoring import Scorer
from service.signals import HEADS, SIGNAL_NAMES, SIGNALS, Signal
from service.types import (
    ActorMention,
    DocumentScore,
    Match,
    Sentence,
    SentenceScore,
    SignalScore,
    TermContribution,
)

__all__ = [
    "HEADS",
    "SIGNALS",
    "SIGNAL_NAMES",
    "ActorMention",
    "ArtifactError",
    "DocumentScore",
    "EscalationError",
    "InputError",
    "LexiconError",
    "Match",
    "Scorer",
    "Sentence",
    "SentenceScore",
    "Signal",
    "SignalScore",
    "TermContribution",
]
