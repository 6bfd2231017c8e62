"""The scikit-learn face of the model, for training: a transformer and a multi-label classifier that fit the plain
FeatureSpace and LinearHeads the service runs (service/features.py, service/heads.py), and delegate to them, so
training, cross-validation and scoring share one transform and one formula."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from service.features import LEXICON_SCALE, FeatureSpace, to_analyses
from service.heads import LinearHeads
from service.lexicon import Analysis, Lexicon
from service.signals import HEADS

# Inverse regularisation strength of every head. On the 6,104-sentence corpus (lexicon scale 0.25), 4-fold
# cross-validated macro-F1 of the train split for C = 4, 8, 16, 32: 0.793, 0.800, 0.805, 0.808 (0.813 and 0.815 for
# 16 and 32 at scale 0.125); on the cross-writer test (see LEXICON_SCALE) 8, 16, 32 at scale 0.125 gave 0.783,
# 0.783, 0.784. 16 takes most of the gain without fitting our writers' phrasing any harder than that.
DEFAULT_C = 16.0
CALIBRATION_FOLDS = 5


class SentenceFeaturizer(TransformerMixin, BaseEstimator):
    """Text or lexicon analyses in, a sparse matrix [TF-IDF | lexicon] out (a fitted FeatureSpace in `space_`)."""

    def __init__(
        self,
        lexicon: Lexicon | None = None,
        ngram_max: int = 2,
        min_df: int = 2,
        sublinear_tf: bool = True,
        use_tfidf: bool = True,
        use_lexicon: bool = True,
        lexicon_scale: float = LEXICON_SCALE,
    ) -> None:
        self.lexicon = lexicon
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.use_tfidf = use_tfidf
        self.use_lexicon = use_lexicon
        self.lexicon_scale = lexicon_scale

    def fit(self, items: Sequence[str | Analysis], y: object = None) -> SentenceFeaturizer:
        lexicon = self.lexicon if self.lexicon is not None else Lexicon.load()
        self.space_ = FeatureSpace.fit(
            lexicon,
            to_analyses(lexicon, items),
            ngram_max=self.ngram_max,
            min_df=self.min_df,
            sublinear_tf=self.sublinear_tf,
            use_tfidf=self.use_tfidf,
            use_lexicon=self.use_lexicon,
            lexicon_scale=self.lexicon_scale,
        )
        return self

    def transform(self, items: Sequence[str | Analysis]) -> sp.csr_matrix:
        return self.space_.transform(items)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return self.space_.feature_names_


class CalibratedHeads(ClassifierMixin, BaseEstimator):
    """Multi-label classifier: Y is an (n_samples, n_heads) 0/1 matrix; predict_proba returns (n_samples, n_heads).

    Each head is CalibratedClassifierCV(LogisticRegression, method="sigmoid", ensemble=False): a logistic regression
    fitted on all the data, with a Platt sigmoid fitted on cross-validated decision values. The fitted numbers are
    stacked into `linear_` (LinearHeads), which is what predict_proba runs and what the artifact keeps.
    """

    def __init__(
        self,
        heads: Sequence[str] = HEADS,
        C: float = DEFAULT_C,
        class_weight: str | None = "balanced",
        calibration_folds: int = CALIBRATION_FOLDS,
        random_state: int = 0,
    ) -> None:
        self.heads = heads
        self.C = C
        self.class_weight = class_weight
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def fit(self, X: sp.spmatrix, Y: np.ndarray) -> CalibratedHeads:
        Y = np.asarray(Y)
        if Y.ndim != 2 or Y.shape[1] != len(self.heads):
            raise ValueError(f"Y must have shape (n_samples, {len(self.heads)}), got {Y.shape}")
        self.calibrated_: list[CalibratedClassifierCV] = []
        coefs, intercepts, slopes, offsets = [], [], [], []
        for column, head in enumerate(self.heads):
            y = Y[:, column].astype(int)
            if y.min() == y.max():
                raise ValueError(f"head {head!r} has only one class in the training data")
            folds = StratifiedKFold(self.calibration_folds, shuffle=True, random_state=self.random_state)
            model = CalibratedClassifierCV(
                LogisticRegression(C=self.C, class_weight=self.class_weight, solver="liblinear", max_iter=1000),
                method="sigmoid",
                cv=folds,
                ensemble=False,
            ).fit(X, y)
            fitted = model.calibrated_classifiers_[0]
            coefs.append(fitted.estimator.coef_.ravel())
            intercepts.append(fitted.estimator.intercept_[0])
            slopes.append(fitted.calibrators[0].a_)
            offsets.append(fitted.calibrators[0].b_)
            self.calibrated_.append(model)
        self.linear_ = LinearHeads(
            self.heads,
            np.column_stack(coefs),
            np.asarray(intercepts),
            np.asarray(slopes, dtype=np.float64),
            np.asarray(offsets, dtype=np.float64),
        )
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: sp.spmatrix) -> np.ndarray:
        return self.linear_.predict_proba(X)

    def predict(self, X: sp.spmatrix) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(int)
