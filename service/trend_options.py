"""What `escalation trend` may be asked for: period lengths (polars duration syntax) and the actor grouping.

Apart from service.trend, which needs polars, so that the CLI's parser can check them without importing it.
"""

from __future__ import annotations

import re

ACTOR = "actor"  # --by actor groups by each canonical actor a document mentions
FREQUENCY = re.compile(r"^(\d+)(h|d|w|mo|q|y)$")
_UNIT_DAYS = {"h": 1 / 24, "d": 1.0, "w": 7.0, "mo": 30.4, "q": 91.3, "y": 365.25}


def frequency(text: str) -> str:
    """Validate a period length: a whole number and h, d, w, mo, q or y (polars duration syntax), e.g. 1d or 1w."""
    found = FREQUENCY.match(text)
    if not found or int(found.group(1)) < 1:
        raise ValueError(f"frequency {text!r} is not a period like 1d, 1w, 2w, 1mo, 1q, 1y or 6h")
    return text


def period_days(freq: str) -> float:
    found = FREQUENCY.match(freq)
    assert found, freq
    return int(found.group(1)) * _UNIT_DAYS[found.group(2)]
