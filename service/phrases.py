"""A token trie that finds many phrases in one left-to-right pass over a sentence's tokens.

Pattern syntax (shared by the lexicon and the actor gazetteer): tokens separated by spaces; a token may list
alternatives with "|" ("vow|vows|vowed"); "*" stands for exactly one token of any kind. Patterns are tokenised and
folded exactly like the text they are matched against, so "Kata'ib" and "al-Kadhimi" work as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from service.text import fold_token, tokenize

Payload = TypeVar("Payload")

WILDCARD = "*"
_END = ""  # trie key under which a node stores the payloads of the phrases ending there


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


@dataclass(frozen=True, slots=True)
class Found(Generic[Payload]):
    """Payloads of the longest phrase found at token positions [start, stop)."""

    start: int
    stop: int
    payloads: tuple[Payload, ...]


class PhraseMatcher(Generic[Payload]):
    """Longest-match, non-overlapping phrase search over folded tokens."""

    def __init__(self) -> None:
        self._root: dict[str, Any] = {}  # token -> child node; _END -> list of payloads

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
            payloads: list[Payload] = node.setdefault(_END, [])
            payloads.append(payload)

    def find(self, tokens: Sequence[str]) -> list[Found[Payload]]:
        """Scan once from left to right; at each position keep the longest phrase and jump past it."""
        root = self._root
        if root.keys().isdisjoint(tokens):
            return []
        found: list[Found[Payload]] = []
        position = 0
        for start in [index for index, token in enumerate(tokens) if token in root]:
            if start < position:
                continue
            best = self._longest(tokens, start)
            if best is not None:
                found.append(best)
                position = best.stop
        return found

    def _longest(self, tokens: Sequence[str], start: int) -> Found[Payload] | None:
        count = len(tokens)
        best_stop, best_node = -1, None
        frontier = [(self._root[tokens[start]], start + 1)]
        while frontier:
            node, index = frontier.pop()
            if index > best_stop and _END in node:
                best_stop, best_node = index, node
            if index < count:
                child = node.get(tokens[index])
                if child is not None:
                    frontier.append((child, index + 1))
                wildcard = node.get(WILDCARD)
                if wildcard is not None:
                    frontier.append((wildcard, index + 1))
        return None if best_node is None else Found(start, best_stop, tuple(best_node[_END]))
