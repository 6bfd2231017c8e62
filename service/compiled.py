"""Whether the scoring core runs compiled (setup.py builds it with mypyc where a C compiler is at hand), and whether
each compiled module still matches its source.

An editable install puts the C extensions beside the .py files, and Python imports the extension first: a source
edited after the build would silently not run. setup.py records the sha256 of each source it compiled in
COMPILED_RECORD; `stale_modules` names the compiled modules whose source has changed since (`make install` rebuilds).
"""

from __future__ import annotations

import hashlib
import importlib
import json
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

PACKAGE_DIRECTORY = Path(__file__).parent
COMPILED_RECORD = PACKAGE_DIRECTORY / "_compiled.json"
# Kept in step with setup.py's COMPILED (a test checks).
CORE_MODULES = ("text", "phrases", "lexicon", "actors", "features", "aggregate", "scoring")


def is_compiled(module_name: str) -> bool:
    """True if service.<module_name> was imported from a C extension."""
    module = importlib.import_module(f"service.{module_name}")
    return str(module.__file__).endswith(tuple(EXTENSION_SUFFIXES))


def compiled_modules() -> tuple[str, ...]:
    return tuple(name for name in CORE_MODULES if is_compiled(name))


def recorded_sources() -> dict[str, str]:
    """{source path relative to the project, e.g. "service/text.py": sha256} as setup.py recorded them."""
    if not COMPILED_RECORD.is_file():
        return {}
    recorded: dict[str, str] = json.loads(COMPILED_RECORD.read_text(encoding="utf-8"))
    return recorded


def stale_modules() -> tuple[str, ...]:
    """Compiled modules whose .py beside them differs from the source they were compiled from (none when the build
    left no record to compare with)."""
    if not COMPILED_RECORD.is_file():
        return ()
    recorded = recorded_sources()
    stale = []
    for name in compiled_modules():
        source = PACKAGE_DIRECTORY / f"{name}.py"
        if not source.is_file():  # an installed wheel may ship the extension alone
            continue
        if recorded.get(f"service/{name}.py") != hashlib.sha256(source.read_bytes()).hexdigest():
            stale.append(name)
    return tuple(stale)
