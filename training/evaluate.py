"""Metrics: per-head precision/recall/F1/AUROC, macro-F1, escalatory AUROC and expected calibration error.

Three systems are compared on the same sentences: the hybrid model (TF-IDF + lexicon features), the model without
lexicon features ("model_only"), and the lexicon alone ("lexicon_only": summed weights of asserted matches).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

from service.features import lexicon_scores, to_analyses
from service.lexicon import Analysis, Lexicon
from service.model import Artifact
from service.signals import DEESCALATORY, ESCALATORY, HEADS, SIGNAL_NAMES

ECE_BINS = 10
SYSTEMS = ("hybrid", "model_only", "lexicon_only")


def expected_calibration_error(truth: np.ndarray, probability: np.ndarray, bins: int = ECE_BINS) -> float:
    """Weighted mean |accuracy - confidence| over equal-width probability bins (positive class)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(probability, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        in_bin = index == b
        if in_bin.any():
            error += in_bin.mean() * abs(truth[in_bin].mean() - probability[in_bin].mean())
    return float(error)


def _auroc(truth: np.ndarray, score: np.ndarray) -> float | None:
    return float(roc_auc_score(truth, score)) if 0 < truth.sum() < len(truth) else None


def head_metrics(truth: np.ndarray, score: np.ndarray, threshold: float) -> dict[str, Any]:
    predicted = score >= threshold
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, predicted, average="binary", zero_division=0.0
    )
    return {
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "auroc": _auroc(truth, score),
        "support": int(truth.sum()),
        "threshold": float(threshold),
    }


def system_report(truth: np.ndarray, scores: np.ndarray, thresholds: Sequence[float], calibrated: bool) -> dict:
    """Metrics of one system: `scores` has one column per head, in HEADS order."""
    per_head = {head: head_metrics(truth[:, i], scores[:, i], thresholds[i]) for i, head in enumerate(HEADS)}
    escalatory = HEADS.index("escalatory")
    return {
        "heads": per_head,
        "macro_f1": float(np.mean([per_head[name]["f1"] for name in SIGNAL_NAMES])),
        "escalatory_auroc": per_head["escalatory"]["auroc"],
        "escalatory_ece": (
            expected_calibration_error(truth[:, escalatory], scores[:, escalatory]) if calibrated else None
        ),
    }


def lexicon_head_scores(lexicon: Lexicon, items: Sequence[str | Analysis]) -> np.ndarray:
    """Lexicon-only scores per head: signal weights, and the polarity heads as sums over their signals."""
    signal_scores = lexicon_scores(to_analyses(lexicon, items))
    up = [SIGNAL_NAMES.index(name) for name in sorted(ESCALATORY)]
    down = [SIGNAL_NAMES.index(name) for name in sorted(DEESCALATORY)]
    return np.column_stack([signal_scores, signal_scores[:, up].sum(axis=1), signal_scores[:, down].sum(axis=1)])


def system_scores(artifact: Artifact, texts: Sequence[str]) -> dict[str, np.ndarray]:
    scores = {"hybrid": artifact.model.predict_proba(texts)}
    if "model_only" in artifact.ablations:
        scores["model_only"] = artifact.ablations["model_only"].predict_proba(texts)
    scores["lexicon_only"] = lexicon_head_scores(artifact.features.lexicon, texts)
    return scores


def evaluate(artifact: Artifact, texts: Sequence[str], truth: np.ndarray) -> dict[str, dict]:
    """Every system's report on these sentences, each at its own thresholds from training."""
    thresholds = artifact.manifest.get("system_thresholds", {})
    reports = {}
    for system, scores in system_scores(artifact, texts).items():
        cut = thresholds.get(system) or artifact.thresholds
        reports[system] = system_report(truth, scores, [cut[h] for h in HEADS], calibrated=system != "lexicon_only")
    return reports


def _cell(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def format_report(reports: dict[str, dict]) -> str:
    """The table `escalation eval` prints: the hybrid's per-signal figures, each system's F1, then the summaries."""
    hybrid = reports["hybrid"]["heads"]
    others = [system for system in SYSTEMS[1:] if system in reports]
    header = f"{'signal':<20} {'prec':>6} {'recall':>6} {'f1':>6} {'auroc':>6} {'support':>8}"
    lines = [header + "".join(f" {'f1 ' + system:>16}" for system in others)]
    for head in HEADS:
        m = hybrid[head]
        row = (
            f"{head:<20} {_cell(m['precision']):>6} {_cell(m['recall']):>6} {_cell(m['f1']):>6} "
            f"{_cell(m['auroc']):>6} {m['support']:>8}"
        )
        lines.append(row + "".join(f" {_cell(reports[s]['heads'][head]['f1']):>16}" for s in others))
    lines.append("")
    lines.append(f"{'system':<14} {'macro-F1':>9} {'esc AUROC':>10} {'esc ECE':>8}")
    for system in SYSTEMS:
        if system in reports:
            r = reports[system]
            lines.append(
                f"{system:<14} {_cell(r['macro_f1']):>9} {_cell(r['escalatory_auroc']):>10} "
                f"{_cell(r['escalatory_ece']):>8}"
            )
    return "\n".join(lines)
