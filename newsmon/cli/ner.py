"""Commands of the NER models: train ner, entities, evaluate ner."""

from __future__ import annotations
