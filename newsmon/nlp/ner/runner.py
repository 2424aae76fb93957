"""Loading the project's NER pipelines and running them: `newsmon entities` and `newsmon evaluate ner`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

import spacy
from spacy.language import Language
from spacy.pipeline import Pipe

from newsmon.errors import ConfigError, InputError
from newsmon.nlp.ner import (
    architectures,  # noqa: F401  (registers the model architectures)
    combined,  # noqa: F401  (registers the natasha combination)
)
from newsmon.nlp.ner.data import Ent, Example, read_jsonl, read_lines
from newsmon.nlp.ner.labels import to_canonical
from newsmon.nlp.ner.ops import use_matmul_ops
from newsmon.settings import Settings
from newsmon.text import NLP_LANGS as LANGS

# ru components of the combined pipeline: the canonical labels taken from natasha/slovnet instead of
# the project model, chosen per label on NEREL dev + factRuEval dev (models/ru/MODEL_CARD.md)
COMBINE_FILE = "combine.json"


def ner_labels(nlp: Language) -> tuple[str, ...]:
    """The labels of the pipeline's `ner` component (its native labels)."""
    return cast(Pipe, nlp.get_pipe("ner")).labels  # an EntityRecognizer (compiled, untyped)


def model_path(lang: str, settings: Settings) -> Path:
    return settings.models_dir / lang


def load_model(lang: str, path: Path) -> Language:
    """The project's spaCy NER pipeline for `lang` (native labels) in `path` (`model_path`)."""
    if lang not in LANGS:
        raise InputError(f"unsupported language {lang!r}: use ru or kk")
    if not (path / "config.cfg").is_file():
        raise ConfigError(
            f"no {lang} NER model in {path}: train it with `newsmon train ner --lang {lang}` "
            f"or set NEWSMON_MODELS_DIR to a folder that has {lang}/"
        )
    use_matmul_ops()
    return spacy.load(path)


def load_pipeline(lang: str, settings: Settings, native: bool = False) -> Language:
    """What `newsmon entities` runs: the project model, plus (ru, canonical labels) the natasha combination."""
    if settings.ner_backend == "transformers":
        from newsmon.nlp.ner.transformer import load_transformer_pipeline

        return load_transformer_pipeline(lang, settings)
    if settings.ner_backend != "spacy":
        raise ConfigError(
            f"NEWSMON_NER_BACKEND={settings.ner_backend!r}: use spacy or transformers"
        )
    nlp = load_model(lang, model_path(lang, settings))
    combine = model_path(lang, settings) / COMBINE_FILE
    if lang == "ru" and not native and combine.is_file():
        labels = json.loads(combine.read_text(encoding="utf-8")).get("natasha_labels", [])
        if labels:
            nlp.add_pipe("newsmon_ner_ru", config={"natasha_labels": labels})
    return nlp


def doc_entities(doc: spacy.tokens.Doc, lang: str, native: bool) -> list[Ent]:
    """The doc's entities as (start, end, label) with canonical labels (others dropped) or native ones."""
    out: list[Ent] = []
    for ent in doc.ents:
        label = ent.label_ if native else to_canonical(ent.label_, lang)
        if label is not None:
            out.append((ent.start_char, ent.end_char, label))
    return out


def predict(
    nlp: Language, texts: Iterable[str], lang: str, native: bool = False, batch_size: int = 64
) -> Iterator[list[Ent]]:
    for doc in nlp.pipe(texts, batch_size=batch_size):
        yield doc_entities(doc, lang, native)


def entities_lines(
    objs: Iterable[dict[str, Any]],
    nlp: Language,
    lang: str,
    native: bool = False,
    batch_size: int = 64,
) -> Iterator[dict[str, Any]]:
    """CONTRACT §3: one output object per input object, in order, offsets into the input text."""

    def tuples() -> Iterator[tuple[str, dict[str, Any]]]:
        for obj in objs:
            yield obj["text"], obj

    for doc, obj in nlp.pipe(tuples(), as_tuples=True, batch_size=batch_size):
        text = obj["text"]
        yield {
            "id": obj.get("id"),
            "entities": [
                {"start": s, "end": e, "label": label, "text": text[s:e]}
                for s, e, label in doc_entities(doc, lang, native)
            ],
        }


def gold_entities(example: Example, lang: str, native: bool) -> list[Ent]:
    """Gold entities with canonical labels (labels without one dropped) or native ones."""
    if native:
        return list(example.entities)
    out = []
    for s, e, label in example.entities:
        canonical = to_canonical(label, lang)
        if canonical is not None:
            out.append((s, e, canonical))
    return out


def read_input(file: str) -> Iterator[dict[str, Any]]:
    """Objects of a JSONL file (or stdin for '-'), lazily; a line without a string `text` raises InputError."""
    return read_lines(sys.stdin, "stdin") if file == "-" else read_jsonl(Path(file))
