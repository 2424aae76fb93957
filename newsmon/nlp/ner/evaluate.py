"""`newsmon evaluate ner`: score a source (project model, natasha, their combination) on a gold file,
and the Russian per-label comparison that chooses the combination."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newsmon.errors import InputError
from newsmon.nlp.ner.data import Ent, Example, read_examples, split_kk
from newsmon.nlp.ner.labels import CANONICAL
from newsmon.nlp.ner.natasha_ner import NATASHA_LABELS, natasha_entities
from newsmon.nlp.ner.runner import (
    COMBINE_FILE,
    gold_entities,
    load_model,
    load_pipeline,
    model_path,
    ner_labels,
    predict,
)
from newsmon.nlp.ner.scoring import Scores, score
from newsmon.settings import Settings

SOURCES = ("pipeline", "model", "natasha", "combined")
SPLITS = ("all", "train", "dev")


def select_split(examples: list[Example], split: str) -> list[Example]:
    """`dev`/`train`: the seeded KazNERD split (data.split_kk) of the file; `all`: every line."""
    if split == "all":
        return examples
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}: use all, train or dev")
    train, dev = split_kk(examples)
    return dev if split == "dev" else train


def select_split_lines(objs: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """The input objects whose text falls in `split` (as select_split), in input order."""
    keep = {
        ex.text
        for ex in select_split([Example(str(o.get("id")), o["text"], []) for o in objs], split)
    }
    return [o for o in objs if o["text"] in keep]


def predictions(
    examples: list[Example],
    lang: str,
    source: str,
    native: bool = False,
    natasha_labels: list[str] | None = None,
    settings: Settings | None = None,
    model_dir: Path | None = None,
) -> list[list[Ent]]:
    """Entities of `source` for each example: pipeline (what `newsmon entities` runs), model, natasha,
    combined. The model is in `model_dir`, else in `settings.models_dir`; the pipeline needs the
    settings (its backend)."""
    texts = [ex.text for ex in examples]
    if source == "natasha":
        if lang != "ru":
            raise InputError("natasha is a Russian NER: use --lang ru")
        return list(natasha_entities(texts))
    if source == "pipeline":
        if settings is None:
            raise ValueError("the pipeline source needs the settings (its NER backend)")
        nlp = load_pipeline(lang, settings, native)
    elif source in ("model", "combined"):
        if source == "combined" and lang != "ru":
            raise InputError("the natasha combination is Russian only: use --lang ru")
        if model_dir is None:
            if settings is None:
                raise ValueError("the model source needs model_dir or the settings")
            model_dir = model_path(lang, settings)
        nlp = load_model(lang, model_dir)
        if source == "combined":
            nlp.add_pipe(
                "newsmon_ner_ru",
                config={"natasha_labels": natasha_labels or list(NATASHA_LABELS)},
            )
    else:
        raise InputError(f"unknown source {source!r}: use one of {', '.join(SOURCES)}")
    return list(predict(nlp, texts, lang, native))


def annotated_labels(golds: list[list[Ent]]) -> set[str]:
    """The canonical labels a gold file annotates (those with a gold span; all of them when it has none):
    factRuEval's names-only PER/LOC/ORG are not charged with the DATE or POSITION spans a pipeline finds."""
    return ({label for gold in golds for _, _, label in gold} & set(CANONICAL)) or set(CANONICAL)


def evaluate_file(
    path: Path,
    lang: str,
    native: bool = False,
    split: str = "all",
    source: str = "pipeline",
    *,
    settings: Settings,
) -> Scores:
    """Exact span+label P/R/F1 of `source` on a gold JSONL file (flat-tagger recall for nested gold)."""
    examples = select_split(read_examples(path), split)
    preds = predictions(examples, lang, source, native, settings=settings)
    golds = [gold_entities(ex, lang, native) for ex in examples]
    labels: set[str] | None = annotated_labels(golds)
    if native:  # the labels the model was trained on (all gold labels for natasha and transformers)
        spacy_model = source in ("model", "combined") or (
            source == "pipeline" and settings.ner_backend == "spacy"
        )
        model = model_path(lang, settings)
        labels = set(ner_labels(load_model(lang, model))) if spacy_model else None
    return score(zip(golds, preds, strict=True), labels)


def compare_ru(data_dir: Path, model_dir: Path) -> str:
    """Model vs natasha vs combination on NEREL dev and factRuEval dev; choose natasha's labels.

    A label comes from natasha when its F1, averaged over the two files, beats the model's. Writes
    models/ru/combine.json and returns the Markdown table for the model card.
    """
    files = {
        "NEREL dev": data_dir / "nerel-dev.jsonl",
        "factRuEval dev": data_dir / "factru-dev.jsonl",
    }
    sets = {name: read_examples(p) for name, p in files.items()}
    golds = {name: [gold_entities(ex, "ru", False) for ex in exs] for name, exs in sets.items()}
    model = {
        name: predictions(exs, "ru", "model", model_dir=model_dir) for name, exs in sets.items()
    }
    nat = {name: predictions(exs, "ru", "natasha") for name, exs in sets.items()}

    def f1(name: str, preds: list[list[Ent]], label: str) -> float:
        return score(zip(golds[name], preds, strict=True), {label}).per_label[label].f

    chosen = [
        label
        for label in NATASHA_LABELS
        if sum(f1(n, nat[n], label) for n in sets) > sum(f1(n, model[n], label) for n in sets)
    ]
    comb = {
        name: predictions(exs, "ru", "combined", natasha_labels=chosen, model_dir=model_dir)
        for name, exs in sets.items()
    }
    rows = [
        "| data | label | model F1 | natasha F1 | combined F1 | combined P / R |",
        "|---|---|---|---|---|---|",
    ]
    for name in sets:
        for labels, title in (
            [({lab}, lab) for lab in NATASHA_LABELS]
            + [(set(NATASHA_LABELS), "PER+LOC+ORG micro")]
            + ([(set(CANONICAL), "all canonical micro")] if name == "NEREL dev" else [])
        ):
            s_m, s_n, s_c = (
                score(zip(golds[name], p, strict=True), labels)
                for p in (model[name], nat[name], comb[name])
            )
            m, n, c = (s.per_label[title] if len(labels) == 1 else s.micro for s in (s_m, s_n, s_c))
            nat_f = f"{n.f:.3f}" if labels <= set(NATASHA_LABELS) else "–"
            rows.append(
                f"| {name} | {title} | {m.f:.3f} | {nat_f} | {c.f:.3f} | {c.p:.3f} / {c.r:.3f} |"
            )
    (model_dir / COMBINE_FILE).write_text(
        json.dumps(
            {
                "natasha_labels": chosen,
                "rule": "label from natasha when its F1 averaged over NEREL "
                "dev and factRuEval dev beats the model's",
            },
            indent=2,
        )
        + "\n"
    )
    return (
        "\n".join(rows)
        + f"\n\nLabels taken from natasha in the pipeline: {', '.join(chosen) or 'none'}."
    )
