from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from service.features import SMALL_INPUT_TOKENS, word_ngrams
from service.lexicon import Lexicon
from training.estimators import SentenceFeaturizer

LEXICON = Lexicon.load()
TEXTS = [
    "Militants fired rockets at the base on Tuesday.",
    "The group denied firing rockets at the base.",
    "Officials fear militants could fire rockets at the base.",
    "The truce held for a second week.",
    "The truce collapsed after rockets hit the base.",
    "Talks on a ceasefire resumed in Doha.",
]


def test_tfidf_block_equals_scikit_learn_tfidf_on_the_same_tokens() -> None:
    ours = SentenceFeaturizer(lexicon=LEXICON, use_lexicon=False, min_df=1).fit(TEXTS)
    tokens = {text: LEXICON.analyze(text).tokens for text in TEXTS}
    reference = TfidfVectorizer(analyzer=lambda text: word_ngrams(tokens[text], 2), sublinear_tf=True).fit(TEXTS)
    assert list(ours.get_feature_names_out()) == list(reference.get_feature_names_out())
    np.testing.assert_allclose(ours.transform(TEXTS).toarray(), reference.transform(TEXTS).toarray(), atol=1e-12)


def test_lexicon_block_separates_asserted_negated_and_hypothetical() -> None:
    featurizer = SentenceFeaturizer(lexicon=LEXICON, use_tfidf=False).fit(TEXTS)
    names = list(featurizer.get_feature_names_out())
    matrix = featurizer.transform(TEXTS[:3]).toarray()
    channels = ("asserted", "negated", "hypothetical")
    asserted, negated, hypothetical = (names.index(f"lexicon:attack:{c}") for c in channels)
    assert matrix[0, asserted] > 0 and matrix[0, negated] == 0 == matrix[0, hypothetical]
    assert matrix[1, negated] > 0 and matrix[1, asserted] == 0
    assert matrix[2, hypothetical] > 0 and matrix[2, asserted] == 0


def test_negated_words_get_their_own_features_only_in_the_hybrid() -> None:
    hybrid = SentenceFeaturizer(lexicon=LEXICON, min_df=1).fit(TEXTS)
    model_only = SentenceFeaturizer(lexicon=LEXICON, use_lexicon=False, min_df=1).fit(TEXTS)
    assert "neg:firing" in hybrid.space_.vocabulary_ and "neg:firing" not in model_only.space_.vocabulary_


def test_raw_text_and_prepared_analysis_give_the_same_features() -> None:
    featurizer = SentenceFeaturizer(lexicon=LEXICON, min_df=1).fit(TEXTS)
    from_text = featurizer.transform(TEXTS).toarray()
    from_analysis = featurizer.transform([LEXICON.analyze(text) for text in TEXTS]).toarray()
    np.testing.assert_array_equal(from_text, from_analysis)


def test_sentence_with_no_known_words_gives_an_empty_row_not_nan() -> None:
    featurizer = SentenceFeaturizer(lexicon=LEXICON, use_lexicon=False, min_df=1).fit(TEXTS)
    matrix = featurizer.transform(["Zzyzx qwerty.", TEXTS[0]]).toarray()
    assert not np.isnan(matrix).any()
    assert matrix[0].sum() == 0.0 and np.linalg.norm(matrix[1]) == pytest.approx(1.0)


def test_bigrams_never_join_the_last_word_of_one_sentence_to_the_first_of_the_next() -> None:
    featurizer = SentenceFeaturizer(lexicon=LEXICON, use_lexicon=False, min_df=1).fit(["rockets base", "the base"])
    names = list(featurizer.get_feature_names_out())
    together = featurizer.transform(["rockets base"]).toarray()[0]
    apart = featurizer.transform(["then rockets", "base again"]).toarray()
    assert together[names.index("rockets base")] > 0
    assert apart[:, names.index("rockets base")].tolist() == [0.0, 0.0]
    assert apart[0, names.index("rockets")] > 0 and apart[1, names.index("base")] > 0


def test_a_vocabulary_bigram_whose_word_is_missing_is_refused_not_silently_dropped() -> None:
    space = SentenceFeaturizer(lexicon=LEXICON, use_lexicon=False, min_df=1).fit(["rockets hit"]).space_
    space.vocabulary_ = {"rockets": 0, "rockets hit": 1}
    space._bigrams = None
    with pytest.raises(ValueError, match=r"'rockets hit'.*one of its words"):
        space.transform(["rockets hit"])


def test_prepare_builds_the_bigram_table_that_transform_would_build_on_first_use() -> None:
    space = SentenceFeaturizer(lexicon=LEXICON, use_lexicon=False, min_df=1).fit(TEXTS).space_
    lazy = space.transform(TEXTS).toarray()
    keys, columns = space._bigram_table()
    space._bigrams = None
    space.prepare()
    assert space._bigrams is not None
    prepared_keys, prepared_columns = space._bigrams
    assert len(keys) > 0 and keys.tolist() == prepared_keys.tolist() and columns.tolist() == prepared_columns.tolist()
    assert np.array_equal(space.transform(TEXTS).toarray(), lazy)


def test_the_small_input_loops_give_the_numpy_rows(model_path: Path) -> None:
    """Up to SMALL_INPUT_TOKENS tokens, `rows` builds the matrix in plain loops: same columns, same values to 1e-12."""
    from service.model import load_artifact
    from training.corpus import read_jsonl
    from training.paths import DEV_PATH

    space = load_artifact(model_path).features
    texts = [example.text for example in read_jsonl(DEV_PATH)]
    texts += ["", "Zzyzx qwerty.", "No, they did not attack; they might attack. " * 6, "Rockets rockets rockets!"]
    analyses = [space.lexicon.analyze(text) for text in texts]
    for start in range(0, len(analyses), 4):
        chunk = analyses[start : start + 4]
        small, large = space._small_rows(chunk), space._numpy_rows(chunk)
        assert np.array_equal(small[1], large[1]) and np.array_equal(small[2], large[2]), texts[start : start + 4]
        np.testing.assert_allclose(small[0], large[0], rtol=0, atol=1e-12)
    short = analyses[:2]
    assert sum(len(a.tokens) for a in short) <= SMALL_INPUT_TOKENS  # `rows` takes the loops for this input
    np.testing.assert_allclose(space.rows(short)[0], space._numpy_rows(short)[0], rtol=0, atol=1e-12)
