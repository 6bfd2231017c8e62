import json
import shutil
from pathlib import Path

import pytest

from service.errors import ArtifactError
from service.model import file_sha256, load_artifact, manifest_path
from service.signals import HEADS


def copy_model(model_path: Path, directory: Path) -> Path:
    target = directory / model_path.name
    shutil.copy(model_path, target)
    shutil.copy(manifest_path(model_path), manifest_path(target))
    return target


def test_manifest_records_hash_versions_data_and_metrics(model_path: Path) -> None:
    manifest = json.loads(manifest_path(model_path).read_text())
    assert manifest["sha256"] == file_sha256(model_path)
    assert set(manifest["thresholds"]) == set(HEADS)
    assert manifest["training_data"]["sha256"] and manifest["lexicon_version"]
    assert manifest["code"]["versions"]["scikit-learn"]
    assert 0.0 <= manifest["metrics"]["cross_validated"]["hybrid"]["macro_f1"] <= 1.0


def test_tampered_artifact_is_refused_before_unpickling(model_path: Path, tmp_path: Path) -> None:
    target = copy_model(model_path, tmp_path)
    with target.open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ArtifactError, match="does not match the manifest"):
        load_artifact(target)


def test_artifact_from_another_scikit_learn_version_is_refused(model_path: Path, tmp_path: Path) -> None:
    target = copy_model(model_path, tmp_path)
    manifest = json.loads(manifest_path(target).read_text())
    manifest["sklearn_version"] = "0.0.1"
    manifest_path(target).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match=r"built with scikit-learn 0\.0\.1"):
        load_artifact(target)


def test_artifact_of_an_older_format_is_refused_before_unpickling(model_path: Path, tmp_path: Path) -> None:
    target = copy_model(model_path, tmp_path)
    manifest = json.loads(manifest_path(target).read_text())
    del manifest["artifact_format"]  # as written before the format was recorded in the manifest
    manifest_path(target).write_text(json.dumps(manifest))
    target.write_bytes(b"not a pickle")  # never reached: refused on the manifest alone
    manifest["sha256"] = file_sha256(target)
    manifest_path(target).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match=r"artifact format unknown, this version reads 4; retrain"):
        load_artifact(target)


def test_artifact_without_manifest_is_refused(model_path: Path, tmp_path: Path) -> None:
    target = tmp_path / model_path.name
    shutil.copy(model_path, target)
    with pytest.raises(ArtifactError, match="manifest not found"):
        load_artifact(target)


def test_missing_artifact_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="escalation train"):
        load_artifact(tmp_path / "nothing.joblib")


def test_training_is_deterministic(model_path: Path, small_corpus: Path, tmp_path: Path) -> None:
    from training.train import train

    again = tmp_path / "again.joblib"
    manifest = train(again, train_path=small_corpus, dev_path=None, log=lambda message: None, folds=3)
    assert manifest["sha256"] == file_sha256(model_path)
