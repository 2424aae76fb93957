"""The spaCy pipeline per language, assembled from the project's components and models."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

# the components' modules register their factories with spaCy when imported
import newsmon.nlp.akims
import newsmon.nlp.amounts
import newsmon.nlp.ner_facts
import newsmon.nlp.programs  # noqa: F401
from newsmon import __version__
from newsmon.errors import ConfigError
from newsmon.nlp.gazetteer import Gazetteer, kato_digest
from newsmon.nlp.lang import blank
from newsmon.nlp.ner_facts import parse_uses
from newsmon.nlp.territories import TerritoryRecognizer
from newsmon.settings import PACKAGE_DIR, PROJECT_DIR, Settings
from newsmon.text import NLP_LANGS

# the shipped NER models (the default of settings.models_dir)
DEFAULT_MODELS_DIR = PROJECT_DIR / "models"

LANGS = NLP_LANGS  # one pipeline per language

# bump when a rule component changes what it extracts: `newsmon extract` then re-extracts every article
RULES_VERSION = "2"
MAX_NLP_CHARS = 300_000  # longer texts are cut for NLP (a 5 MB "article" is a scraping accident)


def doc_text(title: str, text: str) -> str:
    """The text facts are extracted from; fact offsets index it (CONTRACT §2: title and body as stored)."""
    return f"{title}\n{text}" if text else title


def fact_ner_uses(lang: str, settings: Settings) -> tuple[str, ...]:
    """The uses of the project's NER model in fact extraction for `lang` (settings `fact_ner_<lang>`)."""
    return parse_uses(getattr(settings, f"fact_ner_{lang}", ""))


@dataclass(frozen=True)
class PipelineOptions:
    """What a pipeline takes from the settings, passed down (hashable: part of the pipeline cache key).

    `fact_ner`: the NER model's uses (`fact_ner_<lang>`); `programs_file`: the user's programme
    catalogue merged with the built-in one; `models_dir`: where the NER model of each language is."""

    fact_ner: tuple[str, ...] = ()
    programs_file: Path | None = None
    models_dir: Path | None = None

    @classmethod
    def from_settings(cls, lang: str, settings: Settings) -> PipelineOptions:
        return cls(fact_ner_uses(lang, settings), settings.programs_file, settings.models_dir)


def extractor_version(lang: str, database_url: str, options: PipelineOptions) -> str:
    """What produced a fact: package and rules versions, the NER uses, then digests of the imported KATO
    units and of the programme catalogue, e.g. `newsmon/0.3.0 ru-rules/1+kato.1a2b3c4d.prog.5e6f7a8b`
    (stored with each fact and article, so `newsmon gazetteer import`, a catalogue edit or another
    `fact_ner_<lang>` makes `extract` redo them).

    Persons come from natasha/slovnet (ru) on the sentences with a position word and from name patterns
    (kk); the project's NER model takes part only through the uses in `fact_ner_<lang>` (none by default:
    BENCHMARKS.md has the ablation). Both digests are computed once per process (and again after an
    import in it): a long-running `newsmon worker` keeps the version of the data it loaded."""
    uses = options.fact_ner
    ner = f" {lang}-ner/{'+'.join(uses)}" if uses else ""
    kato = kato_digest(database_url) or "none"
    return (
        f"newsmon/{__version__} {lang}-rules/{RULES_VERSION}{ner}"
        f"+kato.{kato}.prog.{catalogue_digest(options.programs_file)}"
    )


@Language.component("newsmon_line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence: the title (its own line in `doc_text`) is always a sentence of its
    own, and no evidence sentence runs from the title into the body or across a paragraph.

    The line break itself (a whitespace token) is a sentence of its own, so neither neighbour holds it."""
    last = len(doc) - 1
    for tok in doc:
        if tok.is_space and "\n" in tok.text:
            if tok.i > 0:
                tok.is_sent_start = True
            if tok.i < last:
                doc[tok.i + 1].is_sent_start = True
    return doc


def catalogue_digest(programs_file: Path | None = None) -> str:
    """Eight hex digits of SHA-1 over newsmon/data/programs.yaml and the user's `programs_file`."""
    return _catalogue_digest(str(programs_file) if programs_file else "")


@lru_cache(maxsize=8)
def _catalogue_digest(extra: str) -> str:
    sha = hashlib.sha1((PACKAGE_DIR / "data" / "programs.yaml").read_bytes())
    if extra:
        try:
            sha.update(b"\0" + Path(extra).read_bytes())
        except OSError as exc:
            raise ConfigError(
                f"programmes file not readable: {extra} (check NEWSMON_PROGRAMS_FILE): {exc.strerror}"
            ) from None
    return sha.hexdigest()[:8]


@lru_cache(maxsize=8)
def cached_pipeline(
    lang: str, gazetteer: Gazetteer, version: str, options: PipelineOptions
) -> Language:
    """The process-wide pipeline for `lang` over `gazetteer` at extractor `version` (built once per
    version and gazetteer, so an import in this process gives a pipeline that sees it)."""
    return build_pipeline(lang, gazetteer, options)


def build_pipeline(
    lang: str, gazetteer: Gazetteer | None = None, options: PipelineOptions | None = None
) -> Language:
    """Tokenizer, sentences, entities where a model exists, then territories, programmes, amounts, akims.

    The territory component is initialized with `gazetteer` (the caller loads it, e.g. the extraction
    stage with `get_gazetteer(database_url)`; default: the built-in core), so the pipeline reads no
    database and `nlp.to_disk` saves the gazetteer with it. `options` (default: none of them) are the
    values the caller read from its settings (`PipelineOptions.from_settings`)."""
    options = options or PipelineOptions()
    nlp = blank(lang)
    nlp.max_length = MAX_NLP_CHARS + 1
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("newsmon_line_breaks")
    territories = nlp.add_pipe("newsmon_territories")
    assert isinstance(territories, TerritoryRecognizer)
    territories.initialize(nlp=nlp, gazetteer=gazetteer)
    programs_file = str(options.programs_file) if options.programs_file else None
    nlp.add_pipe("newsmon_programs", config={"programs_file": programs_file})
    if options.fact_ner:
        path = str((options.models_dir or DEFAULT_MODELS_DIR) / lang)
        nlp.add_pipe(
            "newsmon_fact_ner", config={"uses": list(options.fact_ner), "model_path": path}
        )
    nlp.add_pipe("newsmon_amounts")
    nlp.add_pipe("newsmon_akims")
    return nlp
