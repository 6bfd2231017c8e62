"""Build step: compile the scoring core with mypyc when a C compiler is at hand; pure Python otherwise.

The modules in COMPILED are ordinary, type-checked Python. mypyc turns them into C extensions that run the same code
about 1.7 times as fast (README, "Throughput"). Where compiling is impossible (no C compiler or Python headers) or
unwanted (ESCALATION_PURE_PYTHON=1), the install goes on without it and the same modules run as Python: results are
identical, only slower. The extensions are built when the package is (not on every metadata query), into the source
tree for an editable install; service/_compiled.json records which sources they were built from, so that a compiled
module that no longer matches its source is caught (service/compiled.py, tests/test_compiled.py).

All metadata lives in pyproject.toml; this file only adds the optional build step.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
COMPILED = [
    "service/text.py",
    "service/phrases.py",
    "service/lexicon.py",
    "service/actors.py",
    "service/features.py",
    "service/aggregate.py",
    "service/scoring.py",
]
BUILD_RECORD = "service/_compiled.json"  # read by service/compiled.py
PURE_PYTHON_ENV = "ESCALATION_PURE_PYTHON"


def _write_record(compiled: dict[str, str], build_lib: str) -> None:
    """The sha256 of each source the extensions were compiled from (empty when nothing was compiled), in the source
    tree (where an editable install runs) and in the build directory (what goes into a wheel)."""
    text = json.dumps(compiled, indent=2, sort_keys=True) + "\n"
    for root in {ROOT, Path(build_lib).resolve()}:
        if (root / "service").is_dir():
            (root / BUILD_RECORD).write_text(text, encoding="utf-8")


class CompiledCore(build_ext):
    """Swaps the placeholder extension for mypyc's, and falls back to pure Python if compiling fails."""

    def finalize_options(self) -> None:
        # Before setuptools' own finalisation, which prepares each extension it is given.
        self.distribution.ext_modules = self._mypyc_extensions()
        super().finalize_options()

    def _mypyc_extensions(self) -> list[Extension]:
        if os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0"):
            return self._pure(f"{PURE_PYTHON_ENV} is set")
        try:
            from mypyc.build import mypycify

            return list(mypycify(COMPILED, opt_level="3"))
        except (Exception, SystemExit) as exc:  # mypyc missing, or refusing the code (it exits on a type error)
            return self._pure(f"mypyc failed ({type(exc).__name__}: {exc})")

    def run(self) -> None:
        if not self.extensions:
            return
        try:
            super().run()
        except Exception as exc:  # no C compiler or no Python headers
            for extension in self.extensions:
                Path(self.get_ext_fullpath(extension.name)).unlink(missing_ok=True)
            self.extensions = self._pure(f"compiling failed ({type(exc).__name__}: {exc})")
            return
        compiled = {path: hashlib.sha256((ROOT / path).read_bytes()).hexdigest() for path in COMPILED}
        _write_record(compiled, self.build_lib)

    def _pure(self, why: str) -> list[Extension]:
        # Extensions an earlier build left in the source tree would be imported ahead of the .py files.
        for name in COMPILED:
            for suffix in EXTENSION_SUFFIXES:
                (ROOT / name).with_suffix(suffix).unlink(missing_ok=True)
        for shared in ROOT.glob("*__mypyc*"):
            shared.unlink()
        _write_record({}, self.build_lib)
        print(f"escalation-risk: scoring core not compiled, {why}; running as pure Python", file=sys.stderr)
        return []


setup(
    # A placeholder so that setuptools knows the package has extensions (a platform wheel); CompiledCore swaps in the
    # real ones when it runs.
    ext_modules=[Extension("service._placeholder", sources=[])],
    cmdclass={"build_ext": CompiledCore},
)
