"""`escalation train` and `escalation eval` driven as a user would, asserting exit codes and output."""

import json
from pathlib import Path

import pytest

from training.cli import main


def test_eval_prints_every_signal_and_all_three_systems(
    model_path: Path, small_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(small_corpus), "--model", str(model_path)]) == 0
    out = capsys.readouterr().out
    for name in ("threat", "truce_breach", "diplomacy", "escalatory", "hybrid", "model_only", "lexicon_only"):
        assert name in out
    assert "macro-F1" in out and "esc ECE" in out


def test_eval_json_has_per_signal_metrics_for_each_system(
    model_path: Path, small_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(small_corpus), "--model", str(model_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["systems"]) == {"hybrid", "model_only", "lexicon_only"}
    attack = report["systems"]["hybrid"]["heads"]["attack"]
    assert set(attack) >= {"precision", "recall", "f1", "auroc", "support"}
    assert 0.0 <= report["systems"]["hybrid"]["escalatory_ece"] <= 1.0


def test_eval_of_a_missing_file_fails_with_a_clear_message(
    model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(tmp_path / "nope.jsonl"), "--model", str(model_path)]) == 1
    assert "nope.jsonl: file not found" in capsys.readouterr().err


def test_eval_with_a_tampered_model_is_refused(
    model_path: Path, small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "escalation.joblib"
    bad.write_bytes(model_path.read_bytes() + b"x")
    (tmp_path / "escalation.manifest.json").write_text(
        (model_path.parent / "escalation.manifest.json").read_text()
    )
    assert main(["eval", str(small_corpus), "--model", str(bad)]) == 1
    assert "does not match the manifest" in capsys.readouterr().err


def test_train_writes_artifact_and_manifest(small_corpus: Path, tmp_path: Path) -> None:
    output = tmp_path / "m" / "escalation.joblib"
    assert main(["train", "-o", str(output), "--train", str(small_corpus), "--no-dev", "--quiet"]) == 0
    manifest = json.loads((tmp_path / "m" / "escalation.manifest.json").read_text())
    assert manifest["training_data"]["sentences"] == len(small_corpus.read_text().splitlines())


def test_scoring_commands_start_without_importing_scikit_learn(tmp_path: Path, model_path: Path) -> None:
    """scikit-learn's import costs seconds; `escalation score` and `serve` have no use for it."""
    import subprocess
    import sys

    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "Rockets hit the base."}\n', encoding="utf-8")
    code = (
        "import sys; from training.cli import main; "
        f"code = main(['score', {str(source)!r}, '-o', {str(tmp_path / 'out.jsonl')!r}, '--workers', '1', "
        f"'--model', {str(model_path)!r}]); print(code, 'sklearn' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.split()[-2:] == ["0", "False"], result.stderr
