"""The actor gazetteer: canonical names, kinds and spelling variants, matched in one pass over the tokens.

File: lexicon/actors.tsv with columns canonical, kind, variants ("|"-separated). See the file's header comment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from service.errors import LexiconError
from service.phrases import PatternError, PhraseMatcher
from service.text import folded_tokens, token_spans
from service.types import ActorMention

DEFAULT_PATH = Path(__file__).parent / "lexicon" / "actors.tsv"
LOOKALIKE = "not-an-actor"
_COLUMNS = ("canonical", "kind", "variants")
_CASE_SENSITIVE = "="
_VERSION_LINE = re.compile(r"#\s*version:\s*(\S+)")


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
        if not path.is_file():
            raise LexiconError(f"{path}: gazetteer file not found")
        rows: list[tuple[int, str, str, list[str]]] = []
        version, header_seen, seen = None, False, set()
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not raw.strip():
                continue
            if raw.lstrip().startswith("#"):
                found = _VERSION_LINE.match(raw.strip())
                version = found.group(1) if found else version
                continue
            cells = [cell.strip() for cell in raw.split("\t")]
            if not header_seen:
                if tuple(cells) != _COLUMNS:
                    raise LexiconError(f"{path}:{number}: header must be {'<TAB>'.join(_COLUMNS)}")
                header_seen = True
                continue
            if len(cells) != len(_COLUMNS) or not all(cells):
                raise LexiconError(f"{path}:{number}: expected 3 non-empty tab-separated columns, got {raw!r}")
            canonical, kind, variants = cells
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
        return self.find_tokens(text, folded_tokens(text), lambda: token_spans(text))

    def find_tokens(
        self, text: str, folded: Sequence[str], spans_of: Callable[[], Sequence[tuple[int, int]]]
    ) -> list[ActorMention]:
        """Actor mentions given the text's folded tokens; `spans_of` gives their offsets, asked only on a match."""
        found_all = self._matcher.find(folded)
        if not found_all:
            return []
        spans = spans_of()
        mentions: list[ActorMention] = []
        for found in found_all:
            begin, end = spans[found.start][0], spans[found.stop - 1][1]
            surface = text[begin:end]
            for variant in found.payloads:
                if variant.kind == LOOKALIKE:
                    break
                if variant.exact_case is not None and surface != variant.exact_case.rstrip("."):
                    continue
                mentions.append(ActorMention(variant.canonical, variant.kind, surface, begin, end))
                break
        return mentions
