"""The project's error tree. The HTTP status or CLI exit code is chosen at the edge, never here.

    EscalationError
    ├── InputError           the caller sent something unusable (empty text, text too long, unknown signal)
    ├── LexiconError         a lexicon or gazetteer data file is missing or has a bad row
    └── ArtifactError        the model artifact is missing, tampered with, or built for other library versions
"""

from __future__ import annotations


class EscalationError(Exception):
    """Base of every error this package raises on purpose."""


class InputError(EscalationError, ValueError):
    """Input that cannot be scored; the message says what is wrong and what would be accepted."""


class LexiconError(EscalationError):
    """A lexicon or gazetteer file that cannot be loaded; the message names the file and line."""


class ArtifactError(EscalationError):
    """A model artifact that cannot be trusted or loaded; the message says which check failed."""
