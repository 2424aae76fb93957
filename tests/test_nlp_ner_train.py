"""`newsmon train ner` is reproducible: two runs on the same data give byte-identical weights and the
same card figures, and `evaluate ner` on the trained model prints the card's figures. Small slices
of the real data and a few training steps keep it to about a minute per language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import need_data

from newsmon.nlp.ner.evaluate import evaluate_file
from newsmon.nlp.ner.scoring import format_table
from newsmon.nlp.ner.train import train_ner
from newsmon.nlp.ner.vectors import build_navec_vectors
from newsmon.settings import PROJECT_DIR, Settings

# few steps, but large batches and a high learning rate, so that the tiny models do predict entities
STEPS = {
    "training.max_steps": 24,
    "training.eval_frequency": 12,
    "training.optimizer.learn_rate": 0.01,
    "training.batcher.size.start": 1000,
}


def _slice(src: Path, dst: Path, lines: int) -> None:
    with src.open(encoding="utf-8") as f:
        dst.write_text(
            "".join(line for _, line in zip(range(lines), f, strict=False)), encoding="utf-8"
        )


def _train_twice(
    lang: str, data: Path, tmp: Path, overrides: dict[str, object]
) -> tuple[dict, dict, Path]:
    config = PROJECT_DIR / "configs" / f"ner-{lang}.cfg"
    runs = []
    for name in ("a", "b"):
        runs.append(
            train_ner(
                lang,
                tmp / f"model-{name}",
                config,
                data,
                work_dir=tmp / f"work-{name}",
                overrides=overrides,
            )
        )
    for part in ("tok2vec/model", "ner/model"):
        assert (tmp / "model-a" / part).read_bytes() == (tmp / "model-b" / part).read_bytes(), part
    return runs[0], runs[1], tmp / "model-a"


def _check_card(model: Path, figures: dict, gold: Path, lang: str, split: str) -> None:
    card = (model / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"newsmon train ner --lang {lang}" in card
    assert json.loads((model / "dev_scores.json").read_text())["canonical"] == figures["canonical"]
    settings = Settings(models_dir=model.parent / "models")
    (model.parent / "models").mkdir(exist_ok=True)
    (model.parent / "models" / lang).symlink_to(model)
    scores = evaluate_file(gold, lang, split=split, source="model", settings=settings)
    assert scores.as_dict()["micro"] == figures["canonical"]["micro"]
    printed = format_table(scores)  # what `newsmon evaluate ner` prints
    assert printed.split("\n")[-1].startswith("| **micro** |")
    assert printed in card


def test_kk_training_is_reproducible_and_evaluate_prints_the_card(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _slice(need_data("ner", "kaznerd-valid.jsonl"), data / "kaznerd-valid.jsonl", 300)
    first, second, model = _train_twice("kk", data, tmp_path, STEPS)
    assert first["canonical"] == second["canonical"] and first["native"] == second["native"]
    assert first["canonical"]["micro"]["gold"] > 0 and first["canonical"]["micro"]["predicted"] > 0
    _check_card(model, first, data / "kaznerd-valid.jsonl", "kk", "dev")


def test_ru_training_is_reproducible_and_evaluate_prints_the_card(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _slice(need_data("ner", "nerel-train.jsonl"), data / "nerel-train.jsonl", 12)
    _slice(need_data("ner", "nerel-dev.jsonl"), data / "nerel-dev.jsonl", 4)
    _slice(need_data("ner", "factru-dev.jsonl"), data / "factru-dev.jsonl", 10)
    texts = [
        json.loads(line)["text"] for line in (data / "nerel-train.jsonl").read_text().splitlines()
    ]
    vectors = build_navec_vectors(tmp_path / "vectors", texts, rows=300, dims=16)
    first, second, model = _train_twice(
        "ru", data, tmp_path, {**STEPS, "paths.vectors": str(vectors)}
    )
    assert first["canonical"] == second["canonical"] and first["native"] == second["native"]
    assert first["canonical"]["micro"]["gold"] > 0 and first["canonical"]["micro"]["predicted"] > 0
    assert json.loads((model / "combine.json").read_text())["rule"]
    _check_card(model, first, data / "nerel-dev.jsonl", "ru", "all")


def test_unknown_language_is_refused(tmp_path: Path) -> None:
    from newsmon.errors import InputError

    with pytest.raises(InputError, match="use ru or kk"):
        train_ner("en", tmp_path / "m", PROJECT_DIR / "configs" / "ner-kk.cfg", tmp_path)
