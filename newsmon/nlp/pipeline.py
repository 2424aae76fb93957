"""The spaCy pipeline per language, assembled from the project's components and models."""

from __future__ import annotations

from functools import lru_cache
from spacy.language import Language

from newsmon import __version__
from newsmon.nlp.lang import blank

# bump when a rule component changes what it extracts: `newsmon extract` then re-extracts every article
RULES_VERSION = "1"
LANGS = ("ru", "kk")
MAX_NLP_CHARS = 300_000  # longer texts are cut for NLP (a 5 MB "article" is a scraping accident)


def doc_text(title: str, text: str) -> str:
    """The text facts are extracted from; fact offsets index it (CONTRACT §2: title and body as stored)."""
    return f"{title}\n{text}" if text else title


def fact_ner_uses(lang: str) -> tuple[str, ...]:
    """The uses of the project's NER model in fact extraction for `lang` (settings `fact_ner_<lang>`)."""
    from newsmon.nlp.ner_facts import parse_uses
    from newsmon.settings import get_settings

    return parse_uses(getattr(get_settings(), f"fact_ner_{lang}", ""))


def extractor_version(lang: str) -> str:
    """What produced a fact: package and rules versions, and the NER uses (stored with each fact).

    Persons come from natasha/slovnet (ru) on the sentences with a position word and from name patterns
    (kk); the project's NER model takes part only through the uses in `fact_ner_<lang>`."""
    uses = fact_ner_uses(lang)
    ner = f" {lang}-ner/{'+'.join(uses)}" if uses else ""
    return f"newsmon/{__version__} {lang}-rules/{RULES_VERSION}{ner}"


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
    uses = fact_ner_uses(lang)
    if uses:
        import newsmon.nlp.ner_facts  # noqa: F401
        from newsmon.nlp.ner.runner import model_path

        path = str(model_path(lang))
        nlp.add_pipe("newsmon_fact_ner", config={"uses": list(uses), "model_path": path})
    nlp.add_pipe("newsmon_amounts")
    nlp.add_pipe("newsmon_akims")
    return nlp
