"""The API's hot path computes the calibrated heads as one sparse matrix product; it must equal scikit-learn's."""

from __future__ import annotations

import numpy as np

from service.scoring import Scorer
from service.signals import HEADS
from training.corpus import DEV_PATH, read_jsonl

TOLERANCE = 1e-9


def test_stacked_heads_equal_each_calibrated_classifiers_predict_proba(scorer: Scorer) -> None:
    texts = [example.text for example in read_jsonl(DEV_PATH)][:300]
    texts += ["", "no signal at all", "Rockets rockets rockets! " * 40]
    analyses = [scorer.lexicon.analyze(text) for text in texts]
    features = scorer.artifact.featurizer.transform(analyses)
    heads = scorer.artifact.heads
    fast = heads.predict_proba(features)
    assert fast.shape == (len(texts), len(HEADS))
    for column, calibrated in enumerate(heads.calibrated_):
        reference = calibrated.predict_proba(features)[:, 1]
        np.testing.assert_allclose(fast[:, column], reference, rtol=0, atol=TOLERANCE, err_msg=HEADS[column])
