"""Wire formats of the HTTP API as msgspec Structs: requests, responses and problem details.

Field names are the contract (issue 3). Offsets are code-point offsets into the submitted text, end-exclusive.
Limits that depend on settings (text length, batch size) are checked by the handlers, not declared here, so that the
schema stays the same whatever the deployment's limits are.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

Probability = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
DocumentId = str | int | None
Level = Literal["low", "elevated", "high", "critical"]
Polarity = Literal["escalatory", "deescalatory"]
# The nine signals of service/signals.py, spelled out so the schema lists them (a test keeps the two in step).
SignalName = Literal[
    "threat", "retaliation_pledge", "truce_breach", "attack", "mobilization", "hostile_rhetoric",
    "restraint", "truce", "diplomacy",
]
# A text must have a character that is not white space.
Text = Annotated[str, msgspec.Meta(min_length=1, pattern=r"\S")]


class Thresholds(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Flag thresholds overriding the model's, per signal; escalatory / deescalatory set the document flags."""

    threat: Probability | None = None
    retaliation_pledge: Probability | None = None
    truce_breach: Probability | None = None
    attack: Probability | None = None
    mobilization: Probability | None = None
    hostile_rhetoric: Probability | None = None
    restraint: Probability | None = None
    truce: Probability | None = None
    diplomacy: Probability | None = None
    escalatory: Probability | None = None
    deescalatory: Probability | None = None


class ScoreOptions(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    signals: Annotated[
        list[SignalName] | None, msgspec.Meta(description="Signals to report (default: all nine).")
    ] = None
    score_threshold: Thresholds | None = None
    spans: Annotated[bool, msgspec.Meta(description="Include the sentences that carry each signal.")] = True
    explain: Annotated[
        bool, msgspec.Meta(description="Add the model's top terms (coefficient x tf-idf) to each span's evidence.")
    ] = False


class ScoreRequest(ScoreOptions, kw_only=True, forbid_unknown_fields=True):
    """One document to score."""

    text: Annotated[Text, msgspec.Meta(description="The document; at most ESCALATION_MAX_TEXT_CHARS code points.")]
    id: Annotated[DocumentId, msgspec.Meta(description="Echoed in the response.")] = None


class BatchDocument(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: Text
    id: DocumentId = None


class BatchRequest(ScoreOptions, kw_only=True, forbid_unknown_fields=True):
    """Documents to score with the same options; at most ESCALATION_MAX_BATCH of them."""

    documents: Annotated[list[BatchDocument], msgspec.Meta(min_length=1)]


class ModelRef(msgspec.Struct, kw_only=True):
    name: str
    version: str
    lexicon_version: str


class LexiconEvidence(msgspec.Struct, kw_only=True):
    """A lexicon entry found in the span. A negated or hypothetical match counts less or not at all."""

    pattern: str
    text: str
    begin: int
    end: int
    weight: float
    negated: bool
    hypothetical: bool
    cue: str | None = None


class TermEvidence(msgspec.Struct, kw_only=True):
    """A model feature and its share of the head's decision value in this sentence."""

    term: str
    contribution: float


class Evidence(msgspec.Struct, kw_only=True, omit_defaults=True):
    matches: list[LexiconEvidence]
    top_terms: Annotated[
        list[TermEvidence] | None, msgspec.Meta(description="Only when the request sets explain: true.")
    ] = None


class Span(msgspec.Struct, kw_only=True):
    """A sentence that carries the signal."""

    begin: int
    end: int
    score: float
    sentence: int
    evidence: Evidence


class SignalResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    score: Annotated[float, msgspec.Meta(description="Calibrated probability that the document carries the signal.")]
    type: Literal["probability"]
    flagged: bool
    threshold: float
    polarity: Polarity
    cameo: str
    plover: str
    spans: Annotated[list[Span] | None, msgspec.Meta(description="Absent when the request sets spans: false.")] = None


class Escalation(msgspec.Struct, kw_only=True):
    score: Annotated[float, msgspec.Meta(description="The document's escalation risk in [0, 1].")]
    level: Level
    flagged: bool


class Deescalation(msgspec.Struct, kw_only=True):
    score: float
    flagged: bool


class Mention(msgspec.Struct, kw_only=True):
    begin: int
    end: int
    text: str


class Actor(msgspec.Struct, kw_only=True):
    canonical: str
    kind: str
    mentions: list[Mention]


class ScoreResponse(msgspec.Struct, kw_only=True):
    id: DocumentId
    model: ModelRef
    escalation: Escalation
    deescalation: Deescalation
    signals: dict[str, SignalResult]
    actors: list[Actor]
    sentences: Annotated[int, msgspec.Meta(description="Number of sentences the document was split into.")]


class BatchResponse(msgspec.Struct, kw_only=True):
    model: ModelRef
    results: Annotated[list[ScoreResponse], msgspec.Meta(description="One result per document, in request order.")]


class SignalInfo(msgspec.Struct, kw_only=True):
    name: str
    polarity: Polarity
    cameo: str
    plover: str
    threshold: float
    definition: str


class ModelInfo(msgspec.Struct, kw_only=True):
    name: str
    version: str
    sha256: str
    trained_at: str | None
    lexicon_version: str
    signals: list[SignalInfo]
    thresholds: Annotated[dict[str, float], msgspec.Meta(description="Flag threshold of every head.")]
    metrics: Annotated[dict[str, Any], msgspec.Meta(description="Evaluation metrics from the model's manifest.")]


class Health(msgspec.Struct, kw_only=True):
    status: Literal["ok", "ready"]


class FieldError(msgspec.Struct, kw_only=True):
    field: str
    message: str


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem details body (media type application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None
