"""escalation-risk: scores news and statement text for conflict escalation and de-escalation signals.

`Scorer` is imported on first use: it brings numpy, scipy and joblib (seconds of imports), and importing any
module of the package runs this file, so the CLI's parser and the parent process of a multi-worker
`escalation score`, which only reads and writes, would otherwise pay for them too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from service.errors import ArtifactError, EscalationError, InputError, LexiconError
from service.signals import HEADS, SIGNAL_NAMES, SIGNALS, Signal
from service.types import (
    ActorMention,
    DocumentScore,
    DocumentSummaries,
    Match,
    Sentence,
    SentenceScore,
    SignalScore,
    TermContribution,
)

if TYPE_CHECKING:
    from service.scoring import Scorer

__all__ = [
    "HEADS",
    "SIGNALS",
    "SIGNAL_NAMES",
    "ActorMention",
    "ArtifactError",
    "DocumentScore",
    "DocumentSummaries",
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


def __getattr__(name: str) -> Any:
    if name == "Scorer":
        from service.scoring import Scorer

        return Scorer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
