"""Settings read from the environment (prefix ESCALATION_), with the defaults a fresh checkout needs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from service.errors import EscalationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_PATH = PROJECT_ROOT / "models" / "escalation.joblib"


def _env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise EscalationError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise EscalationError(f"{name}={value} must be at least {minimum}")
    return value


@dataclass(frozen=True)
class Settings:
    model_path: Path = DEFAULT_MODEL_PATH
    """ESCALATION_MODEL_PATH: the joblib artifact; its manifest sits beside it."""

    gazetteer_path: Path | None = None
    """ESCALATION_GAZETTEER_PATH: an actor gazetteer TSV to use instead of the bundled one."""

    max_text_chars: int = 100_000
    """ESCALATION_MAX_TEXT_CHARS: the longest text (in code points) one document may have."""

    max_batch_documents: int = 256
    """ESCALATION_MAX_BATCH: documents per /score/batch request."""

    max_body_bytes: int = 2_000_000
    """ESCALATION_MAX_BODY_BYTES: the largest request body the API accepts."""

    api_keys: frozenset[str] = field(default_factory=frozenset)
    """ESCALATION_API_KEYS: comma-separated keys; when set, requests need an X-API-Key header. Off when empty."""

    rate_limit_per_minute: int = 0
    """ESCALATION_RATE_LIMIT: requests per minute per client for scoring endpoints; 0 turns rate limiting off."""

    inline_max_chars: int = 1_000
    """ESCALATION_INLINE_MAX_CHARS: POST /score scores a text up to this long on the event loop (about 1 ms of CPU)
    instead of in the scoring thread; 0 sends every text to the thread."""

    @classmethod
    def from_env(cls) -> Settings:
        model = os.environ.get("ESCALATION_MODEL_PATH")
        gazetteer = os.environ.get("ESCALATION_GAZETTEER_PATH")
        keys = os.environ.get("ESCALATION_API_KEYS", "")
        return cls(
            model_path=Path(model) if model else DEFAULT_MODEL_PATH,
            gazetteer_path=Path(gazetteer) if gazetteer else None,
            max_text_chars=_env_int("ESCALATION_MAX_TEXT_CHARS", cls.max_text_chars),
            max_batch_documents=_env_int("ESCALATION_MAX_BATCH", cls.max_batch_documents),
            max_body_bytes=_env_int("ESCALATION_MAX_BODY_BYTES", cls.max_body_bytes),
            api_keys=frozenset(key.strip() for key in keys.split(",") if key.strip()),
            rate_limit_per_minute=_env_int("ESCALATION_RATE_LIMIT", cls.rate_limit_per_minute, minimum=0),
            inline_max_chars=_env_int("ESCALATION_INLINE_MAX_CHARS", cls.inline_max_chars, minimum=0),
        )

