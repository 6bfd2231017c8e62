"""The optional compiled build of the scoring core (setup.py): consistent, current, and picklable."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

from service.compiled import CORE_MODULES, compiled_modules, stale_modules
from service.features import FeatureSpace
from service.lexicon import Lexicon

ROOT = Path(__file__).resolve().parents[1]


def test_setup_compiles_and_make_rebuilds_exactly_the_core_modules() -> None:
    listed = re.findall(r'"service/(\w+)\.py",', (ROOT / "setup.py").read_text(encoding="utf-8"))
    assert tuple(listed) == CORE_MODULES
    core = re.search(r"^CORE := \$\(addprefix service/,(.*)\)$", (ROOT / "Makefile").read_text(), re.M)
    assert core is not None and tuple(name.removesuffix(".py") for name in core.group(1).split()) == CORE_MODULES


def test_core_is_compiled_all_or_nothing() -> None:
    # mypyc compiles the modules together, against each other's native classes: a mix would mean a broken build.
    assert compiled_modules() in ((), CORE_MODULES)


def test_no_compiled_module_is_older_than_its_source() -> None:
    assert stale_modules() == (), "sources changed since the C extensions were built: run `make install`"


def test_lexicon_survives_pickling_with_its_matches() -> None:
    lexicon = Lexicon.load()
    restored = pickle.loads(pickle.dumps(lexicon))
    text = "Officials denied that the militia fired rockets, but vowed to retaliate if attacked."
    assert restored.version == lexicon.version and restored.sha256 == lexicon.sha256
    assert restored.entries == lexicon.entries and restored.cues == lexicon.cues
    assert restored.analyze(text).matches == lexicon.analyze(text).matches
    found = [(m.signal, m.negated, m.hypothetical) for m in restored.analyze(text).matches]
    assert found == [("attack", True, False), ("retaliation_pledge", False, False), ("attack", False, True)]


def test_feature_space_survives_pickling_with_its_transform() -> None:
    lexicon = Lexicon.load()
    sentences = ["the army fired rockets", "the army denied firing rockets", "rockets fired again"]
    analyses = [lexicon.analyze(text) for text in sentences]
    space = FeatureSpace.fit(
        lexicon, analyses, ngram_max=2, min_df=1, sublinear_tf=True, use_tfidf=True, use_lexicon=True,
        lexicon_scale=0.125,
    )
    space.prepare()
    restored = pickle.loads(pickle.dumps(space))
    assert list(restored.feature_names_) == list(space.feature_names_)
    assert (restored.transform(sentences) != space.transform(sentences)).nnz == 0
