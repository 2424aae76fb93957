"""The project's NER models in the fact path (newsmon.nlp.ner_facts): settings, pipeline, each use.

Which uses ship is decided by bench/fact_ablation.py (BENCHMARKS.md); these tests check the mechanism."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from spacy.language import Language

from newsmon.nlp.facts import build_facts
from newsmon.nlp.ner_facts import parse_uses
from newsmon.nlp.pipeline import PipelineOptions
from newsmon.nlp.pipeline import build_pipeline as build_with
from newsmon.nlp.pipeline import extractor_version as version_of
from newsmon.settings import Settings, get_settings

OVERRIDES: dict[
    str, str
] = {}  # settings fields the test changed (`uses`), passed down, not set in env


def settings() -> Settings:
    return get_settings().model_copy(update=OVERRIDES)


def build_pipeline(lang: str) -> Language:
    """The pipeline with the options of the test's settings (as the extraction stage builds it)."""
    return build_with(lang, options=PipelineOptions.from_settings(lang, settings()))


def extractor_version(lang: str) -> str:
    s = settings()
    return version_of(lang, s.database_url, PipelineOptions.from_settings(lang, s))


@pytest.fixture
def uses() -> Iterator[object]:
    def set_uses(lang: str, value: str) -> None:
        OVERRIDES[f"fact_ner_{lang}"] = value

    yield set_uses
    OVERRIDES.clear()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", ()), ("loc", ("loc",)), (" program , loc ,", ("loc", "program")), ("PER", ("per",))],
)
def test_parse_uses(value: str, expected: tuple[str, ...]) -> None:
    assert parse_uses(value) == expected


def test_unknown_use_is_named() -> None:
    with pytest.raises(ValueError, match=r"unknown NER use 'org'.*loc, per, program"):
        parse_uses("loc,org")


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_rules_alone_by_default(lang: str) -> None:
    nlp = build_pipeline(lang)
    assert "newsmon_fact_ner" not in nlp.pipe_names
    assert f"{lang}-ner/" not in extractor_version(lang)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_uses_change_the_pipeline_and_the_extractor_version(lang: str, uses) -> None:  # type: ignore[no-untyped-def]
    before = extractor_version(lang)
    uses(lang, "loc,per")
    head, digests = before.split("+", 1)
    assert extractor_version(lang) == f"{head} {lang}-ner/loc+per+{digests}"
    nlp = build_pipeline(lang)
    names = nlp.pipe_names
    assert (
        names.index("newsmon_programs")
        < names.index("newsmon_fact_ner")
        < names.index("newsmon_amounts")
    )


@pytest.mark.parametrize(
    ("lang", "text", "surname"),
    [
        ("ru", "Аким города Ерболат Досаев провёл совещание в Алматы.", "Досаев"),
        ("kk", "Алматы қаласының әкімі Ерболат Досаев кеңес өткізді.", "Досаев"),
    ],
)
def test_per_use_gives_the_akims_their_persons(lang: str, text: str, surname: str, uses) -> None:  # type: ignore[no-untyped-def]
    uses(lang, "per")
    doc = build_pipeline(lang)(text)
    assert doc.ents and all(e.label_ == "PER" for e in doc.ents)
    akims = [f for f in build_facts(doc) if f.kind == "akim"]
    assert [surname in (f.person or "") for f in akims] == [True]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "ru",
            "В Караганде и Темиртау прошли субботники, сообщили в акимате Карагандинской области.",
        ),
        (
            "kk",
            "Қарағанды мен Теміртауда сенбілік өтті, деп хабарлады Қарағанды облысының әкімдігі.",
        ),
    ],
)
def test_loc_and_program_uses_only_add_resolved_spans_where_rules_found_none(
    lang: str,
    text: str,
    uses,  # type: ignore[no-untyped-def]
) -> None:
    rules = build_pipeline(lang)(text)
    uses(lang, "loc,program")
    doc = build_pipeline(lang)(text)
    base = {(s.start, s.end) for s in rules.spans["territories"]}
    got = {(s.start, s.end) for s in doc.spans["territories"]}
    assert base <= got  # nothing the rules found is lost
    for span in doc.spans["territories"]:
        assert span._.territory is not None
    added = [s for s in doc.spans["territories"] if (s.start, s.end) not in base]
    assert all(not any(a.start < e and s < a.end for s, e in base) for a in added)
    assert all(s._.program for s in doc.spans["programs"])
