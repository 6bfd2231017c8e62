"""Text normalisation, sentence splitting and tokenisation, all keeping offsets into the original text.

Normalisation is NFKC plus a one-to-one folding of quotes, dashes and whitespace characters. Because the folding is
one-to-one, offsets only move where NFKC changes a string's length (ligatures, "…" and the like); then a per-character
map back to the original is kept. Whitespace runs are not collapsed in the text itself: the tokeniser and the splitter
treat any run of whitespace as one separator, which keeps every offset exact.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from service.types import Sentence

_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\t": " ", "\r": "\n", "\u2028": "\n", "\u2029": "\n",
        "\u200b": " ", "\ufeff": " ",
    }
)


_FOLDABLE = re.compile("[" + re.escape("".join(chr(code) for code in _FOLD)) + "]")


def _fold(text: str) -> str:
    """Apply _FOLD; a regex over the few foldable characters beats str.translate's per-character dict lookups."""
    return _FOLDABLE.sub(lambda match: _FOLD[ord(match.group())], text)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """Normalised text plus, when lengths changed, the original offset of every normalised character."""

    original: str
    text: str
    origin: tuple[int, ...] | None  # None: offsets are identical

    def to_original(self, begin: int, end: int) -> tuple[int, int]:
        """Map an end-exclusive span of the normalised text back to the original text."""
        if self.origin is None:
            return begin, end
        if begin >= end:
            position = self.origin[begin] if begin < len(self.origin) else len(self.original)
            return position, position
        return self.origin[begin], self.origin[end - 1] + 1


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def normalise(text: str) -> NormalisedText:
    """NFKC, then fold typographic quotes, dashes and exotic whitespace to ASCII, one character for one."""
    if text.isascii():  # ASCII is NFKC already; only tabs and carriage returns fold
        return NormalisedText(text, text.replace("\t", " ").replace("\r", "\n"), None)
    if unicodedata.is_normalized("NFKC", text):
        return NormalisedText(text, _fold(text), None)
    # Only non-ASCII runs can change under NFKC; ASCII stretches are copied whole with an identity offset map.
    pieces: list[str] = []
    origin: list[int] = []
    position = 0
    for run in _NON_ASCII.finditer(text):
        pieces.append(text[position : run.start()])
        origin.extend(range(position, run.start()))
        for index in range(run.start(), run.end()):
            folded = unicodedata.normalize("NFKC", text[index])
            pieces.append(folded)
            origin.extend([index] * len(folded))
        position = run.end()
    pieces.append(text[position:])
    origin.extend(range(position, len(text)))
    normalised = "".join(pieces)
    if len(normalised) == len(text):
        return NormalisedText(text, _fold(normalised), None)
    return NormalisedText(text, _fold(normalised), tuple(origin))


# Abbreviations whose full stop does not end a sentence (titles, months, wire-style shorthands).
_ABBREVIATIONS = frozenset(
    [
        "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "sgt", "cpl", "pvt", "adm", "cmdr", "brig",
        "cdr", "gov", "sen", "rep", "pres", "amb", "rev", "fr", "st", "mt", "ft", "jan", "feb", "mar", "apr", "jun",
        "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "nos", "vs", "v", "approx", "est", "dept", "univ",
        "inc", "corp", "co", "ltd", "jr", "sr", "al", "gens", "lts", "cols", "sens", "reps", "govs",
    ]
)
# Dotted acronyms (U.S., U.N.) end a sentence only before a word that typically starts one.
_SENTENCE_STARTERS = frozenset(
    [
        "the", "a", "an", "it", "he", "she", "they", "we", "i", "in", "on", "at", "but", "this", "that", "these",
        "those", "there", "its", "his", "her", "their", "our", "after", "before", "when", "while", "however",
        "meanwhile", "earlier", "later", "officials",
    ]
)

_CANDIDATE_END = re.compile(r"""[.!?]+['")\]]*(?=\s)|\n\s*""")
_NEXT_START = re.compile(r"""\s*(['"(\[]*)(\S*)""")
_WORD_BEFORE = re.compile(r"""(?<![A-Za-z.])([A-Za-z][A-Za-z.]*)\.$""")
_ABBREVIATION_WINDOW = 24  # longer than any abbreviation or dotted acronym we recognise


def _is_boundary(text: str, end_match: re.Match[str]) -> bool:
    punct = end_match.group()
    after = _NEXT_START.match(text, end_match.end())
    next_word = after.group(2) if after else ""
    if not next_word:
        return True
    if punct.startswith("\n"):
        # A line break ends a sentence unless the next line visibly continues it (hard-wrapped wire copy).
        previous = text[: end_match.start()].rstrip()
        continues = next_word[0].islower() and bool(previous) and previous[-1] not in ".!?\"')]:"
        return not continues
    if not (next_word[0].isupper() or next_word[0].isdigit() or (after and after.group(1))):
        return False
    if punct[0] != ".":
        return True
    window_start = max(0, end_match.start() - _ABBREVIATION_WINDOW)
    before = _WORD_BEFORE.search(text[window_start : end_match.start() + 1])
    if before is None:
        return True
    word = before.group(1)
    if "." in word:  # dotted acronym such as U.S. or U.N.
        return next_word.lower().strip(",;:") in _SENTENCE_STARTERS
    if len(word) == 1 and word.isupper():  # an initial, as in "Joe R. Biden"
        return False
    return word.lower() not in _ABBREVIATIONS


def split_sentences(normalised: NormalisedText) -> list[Sentence]:
    """Split into sentences; each keeps its normalised text and its offsets into the original text."""
    text = normalised.text
    sentences: list[Sentence] = []
    start = 0
    for end_match in _CANDIDATE_END.finditer(text):
        if not _is_boundary(text, end_match):
            continue
        cut = end_match.start() if end_match.group().startswith("\n") else end_match.end()
        _append_sentence(normalised, start, cut, sentences)
        start = end_match.end()
    _append_sentence(normalised, start, len(text), sentences)
    return sentences


def _append_sentence(normalised: NormalisedText, start: int, end: int, out: list[Sentence]) -> None:
    text = normalised.text
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return
    begin, stop = normalised.to_original(start, end)
    out.append(Sentence(index=len(out), text=text[start:end], begin=begin, end=stop, norm_begin=start))


# Words, numbers and words with inner apostrophes or dots (U.S.), plus a few punctuation marks that bound clauses.
TOKEN_PATTERN = re.compile(r"[^\W_]+(?:['.][^\W_]+)*|[,;:()\"?!]")


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Lower-cased tokens of a normalised string with their end-exclusive offsets."""
    return [(m.group().lower(), m.start(), m.end()) for m in TOKEN_PATTERN.finditer(text)]


# A token with an inner apostrophe or dot ("kata'ib", "u.s"): only these need folding in ASCII text.
_MARKED_TOKEN = re.compile(r"[^\W_]['.][^\W_]")


def folded_tokens(text: str) -> list[str]:
    """Tokens of a normalised string, folded like fold_token (aligned with token_spans)."""
    lowered = text.lower()
    tokens: list[str] = TOKEN_PATTERN.findall(lowered)
    if not text.isascii():
        if len(lowered) != len(text):  # lower() grew a character ("İ"): lower token by token to stay aligned
            tokens = [token.lower() for token in TOKEN_PATTERN.findall(text)]
        return [token if token.isascii() and token.isalnum() else fold_token(token) for token in tokens]
    if _MARKED_TOKEN.search(lowered):
        return [token if token.isalnum() else fold_token(token) for token in tokens]
    return tokens


def token_spans(text: str) -> list[tuple[int, int]]:
    """End-exclusive offsets of the tokens of a normalised string (aligned with folded_tokens)."""
    return [match.span() for match in TOKEN_PATTERN.finditer(text)]


def fold_token(token: str) -> str:
    """Accent-, apostrophe- and possessive-insensitive form of a lower-cased token."""
    if token.endswith("'s"):
        token = token[:-2]
    if token.isascii():
        return token.replace("'", "").replace(".", "")
    stripped = "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))
    return stripped.replace("'", "").replace(".", "")
