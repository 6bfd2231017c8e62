"""The actor gazetteer: canonical names, kinds and spelling variants, matched in one pass over the tokens.

File: lexicon/actors.tsv with columns canonical, kind, variants ("|"-separated). See the file's header comment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from service.datafile import read_table
from service.errors import LexiconError
from service.phrases import PatternError, PhraseMatcher
from service.text import TokenOffsets, tokenize_folded
from service.types import ActorMention

DEFAULT_PATH = Path(__file__).parent / "lexicon" / "actors.tsv"
LOOKALIKE: Final = "not-an-actor"
_COLUMNS = ("canonical", "kind", "variants")
_CASE_SENSITIVE: Final = "="


@dataclass(frozen=True, slots=True)
class Variant:
    canonical: str
    kind: str
    exact_case: str | None  # the surface text that must match exactly, for case-sensitive variants


class Gazetteer:
    def __init__(self, rows: list[tuple[int, str, str, list[str]]], version: str) -> None:
        self.version = version
        self.canonical_names = tuple(canonical for _, canonical, kind, _ in rows if kind != LOOKALIKE)
        self._matcher: PhraseMatcher[Variant] = PhraseMatcher()
        for line, canonical, kind, variants in rows:
            for raw in variants:
                exact = raw.startswith(_CASE_SENSITIVE)
                spelling = raw[1:] if exact else raw
                try:
                    # Variants are literal names: "|" and "*" are not pattern syntax here.
                    self._matcher.add(spelling.replace("*", " "), Variant(canonical, kind, spelling if exact else None))
                except PatternError as exc:
                    raise LexiconError(f"line {line}: variant {raw!r}: {exc}") from None

    @classmethod
    def load(cls, path: Path | str = DEFAULT_PATH) -> Gazetteer:
        path = Path(path)
        version, table = read_table(path, _COLUMNS)
        rows: list[tuple[int, str, str, list[str]]] = []
        seen: set[str] = set()
        for number, (canonical, kind, variants) in table:
            if not all((canonical, kind, variants)):
                raise LexiconError(f"{path}:{number}: canonical, kind and variants must all be non-empty")
            if canonical in seen:
                raise LexiconError(f"{path}:{number}: {canonical!r} is listed twice")
            seen.add(canonical)
            rows.append((number, canonical, kind, [v.strip() for v in variants.split("|") if v.strip()]))
        if version is None:
            raise LexiconError(f"{path}: missing '# version: X.Y.Z' line")
        try:
            return cls(rows, version)
        except LexiconError as exc:
            raise LexiconError(f"{path}: {exc}") from None

    def find(self, text: str) -> list[ActorMention]:
        """Actor mentions in a normalised text, offsets local to `text`."""
        folded, surface = tokenize_folded(text)
        return self.find_tokens(text, folded, lambda: TokenOffsets(text, surface))

    def find_tokens(
        self,
        text: str,
        folded: list[str],
        offsets_of: Callable[[], TokenOffsets],
        offset: int = 0,
        source: str | None = None,
    ) -> list[ActorMention]:
        """Actor mentions given the text's folded tokens; `offsets_of` gives their offsets, asked only on a match.

        Offsets are local to `text`, or shifted by `offset` into `source` (as in Lexicon.analyze).
        """
        found_all = self._matcher.find(folded)
        if not found_all:
            return []
        offsets = offsets_of()
        mentions: list[ActorMention] = []
        for start, stop, variants in found_all:
            begin, end = offsets.span(start, stop)
            surface = text[begin:end]
            for variant in variants:
                if variant.kind == LOOKALIKE:
                    break
                if variant.exact_case is not None and surface != variant.exact_case.rstrip("."):
                    continue
                shown = surface if source is None else source[begin + offset : end + offset]
                fields = (variant.canonical, variant.kind, shown, begin + offset, end + offset)
                mentions.append(tuple.__new__(ActorMention, fields))  # see service/types.py
                break
        return mentions
