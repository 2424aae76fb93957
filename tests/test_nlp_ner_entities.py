"""`newsmon entities` in the form of CONTRACT §3 (order, ids, offsets, labels, --native), with the
committed models, in Russian and Kazakh; the error when a model is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsmon.cli import app
from newsmon.nlp.ner.labels import CANONICAL
from newsmon.settings import PROJECT_DIR

MODELS = PROJECT_DIR / "models"

LINES = {
    "ru": [
        {
            "id": "a",
            "text": "Аким Алматы Ерболат Досаев встретился с министром финансов Казахстана.",
            "lang": "ru",
        },
        {"id": "b", "text": ""},
        {
            "id": 3,
            "text": "В 2024 году на программу «Дорожная карта бизнеса» выделили 5 млрд тенге, рост на 12%.",
        },
        {"id": "d", "text": "Президент России Владимир Путин прибыл в Астану 15 апреля."},
    ],
    "kk": [
        {"id": "a", "text": "Алматы қаласының әкімі Ерболат Досаев Қаржы министрлігінде болды ."},
        {"id": "b", "text": ""},
        {
            "id": 3,
            "text": "2024 жылы « Бизнестің жол картасы » бағдарламасына 5 миллиард теңге бөлінді , бұл 12 пайызға көп .",
        },
        {
            "id": "d",
            "text": "Қасым-Жомарт Тоқаев 15 сәуірде Астанада Ресей Президенті Владимир Путинмен кездесті .",
        },
    ],
}


def need_model(lang: str) -> None:
    if not (MODELS / lang / "config.cfg").is_file():
        pytest.skip(
            f"no committed {lang} model in {MODELS / lang}: newsmon train ner --lang {lang}"
        )


def run_entities(tmp_path: Path, lang: str, *extra: str) -> list[dict]:
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in LINES[lang]), encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["entities", str(src), "--lang", lang, *extra])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_one_line_per_input_in_order_with_offsets_into_the_input(tmp_path: Path, lang: str) -> None:
    need_model(lang)
    out = run_entities(tmp_path, lang)
    assert [o["id"] for o in out] == [o["id"] for o in LINES[lang]]
    assert out[1]["entities"] == []
    for obj, src in zip(out, LINES[lang], strict=True):
        assert set(obj) == {"id", "entities"}
        for ent in obj["entities"]:
            assert set(ent) == {"start", "end", "label", "text"}
            assert (
                src["text"][ent["start"] : ent["end"]] == ent["text"]
                and ent["text"].strip() == ent["text"]
            )
            assert ent["label"] in CANONICAL
        starts = [e["start"] for e in obj["entities"]]
        assert starts == sorted(starts)
    found = {(e["text"], e["label"]) for o in out for e in o["entities"]}
    assert any(label == "PER" for _, label in found), found
    assert any(label == "LOC" for _, label in found), found
    assert any(label == "DATE" for _, label in found), found


@pytest.mark.parametrize(
    ("lang", "native_only"),
    [("ru", {"CITY", "COUNTRY", "PERSON", "PROFESSION"}), ("kk", {"GPE", "PERSON", "POSITION"})],
)
def test_native_labels_are_the_models_own(tmp_path: Path, lang: str, native_only: set[str]) -> None:
    need_model(lang)
    import spacy

    model_labels = set(spacy.load(MODELS / lang).get_pipe("ner").labels)
    out = run_entities(tmp_path, lang, "--native")
    labels = {e["label"] for o in out for e in o["entities"]}
    assert labels <= model_labels
    assert labels & native_only, labels
    if (
        lang == "kk"
    ):  # same model both ways: canonical output = native output relabelled, unmapped dropped
        from newsmon.nlp.ner.labels import to_canonical

        canonical = run_entities(tmp_path, lang)
        for nat, can in zip(out, canonical, strict=True):
            assert [
                (e["start"], e["end"], to_canonical(e["label"], "kk"))
                for e in nat["entities"]
                if to_canonical(e["label"], "kk")
            ] == [(e["start"], e["end"], e["label"]) for e in can["entities"]]


def test_reads_stdin(tmp_path: Path) -> None:
    need_model("kk")
    line = json.dumps(LINES["kk"][0], ensure_ascii=False) + "\n"
    result = CliRunner().invoke(app, ["entities", "-", "--lang", "kk"], input=line * 2)
    assert result.exit_code == 0, result.output
    first, second = (json.loads(s) for s in result.stdout.splitlines())
    assert first == second and first["id"] == "a"


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_missing_model_says_how_to_train_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    from newsmon.settings import get_settings

    monkeypatch.setenv("NEWSMON_MODELS_DIR", str(tmp_path / "none"))
    get_settings.cache_clear()
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "x"}\n')
    result = CliRunner().invoke(app, ["entities", str(src), "--lang", lang])
    assert result.exit_code == 2
    assert f"newsmon train ner --lang {lang}" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [('{"id": 1}\n', "in.jsonl:1"), ('{"id": 1, "text": "a"}\nnot json\n', "in.jsonl:2")],
)
def test_bad_input_line_is_reported(tmp_path: Path, content: str, message: str) -> None:
    need_model("kk")
    src = tmp_path / "in.jsonl"
    src.write_text(content)
    result = CliRunner().invoke(app, ["entities", str(src), "--lang", "kk"])
    assert result.exit_code == 2 and message in result.output


def test_split_dev_prints_only_the_held_out_kazakh_lines(tmp_path: Path) -> None:
    from conftest import need_data

    from newsmon.nlp.ner.data import read_examples, split_kk

    need_model("kk")
    src = tmp_path / "kaznerd.jsonl"
    with need_data("ner", "kaznerd-valid.jsonl").open(encoding="utf-8") as f:
        src.write_text(
            "".join(line for _, line in zip(range(60), f, strict=False)), encoding="utf-8"
        )
    _, dev = split_kk(read_examples(src))
    result = CliRunner().invoke(app, ["entities", str(src), "--lang", "kk", "--split", "dev"])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [ex.id for ex in dev] and 0 < len(out) < 60
    assert any(o["entities"] for o in out)
    bad = CliRunner().invoke(app, ["entities", str(src), "--lang", "kk", "--split", "test"])
    assert bad.exit_code != 0 and "unknown split" in bad.output
