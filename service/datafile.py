"""Reading the project's tab-separated data files (lexicon, cues, gazetteer) with line-numbered errors.

Format: "#" starts a comment line, "# version: X.Y.Z" declares the file's version, the first other line is the header,
and every data row has exactly the header's columns.
"""

from __future__ import annotations

import re
from pathlib import Path

from service.errors import LexiconError

_VERSION_LINE = re.compile(r"#\s*version:\s*(\S+)")


def read_table(path: Path, columns: tuple[str, ...]) -> tuple[str | None, list[tuple[int, list[str]]]]:
    """The file's version (if declared) and its data rows with line numbers; the header is checked."""
    if not path.is_file():
        raise LexiconError(f"{path}: data file not found")
    version: str | None = None
    rows: list[tuple[int, list[str]]] = []
    header_seen = False
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        if raw.lstrip().startswith("#"):
            found = _VERSION_LINE.match(raw.strip())
            if found:
                version = found.group(1)
            continue
        cells = [cell.strip() for cell in raw.split("\t")]
        if not header_seen:
            if tuple(cells) != columns:
                raise LexiconError(f"{path}:{number}: header must be {'<TAB>'.join(columns)}, got {raw!r}")
            header_seen = True
            continue
        if len(cells) != len(columns):
            raise LexiconError(f"{path}:{number}: expected {len(columns)} tab-separated columns, got {len(cells)}")
        rows.append((number, cells))
    if not header_seen:
        raise LexiconError(f"{path}: no header row")
    return version, rows
