"""The Scorer: the one orchestrator from raw text to document scores with evidence.

    text -> normalise -> sentences (offsets) -> lexicon analysis -> features -> calibrated heads
         -> flags at thresholds -> evidence (matches, top terms) + actors -> document aggregation

`score_many` pushes the sentences of all documents through the featurizer and the heads in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from service.actors import Gazetteer
from service.aggregate import aggregate
from service.errors import InputError
from service.lexicon import Analysis
from service.model import Artifact, load_artifact
from service.settings import Settings
from service.signals import HEADS, SIGNAL_NAMES
from service.text import NormalisedText, normalise, split_sentences
from service.types import ActorMention, DocumentScore, Match, Sentence, SentenceScore, TermContribution

TOP_TERMS = 5  # model terms reported per flagged signal and sentence


class Scorer:
    def __init__(self, artifact: Artifact, gazetteer: Gazetteer, max_text_chars: int = Settings.max_text_chars):
        if max_text_chars < 1:
            raise ValueError(f"max_text_chars must be positive, got {max_text_chars}")
        self.artifact = artifact
        self.gazetteer = gazetteer
        self.max_text_chars = max_text_chars
        self.lexicon = artifact.featurizer.get_lexicon()
        self._featurizer = artifact.featurizer
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

    def score(self, text: str, explain: bool = True) -> DocumentScore:
        return self.score_many([text], explain=explain)[0]

    def score_many(
        self, texts: Sequence[str], explain: bool = False, thresholds: dict[str, float] | None = None
    ) -> list[DocumentScore]:
        """Score documents; `thresholds` overrides the model's flag threshold of any signal it names."""
        for position, text in enumerate(texts):
            self.check_text(text, position if len(texts) > 1 else None)
        cut = self._thresholds_with(thresholds)
        documents = [normalise(text) for text in texts]
        sentences = [split_sentences(document) for document in documents]
        flat = [sentence for per_document in sentences for sentence in per_document]
        analyses = [self.lexicon.analyze(sentence.text) for sentence in flat]
        features = self._featurizer.transform(analyses)
        probabilities = self._heads.predict_proba(features)
        flags = (probabilities[:, : len(SIGNAL_NAMES)] >= cut[: len(SIGNAL_NAMES)]).tolist()
        probability_rows = probabilities.tolist()
        results: list[DocumentScore] = []
        row = 0
        threshold_map = dict(zip(HEADS, cut.tolist(), strict=True))
        for document, per_document in zip(documents, sentences, strict=True):
            scored = []
            for sentence in per_document:
                scored.append(
                    self._sentence_score(
                        document, sentence, analyses[row], probability_rows[row], flags[row],
                        features[row] if explain else None,
                    )
                )
                row += 1
            actors = tuple(mention for sentence in scored for mention in sentence.actors)
            results.append(aggregate(tuple(scored), threshold_map, actors))
        return results

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

    def _sentence_score(
        self,
        document: NormalisedText,
        sentence: Sentence,
        analysis: Analysis,
        probabilities: list[float],
        flags: list[bool],
        features: sp.csr_matrix | None,
    ) -> SentenceScore:
        signals = tuple(name for name, flagged in zip(SIGNAL_NAMES, flags, strict=True) if flagged)
        return SentenceScore(
            index=sentence.index,
            text=sentence.text,
            begin=sentence.begin,
            end=sentence.end,
            probabilities=dict(zip(HEADS, probabilities, strict=True)),
            signals=signals,
            matches=tuple(self._to_original(document, sentence, match) for match in analysis.matches),
            actors=tuple(
                self._actor_to_original(document, sentence, mention)
                for mention in self.gazetteer.find_tokens(sentence.text, analysis.folded, analysis.spans)
            ),
            top_terms=self._top_terms(features, signals) if features is not None else {},
        )

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

    def _top_terms(self, row: sp.csr_matrix, signals: tuple[str, ...]) -> dict[str, tuple[TermContribution, ...]]:
        """Per flagged signal, the features with the largest coefficient x value in this sentence."""
        names = self._featurizer.feature_names_
        coef = self._heads.coef_
        top: dict[str, tuple[TermContribution, ...]] = {}
        for signal in signals:
            column = HEADS.index(signal)
            contributions = row.data * coef[row.indices, column]
            order = np.argsort(-contributions)[:TOP_TERMS]
            top[signal] = tuple(
                TermContribution(str(names[row.indices[i]]), float(contributions[i]))
                for i in order
                if contributions[i] > 0
            )
        return top
