"""The Scorer: the one orchestrator from raw text to document scores with evidence.

    text -> normalise -> sentences (offsets) -> lexicon analysis -> features -> calibrated heads
         -> flags at thresholds -> evidence (matches, top terms) + actors -> document aggregation

`score_many` pushes the sentences of all documents through the featurizer and the heads in one call.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import compress
from pathlib import Path
from typing import Final, cast

import numpy as np

from service.actors import Gazetteer
from service.aggregate import aggregate, document_maxima
from service.collector import collector_paused
from service.errors import InputError
from service.lexicon import Analysis
from service.model import Artifact, load_artifact
from service.settings import Settings
from service.signals import HEADS, SIGNAL_NAMES
from service.text import NormalisedText, normalise, split_sentences
from service.types import (
    ActorMention,
    DocumentScore,
    DocumentSummaries,
    Match,
    Sentence,
    SentenceScore,
    TermContribution,
    canonical_names,
)

TOP_TERMS: Final = 5  # model terms reported per flagged signal and sentence
# Sentences featurised and scored per pass. Bounded so that the per-sentence analyses of a huge batch die young
# (holding them all makes every full garbage collection walk them) while each pass still amortises the library calls.
CHUNK_SENTENCES: Final = 1024


class Scorer:
    def __init__(self, artifact: Artifact, gazetteer: Gazetteer, max_text_chars: int = Settings.max_text_chars):
        if max_text_chars < 1:
            raise ValueError(f"max_text_chars must be positive, got {max_text_chars}")
        self.artifact = artifact
        self.gazetteer = gazetteer
        self.max_text_chars = max_text_chars
        self.lexicon = artifact.features.lexicon
        self._featurizer = artifact.features
        self._featurizer.prepare()
        self._heads = artifact.heads
        self._thresholds = np.array([artifact.thresholds[head] for head in HEADS])

    @classmethod
    def load(cls, model_path: Path | str | None = None, settings: Settings | None = None) -> Scorer:
        settings = settings or Settings.from_env()
        artifact = load_artifact(model_path or settings.model_path)
        gazetteer = Gazetteer.load(settings.gazetteer_path) if settings.gazetteer_path else Gazetteer.load()
        return cls(artifact, gazetteer, settings.max_text_chars)

    @property
    def thresholds(self) -> dict[str, float]:
        return dict(self.artifact.thresholds)

    def score(self, text: object, explain: bool = True) -> DocumentScore:
        """Score one document. `text` is typed object, not str, so that a wrong type gets the InputError of
        check_text also in the compiled build (setup.py), which would otherwise refuse it with a bare TypeError."""
        self.check_text(text)
        return self.score_many([cast(str, text)], explain=explain)[0]

    def score_many(
        self, texts: Sequence[str], explain: bool = False, thresholds: dict[str, float] | None = None
    ) -> list[DocumentScore]:
        """Score documents; `thresholds` overrides the model's flag threshold of any signal it names."""
        self._check_all(texts)
        cut = self._thresholds_with(thresholds)
        results: list[DocumentScore] = []
        with collector_paused():
            for chunk in _chunks(texts):
                results.extend(self._score_chunk(chunk, cut, explain))
        return results

    def summarise_many(self, texts: Sequence[str], thresholds: dict[str, float] | None = None) -> DocumentSummaries:
        """score_many's document-level answers (each head's maximum, the flags, the actors' names) without building
        the per-sentence records they come from, which cost about a sixth of score_many's time; the same arithmetic,
        so the same numbers (tests hold the two equal)."""
        self._check_all(texts)
        cut = self._thresholds_with(thresholds)
        maxima: list[np.ndarray] = []
        actors: list[tuple[str, ...]] = []
        sizes: list[int] = []
        with collector_paused():
            for chunk in _chunks(texts):
                analyses, _, probabilities = self._model_rows(chunk)
                chunk_sizes = [len(sentences) for _, sentences in chunk]
                maxima.append(document_maxima(probabilities, chunk_sizes))
                row = 0
                for _, sentences in chunk:
                    mentions: list[ActorMention] = []
                    for sentence in sentences:
                        analysis = analyses[row]
                        mentions.extend(self.gazetteer.find_tokens(sentence.text, analysis.folded, analysis.offsets))
                        row += 1
                    actors.append(canonical_names(tuple(mentions)))
                sizes.extend(chunk_sizes)
        table = np.concatenate(maxima) if maxima else np.zeros((0, len(HEADS)))
        return DocumentSummaries(table, _flags(table, cut), actors, sizes)

    def _check_all(self, texts: Sequence[str]) -> None:
        for position, text in enumerate(texts):
            self.check_text(text, position if len(texts) > 1 else None)

    def check_text(self, text: object, position: int | None = None) -> None:
        """Raise InputError unless `text` is a non-blank string within the length limit."""
        where = f"document {position}: " if position is not None else ""
        if not isinstance(text, str):
            raise InputError(f"{where}text must be a string, got {type(text).__name__}")
        if not text.strip():
            raise InputError(f"{where}text is empty")
        if len(text) > self.max_text_chars:
            raise InputError(f"{where}text has {len(text)} characters; the limit is {self.max_text_chars}")

    def _thresholds_with(self, overrides: dict[str, float] | None) -> np.ndarray:
        cut = self._thresholds.copy()
        for name, value in (overrides or {}).items():
            if name not in HEADS:
                raise InputError(f"unknown signal {name!r} in thresholds; valid names are {list(HEADS)}")
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise InputError(f"threshold for {name!r} must be a number in [0, 1], got {value!r}")
            cut[HEADS.index(name)] = float(value)
        return cut

    def _score_chunk(
        self, chunk: list[tuple[NormalisedText, list[Sentence]]], cut: np.ndarray, explain: bool
    ) -> list[DocumentScore]:
        """All sentences of a few documents through the featurizer and the heads in one call each."""
        analyses, (data, indices, indptr), probabilities = self._model_rows(chunk)
        maxima = document_maxima(probabilities, [len(sentences) for _, sentences in chunk]).tolist()
        flags = _flags(probabilities, cut).tolist()
        rows = probabilities.tolist()
        thresholds = cut.tolist()
        results: list[DocumentScore] = []
        row = 0
        for (document, sentences), document_maximum in zip(chunk, maxima, strict=True):
            scored = []
            for sentence in sentences:
                features = None
                if explain:  # the sentence's feature values and columns
                    features = (data[indptr[row] : indptr[row + 1]], indices[indptr[row] : indptr[row + 1]])
                scored.append(
                    self._sentence_score(document, sentence, analyses[row], rows[row], flags[row], features)
                )
                row += 1
            actors = tuple(mention for sentence in scored for mention in sentence.actors)
            results.append(aggregate(tuple(scored), document_maximum, thresholds, actors))
        return results

    def _model_rows(
        self, chunk: list[tuple[NormalisedText, list[Sentence]]]
    ) -> tuple[list[Analysis], tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
        """Every sentence of the chunk, in order, through the lexicon, the featurizer and the heads: the analyses, the
        feature rows as CSR arrays (data, indices, indptr), and the probabilities (sentences x HEADS)."""
        analyses: list[Analysis] = []
        for document, sentences in chunk:
            if document.same_offsets:  # normalising kept every offset: matches get document offsets at once
                analyses.extend([self.lexicon.analyze(s.text, s.begin, document.original) for s in sentences])
            else:
                analyses.extend([self.lexicon.analyze(s.text) for s in sentences])
        data, indices, indptr = self._featurizer.rows(analyses)
        return analyses, (data, indices, indptr), self._heads.predict_proba_rows(data, indices, indptr)

    def _sentence_score(
        self,
        document: NormalisedText,
        sentence: Sentence,
        analysis: Analysis,
        probabilities: list[float],
        flags: list[bool],
        features: tuple[np.ndarray, np.ndarray] | None,
    ) -> SentenceScore:
        signals = tuple(compress(SIGNAL_NAMES, flags))
        if document.same_offsets:  # analysis and actors already carry document offsets
            matches = tuple(analysis.matches)
            actors = self.gazetteer.find_tokens(
                sentence.text, analysis.folded, analysis.offsets, sentence.begin, document.original
            )
        else:
            matches = tuple([self._to_original(document, sentence, match) for match in analysis.matches])
            actors = [
                self._actor_to_original(document, sentence, mention)
                for mention in self.gazetteer.find_tokens(sentence.text, analysis.folded, analysis.offsets)
            ]
        fields = (
            sentence.index,
            sentence.text,
            sentence.begin,
            sentence.end,
            {head: probability for head, probability in zip(HEADS, probabilities, strict=False)},  # one value per head
            signals,
            matches,
            tuple(actors),
            self._top_terms(features, signals) if features is not None else {},
        )
        return tuple.__new__(SentenceScore, fields)  # see service/types.py

    @staticmethod
    def _to_original(document: NormalisedText, sentence: Sentence, match: Match) -> Match:
        begin, end = document.to_original(sentence.norm_begin + match.begin, sentence.norm_begin + match.end)
        return Match(
            match.signal, match.pattern, document.original[begin:end], begin, end, match.weight,
            match.negated, match.hypothetical, match.cue,
        )

    @staticmethod
    def _actor_to_original(document: NormalisedText, sentence: Sentence, mention: ActorMention) -> ActorMention:
        begin, end = document.to_original(sentence.norm_begin + mention.begin, sentence.norm_begin + mention.end)
        return ActorMention(mention.canonical, mention.kind, document.original[begin:end], begin, end)

    def _top_terms(
        self, row: tuple[np.ndarray, np.ndarray], signals: tuple[str, ...]
    ) -> dict[str, tuple[TermContribution, ...]]:
        """Per flagged signal, the features with the largest coefficient x value in this sentence (`row`: its
        feature values and columns)."""
        values, columns = row
        names = self._featurizer.feature_names_
        coef = self._heads.coef_
        top: dict[str, tuple[TermContribution, ...]] = {}
        for signal in signals:
            column = HEADS.index(signal)
            contributions = values * coef[columns, column]
            order = np.argsort(-contributions)[:TOP_TERMS]
            top[signal] = tuple(
                TermContribution(str(names[columns[i]]), float(contributions[i]))
                for i in order
                if contributions[i] > 0
            )
        return top


def _flags(probabilities: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Which signals reach their thresholds, per row of probabilities (rows x HEADS -> rows x signals)."""
    return probabilities[:, : len(SIGNAL_NAMES)] >= cut[: len(SIGNAL_NAMES)]


def _chunks(texts: Sequence[str]) -> Iterator[list[tuple[NormalisedText, list[Sentence]]]]:
    """Normalised, sentence-split documents in groups of about CHUNK_SENTENCES sentences (whole documents)."""
    chunk: list[tuple[NormalisedText, list[Sentence]]] = []
    size = 0
    for text in texts:
        document = normalise(text)
        sentences = split_sentences(document)
        chunk.append((document, sentences))
        size += len(sentences)
        if size >= CHUNK_SENTENCES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk
