import re
from pathlib import Path

import pytest

from service.actors import Gazetteer

ACTORS_MD = Path(__file__).resolve().parents[2] / "shared" / "ACTORS.md"
REQUIRED = [
    "Kataib Hezbollah", "Asaib Ahl al-Haq", "Harakat al-Nujaba", "Kataib Sayyid al-Shuhada", "Badr Organization",
    "Popular Mobilization Forces", "Ashab al-Kahf", "Islamic Resistance in Iraq", "Quds Force",
    "Islamic Revolutionary Guard Corps", "Hezbollah", "Houthis", "Hamas", "Islamic State", "US Central Command",
    "Mustafa al-Kadhimi", "Mohammed Shia al-Sudani", "Barham Salih", "Qais al-Khazali", "Abu Mahdi al-Muhandis",
    "Qassem Soleimani", "Ismail Qaani", "Moqtada al-Sadr",
]


def names(gazetteer: Gazetteer, text: str) -> list[str]:
    return [m.canonical for m in gazetteer.find(text)]


def test_every_required_actor_is_known_by_its_canonical_name(gazetteer: Gazetteer) -> None:
    for canonical in REQUIRED:
        assert names(gazetteer, f"Officials said {canonical} was involved.") == [canonical]


@pytest.mark.skipif(not ACTORS_MD.is_file(), reason="shared/ACTORS.md not beside the checkout")
def test_gazetteer_covers_the_shared_actor_list(gazetteer: Gazetteer) -> None:
    listed = re.findall(r"^\| ([^|]+?) \| [^|]+ \|", ACTORS_MD.read_text(encoding="utf-8"), flags=re.M)
    listed = [name for name in listed if name not in ("canonical name", "---")]
    assert listed and set(listed) <= set(gazetteer.canonical_names)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Kataeb Hezbollah fired", "Kataib Hezbollah"),
        ("the Hezbollah Brigades said", "Kataib Hezbollah"),
        ("KATA'IB HIZBOLLAH", "Kataib Hezbollah"),
        ("Prime Minister Mustafa Al-Kazemi", "Mustafa al-Kadhimi"),
        ("Kadhemi's government", "Mustafa al-Kadhimi"),
        ("the Hashd al-Shaabi", "Popular Mobilization Forces"),
        ("PMF units", "Popular Mobilization Forces"),
        ("The Companions of the Cave claimed it", "Ashab al-Kahf"),
        ("Esmaïl Qaani arrived", "Ismail Qaani"),
        ("Ansar Allah said", "Houthis"),
        ("Qasem Soleimani", "Qassem Soleimani"),
        ("CENTCOM reported", "US Central Command"),
        ("Harakat Hezbollah al-Nujaba", "Harakat al-Nujaba"),
        ("the Badr Organisation", "Badr Organization"),
        ("Muqtada al-Sadr", "Moqtada al-Sadr"),
    ],
)
def test_variants_resolve_to_the_canonical_name(gazetteer: Gazetteer, text: str, canonical: str) -> None:
    assert names(gazetteer, text) == [canonical]


@pytest.mark.parametrize(
    "text",
    ["Protesters gathered in Sadr City.", "Badr Shakir, a shopkeeper, said", "tell us what happened",
     "The Washington Post reported", "This is what it is"],
)
def test_look_alikes_do_not_match(gazetteer: Gazetteer, text: str) -> None:
    assert names(gazetteer, text) == []


def test_mentions_carry_offsets(gazetteer: Gazetteer) -> None:
    text = "On Friday Hezbollah and Hamas spoke."
    assert [(m.canonical, text[m.begin : m.end]) for m in gazetteer.find(text)] == [
        ("Hezbollah", "Hezbollah"), ("Hamas", "Hamas")
    ]


def test_bad_gazetteer_row_is_reported_with_its_line_number(tmp_path: Path) -> None:
    from service.errors import LexiconError

    path = tmp_path / "actors.tsv"
    path.write_text("# version: 1\ncanonical\tkind\tvariants\nHamas\tgroup\tHamas\nHamas\tgroup\tHamas movement\n")
    with pytest.raises(LexiconError, match=r"actors.tsv:4: 'Hamas' is listed twice"):
        Gazetteer.load(path)
