"""A token trie that finds many phrases in one left-to-right pass over a sentence's tokens.

Pattern syntax (shared by the lexicon and the actor gazetteer): tokens separated by spaces; a token may list
alternatives with "|" ("vow|vows|vowed"); "*" stands for exactly one token of any kind. Patterns are tokenised and
folded exactly like the text they are matched against, so "Kata'ib" and "al-Kadhimi" work as written.
"""

from __future__ import annotations

from typing import Any, Final, Generic, TypeVar

from service.text import fold_token, tokenize

Payload = TypeVar("Payload")

WILDCARD: Final = "*"
_END: Final = ""  # trie key under which a node stores the payloads of the phrases ending there


class PatternError(ValueError):
    """A pattern that cannot be compiled; the message says why."""


def pattern_tokens(pattern: str) -> list[list[tuple[str, ...]]]:
    """Split a pattern into positions; each position lists its alternatives as folded token sequences.

    An alternative may tokenise to several tokens ("de-escalation" is "de", "escalation"), so alternatives at one
    position may differ in length.
    """
    positions: list[list[tuple[str, ...]]] = []
    for raw in pattern.split():
        if raw == WILDCARD:
            positions.append([(WILDCARD,)])
            continue
        alternatives = [alt for alt in raw.split("|") if alt]
        if not alternatives:
            raise PatternError(f"empty alternative in {pattern!r}")
        expanded = {tuple(fold_token(tok) for tok, _, _ in tokenize(alt)) for alt in alternatives}
        if () in expanded:
            raise PatternError(f"{raw!r} in {pattern!r} has no word characters")
        positions.append(sorted(expanded))
    if not positions:
        raise PatternError("empty pattern")
    if positions[0] == [(WILDCARD,)] or positions[-1] == [(WILDCARD,)]:
        raise PatternError(f"{pattern!r} may not start or end with {WILDCARD!r}")
    return positions


# A phrase found: token positions [start, stop) and the payloads of the longest phrase there. A plain tuple: compiled
# code (setup.py) builds and unpacks one natively, where a NamedTuple costs a Python-level call each.
Found = tuple[int, int, tuple[Payload, ...]]


class PhraseMatcher(Generic[Payload]):
    """Longest-match, non-overlapping phrase search over folded tokens."""

    def __init__(self) -> None:
        self._root: dict[str, Any] = {}  # token -> child node; _END -> tuple of payloads

    def add(self, pattern: str, payload: Payload) -> None:
        nodes = [self._root]
        for alternatives in pattern_tokens(pattern):
            reached: list[dict[str, Any]] = []
            for node in nodes:
                for sequence in alternatives:
                    child = node
                    for token in sequence:
                        child = child.setdefault(token, {})
                    reached.append(child)
            nodes = list({id(node): node for node in reached}.values())
        for node in nodes:
            node[_END] = (*node.get(_END, ()), payload)

    def find(self, tokens: list[str]) -> list[Found[Payload]]:
        """Scan once from left to right; at each position keep the longest phrase and jump past it."""
        root = self._root
        starts = [index for index, token in enumerate(tokens) if token in root]
        if not starts:
            return []
        found: list[Found[Payload]] = []
        count = len(tokens)
        position = 0
        for start in starts:
            if start < position:
                continue
            best_stop = -1
            best_payloads: tuple[Payload, ...] | None = None
            node: dict[str, Any] = root[tokens[start]]
            index = start + 1
            branches: list[tuple[dict[str, Any], int]] = []  # wildcard paths still to explore
            while True:
                payloads: tuple[Payload, ...] | None = node.get(_END)
                if payloads is not None and index > best_stop:
                    best_stop, best_payloads = index, payloads
                if index < count:
                    if WILDCARD in node:
                        branches.append((node[WILDCARD], index + 1))
                    child: dict[str, Any] | None = node.get(tokens[index])
                    if child is not None:
                        node, index = child, index + 1
                        continue
                if not branches:
                    break
                node, index = branches.pop()
            if best_payloads is not None:
                found.append((start, best_stop, best_payloads))
                position = best_stop
        return found
