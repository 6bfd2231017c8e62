"""Text normalisation, sentence splitting and tokenisation, all keeping offsets into the original text.

Normalisation is NFKC plus a one-to-one folding of quotes, dashes and whitespace characters. Because the folding is
one-to-one, offsets only move where NFKC changes a string's length (ligatures, "…" and the like); then a per-character
map back to the original is kept. Whitespace runs are not collapsed in the text itself: the tokeniser and the splitter
treat any run of whitespace as one separator, which keeps every offset exact.
"""

from __future__ import annotations

import bisect
import functools
import re
import string
import unicodedata
from dataclasses import dataclass
from typing import Final

from service.types import Sentence

# Typographic quotes, dashes and exotic whitespace, folded to ASCII one character for one.
_FOLD: Final = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\t": " ", "\r": "\n", "\u2028": "\n", "\u2029": "\n",
    "\u200b": " ", "\ufeff": " ",
}
_ASCII_BYTES: Final = bytes(range(128))


@functools.lru_cache(maxsize=4096)
def _normal_form(character: str) -> str:
    """A non-ASCII character after NFKC and folding (usually one character, sometimes more: "…", "ﬁ")."""
    return "".join(_FOLD.get(c, c) for c in unicodedata.normalize("NFKC", character))


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """Normalised text plus where its offsets part from the original's.

    Offsets only move at characters whose normal form is not one character long ("…" becomes "..."). For each such
    character, `marks` holds where its form starts in the normalised text and `resized` its original offset and the
    form's length; both are empty when every offset is the same in the two texts.
    """

    original: str
    text: str
    marks: tuple[int, ...] = ()
    resized: tuple[tuple[int, int], ...] = ()

    @property
    def same_offsets(self) -> bool:
        return not self.marks

    def to_original(self, begin: int, end: int) -> tuple[int, int]:
        """Map an end-exclusive span of the normalised text back to the original text."""
        if not self.marks:
            return begin, end
        if begin >= end:
            position = self._original_offset(begin)
            return position, position
        return self._original_offset(begin), self._original_offset(end - 1) + 1

    def _original_offset(self, index: int) -> int:
        mark = bisect.bisect_right(self.marks, index) - 1
        if mark < 0:
            return index
        original, length = self.resized[mark]
        start = self.marks[mark]
        return original if index < start + length else original + 1 + index - start - length


def normalise(text: str) -> NormalisedText:
    """NFKC, then fold typographic quotes, dashes and exotic whitespace to ASCII, one character for one.

    NFKC is applied character by character, so every output character comes from exactly one input character.
    A text holds few distinct non-ASCII characters, so each distinct one is normalised once and replaced with
    str.replace: C-speed passes instead of a Python step per character.
    """
    normalised = text
    marks: tuple[tuple[int, ...], tuple[tuple[int, int], ...]] = ((), ())
    if not text.isascii():
        # The distinct non-ASCII characters, found by deleting the ASCII bytes of the UTF-8 encoding.
        encoded = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
        forms = {character: _normal_form(character) for character in set(encoded.decode("utf-8", "surrogatepass"))}
        for character, form in forms.items():
            if form != character:
                normalised = normalised.replace(character, form)
        lengths = {character: len(form) for character, form in forms.items() if len(form) != 1}
        if lengths:
            marks = _offset_marks(text, lengths)
    return NormalisedText(text, normalised.replace("\t", " ").replace("\r", "\n"), *marks)


def _offset_marks(text: str, lengths: dict[str, int]) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """NormalisedText.marks and .resized, given the characters whose normal form is not one character long."""
    positions: list[int] = []
    for character in lengths:
        position = text.find(character)
        while position >= 0:
            positions.append(position)
            position = text.find(character, position + 1)
    marks: list[int] = []
    resized: list[tuple[int, int]] = []
    shift = 0  # normalised offset minus original offset so far
    for position in sorted(positions):
        marks.append(position + shift)
        resized.append((position, lengths[text[position]]))
        shift += lengths[text[position]] - 1
    return tuple(marks), tuple(resized)


# Abbreviations whose full stop does not end a sentence (titles, months, wire-style shorthands).
_ABBREVIATIONS: Final = frozenset(
    [
        "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "sgt", "cpl", "pvt", "adm", "cmdr", "brig",
        "cdr", "gov", "sen", "rep", "pres", "amb", "rev", "fr", "st", "mt", "ft", "jan", "feb", "mar", "apr", "jun",
        "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "nos", "vs", "v", "approx", "est", "dept", "univ",
        "inc", "corp", "co", "ltd", "jr", "sr", "al", "gens", "lts", "cols", "sens", "reps", "govs",
    ]
)
# Dotted acronyms (U.S., U.N.) end a sentence only before a word that typically starts one.
_SENTENCE_STARTERS: Final = frozenset(
    [
        "the", "a", "an", "it", "he", "she", "they", "we", "i", "in", "on", "at", "but", "this", "that", "these",
        "those", "there", "its", "his", "her", "their", "our", "after", "before", "when", "while", "however",
        "meanwhile", "earlier", "later", "officials",
    ]
)

# Where a sentence may end: a full stop, "!" or "?" run (with closing quotes or brackets) before whitespace, or a line
# break with the whitespace after it. candidate_ends finds exactly this pattern's matches (a property test checks).
CANDIDATE_END_PATTERN: Final = r"""[.!?\n](?:(?<=\n)\s*|[.!?]*['")\]]*(?=\s))"""
_END_MARKS: Final = ".!?\n"
_CLOSERS: Final = "'\")]"
_NEXT_START: Final = re.compile(r"""\s*(['"(\[]*)(\S*)""")
_WORD_CHARACTERS: Final = string.ascii_letters + "."
_ABBREVIATION_WINDOW: Final = 24  # longer than any abbreviation or dotted acronym we recognise


def candidate_ends(text: str) -> list[tuple[int, int]]:
    """Where a sentence may end: the (start, end) of each match of CANDIDATE_END_PATTERN, left to right, without
    overlaps, found with str.find (a memchr scan) rather than the regex engine's step per character.

    A run of [.!?] and closing marks matches only if whitespace follows it, and none of its characters is whitespace,
    so when the whole run fails every shorter way through it fails too: no backtracking is needed.
    """
    ends: list[tuple[int, int]] = []
    size = len(text)
    upcoming = [text.find(mark) for mark in _END_MARKS]  # next position of each mark at or after `position`
    position = 0
    while True:
        start = size
        for slot in range(len(_END_MARKS)):
            found = upcoming[slot]
            if 0 <= found < position:
                found = upcoming[slot] = text.find(_END_MARKS[slot], position)
            if 0 <= found < start:
                start = found
        if start == size:
            return ends
        end = start + 1
        if text[start] == "\n":
            while end < size and text[end].isspace():
                end += 1
            ends.append((start, end))
            position = end
            continue
        while end < size and text[end] in ".!?":
            end += 1
        while end < size and text[end] in _CLOSERS:
            end += 1
        if end < size and text[end].isspace():
            ends.append((start, end))
        position = end


def _is_boundary(text: str, start: int, end: int) -> bool:
    punct = text[start:end]
    after = _NEXT_START.match(text, end)
    next_word = after.group(2) if after else ""
    if not next_word:
        return True
    if punct.startswith("\n"):
        # A line break ends a sentence unless the next line visibly continues it (hard-wrapped wire copy).
        last = start
        while last > 0 and text[last - 1].isspace():
            last -= 1
        continues = next_word[0].islower() and last > 0 and text[last - 1] not in ".!?\"')]:"
        return not continues
    if not (next_word[0].isupper() or next_word[0].isdigit() or (after and after.group(1))):
        return False
    if punct[0] != ".":
        return True
    # The run of letters and dots just before the full stop; it must start with a letter ("U.S", "Gen", "R").
    head = text[max(0, start - _ABBREVIATION_WINDOW) : start]
    word = head[len(head.rstrip(_WORD_CHARACTERS)) :]
    if not word or word[0] == ".":
        return True
    if "." in word:  # dotted acronym such as U.S. or U.N.
        return next_word.lower().strip(",;:") in _SENTENCE_STARTERS
    if len(word) == 1 and word.isupper():  # an initial, as in "Joe R. Biden"
        return False
    return word.lower() not in _ABBREVIATIONS


def split_sentences(normalised: NormalisedText) -> list[Sentence]:
    """Split into sentences; each keeps its normalised text and its offsets into the original text."""
    text = normalised.text
    sentences: list[Sentence] = []
    sentence_start = 0
    for start, end in candidate_ends(text):
        if not _is_boundary(text, start, end):
            continue
        cut = start if text[start] == "\n" else end
        _append_sentence(normalised, sentence_start, cut, sentences)
        sentence_start = end
    _append_sentence(normalised, sentence_start, len(text), sentences)
    return sentences


def _append_sentence(normalised: NormalisedText, start: int, end: int, out: list[Sentence]) -> None:
    segment = normalised.text[start:end]
    stripped = segment.strip()
    if not stripped:
        return
    start += len(segment) - len(segment.lstrip())
    end = start + len(stripped)
    begin, stop = normalised.to_original(start, end)
    out.append(tuple.__new__(Sentence, (len(out), stripped, begin, stop, start)))  # see service/types.py


# Words, numbers and words with inner apostrophes or dots (U.S.), plus a few punctuation marks that bound clauses.
TOKEN_PATTERN: Final = re.compile(r"[^\W_]+(?:['.][^\W_]+)*|[,;:()\"?!]")
PUNCTUATION_TOKENS: Final = frozenset(',;:()"?!')  # the marks TOKEN_PATTERN keeps as tokens
# Around a plain word, TOKEN_PATTERN keeps these marks as tokens and drops every other ASCII punctuation character
# (a word absorbs "'" or "." only between letters or digits).
_ASCII_PUNCTUATION: Final = string.punctuation


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Lower-cased tokens of a normalised string with their end-exclusive offsets."""
    return [(m.group().lower(), m.start(), m.end()) for m in TOKEN_PATTERN.finditer(text)]


def tokenize_folded(text: str) -> tuple[list[str], list[str] | None]:
    """Tokens of a normalised string folded like fold_token, plus the lower-cased surface tokens they came from.

    The surface tokens let TokenOffsets find offsets without a second regex pass; they are None in the rare case
    where lower() changes the text's length ("İ"), and the folded list itself when folding changed nothing.

    Tokens never span whitespace, so the text is split on whitespace first and only the pieces that are not plain
    words, nor plain words wrapped in ASCII punctuation, go through TOKEN_PATTERN: the same tokens as one regex pass
    over the text (a property test checks), at a fraction of the cost.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # lower() grew a character: lower token by token to stay aligned
        return [fold_token(token.lower()) for token in TOKEN_PATTERN.findall(text)], None
    tokens: list[str] = []
    split_off: list[str] = []  # tokens of the pieces that were not plain words
    for piece in lowered.split():
        if piece.isalnum():
            tokens.append(piece)
            continue
        core = piece.strip(_ASCII_PUNCTUATION)
        if core.isalnum():  # a plain word with punctuation around it ("said,", "(ap)"): no regex needed
            start = len(piece) - len(piece.lstrip(_ASCII_PUNCTUATION))
            tokens.extend([mark for mark in piece[:start] if mark in PUNCTUATION_TOKENS])
            tokens.append(core)
            tokens.extend([mark for mark in piece[start + len(core) :] if mark in PUNCTUATION_TOKENS])
            continue
        found = TOKEN_PATTERN.findall(piece)
        tokens.extend(found)
        split_off.extend(found)
    if not lowered.isascii():
        return [token if token.isascii() and token.isalnum() else fold_token(token) for token in tokens], tokens
    # In ASCII text only a token with an inner apostrophe or dot ("kata'ib", "u.s") changes when folded, and only
    # the pieces that were not plain words hold one.
    changed = {token: fold_token(token) for token in split_off if len(token) > 1 and not token.isalnum()}
    if not changed:
        return tokens, tokens
    return [changed.get(token, token) for token in tokens], tokens


class TokenOffsets:
    """Character offsets of the tokens tokenize_folded found in `text`, located on demand.

    Each token is searched from the end of the previous one: the characters between two tokens are ones the token
    pattern cannot start on, so the first hit is the token itself. Offsets are found only up to the highest token
    asked for; most sentences need those of a match or two. A token ends where it begins plus its length.
    """

    __slots__ = ("_begins", "_lowered", "_surface")

    def __init__(self, text: str, surface: list[str] | None) -> None:
        self._begins: list[int] = []
        if surface is None:  # lower() changed the length: locate on the text itself
            spans = token_spans(text)
            self._begins = [begin for begin, _ in spans]
            surface = [text[begin:end] for begin, end in spans]
        self._surface = surface
        self._lowered = text.lower()

    def __len__(self) -> int:
        return len(self._surface)

    def span(self, start: int, stop: int) -> tuple[int, int]:
        """End-exclusive character offsets of the tokens [start, stop)."""
        begins, surface = self._begins, self._surface
        found = len(begins)
        if stop > found:
            lowered = self._lowered
            position = begins[-1] + len(surface[found - 1]) if found else 0
            for token in surface[found:stop]:
                position = lowered.find(token, position)
                begins.append(position)
                position += len(token)
        return begins[start], begins[stop - 1] + len(surface[stop - 1])


def token_spans(text: str) -> list[tuple[int, int]]:
    """End-exclusive offsets of the tokens of a normalised string (aligned with tokenize_folded)."""
    return [match.span() for match in TOKEN_PATTERN.finditer(text)]


def fold_token(token: str) -> str:
    """Accent-, apostrophe- and possessive-insensitive form of a lower-cased token."""
    if token.endswith("'s"):
        token = token[:-2]
    if token.isascii():
        return token.replace("'", "").replace(".", "")
    stripped = "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))
    return stripped.replace("'", "").replace(".", "")
