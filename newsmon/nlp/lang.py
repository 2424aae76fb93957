"""`blank(lang)`: a blank Russian or Kazakh pipeline with the project's tokenizer rules."""

from __future__ import annotations

import spacy
from spacy.language import Language

from newsmon.errors import ConfigError
from newsmon.nlp.kk import Kazakh
from newsmon.nlp.tokenizer import customize_tokenizer
from newsmon.text import NLP_LANGS

__all__ = ["blank", "customize_tokenizer", "lang_of"]


def lang_of(nlp: Language) -> str:
    """The pipeline's language code (spaCy allows none; every newsmon pipeline has one)."""
    if nlp.lang is None:
        raise ConfigError("a spaCy pipeline without a language code: newsmon needs ru or kk")
    return nlp.lang


def blank(lang: str) -> Language:
    """A blank pipeline for `ru` or `kk` with the project's tokenizer rules."""
    if lang not in NLP_LANGS:
        raise ValueError(f"unsupported language {lang!r}: use ru or kk")
    if lang == "kk":
        return customize_tokenizer(Kazakh())
    return customize_tokenizer(spacy.blank("ru"))
