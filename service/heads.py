"""The fitted heads as the service runs them: one calibrated logistic-regression head per signal and per polarity,
applied as one sparse matrix product and one Platt sigmoid per head. The scorer gives the product its CSR arrays
(`predict_proba_rows`), without a scipy matrix; tests hold both forms equal.

Training fits each head with scikit-learn (training/estimators.py) and keeps only the numbers: the stacked
coefficients, intercepts and sigmoid parameters. A test checks that this equals each fitted head's predict_proba.
Nothing here imports scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.special import expit


class LinearHeads:
    """Multi-label scores: predict_proba(X) is (n_samples, n_heads), `expit(-(a * (X @ coef + intercept) + b))`."""

    def __init__(
        self,
        heads: Sequence[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        calibration_a: np.ndarray,
        calibration_b: np.ndarray,
    ) -> None:
        self.heads = tuple(heads)
        self.coef_ = coef  # (n_features, n_heads)
        self.intercept_ = intercept
        self.calibration_a_ = calibration_a
        self.calibration_b_ = calibration_b

    def decision_function(self, X: sp.spmatrix) -> np.ndarray:
        return np.asarray(X @ self.coef_) + self.intercept_

    def predict_proba(self, X: sp.spmatrix) -> np.ndarray:
        """Calibrated probability of each head, shape (n_samples, n_heads)."""
        return self._calibrated(self.decision_function(X))

    def predict_proba_rows(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray) -> np.ndarray:
        """predict_proba of the CSR matrix (data, indices, indptr), computed from the arrays: each row's entries times
        their coefficient rows, summed in order (as scipy's product sums them)."""
        decision = np.zeros((len(indptr) - 1, len(self.heads)))
        starts = indptr[:-1]
        filled = indptr[1:] > starts  # reduceat would give an empty row the entry at its start instead of zeros
        if len(data):
            decision[filled] = np.add.reduceat(self.coef_[indices] * data[:, None], starts[filled], axis=0)
        return self._calibrated(decision + self.intercept_)

    def _calibrated(self, decision: np.ndarray) -> np.ndarray:
        return expit(-(self.calibration_a_ * decision + self.calibration_b_))
