"""The nine signals of the escalation taxonomy (shared/TAXONOMY.md v1) and their event-data codes.

The names here are the contract: API fields, CLI columns and metric labels all use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Polarity = Literal["escalatory", "deescalatory"]


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    polarity: Polarity
    cameo: str
    plover: str
    definition: str


SIGNALS: tuple[Signal, ...] = (
    Signal("threat", "escalatory", "13x", "THREATEN",
           "a party warns it will use force, punish, or take hostile action against a target"),
    Signal("retaliation_pledge", "escalatory", "138/13x", "THREATEN",
           "a vow of revenge or response to a specific past act, or a pledge to continue/resume attacks"),
    Signal("truce_breach", "escalatory", "19x after 0871", "ASSAULT,REJECT",
           "a ceasefire, truce or agreement is violated, collapses, is declared over, or attacks resume"),
    Signal("attack", "escalatory", "18x-20x", "ASSAULT",
           "a reported use of armed force: strikes, shelling, rocket/drone fire, bombings, raids, clashes"),
    Signal("mobilization", "escalatory", "15x,16x", "MOBILIZE",
           "preparation for confrontation: deployments, alerts, drills, evacuations, embassy drawdown"),
    Signal("hostile_rhetoric", "escalatory", "11x,112", "ACCUSE",
           "accusations, blame, denunciations, insults or hostile labels aimed at an adversary"),
    Signal("restraint", "deescalatory", "0256", "REQUEST",
           "appeals for calm, restraint, de-escalation or dialogue; advice against escalating"),
    Signal("truce", "deescalatory", "0871", "AGREE,RETREAT",
           "a ceasefire or truce is declared, agreed, extended, or reported as holding"),
    Signal("diplomacy", "deescalatory", "04x,08x", "CONSULT,CONCEDE",
           "talks, mediation, envoys, prisoner releases or hand-overs, concessions"),
)

SIGNAL_NAMES: tuple[str, ...] = tuple(s.name for s in SIGNALS)
SIGNALS_BY_NAME: dict[str, Signal] = {s.name: s for s in SIGNALS}
ESCALATORY: frozenset[str] = frozenset(s.name for s in SIGNALS if s.polarity == "escalatory")
DEESCALATORY: frozenset[str] = frozenset(s.name for s in SIGNALS if s.polarity == "deescalatory")

# The model has one head per signal plus one per polarity.
HEADS: tuple[str, ...] = (*SIGNAL_NAMES, "escalatory", "deescalatory")


def derived_heads(labels: frozenset[str] | set[str]) -> dict[str, bool]:
    """Every head's truth value for one sentence's signal labels."""
    truth = {name: name in labels for name in SIGNAL_NAMES}
    truth["escalatory"] = bool(labels & ESCALATORY)
    truth["deescalatory"] = bool(labels & DEESCALATORY)
    return truth


def check_signal_names(names: list[str] | tuple[str, ...] | set[str]) -> None:
    """Raise ValueError naming the unknown signals and listing the valid ones."""
    unknown = sorted(set(names) - set(SIGNAL_NAMES))
    if unknown:
        raise ValueError(f"unknown signal(s) {unknown}; valid signals are {list(SIGNAL_NAMES)}")
