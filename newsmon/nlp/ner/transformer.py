"""Transformer NER backend: a local Hugging Face token-classification model as a spaCy component.

Selected by `NEWSMON_NER_BACKEND=transformers` with `NEWSMON_TRANSFORMER_MODEL_RU` / `_KK` pointing at a
folder saved by `save_pretrained` (model + fast tokenizer), for example an XLM-RoBERTa fine-tuned on
KazNERD. Nothing is downloaded: the hub is switched off (HF_HUB_OFFLINE=1, local_files_only).
The model's labels are IOB2 tags (`B-PERSON`, `I-PERSON`, `O`); entity labels are what follows `B-`/`I-`
and map to the canonical set like the spaCy model's native labels. Needs the `transformers` extra (torch).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from newsmon.errors import ConfigError
from newsmon.settings import Settings


def _require_torch() -> tuple[Any, Any, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer
    except ImportError as exc:
        raise ConfigError(
            "the transformers NER backend needs torch and transformers: pip install -e '.[transformers]'"
        ) from exc
    return torch, AutoTokenizer, AutoModelForTokenClassification


def decode_bio(tags: list[str], offsets: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Character spans from per-subword IOB2 tags; subwords with empty offsets (specials) are skipped.

    An `I-X` after `O` or after another type starts a new entity (lenient IOB2, as seqeval does).
    """
    spans: list[tuple[int, int, str]] = []
    current: list[Any] | None = None
    for tag, (start, end) in zip(tags, offsets):
        if start == end:
            continue
        prefix, _, label = tag.partition("-")
        if prefix == "I" and current is not None and current[2] == label:
            current[1] = end
            continue
        if current is not None:
            spans.append((current[0], current[1], current[2]))
            current = None
        if prefix in ("B", "I") and label:
            current = [start, end, label]
    if current is not None:
        spans.append((current[0], current[1], current[2]))
    return spans


class TransformerNER:
    """Sets doc.ents from a token-classification model; long texts go in overlapping windows."""

    def __init__(self, nlp: Language, name: str, model_path: str, max_length: int, stride: int) -> None:
        torch, AutoTokenizer, AutoModel = _require_torch()
        path = Path(model_path)
        if not path.is_dir():
            raise ConfigError(f"transformer model folder {path} does not exist (a save_pretrained folder)")
        self.name = name
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        if not getattr(self.tokenizer, "is_fast", False):
            raise ConfigError(f"{path}: needs a fast tokenizer (tokenizer.json) for character offsets")
        self.model = AutoModel.from_pretrained(path, local_files_only=True).eval()
        self.id2label = {int(k): v for k, v in self.model.config.id2label.items()}
        self.max_length = max_length
        self.stride = stride

    def predict(self, text: str) -> list[tuple[int, int, str]]:
        if not text.strip():
            return []
        enc = self.tokenizer(text, return_offsets_mapping=True, truncation=True, max_length=self.max_length,
                             stride=self.stride, return_overflowing_tokens=True, padding=True,
                             return_tensors="pt")
        offsets = enc.pop("offset_mapping").tolist()
        enc.pop("overflow_to_sample_mapping", None)
        with self.torch.no_grad():
            logits = self.model(**enc).logits
        best: dict[tuple[int, int], tuple[float, str]] = {}
        for window, window_offsets in enumerate(offsets):
            probs, ids = logits[window].softmax(-1).max(-1)
            for (start, end), p, i in zip(window_offsets, probs.tolist(), ids.tolist()):
                if start != end and p > best.get((start, end), (-1.0, ""))[0]:
                    best[(start, end)] = (p, self.id2label[i])
        ordered = sorted(best)
        return decode_bio([best[o][1] for o in ordered], ordered)

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        for start, end, label in self.predict(doc.text):
            while start < end and doc.text[start].isspace():  # SentencePiece offsets may include the space
                start += 1
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.ents = filter_spans(spans)
        return doc


@Language.factory("newsmon_transformer_ner", default_config={"max_length": 512, "stride": 64},
                  assigns=["doc.ents"])
def make_transformer_ner(nlp: Language, name: str, model_path: str, max_length: int, stride: int) -> TransformerNER:
    return TransformerNER(nlp, name, model_path, max_length, stride)


def load_transformer_pipeline(lang: str, settings: Settings) -> Language:
    """blank(lang) + the transformer component, from settings.transformer_model_<lang>."""
    from newsmon.nlp.lang import blank

    path = settings.transformer_model_ru if lang == "ru" else settings.transformer_model_kk
    if path is None:
        raise ConfigError(
            f"NEWSMON_NER_BACKEND=transformers needs NEWSMON_TRANSFORMER_MODEL_{lang.upper()}: "
            "a local folder with a token-classification model and its fast tokenizer"
        )
    nlp = blank(lang)
    nlp.add_pipe("newsmon_transformer_ner", config={"model_path": str(path)})
    return nlp
