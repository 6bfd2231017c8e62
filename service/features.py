"""Sentence features: word n-gram TF-IDF plus lexicon features, one transform used by training and scoring alike.

The TF-IDF block reproduces scikit-learn's TfidfVectorizer (smooth idf, optional sublinear tf, L2 rows; a test
checks equality) but reads the tokens the lexicon already produced, so each sentence is tokenised once. The lexicon
block holds, per signal, the summed weights of asserted, negated and hypothetical matches.

Nothing here imports scikit-learn (whose import alone took 3-4 s here, mostly scipy.stats): the service loads and
runs a FeatureSpace without it. Everything is module-level so that joblib finds it by import path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from itertools import pairwise
from typing import Any, Final

import numpy as np
import scipy.sparse as sp

from service.lexicon import Analysis, Lexicon
from service.signals import SIGNAL_NAMES
from service.text import normalise

LEXICON_CHANNELS = ("asserted", "negated", "hypothetical")
LEXICON_WIDTH: Final = len(SIGNAL_NAMES) * len(LEXICON_CHANNELS)
_LEXICON_COLUMN_OF: Final = {name: i * len(LEXICON_CHANNELS) for i, name in enumerate(SIGNAL_NAMES)}
# Lexicon features are log1p(summed weight) times this factor. TF-IDF rows have unit L2 norm and a typical strong
# n-gram carries 0.2-0.4 of it; 0.125 keeps one ordinary lexicon match (weight 1, log1p = 0.69) at about 0.09, so the
# shared regularisation does not let the lexicon drown the n-grams. Chosen with C (training/estimators.py) on the
# 6,104-sentence corpus by two measures that agreed: 4-fold cross-validated macro-F1 of the train split (C=16: 0.25
# 0.805, 0.125 0.813, 0.0625 0.812) and a cross-writer test, fitting on the sentences of the first seven batches and
# scoring the three later batches written by other writers (macro-F1 at the best thresholds, C=16: 0.25 0.776,
# 0.125 0.783, 0.0625 0.778; no lexicon features 0.771).
LEXICON_SCALE = 0.125
# Up to this many tokens in a transform, the rows are built in plain loops instead of numpy: numpy's per-call cost
# (some 60 calls per transform, each allocating) outweighs its per-token speed below a few hundred tokens, as in one
# API request. Measured on a 600-character document (95 tokens), interleaved runs, median CPU time per score_many:
# 362 us with the loops, 448 us with numpy (valgrind counts 8% more instructions for the loops: numpy's are slower).
SMALL_INPUT_TOKENS = 400


def analyze_text(lexicon: Lexicon, text: str) -> Analysis:
    """Normalise a raw sentence and run the lexicon over it."""
    return lexicon.analyze(normalise(text).text)


def to_analyses(lexicon: Lexicon, items: Sequence[str | Analysis]) -> list[Analysis]:
    """Raw sentences analysed; analyses passed through."""
    return [item if isinstance(item, Analysis) else analyze_text(lexicon, item) for item in items]


def word_ngrams(tokens: Sequence[str], ngram_max: int) -> list[str]:
    """Unigrams, then bigrams (and so on) joined with a space, like scikit-learn's word analyzer."""
    grams = list(tokens)
    if ngram_max >= 2:
        grams.extend([a + " " + b for a, b in pairwise(tokens)])
    for n in range(3, ngram_max + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


class FeatureSpace:
    """A fitted feature space: the vocabulary and idf weights (from training), and the transform that turns text or
    lexicon analyses into the sparse matrix [TF-IDF | lexicon]. Training fits it through the scikit-learn wrapper
    (training/estimators.py); the service loads it from the artifact without importing scikit-learn."""

    def __init__(
        self,
        lexicon: Lexicon,
        vocabulary: dict[str, int],
        idf: np.ndarray,
        *,
        ngram_max: int,
        sublinear_tf: bool,
        use_lexicon: bool,
        lexicon_scale: float,
    ) -> None:
        self.lexicon = lexicon
        self.vocabulary_ = vocabulary
        self.idf_ = idf
        self.ngram_max = ngram_max
        self.sublinear_tf = sublinear_tf
        self.use_tfidf = bool(vocabulary)
        self.use_lexicon = use_lexicon
        self.lexicon_scale = lexicon_scale
        lexicon_names = [f"lexicon:{s}:{c}" for s in SIGNAL_NAMES for c in LEXICON_CHANNELS] if use_lexicon else []
        self.feature_names_ = np.array([*vocabulary, *lexicon_names], dtype=object)
        self._bigrams: tuple[np.ndarray, np.ndarray] | None = None  # built by prepare() or on first use
        self._small: tuple[dict[int, int], list[float]] | None = None  # the same, for _small_rows

    @classmethod
    def fit(
        cls,
        lexicon: Lexicon,
        analyses: Sequence[Analysis],
        *,
        ngram_max: int,
        min_df: int,
        sublinear_tf: bool,
        use_tfidf: bool,
        use_lexicon: bool,
        lexicon_scale: float,
    ) -> FeatureSpace:
        """The n-grams (and cue-scoped words) in at least `min_df` sentences, with smooth idf weights. The defaults
        of every setting live in one place: training/estimators.py's SentenceFeaturizer."""
        if not use_tfidf and not use_lexicon:
            raise ValueError("a feature space needs TF-IDF or lexicon features")
        document_frequency: dict[str, int] = {}
        for analysis in analyses:
            grams = word_ngrams(analysis.tokens, ngram_max)
            if use_lexicon:
                grams.extend(analysis.scoped)
            for gram in set(grams):
                document_frequency[gram] = document_frequency.get(gram, 0) + 1
        kept = sorted(gram for gram, df in document_frequency.items() if df >= min_df) if use_tfidf else []
        vocabulary = {gram: index for index, gram in enumerate(kept)}
        df = np.array([document_frequency[gram] for gram in vocabulary], dtype=np.float64)
        idf = np.log((1.0 + len(analyses)) / (1.0 + df)) + 1.0
        return cls(
            lexicon, vocabulary, idf,
            ngram_max=ngram_max, sublinear_tf=sublinear_tf, use_lexicon=use_lexicon, lexicon_scale=lexicon_scale,
        )

    def transform(self, items: Sequence[str | Analysis]) -> sp.csr_matrix:
        data, indices, indptr = self.rows(items)
        return sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, len(self.feature_names_)))

    def rows(self, items: Sequence[str | Analysis]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The feature matrix as CSR arrays (data, indices, indptr), columns sorted within each row, without building
        a scipy matrix: the scorer works on the arrays directly (service/heads.py), since each scipy.sparse
        constructor or product costs tens of microseconds of checks, more than the arithmetic of a short document."""
        analyses = to_analyses(self.lexicon, items)
        if sum([len(analysis.tokens) for analysis in analyses]) <= SMALL_INPUT_TOKENS:
            return self._small_rows(analyses)
        return self._numpy_rows(analyses)

    def _numpy_rows(self, analyses: Sequence[Analysis]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        blocks = []
        if self.use_tfidf:
            blocks.append(self._tfidf(analyses))
        if self.use_lexicon:
            rows, columns, values = self._lexicon_block(analyses)
            blocks.append((rows, columns + len(self.vocabulary_), values))
        rows, columns, values = (np.concatenate(parts) for parts in zip(*blocks, strict=True))
        # Each block is sorted by row, then column, and every lexicon column comes after every TF-IDF column, so a
        # stable sort on the row alone orders the whole (timsort merges the two sorted runs in one linear pass).
        order = np.argsort(rows, kind="stable")
        indptr = np.zeros(len(analyses) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(analyses)), out=indptr[1:])
        return values[order], columns[order], indptr

    def _tfidf(self, analyses: Sequence[Analysis]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # Each token is looked up once (a dict primitive in the compiled build); bigrams are then found in numpy from
        # pairs of neighbouring token columns, which needs no string or tuple per pair. A bigram's sentences all
        # contain its first and its second word, so a bigram in the vocabulary has both words in it: a pair with an
        # unknown word is never a known bigram.
        vocabulary: dict[str, int] = self.vocabulary_
        token_columns: list[int] = []
        token_counts: list[int] = []
        extra_columns: list[int] = []  # trigrams and longer, and cue-scoped words: rare, looked up as strings
        extra_counts: list[int] = []
        for analysis in analyses:
            tokens = analysis.tokens
            token_columns.extend([vocabulary.get(token, -1) for token in tokens])
            token_counts.append(len(tokens))
            before = len(extra_columns)
            for n in range(3, self.ngram_max + 1):
                grams = [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
                extra_columns.extend([vocabulary.get(gram, -1) for gram in grams])
            if self.use_lexicon:
                extra_columns.extend([vocabulary.get(word, -1) for word in analysis.scoped])
            extra_counts.append(len(extra_columns) - before)
        sentences = np.arange(len(analyses))
        columns = np.array(token_columns, dtype=np.int64)
        rows = np.repeat(sentences, token_counts)
        found_rows, found_columns = [rows], [columns]
        if self.ngram_max >= 2 and len(columns) > 1:
            bigram_rows, bigram_columns = self._bigrams_of(rows, columns)
            found_rows.append(bigram_rows)
            found_columns.append(bigram_columns)
        if extra_columns:
            found_rows.append(np.repeat(sentences, extra_counts))
            found_columns.append(np.array(extra_columns, dtype=np.int64))
        rows, columns = np.concatenate(found_rows), np.concatenate(found_columns)
        known = columns >= 0
        width = max(len(self.vocabulary_), 1)
        # Unique (row, column) keys in row-major order with their multiplicity: the term counts.
        keys, counts = np.unique(rows[known] * width + columns[known], return_counts=True)
        rows, columns_found = keys // width, keys % width
        values = counts.astype(np.float64)
        if self.sublinear_tf:
            np.log(values, out=values)
            values += 1.0
        values *= self.idf_[columns_found]
        return rows, columns_found, unit_rows(values, rows, len(analyses))

    def _small_rows(self, analyses: Sequence[Analysis]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`rows` for a few sentences, one sentence at a time in plain loops, with the same arithmetic in the same
        order as the numpy path; math's log may differ from numpy's in the last bit (tests hold the two equal to
        1e-12)."""
        vocabulary: dict[str, int] = self.vocabulary_
        width = len(vocabulary)
        bigram_of, idf = self._small_tables()
        data: list[float] = []
        indices: list[int] = []
        indptr: list[int] = [0]
        for analysis in analyses:
            if self.use_tfidf:
                tokens = analysis.tokens
                counts: dict[int, int] = {}
                columns = [vocabulary.get(token, -1) for token in tokens]
                found = [column for column in columns if column >= 0]
                if self.ngram_max >= 2:
                    for first, second in pairwise(columns):
                        if first >= 0 and second >= 0:
                            bigram = bigram_of.get(first * width + second, -1)
                            if bigram >= 0:
                                found.append(bigram)
                for n in range(3, self.ngram_max + 1):
                    for i in range(len(tokens) - n + 1):
                        found.append(vocabulary.get(" ".join(tokens[i : i + n]), -1))
                if self.use_lexicon:
                    found.extend([vocabulary.get(word, -1) for word in analysis.scoped])
                for column in found:
                    if column >= 0:
                        counts[column] = counts.get(column, 0) + 1
                ordered = sorted(counts)
                values: list[float] = []
                for column in ordered:
                    count = float(counts[column])
                    tf = math.log(count) + 1.0 if self.sublinear_tf else count
                    values.append(tf * idf[column])
                norm = 0.0
                for value in values:
                    norm += value * value
                norm = math.sqrt(norm) if norm != 0.0 else 1.0
                data.extend([value / norm for value in values])
                indices.extend(ordered)
            if self.use_lexicon:
                for column, weight in enumerate(lexicon_weights(analysis)):
                    if weight != 0.0:
                        data.append(math.log1p(weight) * self.lexicon_scale)
                        indices.append(width + column)
            indptr.append(len(indices))
        return (
            np.fromiter(data, np.float64, len(data)),
            np.fromiter(indices, np.int64, len(indices)),
            np.fromiter(indptr, np.int64, len(indptr)),
        )

    def _small_tables(self) -> tuple[dict[int, int], list[float]]:
        """The bigram table as a dict (first word's column x vocabulary size + second word's -> bigram column) and the
        idf weights as a list; built once, never pickled."""
        tables = self._small
        if tables is None:
            bigrams: dict[int, int] = {}
            if self.use_tfidf and self.ngram_max >= 2:
                keys, bigram_columns = self._bigram_table()
                bigrams = dict(zip(keys.tolist(), bigram_columns.tolist(), strict=True))
            tables = bigrams, self.idf_.tolist()
            self._small = tables
        return tables

    def _bigrams_of(self, rows: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows and vocabulary columns of the known bigrams among neighbouring tokens (`columns` are the tokens'
        unigram columns, -1 for unknown words, `rows` their sentences)."""
        keys, bigram_columns = self._bigram_table()
        first, second = columns[:-1], columns[1:]
        pair = (rows[:-1] == rows[1:]) & (first >= 0) & (second >= 0)
        wanted = first[pair] * len(self.vocabulary_) + second[pair]
        if not len(keys) or not len(wanted):
            return rows[:0], columns[:0]
        position = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        hit = keys[position] == wanted
        return rows[:-1][pair][hit], bigram_columns[position[hit]]

    def prepare(self) -> None:
        """Build the lookup tables now (tens of milliseconds) rather than in the first transform: a server calls this
        before it reports ready, so no request pays for it."""
        if self.use_tfidf and self.ngram_max >= 2:
            self._bigram_table()
        self._small_tables()

    def _bigram_table(self) -> tuple[np.ndarray, np.ndarray]:
        """The vocabulary's bigrams as sorted keys (first word's column x vocabulary size + second word's column) and
        their own columns; built once, never pickled."""
        table = self._bigrams
        if table is None:
            vocabulary = self.vocabulary_
            keys, bigram_columns = [], []
            for gram, column in vocabulary.items():
                words = gram.split(" ")
                if len(words) != 2:
                    continue
                if words[0] not in vocabulary or words[1] not in vocabulary:
                    raise ValueError(f"bigram {gram!r} is in the vocabulary but one of its words is not")
                keys.append(vocabulary[words[0]] * len(vocabulary) + vocabulary[words[1]])
                bigram_columns.append(column)
            key_array = np.array(keys, dtype=np.int64)
            order = np.argsort(key_array)
            table = key_array[order], np.array(bigram_columns, dtype=np.int64)[order]
            self._bigrams = table
        return table

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its constructor's arguments, without the lookup tables (rebuilt on use): a compiled FeatureSpace
        # (setup.py) has no __dict__ for pickle's default protocol to restore.
        rebuild = partial(
            FeatureSpace, ngram_max=self.ngram_max, sublinear_tf=self.sublinear_tf,
            use_lexicon=self.use_lexicon, lexicon_scale=self.lexicon_scale,
        )
        return (rebuild, (self.lexicon, self.vocabulary_, self.idf_))

    def _lexicon_block(self, analyses: Sequence[Analysis]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        weights = [weight for analysis in analyses for weight in lexicon_weights(analysis)]
        dense = np.array(weights, dtype=np.float64).reshape(len(analyses), LEXICON_WIDTH)
        np.log1p(dense, out=dense)
        dense *= self.lexicon_scale
        rows, columns = np.nonzero(dense)
        return rows, columns, dense[rows, columns]


def lexicon_weights(analysis: Analysis) -> list[float]:
    """The summed weight of a sentence's matches per signal and channel (asserted, negated, hypothetical), in column
    order: the lexicon block before its log1p and scale."""
    weights = [0.0] * LEXICON_WIDTH
    for match in analysis.matches:
        channel = 1 if match.negated else 2 if match.hypothetical else 0
        weights[_LEXICON_COLUMN_OF[match.signal] + channel] += match.weight
    return weights


def unit_rows(values: np.ndarray, rows: np.ndarray, n_rows: int) -> np.ndarray:
    """Scale the entries of each row to unit L2 norm in place (empty rows stay empty), as sklearn's normalize()
    does, given each entry's row; entries must be in row order, as the norms are summed in array order."""
    norms = np.sqrt(np.bincount(rows, weights=np.square(values), minlength=n_rows))
    norms[norms == 0.0] = 1.0
    values /= norms[rows]
    return values


def lexicon_scores(analyses: Sequence[Analysis]) -> np.ndarray:
    """Lexicon-only evidence per signal: the summed weight of asserted matches (the lexicon baseline's score)."""
    column_of = {name: i for i, name in enumerate(SIGNAL_NAMES)}
    scores = np.zeros((len(analyses), len(SIGNAL_NAMES)))
    for row, analysis in enumerate(analyses):
        for match in analysis.matches:
            if not (match.negated or match.hypothetical):
                scores[row, column_of[match.signal]] += match.weight
    return scores

