"""NER data handling: canonical label mapping (CONTRACT §3), the seeded KazNERD split, NEREL flattening,
char-span alignment to the project's tokens, and the flat-tagger scoring."""

from __future__ import annotations

import pytest

from newsmon.nlp.lang import blank
from newsmon.nlp.ner.data import (
    AlignStats,
    Example,
    flatten,
    map_entities,
    max_non_overlapping,
    split_kk,
    to_doc,
)
from newsmon.nlp.ner.labels import CANONICAL, to_canonical
from newsmon.nlp.ner.scoring import score


@pytest.mark.parametrize(
    ("lang", "native", "canonical"),
    [
        ("kk", "PERSON", "PER"),
        ("kk", "ORGANISATION", "ORG"),
        ("kk", "GPE", "LOC"),
        ("kk", "LOCATION", "LOC"),
        ("kk", "POSITION", "POSITION"),
        ("kk", "PROJECT", "PROGRAM"),
        ("kk", "MONEY", "MONEY"),
        ("kk", "PERCENTAGE", "PERCENT"),
        ("kk", "DATE", "DATE"),
        ("kk", "CARDINAL", None),
        ("kk", "NORP", None),
        ("ru", "PERSON", "PER"),
        ("ru", "ORGANIZATION", "ORG"),
        ("ru", "CITY", "LOC"),
        ("ru", "COUNTRY", "LOC"),
        ("ru", "STATE_OR_PROVINCE", "LOC"),
        ("ru", "DISTRICT", "LOC"),
        ("ru", "LOCATION", "LOC"),
        ("ru", "PROFESSION", "POSITION"),
        ("ru", "MONEY", "MONEY"),
        ("ru", "PERCENT", "PERCENT"),
        ("ru", "DATE", "DATE"),
        ("ru", "EVENT", None),
        ("ru", "NUMBER", None),
        ("ru", "ORGANISATION", None),
        ("ru", "PER", "PER"),
        ("kk", "LOC", "LOC"),  # natasha's labels are canonical already
    ],
)
def test_native_to_canonical(lang: str, native: str, canonical: str | None) -> None:
    assert to_canonical(native, lang) == canonical


def test_every_canonical_label_has_a_kazakh_source() -> None:
    assert {
        to_canonical(label, "kk")
        for label in [
            "PERSON",
            "ORGANISATION",
            "GPE",
            "POSITION",
            "PROJECT",
            "MONEY",
            "PERCENTAGE",
            "DATE",
        ]
    } == set(CANONICAL)


def test_map_entities_native_keeps_labels() -> None:
    ents = [(0, 5, "CITY"), (6, 9, "EVENT"), (10, 12, "PROFESSION")]
    assert map_entities(ents, "ru", native=False) == [(0, 5, "LOC"), (10, 12, "POSITION")]
    assert map_entities(ents, "ru", native=True) == [(0, 5, "CITY"), (10, 12, "PROFESSION")]


def test_kazakh_split_is_seeded_disjoint_and_keeps_duplicates_together() -> None:
    examples = [Example(f"s{i}", f"сөйлем {i % 40}", []) for i in range(100)]
    train, dev = split_kk(examples)
    assert (train, dev) == split_kk(list(examples))
    assert {e.text for e in train}.isdisjoint({e.text for e in dev})
    assert len(train) + len(dev) == 100
    assert len({e.text for e in dev}) == 8  # 20% of 40 distinct texts
    assert split_kk(examples, seed=1)[1] != dev


@pytest.mark.parametrize(
    ("nested", "rule", "flat"),
    [
        # «президент США»: one outer span vs one inner one: the longer wins
        ([(0, 13, "PROFESSION"), (10, 13, "COUNTRY")], "max", [(0, 13, "PROFESSION")]),
        # two inner spans beat one outer span under "max", not under "outer"
        (
            [(0, 20, "ORGANIZATION"), (0, 5, "CITY"), (10, 20, "PERSON")],
            "max",
            [(0, 5, "CITY"), (10, 20, "PERSON")],
        ),
        (
            [(0, 20, "ORGANIZATION"), (0, 5, "CITY"), (10, 20, "PERSON")],
            "outer",
            [(0, 20, "ORGANIZATION")],
        ),
        # identical offsets: the first label is kept
        ([(3, 8, "COUNTRY"), (3, 8, "ORGANIZATION")], "max", [(3, 8, "COUNTRY")]),
        ([(0, 4, "DATE"), (5, 9, "PERSON")], "max", [(0, 4, "DATE"), (5, 9, "PERSON")]),
    ],
)
def test_flatten(nested: list, rule: str, flat: list) -> None:
    assert flatten(nested, rule) == flat


def test_max_flattening_reaches_the_recall_denominator() -> None:
    nested = [
        (0, 30, "A"),
        (0, 10, "B"),
        (0, 4, "C"),
        (5, 10, "D"),
        (12, 30, "E"),
        (12, 20, "F"),
        (22, 30, "G"),
    ]
    assert len(flatten(nested)) == max_non_overlapping((s, e) for s, e, _ in nested) == 4


@pytest.mark.parametrize(
    ("lang", "text", "ents", "tokens", "stats"),
    [
        (
            "ru",
            "Глава Восточно-Казахстанской области",
            [(6, 24, "STATE_OR_PROVINCE")],
            ["Восточно-Казахстанской"],
            {"exact": 0, "expanded": 1, "dropped": 0},
        ),
        (
            "ru",
            "Президент США Барак Обама",
            [(10, 13, "COUNTRY"), (14, 25, "PERSON")],
            ["США", "Барак Обама"],
            {"exact": 2, "expanded": 0, "dropped": 0},
        ),
        (
            "kk",
            "Алматы облысының әкімі Серік Ақылбай",
            [(0, 16, "GPE"), (17, 22, "POSITION"), (23, 36, "PERSON")],
            ["Алматы облысының", "әкімі", "Серік Ақылбай"],
            {"exact": 3, "expanded": 0, "dropped": 0},
        ),
        (
            "kk",
            "Қазақстан-Ресей",
            [(0, 9, "GPE"), (10, 15, "GPE")],
            ["Қазақстан-Ресей"],
            {"exact": 0, "expanded": 1, "dropped": 1},
        ),
    ],
)
def test_alignment_to_project_tokens(
    lang: str, text: str, ents: list, tokens: list, stats: dict
) -> None:
    st = AlignStats()
    doc = to_doc(blank(lang), Example("x", text, ents), st)
    assert [e.text for e in doc.ents] == tokens
    assert {k: v for k, v in st.as_dict().items() if k != "entities"} == stats


@pytest.mark.parametrize(
    ("gold", "pred", "p", "r"),
    [
        ([(0, 5, "PER"), (6, 9, "LOC")], [(0, 5, "PER"), (6, 9, "ORG")], 0.5, 0.5),
        ([(0, 5, "PER")], [(0, 4, "PER")], 0.0, 0.0),  # exact span only
        # nested gold: right when equal to any gold span; recall over the largest flat set (2, not 3)
        (
            [(0, 13, "POSITION"), (10, 13, "LOC"), (14, 25, "PER")],
            [(10, 13, "LOC"), (14, 25, "PER")],
            1.0,
            1.0,
        ),
        ([(0, 13, "POSITION"), (10, 13, "LOC"), (14, 25, "PER")], [(0, 13, "POSITION")], 1.0, 0.5),
        ([], [(0, 3, "PER")], 0.0, 0.0),
    ],
)
def test_scoring(gold: list, pred: list, p: float, r: float) -> None:
    micro = score([(gold, pred)]).micro
    assert (micro.p, micro.r) == (p, r)


def test_scoring_per_label_and_label_filter() -> None:
    scores = score(
        [([(0, 5, "PER"), (6, 9, "LOC"), (10, 12, "EVENT")], [(0, 5, "PER"), (6, 9, "ORG")])],
        labels={"PER", "LOC", "ORG"},
    )
    assert scores.per_label["PER"].f == 1.0
    assert scores.per_label["LOC"].as_dict()["r"] == 0.0
    assert scores.per_label["ORG"].as_dict()["p"] == 0.0
    assert "EVENT" not in scores.per_label and scores.micro.gold == 2
