from pathlib import Path

import pytest

from service.aggregate import LEVELS, level_of
from service.errors import InputError
from service.scoring import Scorer
from service.signals import SIGNAL_NAMES

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def test_the_same_story_told_twice_scores_alike(full_scorer: Scorer) -> None:
    translated, original = full_scorer.score(seed("000")), full_scorer.score(seed("001"))
    assert translated.level == original.level
    shared = set(translated.flagged_signals) & set(original.flagged_signals)
    either = set(translated.flagged_signals) | set(original.flagged_signals)
    assert len(shared) >= 0.6 * len(either)


def test_sentence_offsets_point_at_the_sentence_in_the_original_text(scorer: Scorer) -> None:
    text = seed("001")
    for sentence in scorer.score(text).sentences:
        assert text[sentence.begin : sentence.end].split() == sentence.text.replace("’", "'").split() or \
            len(text[sentence.begin : sentence.end]) == len(sentence.text)


def test_evidence_offsets_point_at_the_matched_words(scorer: Scorer) -> None:
    text = "On Nov. 17, a militia fired rockets toward the U.S. Embassy in Baghdad’s Green Zone."
    (sentence,) = scorer.score(text).sentences
    fired = [m for m in sentence.matches if m.signal == "attack"]
    assert fired and text[fired[0].begin : fired[0].end] == fired[0].text == "fired rockets"


def test_actors_are_found_with_offsets_into_the_original_text(scorer: Scorer) -> None:
    text = "Kataeb Hezbollah denied involvement.  Later, Kadhimi’s office urged calm."
    document = scorer.score(text)
    assert document.actor_names == ("Kataib Hezbollah", "Mustafa al-Kadhimi")
    assert [text[a.begin : a.end] for a in document.actors] == ["Kataeb Hezbollah", "Kadhimi’s"]


def test_explanations_name_model_terms_for_flagged_signals(scorer: Scorer) -> None:
    (sentence,) = scorer.score("Militants fired three rockets at the air base, killing two soldiers.").sentences
    assert "attack" in sentence.signals
    terms = sentence.top_terms["attack"]
    assert terms and all(term.contribution > 0 for term in terms)


def test_score_many_equals_score_one_by_one(scorer: Scorer) -> None:
    texts = [seed("003"), "The ceasefire held overnight.", seed("004")]
    together = scorer.score_many(texts)
    for text, document in zip(texts, together, strict=True):
        alone = scorer.score(text, explain=False)
        assert alone.risk == pytest.approx(document.risk, abs=1e-12)
        assert alone.flagged_signals == document.flagged_signals


def test_a_document_without_sentences_scores_zero_and_leaves_its_neighbours_alone(scorer: Scorer) -> None:
    attack = "Militants fired rockets at the air base, killing two soldiers."
    empty, scored, last = scorer.score_many(["\u200b", attack, "\u200b\u200b"])
    assert (empty.sentences, empty.risk, empty.level, empty.flagged_signals) == ((), 0.0, "low", ())
    assert last.sentences == () and last.risk == 0.0
    assert scored.risk == scorer.score(attack).risk > 0.5


def test_probabilities_are_in_range_and_signals_carry_codes(scorer: Scorer) -> None:
    document = scorer.score(seed("002"))
    assert 0.0 <= document.risk <= 1.0 and 0.0 <= document.deescalation <= 1.0
    for name in SIGNAL_NAMES:
        signal = document.signals[name]
        assert 0.0 <= signal.probability <= 1.0 and signal.cameo and signal.plover
        assert signal.flagged == bool(signal.sentences)


def test_risk_does_not_drift_up_as_neutral_text_grows(scorer: Scorer) -> None:
    core = "Militants fired rockets at the base. "
    filler = "The weather was mild and markets were calm. " * 200
    assert scorer.score(core + filler).risk == pytest.approx(scorer.score(core).risk, abs=1e-9)


def test_threshold_override_changes_flags(scorer: Scorer) -> None:
    text = "Militants fired rockets at the base."
    assert "attack" in scorer.score_many([text])[0].flagged_signals
    assert "attack" not in scorer.score_many([text], thresholds={"attack": 1.0})[0].flagged_signals


@pytest.mark.parametrize(
    ("bad", "message"), [("", "text is empty"), ("   ", "text is empty"), (42, "must be a string")]
)
def test_bad_text_is_an_input_error(scorer: Scorer, bad: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        scorer.score(bad)  # type: ignore[arg-type]


def test_text_over_the_limit_is_refused_with_the_limit_in_the_message(model_path: Path) -> None:
    small = Scorer(Scorer.load(model_path).artifact, Scorer.load(model_path).gazetteer, max_text_chars=10)
    with pytest.raises(InputError, match="the limit is 10"):
        small.score("This text is longer than ten characters.")


def test_unknown_threshold_name_lists_the_valid_names(scorer: Scorer) -> None:
    with pytest.raises(InputError, match=r"valid names are .*'attack'"):
        scorer.score_many(["Rockets hit the base."], thresholds={"atack": 0.5})


def test_levels_cover_the_unit_interval_in_order() -> None:
    assert [level_of(x) for x in (0.0, 0.29, 0.3, 0.6, 0.85, 1.0)] == [
        "low", "low", "elevated", "high", "critical", "critical"
    ]
    assert [name for _, name in LEVELS] == ["critical", "high", "elevated", "low"]


def test_a_loaded_scorer_has_its_lookup_tables_built_before_the_first_request(model_path: Path) -> None:
    fresh = Scorer.load(model_path)
    assert fresh.artifact.features._bigrams is not None  # built by Scorer itself, not by a first transform
    keys, _ = fresh.artifact.features._bigrams
    assert len(keys) > 0


def test_actor_names_are_canonical_in_order_of_first_mention_without_repeats(scorer: Scorer) -> None:
    document = scorer.score("Iran accused the US of provocations, and Iran moved troops. Talks resumed.")
    first, second = document.sentences
    assert [mention.canonical for mention in first.actors] == ["Iran", "United States", "Iran"]
    assert first.actor_names == ("Iran", "United States") and second.actor_names == ()
    assert document.actor_names == ("Iran", "United States")


def test_summaries_are_score_many_without_the_sentence_records(scorer: Scorer) -> None:
    texts = [
        seed("000"),
        seed("002"),
        "\u200b",  # no sentences
        "Kataeb Hezbollah fired rockets at the base.  Later, Kadhimi’s office urged calm; Kataeb Hezbollah denied it.",
        "ﬁghters ﬁred on the convoy; the UN urged restraint.",  # NFKC changes offsets: the other analysis branch
        "The central bank kept rates unchanged.",
    ]
    attack_flags = []
    for thresholds in (None, {"attack": 1.0, "restraint": 0.01}):
        documents = scorer.score_many(texts, thresholds=thresholds)
        summaries = scorer.summarise_many(texts, thresholds=thresholds)
        assert summaries.maxima.shape == (len(texts), len(SIGNAL_NAMES) + 2)
        for row, document in enumerate(documents):
            probabilities = [document.signals[name].probability for name in SIGNAL_NAMES]
            assert summaries.maxima[row].tolist() == [*probabilities, document.risk, document.deescalation]
            flagged = tuple(name for name, flag in zip(SIGNAL_NAMES, summaries.flagged[row], strict=True) if flag)
            assert flagged == document.flagged_signals
            assert summaries.actors[row] == document.actor_names
            assert summaries.sentences[row] == len(document.sentences)
        attack_flags.append(int(summaries.flagged[:, SIGNAL_NAMES.index("attack")].sum()))
    assert attack_flags[0] >= 2 and attack_flags[1] == 0  # the override reached the flags
    assert summaries.actors[3] == ("Kataib Hezbollah", "Mustafa al-Kadhimi")
    assert summaries.sentences[2] == 0 and summaries.maxima[2].tolist() == [0.0] * (len(SIGNAL_NAMES) + 2)


def test_summaries_refuse_what_score_many_refuses(scorer: Scorer) -> None:
    with pytest.raises(InputError, match="document 1: text is empty"):
        scorer.summarise_many(["Rockets hit the base.", "  "])
    with pytest.raises(InputError, match="unknown signal 'atack'"):
        scorer.summarise_many(["Rockets hit the base."], thresholds={"atack": 0.5})
    assert scorer.summarise_many([]).maxima.shape == (0, len(SIGNAL_NAMES) + 2)
