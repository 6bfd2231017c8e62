import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from service.text import (
    CANDIDATE_END_PATTERN,
    TOKEN_PATTERN,
    TokenOffsets,
    candidate_ends,
    fold_token,
    normalise,
    split_sentences,
    tokenize,
    tokenize_folded,
)


def sentences_of(text: str) -> list[str]:
    return [text[s.begin : s.end] for s in split_sentences(normalise(text))]


def test_abbreviations_and_dates_do_not_end_sentences() -> None:
    text = "On Nov. 17, a militia fired rockets at the U.S. Embassy. Brig. Gen. Ismail Qaani visited Baghdad."
    assert sentences_of(text) == [
        "On Nov. 17, a militia fired rockets at the U.S. Embassy.",
        "Brig. Gen. Ismail Qaani visited Baghdad.",
    ]


def test_dotted_acronym_ends_sentence_before_a_sentence_starter() -> None:
    assert sentences_of("Troops returned to the U.S. The next day talks began.") == [
        "Troops returned to the U.S.",
        "The next day talks began.",
    ]


def test_headline_without_full_stop_is_its_own_sentence() -> None:
    text = "Iraq fears confrontation between U.S. and Iran\n\nThe Iraqi government is on edge."
    assert sentences_of(text) == ["Iraq fears confrontation between U.S. and Iran", "The Iraqi government is on edge."]


def test_hard_wrapped_line_continues_the_sentence() -> None:
    text = "Militants fired rockets at the\nbase on Tuesday. Nobody was hurt."
    assert sentences_of(text) == ["Militants fired rockets at the\nbase on Tuesday.", "Nobody was hurt."]


def test_quoted_sentence_keeps_its_closing_quote() -> None:
    text = '"We will respond," he said. "Wait for it."'
    assert sentences_of(text) == ['"We will respond," he said.', '"Wait for it."']


def test_offsets_survive_nfkc_length_changes() -> None:
    text = "The ﬁrst strike hit Sana’a… Then calm returned."
    sentences = split_sentences(normalise(text))
    assert [text[s.begin : s.end] for s in sentences] == ["The ﬁrst strike hit Sana’a…", "Then calm returned."]
    assert sentences[0].text.startswith("The first strike")


def test_typographic_quotes_and_dashes_fold_without_moving_offsets() -> None:
    text = "“Truce — over,” he said."
    normalised = normalise(text)
    assert normalised.same_offsets
    assert normalised.text == '"Truce - over," he said.'


def test_every_sentence_offset_points_into_the_original_text() -> None:
    text = "  First one.   Second one!\n\nThird ﬁne one?  "
    for sentence in split_sentences(normalise(text)):
        assert normalise(text[sentence.begin : sentence.end]).text == sentence.text


def test_tokens_keep_inner_apostrophes_and_offsets() -> None:
    assert tokenize("kata'ib fired, u.s. said") == [
        ("kata'ib", 0, 7), ("fired", 8, 13), (",", 13, 14), ("u.s", 15, 18), ("said", 20, 24)
    ]


# Characters whose normal form is longer, shorter-looking, folded or untouched, mixed with ASCII and whitespace.
_MIXED = st.text(alphabet=st.sampled_from(list("ab .\n\t\r'\"") + list("…ﬁ½’“—\u00a0éé\u0301İ\U0001d400")), max_size=40)


def _reference_normalise(text: str) -> tuple[str, list[int]]:
    """Per-character NFKC and folding with an explicit offset for every output character."""
    out: list[str] = []
    origin: list[int] = []
    for index, character in enumerate(text):
        form = unicodedata.normalize("NFKC", character)
        form = form.translate(str.maketrans({"’": "'", "“": '"', "—": "-", "\u00a0": " ", "\t": " ", "\r": "\n"}))
        out.append(form)
        origin.extend([index] * len(form))
    return "".join(out), origin


@given(_MIXED)
def test_normalised_offsets_match_a_per_character_reference(text: str) -> None:
    normalised = normalise(text)
    expected, origin = _reference_normalise(text)
    assert normalised.text == expected
    for begin in range(len(expected)):
        for end in range(begin + 1, len(expected) + 1):
            assert normalised.to_original(begin, end) == (origin[begin], origin[end - 1] + 1)
    assert normalised.to_original(len(expected), len(expected)) == (len(text), len(text))


_SENTENCE_ENDS = st.text(alphabet=st.sampled_from(list("ab .!?\n\t'\")]([\u00a0\u2028")), max_size=40)


@given(st.one_of(_SENTENCE_ENDS, _MIXED))
def test_candidate_ends_are_the_matches_of_their_pattern(text: str) -> None:
    expected = [match.span() for match in re.finditer(CANDIDATE_END_PATTERN, text)]
    assert candidate_ends(text) == expected


_PUNCTUATED = st.text(alphabet=st.sampled_from(list("ab1é ,;:()\"?!.-_'#/\n")), max_size=40)


@given(st.one_of(_MIXED, _PUNCTUATED))
def test_tokens_of_whitespace_pieces_equal_one_regex_pass(text: str) -> None:
    normalised = normalise(text).text
    folded, surface = tokenize_folded(normalised)
    expected = [fold_token(token.lower()) for token in TOKEN_PATTERN.findall(normalised)]
    assert folded == expected
    offsets = TokenOffsets(normalised, surface)
    spans = [offsets.span(index, index + 1) for index in range(len(offsets))]
    assert spans == [match.span() for match in TOKEN_PATTERN.finditer(normalised)]
