"""The service computes the calibrated heads as one sparse matrix product; it must equal scikit-learn's."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from service.lexicon import Lexicon
from service.model import load_artifact
from service.signals import HEADS
from training.corpus import label_matrix, read_jsonl
from training.estimators import CalibratedHeads, SentenceFeaturizer
from training.paths import DEV_PATH

TOLERANCE = 1e-9


def test_stacked_heads_equal_each_calibrated_classifiers_predict_proba(small_corpus: Path) -> None:
    examples = read_jsonl(small_corpus)
    featurizer = SentenceFeaturizer(lexicon=Lexicon.load()).fit([e.text for e in examples])
    heads = CalibratedHeads().fit(featurizer.transform([e.text for e in examples]), label_matrix(examples))
    texts = [example.text for example in read_jsonl(DEV_PATH)][:300]
    texts += ["", "no signal at all", "Rockets rockets rockets! " * 40]
    features = featurizer.transform(texts)
    fast = heads.linear_.predict_proba(features)
    served = heads.linear_.predict_proba_rows(*featurizer.space_.rows(texts))  # the scorer's form, no scipy matrix
    assert fast.shape == served.shape == (len(texts), len(HEADS))
    assert features[len(texts) - 3].nnz == 0  # the empty text: a row without entries is scored too
    for column, calibrated in enumerate(heads.calibrated_):
        reference = calibrated.predict_proba(features)[:, 1]
        np.testing.assert_allclose(fast[:, column], reference, rtol=0, atol=TOLERANCE, err_msg=HEADS[column])
        np.testing.assert_allclose(served[:, column], reference, rtol=0, atol=TOLERANCE, err_msg=HEADS[column])


def test_the_scorers_product_equals_the_sparse_matrix_product_on_the_dev_set(model_path: Path) -> None:
    artifact = load_artifact(model_path)
    texts = [example.text for example in read_jsonl(DEV_PATH)] + ["", "Rockets."]
    analyses = [artifact.features.lexicon.analyze(text) for text in texts]
    data, indices, indptr = artifact.features.rows(analyses)
    matrix = artifact.features.transform(analyses)
    assert (matrix.data == data).all() and (matrix.indices == indices).all() and (matrix.indptr == indptr).all()
    np.testing.assert_allclose(
        artifact.heads.predict_proba_rows(data, indices, indptr), artifact.heads.predict_proba(matrix), rtol=0,
        atol=TOLERANCE,
    )


def test_loading_a_model_does_not_import_scikit_learn(model_path: Path) -> None:
    """Importing scikit-learn costs seconds (scipy.stats); the artifact holds plain arrays and dicts instead."""
    import subprocess

    code = (
        "import sys; from service.scoring import Scorer; "
        f"Scorer.load({str(model_path)!r}).score('Rockets hit the base.'); print('sklearn' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "False"
    assert load_artifact(model_path).manifest["sklearn_version"]  # still recorded and checked at load
