from pathlib import Path

import pytest

from service.errors import LexiconError
from service.lexicon import Lexicon
from service.types import Match

LEXICON = Lexicon.load()


def matches(text: str, signal: str) -> list[Match]:
    return [m for m in LEXICON.analyze(text).matches if m.signal == signal]


def test_asserted_attack_is_neither_negated_nor_hypothetical() -> None:
    (match,) = matches("Militants fired two rockets at the base.", "attack")
    assert (match.text, match.negated, match.hypothetical) == ("fired two rockets", False, False)


def test_denied_attack_is_negated() -> None:
    (match,) = matches("The group denied firing rockets at the base.", "attack")
    assert match.negated and match.cue == "denied"


def test_feared_attack_is_hypothetical() -> None:
    (match,) = matches("Officials fear militants could fire rockets at the base.", "attack")
    assert match.hypothetical and not match.negated


def test_no_plans_to_retaliate_is_negated() -> None:
    assert all(m.negated for m in matches("The army said it had no plans to retaliate.", "retaliation_pledge"))
    assert matches("The army said it had no plans to retaliate.", "retaliation_pledge")


def test_advised_against_a_strike_is_restraint_not_attack() -> None:
    text = "Officials advised Trump against a preemptive strike."
    assert matches(text, "restraint") and not matches(text, "attack")


def test_negation_does_not_cross_a_clause_break() -> None:
    (match,) = matches("He did not comment, but militants shelled the town.", "attack")
    assert not match.negated


def test_shield_phrases_hide_figurative_uses() -> None:
    assert not LEXICON.analyze("He suffered a heart attack during the price war.").matches


def test_longest_phrase_wins() -> None:
    (match,) = matches("The truce collapsed on Monday.", "truce_breach")
    assert match.text == "truce collapsed"
    assert not matches("The truce collapsed on Monday.", "truce")


def test_offsets_are_local_to_the_sentence() -> None:
    text = "Yesterday, gunmen ambushed a convoy."
    (match,) = matches(text, "attack")
    assert text[match.begin : match.end] == match.text == "ambushed"


def write_lexicon(directory: Path, signal_rows: str, cue_rows: str = "") -> Path:
    (directory / "signals.tsv").write_text(
        "# version: 9.9.9\npattern\tsignal\tweight\tcameo\tplover\n" + signal_rows, encoding="utf-8"
    )
    (directory / "cues.tsv").write_text("cue\tkind\tscope\n" + cue_rows, encoding="utf-8")
    return directory


def test_a_user_can_extend_the_lexicon_with_a_data_file(tmp_path: Path) -> None:
    lexicon = Lexicon.load(write_lexicon(tmp_path, "lobbed|lobs grenades\tattack\t1.5\t190\tASSAULT\n"))
    assert lexicon.version == "9.9.9"
    assert [m.text for m in lexicon.analyze("They lobbed grenades.").matches] == ["lobbed grenades"]


def test_bad_signal_is_reported_with_its_line_number_and_the_valid_names(tmp_path: Path) -> None:
    write_lexicon(tmp_path, "fired\tattack\t1\t190\tASSAULT\nshelled\tattak\t1\t190\tASSAULT\n")
    with pytest.raises(LexiconError, match=r"signals.tsv:4: unknown signal 'attak'; valid signals are .*'attack'"):
        Lexicon.load(tmp_path)


def test_bad_weight_is_reported_with_its_line_number(tmp_path: Path) -> None:
    write_lexicon(tmp_path, "fired\tattack\theavy\t190\tASSAULT\n")
    with pytest.raises(LexiconError, match=r"signals.tsv:3: weight 'heavy' is not a number"):
        Lexicon.load(tmp_path)


def test_bad_cue_kind_is_reported(tmp_path: Path) -> None:
    write_lexicon(tmp_path, "fired\tattack\t1\t190\tASSAULT\n", "not\tnegate\t4\n")
    with pytest.raises(LexiconError, match=r"cues.tsv:2: cue kind 'negate'"):
        Lexicon.load(tmp_path)


def test_missing_version_is_refused(tmp_path: Path) -> None:
    write_lexicon(tmp_path, "fired\tattack\t1\t190\tASSAULT\n")
    path = tmp_path / "signals.tsv"
    path.write_text(path.read_text().replace("# version: 9.9.9\n", ""), encoding="utf-8")
    with pytest.raises(LexiconError, match="missing '# version"):
        Lexicon.load(tmp_path)
