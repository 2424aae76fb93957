"""The spaCy pipeline per language, assembled from the project's components and models."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from spacy.language import Language

from newsmon import __version__
from newsmon.nlp.lang import blank
from newsmon.settings import get_settings

# bump when a rule component changes what it extracts: `newsmon extract` then re-extracts every article
RULES_VERSION = "1"
LANGS = ("ru", "kk")
MAX_NLP_CHARS = 300_000  # longer texts are cut for NLP (a 5 MB "article" is a scraping accident)


def doc_text(title: str, text: str) -> str:
    """The text facts are extracted from; fact offsets index it (CONTRACT §2: title and body as stored)."""
    return f"{title}\n{text}" if text else title


def model_dir(lang: str) -> Path:
    return get_settings().models_dir / lang


def _model_version(lang: str) -> str | None:
    meta = model_dir(lang) / "meta.json"
    if not meta.is_file():
        return None
    import json

    data = json.loads(meta.read_text(encoding="utf-8"))
    return f"{data.get('name', 'ner')}/{data.get('version', '0')}"


def extractor_version(lang: str) -> str:
    """What produced a fact: package, rules and model versions (stored with each fact and article)."""
    parts = [f"newsmon/{__version__}", f"{lang}-rules/{RULES_VERSION}"]
    model = _model_version(lang) if lang in LANGS else None
    if model:
        parts.append(f"{lang}-{model}")
    return " ".join(parts)


@lru_cache(maxsize=4)
def load_pipeline(lang: str) -> Language:
    """The process-wide pipeline for `lang` (built once)."""
    return build_pipeline(lang)


def build_pipeline(lang: str, database_url: str | None = None) -> Language:
    """Tokenizer, sentences, entities where a model exists, then territories, programmes, amounts, akims.

    `database_url` is where the gazetteer's imported KATO units are read (default: settings)."""
    import newsmon.nlp.akims  # noqa: F401  (registers the factories)
    import newsmon.nlp.amounts  # noqa: F401
    import newsmon.nlp.programs  # noqa: F401
    import newsmon.nlp.territories  # noqa: F401

    nlp = blank(lang)
    nlp.max_length = MAX_NLP_CHARS + 1
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("newsmon_territories", config={"database_url": database_url})
    nlp.add_pipe("newsmon_programs")
    nlp.add_pipe("newsmon_amounts")
    nlp.add_pipe("newsmon_akims")
    return nlp
