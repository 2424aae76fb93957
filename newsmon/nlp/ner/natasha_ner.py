"""natasha / slovnet NER (PER, LOC, ORG; news model and navec shipped in the natasha wheel, no network)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from newsmon.nlp.ner.data import Ent

NATASHA_LABELS = ("PER", "LOC", "ORG")


@lru_cache(maxsize=1)
def natasha_tagger() -> Any:
    """The slovnet news NER tagger with navec embeddings, loaded once per process."""
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


def natasha_entities(texts: Iterable[str]) -> Iterator[list[Ent]]:
    """(start, end, label) per text, labels PER/LOC/ORG, offsets into the text."""
    tagger = natasha_tagger()
    for text in texts:
        if not text.strip():
            yield []
            continue
        yield [(span.start, span.stop, span.type) for span in tagger(text).spans]
