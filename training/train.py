"""Fit, cross-validate, pick thresholds, evaluate and write the artifact with its manifest.

Steps:
 1. read the train split (and the dev split, for evaluation only: it is never fitted on);
 2. out-of-fold probabilities over K folds of the train split, for the hybrid and the model-only ablation;
 3. per head, the threshold that maximises F1 on those out-of-fold probabilities;
 4. fit both pipelines on the whole train split;
 5. cross-validated metrics (out-of-fold, at the chosen thresholds) and dev metrics;
 6. write the joblib artifact and its JSON manifest (sha256, corpus hashes, versions, thresholds, metrics).

Training is deterministic: fixed fold seeds, liblinear, and no timestamps inside the artifact.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline

from service.features import to_analyses
from service.lexicon import Analysis, Lexicon
from service.model import System, load_artifact, save_artifact, write_manifest
from service.signals import HEADS
from training.corpus import corpus_sha256, label_matrix, read_jsonl
from training.estimators import CalibratedHeads, SentenceFeaturizer
from training.evaluate import evaluate, lexicon_head_scores, system_report
from training.paths import DEV_PATH, TRAIN_PATH

CV_FOLDS = 5
CV_SEED = 7
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)
MODEL_NAME = "escalation-risk"
MODEL_VERSION = "1.0.0"


def build_pipeline(lexicon: Lexicon, use_lexicon: bool = True) -> Pipeline:
    return Pipeline(
        [
            ("features", SentenceFeaturizer(lexicon=lexicon, use_lexicon=use_lexicon)),
            ("heads", CalibratedHeads()),
        ]
    )


def fitted_system(pipeline: Pipeline) -> System:
    """What the artifact keeps of a fitted pipeline: the plain feature space and heads, no scikit-learn objects."""
    features, heads = pipeline.named_steps["features"], pipeline.named_steps["heads"]
    return System(features.space_, heads.linear_)


def out_of_fold(
    pipeline: Pipeline, texts: Sequence[str | Analysis], truth: np.ndarray, folds: int = CV_FOLDS
) -> np.ndarray:
    """Probabilities for every training sentence from a model that did not see it."""
    scores = np.zeros(truth.shape, dtype=np.float64)
    for fit_index, held_index in KFold(folds, shuffle=True, random_state=CV_SEED).split(texts):
        model = clone(pipeline).fit([texts[i] for i in fit_index], truth[fit_index])
        scores[held_index] = model.predict_proba([texts[i] for i in held_index])
    return scores


def best_thresholds(truth: np.ndarray, scores: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> list[float]:
    """Per column, the grid value with the highest F1 (ties go to the lower threshold)."""
    chosen = []
    for column in range(truth.shape[1]):
        y, s = truth[:, column].astype(bool), scores[:, column]
        best, best_f1 = float(grid[0]), -1.0
        for cut in grid:
            predicted = s >= cut
            tp = float(np.sum(predicted & y))
            f1 = 2 * tp / (predicted.sum() + y.sum()) if (predicted.sum() + y.sum()) else 0.0
            if f1 > best_f1 + 1e-12:
                best, best_f1 = float(cut), f1
        chosen.append(best)
    return chosen


def _git_commit() -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ("escalation-risk", "scikit-learn", "numpy", "scipy", "joblib"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def train(
    output: Path,
    train_path: Path = TRAIN_PATH,
    dev_path: Path | None = DEV_PATH,
    lexicon: Lexicon | None = None,
    log: Any = print,
    folds: int = CV_FOLDS,
) -> dict[str, Any]:
    """Train and write the artifact; return its manifest."""
    lexicon = lexicon or Lexicon.load()
    train_examples = read_jsonl(train_path)
    # Analysed once here: every fold, both systems and the lexicon baseline read the same tokens and matches.
    texts = to_analyses(lexicon, [e.text for e in train_examples])
    truth = label_matrix(train_examples)
    log(f"training on {len(texts)} sentences from {train_path}")

    systems = {"hybrid": build_pipeline(lexicon), "model_only": build_pipeline(lexicon, use_lexicon=False)}
    oof = {name: out_of_fold(pipeline, texts, truth, folds) for name, pipeline in systems.items()}
    oof["lexicon_only"] = lexicon_head_scores(lexicon, texts)
    lexicon_grid = np.round(np.arange(0.1, 4.01, 0.1), 2)
    grids = {name: lexicon_grid if name == "lexicon_only" else THRESHOLD_GRID for name in oof}
    thresholds = {
        name: dict(zip(HEADS, best_thresholds(truth, scores, grids[name]), strict=True))
        for name, scores in oof.items()
    }
    cross_validated = {
        name: system_report(truth, scores, [thresholds[name][h] for h in HEADS], calibrated=name != "lexicon_only")
        for name, scores in oof.items()
    }
    log("cross-validated macro-F1: " + ", ".join(f"{n} {r['macro_f1']:.3f}" for n, r in cross_validated.items()))

    fitted = {name: fitted_system(pipeline.fit(texts, truth)) for name, pipeline in systems.items()}
    payload = {
        "model": fitted["hybrid"],
        "ablations": {"model_only": fitted["model_only"]},
        "thresholds": thresholds["hybrid"],
    }
    manifest: dict[str, Any] = {
        "name": MODEL_NAME,
        "version": MODEL_VERSION,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "heads": list(HEADS),
        "thresholds": thresholds["hybrid"],
        "system_thresholds": thresholds,
        "lexicon_version": lexicon.version,
        "lexicon_sha256": lexicon.sha256,
        "training_data": {
            "path": train_path.name, "sha256": corpus_sha256(train_examples), "sentences": len(texts)
        },
        "code": {"commit": _git_commit(), "versions": _versions()},
        "metrics": {"cross_validated": cross_validated, "folds": folds},
    }
    manifest = save_artifact(payload, output, manifest)

    if dev_path is not None and dev_path.is_file():
        dev_examples = read_jsonl(dev_path)
        artifact = load_artifact(output)
        dev = evaluate(artifact, [e.text for e in dev_examples], label_matrix(dev_examples))
        manifest["metrics"]["dev"] = dev
        manifest["dev_data"] = {
            "path": dev_path.name, "sha256": corpus_sha256(dev_examples), "sentences": len(dev_examples)
        }
        log("dev macro-F1: " + ", ".join(f"{n} {r['macro_f1']:.3f}" for n, r in dev.items()))
        manifest = write_manifest(output, manifest)
    return manifest


if __name__ == "__main__":
    train(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("models/escalation.joblib"))
