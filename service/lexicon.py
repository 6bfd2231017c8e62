"""The signal lexicon: a versioned data file of phrases, loaded with row validation and matched in one pass.

Files (tab-separated, "#" starts a comment, the first non-comment row is the header):

    lexicon/signals.tsv   pattern  signal  weight  cameo  plover   -- "# version: X.Y.Z" sets the lexicon version
    lexicon/cues.tsv      cue  kind  scope                          -- kind is negation or hedge

A negation cue ("denied", "no", "did not") or a hedging cue ("could", "fears of", "possibility of") marks a signal
match that follows it within `scope` tokens of the same clause as negated or hypothetical.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Final, Literal, NamedTuple

from service.datafile import read_table
from service.errors import LexiconError
from service.phrases import PatternError, PhraseMatcher
from service.signals import SIGNALS_BY_NAME
from service.text import PUNCTUATION_TOKENS, TokenOffsets, tokenize_folded
from service.types import Match

DEFAULT_DIRECTORY = Path(__file__).parent / "lexicon"
SIGNALS_FILE = "signals.tsv"
CUES_FILE = "cues.tsv"

_SIGNAL_COLUMNS = ("pattern", "signal", "weight", "cameo", "plover")
_CUE_COLUMNS = ("cue", "kind", "scope")
_CAMEO_CODE = re.compile(r"^[0-9]{2,4}x?$")
_MAX_WEIGHT = 5.0
_MAX_SCOPE = 12

# Tokens that end a negation's or hedge's reach: a cue in one clause does not change a phrase in the next.
CLAUSE_BREAKS: Final = frozenset(
    {",", ";", ":", "(", ")", '"', "?", "!", "but", "while", "although", "though", "whereas", "however", "and"}
)

# Rows with this signal shield their words from other entries ("heart attack", "price war") and emit no match.
SHIELD: Final = "none"


CueKind = Literal["negation", "hedge"]


class Entry(NamedTuple):
    pattern: str
    signal: str
    weight: float
    cameo: str
    plover: str
    line: int


class Cue(NamedTuple):
    cue: str
    kind: CueKind
    scope: int
    line: int


class Analysis:
    """A sentence as the features and the gazetteer see it; offsets are local to the sentence."""

    __slots__ = ("_offsets", "_surface", "folded", "matches", "scoped", "text", "tokens")

    def __init__(
        self,
        text: str,
        tokens: list[str],
        matches: list[Match],
        scoped: list[str],
        folded: list[str],
        surface: list[str] | None,
        offsets: TokenOffsets | None = None,
    ) -> None:
        self.text = text
        self.tokens = tokens  # word tokens (the TF-IDF input)
        self.matches = matches
        self.scoped = scoped  # words inside a cue's reach, prefixed "neg:" or "hyp:" (features only)
        self.folded = folded  # every token, punctuation included (what the actor gazetteer reads)
        self._surface = surface
        self._offsets = offsets

    def offsets(self) -> TokenOffsets:
        """Offsets of `folded`, located on first use: sentences without a match never need them."""
        if self._offsets is None:
            self._offsets = TokenOffsets(self.text, self._surface)
        return self._offsets


def _parse_entry(path: Path, number: int, cells: list[str]) -> Entry:
    pattern, signal, weight_text, cameo, plover = cells
    where = f"{path}:{number}"
    if signal not in SIGNALS_BY_NAME and signal != SHIELD:
        valid = [*SIGNALS_BY_NAME, SHIELD]
        raise LexiconError(f"{where}: unknown signal {signal!r}; valid signals are {valid}")
    try:
        weight = float(weight_text)
    except ValueError:
        raise LexiconError(f"{where}: weight {weight_text!r} is not a number") from None
    if not 0 < weight <= _MAX_WEIGHT:
        raise LexiconError(f"{where}: weight {weight} must be in (0, {_MAX_WEIGHT}]")
    if signal == SHIELD:
        return Entry(pattern, signal, weight, cameo, plover, number)
    if not _CAMEO_CODE.match(cameo):
        raise LexiconError(f"{where}: CAMEO code {cameo!r} must look like 13, 138 or 19x")
    valid_plover = set(",".join(s.plover for s in SIGNALS_BY_NAME.values()).split(","))
    if plover not in valid_plover:
        raise LexiconError(f"{where}: PLOVER code {plover!r} is not one of {sorted(valid_plover)}")
    return Entry(pattern, signal, weight, cameo, plover, number)


def _parse_cue(path: Path, number: int, cells: list[str]) -> Cue:
    cue, kind, scope_text = cells
    where = f"{path}:{number}"
    if kind not in ("negation", "hedge"):
        raise LexiconError(f"{where}: cue kind {kind!r} must be 'negation' or 'hedge'")
    if not scope_text.isdigit() or not 1 <= int(scope_text) <= _MAX_SCOPE:
        raise LexiconError(f"{where}: scope {scope_text!r} must be a whole number of tokens from 1 to {_MAX_SCOPE}")
    return Cue(cue, kind, int(scope_text), number)  # type: ignore[arg-type]


class Lexicon:
    """Signal phrases plus negation and hedging cues, compiled into one phrase trie."""

    def __init__(self, entries: list[Entry], cues: list[Cue], version: str, source: str = "") -> None:
        if not entries:
            raise LexiconError("a lexicon needs at least one entry")
        self.entries = tuple(entries)
        self.cues = tuple(cues)
        self.version = version
        self.sha256 = hashlib.sha256(source.encode("utf-8")).hexdigest()
        self._source = source
        self._matcher: PhraseMatcher[Entry | Cue] = PhraseMatcher()
        items: list[Entry | Cue] = [*entries, *cues]
        for item in items:
            pattern = item.pattern if isinstance(item, Entry) else item.cue
            try:
                self._matcher.add(pattern, item)
            except PatternError as exc:
                raise LexiconError(f"line {item.line}: {exc}") from None

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as what it was built from (the trie is rebuilt on loading): a compiled Lexicon (setup.py) has no
        # __dict__ for pickle's default protocol to restore.
        return (Lexicon, (list(self.entries), list(self.cues), self.version, self._source))

    @classmethod
    def load(cls, directory: Path | str = DEFAULT_DIRECTORY) -> Lexicon:
        directory = Path(directory)
        signals_path, cues_path = directory / SIGNALS_FILE, directory / CUES_FILE
        version, signal_rows = read_table(signals_path, _SIGNAL_COLUMNS)
        _, cue_rows = read_table(cues_path, _CUE_COLUMNS)
        if version is None:
            raise LexiconError(f"{signals_path}: missing '# version: X.Y.Z' line")
        entries = [_parse_entry(signals_path, number, cells) for number, cells in signal_rows]
        cues = [_parse_cue(cues_path, number, cells) for number, cells in cue_rows]
        source = signals_path.read_text(encoding="utf-8") + cues_path.read_text(encoding="utf-8")
        try:
            return cls(entries, cues, version, source)
        except LexiconError as exc:
            raise LexiconError(f"{directory}: {exc}") from None

    def analyze(self, text: str, offset: int = 0, source: str | None = None) -> Analysis:
        """Tokens and lexicon matches of one normalised sentence.

        Match offsets are local to `text`, or, given the sentence's `offset` in a `source` text whose offsets equal
        the normalised ones, offsets into `source` with its surface text (saves the scorer a copy of every match).
        """
        folded, surface = tokenize_folded(text)
        words = [token for token in folded if len(token) != 1 or token not in PUNCTUATION_TOKENS]
        found_all = self._matcher.find(folded)
        if not found_all:
            return Analysis(text, words, [], [], folded, surface)
        offsets = TokenOffsets(text, surface)
        matches: list[Match] = []
        # The most recent cue of each kind: (token index where it ends, scope, surface text).
        last_cue: dict[str, tuple[int, int, str]] = {}
        scoped: list[str] = []
        for start, stop, payloads in found_all:
            first = payloads[0]
            if isinstance(first, Cue):
                begin, end = offsets.span(start, stop)
                last_cue[first.kind] = (stop, first.scope, text[begin:end])
                scoped.extend(self._in_scope(first, stop, folded))
                continue
            negation = self._cue_in_reach(last_cue.get("negation"), start, folded) if last_cue else None
            hedge = self._cue_in_reach(last_cue.get("hedge"), start, folded) if last_cue else None
            begin, end = offsets.span(start, stop)
            shown = text[begin:end] if source is None else source[begin + offset : end + offset]
            begin, end = begin + offset, end + offset
            for entry in payloads:
                if not isinstance(entry, Entry) or entry.signal == SHIELD:
                    continue
                fields = (
                    entry.signal, entry.pattern, shown, begin, end, entry.weight,
                    negation is not None, hedge is not None, negation or hedge,
                )
                matches.append(tuple.__new__(Match, fields))  # see service/types.py
        return Analysis(text, words, matches, scoped, folded, surface, offsets)

    @staticmethod
    def _in_scope(cue: Cue, stop: int, tokens: list[str]) -> list[str]:
        """The words a cue reaches, marked with the cue's kind ("neg:fired", "hyp:strike")."""
        prefix = "neg:" if cue.kind == "negation" else "hyp:"
        reached = []
        for token in tokens[stop : stop + cue.scope]:
            if token in CLAUSE_BREAKS:
                break
            if token[0].isalnum():
                reached.append(prefix + token)
        return reached

    @staticmethod
    def _cue_in_reach(cue: tuple[int, int, str] | None, start: int, tokens: list[str]) -> str | None:
        if cue is None:
            return None
        cue_end, scope, surface = cue
        if start - cue_end > scope:
            return None
        if any(token in CLAUSE_BREAKS for token in tokens[cue_end:start]):
            return None
        return surface
