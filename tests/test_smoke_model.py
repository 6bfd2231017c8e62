from service.scoring import Scorer


def test_attack_sentence_scores_above_neutral_sentence(scorer: Scorer) -> None:
    attack = scorer.score("Militants fired three rockets at the air base on Tuesday, killing two soldiers.")
    neutral = scorer.score("The central bank kept interest rates unchanged on Tuesday.")
    assert attack.signals["attack"].probability > 0.5 > neutral.signals["attack"].probability
