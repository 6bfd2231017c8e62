import service


def test_public_surface_is_pinned() -> None:
    assert sorted(service.__all__) == sorted(
        [
            "HEADS", "SIGNALS", "SIGNAL_NAMES", "ActorMention", "ArtifactError", "DocumentScore", "DocumentSummaries",
            "EscalationError",
            "InputError", "LexiconError", "Match", "Scorer", "Sentence", "SentenceScore", "Signal", "SignalScore",
            "TermContribution",
        ]
    )
    for name in service.__all__:
        assert getattr(service, name) is not None


def test_signal_names_follow_the_taxonomy() -> None:
    assert service.SIGNAL_NAMES == (
        "threat", "retaliation_pledge", "truce_breach", "attack", "mobilization", "hostile_rhetoric",
        "restraint", "truce", "diplomacy",
    )
    assert service.HEADS[-2:] == ("escalatory", "deescalatory")
