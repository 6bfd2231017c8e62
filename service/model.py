"""The model artifact: a joblib file plus a JSON manifest that vouches for it.

`load_artifact` reads the manifest first, checks the artifact's sha256 and the scikit-learn version it was built with,
and only then unpickles: a tampered or foreign artifact is refused with ArtifactError before any of its code runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import joblib
import numpy as np

from service.errors import ArtifactError
from service.features import FeatureSpace
from service.heads import LinearHeads
from service.signals import HEADS

MANIFEST_SUFFIX = ".manifest.json"
# 2: the fitted FeatureSpace and LinearHeads themselves, no scikit-learn objects, so that loading a model does not
# import scikit-learn (3-4 s of start-up for every worker and every CLI run). Format 1 pickled the sklearn Pipeline.
# 3: the lexicon and the feature space pickle as their constructors' arguments (so that the compiled build, setup.py,
# can load them); the format is also in the manifest, so an older artifact is refused before it is unpickled.
# 4: the feature space's constructor reached through functools.partial rather than a module-level helper.
ARTIFACT_FORMAT = 4
_CHUNK = 1 << 20


class System(NamedTuple):
    """A fitted model: features and heads."""

    features: FeatureSpace
    heads: LinearHeads

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.heads.predict_proba(self.features.transform(texts))


@dataclass(frozen=True)
class Artifact:
    """A verified, loaded model: the hybrid system, its ablations, thresholds and the manifest."""

    model: System
    ablations: dict[str, System]  # "model_only": the same heads without lexicon features
    thresholds: dict[str, float]  # per head
    manifest: dict[str, Any]
    path: Path

    @property
    def features(self) -> FeatureSpace:
        return self.model.features

    @property
    def heads(self) -> LinearHeads:
        return self.model.heads


def library_version(package: str) -> str | None:
    """The installed version of a package, read from its metadata (importing scikit-learn would cost seconds)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def manifest_path(artifact_path: Path) -> Path:
    return artifact_path.with_name(artifact_path.name.removesuffix(".joblib") + MANIFEST_SUFFIX)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def save_artifact(payload: dict[str, Any], path: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write the artifact and its manifest (the manifest gains the artifact's sha256); return the manifest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"format": ARTIFACT_FORMAT, **payload}, path, compress=3)
    full = {
        **manifest,
        "artifact": path.name,
        "artifact_format": ARTIFACT_FORMAT,
        "sha256": file_sha256(path),
        "sklearn_version": library_version("scikit-learn"),
    }
    return write_manifest(path, full)


def write_manifest(path: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """(Re)write the manifest beside an artifact, e.g. to add metrics computed after saving."""
    manifest_path(path).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def read_manifest(path: Path) -> dict[str, Any]:
    where = manifest_path(path)
    if not where.is_file():
        raise ArtifactError(f"{where}: manifest not found; an artifact without its manifest is not loaded")
    try:
        manifest = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{where}: unreadable manifest: {exc}") from None
    if not isinstance(manifest, dict) or "sha256" not in manifest:
        raise ArtifactError(f"{where}: manifest has no sha256")
    return manifest


def load_artifact(path: Path | str) -> Artifact:
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"{path}: model artifact not found; build it with `escalation train`")
    manifest = read_manifest(path)
    actual = file_sha256(path)
    if actual != manifest["sha256"]:
        raise ArtifactError(
            f"{path}: sha256 {actual} does not match the manifest's {manifest['sha256']}; refusing to unpickle"
        )
    if manifest.get("artifact_format") != ARTIFACT_FORMAT:
        found = manifest.get("artifact_format", "unknown")
        raise ArtifactError(f"{path}: artifact format {found}, this version reads {ARTIFACT_FORMAT}; retrain the model")
    built_with, running = manifest.get("sklearn_version"), library_version("scikit-learn")
    if built_with != running:
        raise ArtifactError(f"{path}: built with scikit-learn {built_with}, running {running}; retrain the model")
    payload = joblib.load(path)
    if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"{path}: not an escalation-risk artifact of format {ARTIFACT_FORMAT}")
    thresholds = payload["thresholds"]
    missing = [head for head in HEADS if head not in thresholds]
    if missing:
        raise ArtifactError(f"{path}: thresholds missing for heads {missing}")
    return Artifact(payload["model"], payload.get("ablations", {}), thresholds, manifest, path)
