"""The model a worker serves: loaded in the background at startup, so liveness answers while readiness waits."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from service.api.metrics import record_model
from service.api.schemas import ModelRef
from service.scoring import Scorer
from service.settings import Settings

logger = logging.getLogger("escalation.api")

Loader = Callable[[Settings], Scorer]


def load_scorer(settings: Settings) -> Scorer:
    """The default loader: verifies the artifact against its manifest, then unpickles it (service.model)."""
    return Scorer.load(settings.model_path, settings)


@dataclass(frozen=True, slots=True)
class Loaded:
    scorer: Scorer
    model: ModelRef


class ModelHolder:
    """Holds the Scorer once loaded, or the reason it could not be. Thread-safe: loading runs off the event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: Loaded | None = None
        self._error: str | None = None

    @property
    def loaded(self) -> Loaded | None:
        return self._loaded

    @property
    def error(self) -> str | None:
        return self._error

    def set(self, scorer: Scorer) -> Loaded:
        manifest = scorer.artifact.manifest
        model = ModelRef(
            name=str(manifest.get("name", "escalation-risk")),
            version=str(manifest.get("version", "unknown")),
            lexicon_version=str(manifest.get("lexicon_version", scorer.lexicon.version)),
        )
        loaded = Loaded(scorer, model)
        with self._lock:
            self._loaded, self._error = loaded, None
        record_model(model.version, model.lexicon_version)
        return loaded

    def load(self, loader: Loader, settings: Settings) -> None:
        """Run the loader and keep its Scorer, or log and keep its error (readiness then says why it is not ready)."""
        try:
            scorer = loader(settings)
        except Exception as exc:  # any failure leaves the worker live but not ready
            logger.error("model failed to load from %s: %s", settings.model_path, exc)
            with self._lock:
                self._error = f"model failed to load: {exc}"
            return
        loaded = self.set(scorer)
        # The model and the libraries are loaded for good: moving them to the collector's permanent generation keeps
        # every later full collection from walking them, which shortens the pauses that requests would wait behind.
        gc.collect()
        gc.freeze()
        logger.info("model %s %s loaded from %s", loaded.model.name, loaded.model.version, settings.model_path)
