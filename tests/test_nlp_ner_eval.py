"""Quality gate of the committed NER models: dev F1 floors (measured for the model cards; a floor only
moves up, in a commit that says why), and ru PER/LOC/ORG on factRuEval at least natasha's in the same run
(natasha's spans keep their boundaries: the combiner splits the project's tokens at them). About 20 s in all."""

from __future__ import annotations

import pytest
from conftest import need_data

from newsmon.nlp.ner.evaluate import evaluate_file
from newsmon.settings import PROJECT_DIR, get_settings

# (lang, file, split) -> micro F1 floor, canonical labels; models/<lang>/MODEL_CARD.md has the figures
FLOORS = {
    (
        "kk",
        "kaznerd-valid.jsonl",
        "dev",
    ): 0.88,  # card: 0.889 (4000 + 300 steps; 0.869 after 2100 + 300)
    ("ru", "nerel-dev.jsonl", "all"): 0.81,  # card: 0.821 (model + natasha)
}
LABEL_FLOORS = {
    ("kk", "kaznerd-valid.jsonl", "dev"): {
        "PER": 0.90,
        "LOC": 0.87,
        "DATE": 0.93,
        "POSITION": 0.81,
        "MONEY": 0.93,
    },
    ("ru", "nerel-dev.jsonl", "all"): {"PER": 0.875, "LOC": 0.80, "POSITION": 0.72, "DATE": 0.82},
}


@pytest.mark.parametrize(("lang", "file", "split"), list(FLOORS))
def test_dev_f1_floor(lang: str, file: str, split: str) -> None:
    if not (PROJECT_DIR / "models" / lang / "config.cfg").is_file():
        pytest.fail(f"models/{lang} is missing: newsmon train ner --lang {lang}")
    scores = evaluate_file(need_data("ner", file), lang, split=split, settings=get_settings())
    assert scores.micro.f >= FLOORS[(lang, file, split)], scores.as_dict()["micro"]
    for label, floor in LABEL_FLOORS[(lang, file, split)].items():
        assert scores.per_label[label].f >= floor, (label, scores.per_label[label].as_dict())


MAX_MODEL_BYTES = (
    40_000_000  # issue 12: each shipped model at most 40 MB, so the repository stays cloneable
)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_shipped_model_is_at_most_40_mb(lang: str) -> None:
    folder = PROJECT_DIR / "models" / lang
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    assert 0 < size <= MAX_MODEL_BYTES, (lang, size)


def test_ru_pipeline_at_least_natasha_on_factru() -> None:
    gold = need_data("ner", "factru-dev.jsonl")
    ours = evaluate_file(gold, "ru", settings=get_settings())
    natasha = evaluate_file(gold, "ru", source="natasha", settings=get_settings())
    # factRuEval annotates names only: the DATE/POSITION spans the pipeline also finds are not charged
    assert {k for k, v in ours.as_dict()["per_label"].items() if v["predicted"] or v["gold"]} == {
        "PER",
        "LOC",
        "ORG",
    }
    for label in ("PER", "LOC", "ORG"):
        assert ours.per_label[label].f >= natasha.per_label[label].f, (
            label,
            ours.per_label[label].as_dict(),
            natasha.per_label[label].as_dict(),
        )


@pytest.mark.parametrize(
    ("text", "span", "label"),
    [
        ("Об этом сообщает«Лента.ру». Новость обсуждают.", "Лента.ру", "ORG"),
        ("Его отец Кима Чен Ира Ким Ир Сен.\nДалее.", "Кима Чен Ира Ким Ир Сен", "PER"),
    ],
)
def test_combined_keeps_natashas_boundaries_inside_the_projects_tokens(
    text: str, span: str, label: str
) -> None:
    from newsmon.nlp.ner.natasha_ner import natasha_entities
    from newsmon.nlp.ner.runner import load_pipeline, predict

    nat = set(next(natasha_entities([text])))
    start = text.index(span)
    assert (start, start + len(span), label) in nat, (
        nat
    )  # natasha's span starts or ends inside a project token
    ours = set(next(iter(predict(load_pipeline("ru", get_settings()), [text], "ru"))))
    assert nat <= ours, (nat, ours)


def test_split_tokens_at_cuts_only_inside_tokens() -> None:
    from newsmon.nlp.lang import blank
    from newsmon.nlp.ner.combined import split_tokens_at

    text = "сообщает«Лента.ру» сегодня"
    doc = blank("ru")(text)
    split_tokens_at(
        doc, {0, 8, 9, 17, 18, 19, 26}
    )  # several cuts in one token; boundaries and ends are no-ops
    assert [t.text for t in doc] == ["сообщает", "«", "Лента.ру", "»", "сегодня"]
    assert doc.text == text


def test_annotated_labels_are_the_gold_ones_or_all() -> None:
    from newsmon.nlp.ner.evaluate import annotated_labels
    from newsmon.nlp.ner.labels import CANONICAL

    assert annotated_labels([[(0, 3, "PER")], [(4, 9, "LOC"), (10, 12, "ORG")]]) == {
        "PER",
        "LOC",
        "ORG",
    }
    assert annotated_labels([[], []]) == set(
        CANONICAL
    )  # no gold spans: every prediction is charged
