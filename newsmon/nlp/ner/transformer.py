"""Transformer NER backend: a local Hugging Face token-classification model as a spaCy component.

Selected by `NEWSMON_NER_BACKEND=transformers` with `NEWSMON_TRANSFORMER_MODEL_RU` / `_KK` pointing at a
folder saved by `save_pretrained` (model + fast tokenizer), for example an XLM-RoBERTa fine-tuned on
KazNERD. Nothing is downloaded: the hub is switched off (HF_HUB_OFFLINE=1, local_files_only).
The model's labels are IOB2 tags (`B-PERSON`, `I-PERSON`, `O`); entity labels are what follows `B-`/`I-`
and map to the canonical set like the spaCy model's native labels. Needs the `transformers` extra (torch).

`export_onnx` writes the checkpoint as `model.onnx` (dynamic batch and sequence axes); with
`NEWSMON_TRANSFORMER_RUNTIME=onnx` (or `auto` and a `model.onnx` present) the same tokenizer, windows and
decoding run on onnxruntime's CPU provider instead of torch (the `onnx` extra; torch is then not needed).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from newsmon.errors import ConfigError
from newsmon.nlp.lang import blank
from newsmon.settings import Settings

ONNX_FILE = "model.onnx"
RUNTIMES = ("torch", "onnx", "auto")
# the exported graph is checked against torch on a batch of another shape; a larger logit gap fails the export
ONNX_TOLERANCE = 1e-3


def _hub_offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _require_torch() -> tuple[Any, Any, Any]:
    _hub_offline()
    try:
        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer
    except ImportError as exc:
        raise ConfigError(
            "the transformers NER backend needs torch and transformers: pip install -e '.[transformers]'"
        ) from exc
    return torch, AutoTokenizer, AutoModelForTokenClassification


def _require_transformers() -> tuple[Any, Any]:
    """The tokenizer and config classes alone (they do not need torch)."""
    _hub_offline()
    try:
        from transformers import AutoConfig, AutoTokenizer
    except ImportError as exc:
        raise ConfigError(
            "the transformers NER backend needs transformers: pip install -e '.[transformers]'"
        ) from exc
    return AutoTokenizer, AutoConfig


def _require_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise ConfigError(
            "the ONNX runtime of the transformer NER backend needs onnxruntime: "
            "pip install -e '.[onnx]'"
        ) from exc
    return onnxruntime


def resolve_runtime(runtime: str, model_dir: Path) -> str:
    """torch or onnx; `auto` is onnx when `model_dir` has model.onnx and onnxruntime is installed."""
    if runtime not in RUNTIMES:
        raise ConfigError(f"NEWSMON_TRANSFORMER_RUNTIME={runtime!r}: use torch, onnx or auto")
    if runtime != "auto":
        return runtime
    if not (model_dir / ONNX_FILE).is_file():
        return "torch"
    try:
        _require_onnxruntime()
    except ConfigError:
        return "torch"
    return "onnx"


def _default_threads() -> int:
    """OMP_NUM_THREADS (torch reads it, onnxruntime does not); 0: the library's own default."""
    try:
        return max(0, int(os.environ.get("OMP_NUM_THREADS", "0")))
    except ValueError:
        return 0


class _TorchRunner:
    """Logits of a batch of windows from the torch checkpoint."""

    def __init__(self, path: Path, threads: int) -> None:
        torch, _, AutoModel = _require_torch()
        if threads > 0:
            torch.set_num_threads(threads)
        self.torch = torch
        self.model = AutoModel.from_pretrained(path, local_files_only=True).eval()

    def __call__(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        with self.torch.no_grad():
            logits = self.model(**{k: self.torch.from_numpy(v) for k, v in inputs.items()}).logits
        out: np.ndarray = logits.float().numpy()
        return out


class _OnnxRunner:
    """Logits of a batch of windows from model.onnx on onnxruntime's CPU provider."""

    def __init__(self, path: Path, threads: int) -> None:
        ort = _require_onnxruntime()
        onnx_path = path / ONNX_FILE
        if not onnx_path.is_file():
            raise ConfigError(
                f"no {ONNX_FILE} in {path}: export it with `newsmon ner export-onnx {path}` "
                "or set NEWSMON_TRANSFORMER_RUNTIME=torch"
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self.input_names = [i.name for i in self.session.get_inputs()]

    def __call__(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        missing = [n for n in self.input_names if n not in inputs]
        if missing:
            raise ConfigError(
                f"{ONNX_FILE} takes {', '.join(missing)}, which the tokenizer does not give"
            )
        logits: np.ndarray = self.session.run(["logits"], {n: inputs[n] for n in self.input_names})[
            0
        ]
        return logits


def decode_bio(tags: list[str], offsets: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Character spans from per-subword IOB2 tags; subwords with empty offsets (specials) are skipped.

    An `I-X` after `O` or after another type starts a new entity (lenient IOB2, as seqeval does).
    """
    spans: list[tuple[int, int, str]] = []
    current: list[Any] | None = None
    for tag, (start, end) in zip(tags, offsets, strict=False):
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

    def __init__(
        self,
        nlp: Language,
        name: str,
        model_path: str,
        max_length: int,
        stride: int,
        runtime: str = "torch",
        threads: int = 0,
    ) -> None:
        path = Path(model_path)
        if not path.is_dir():
            raise ConfigError(
                f"transformer model folder {path} does not exist (a save_pretrained folder)"
            )
        self.name = name
        self.runtime = resolve_runtime(runtime, path)
        threads = threads or _default_threads()
        self.run: _TorchRunner | _OnnxRunner = (
            _OnnxRunner(path, threads) if self.runtime == "onnx" else _TorchRunner(path, threads)
        )
        AutoTokenizer, AutoConfig = _require_transformers()
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        if not getattr(self.tokenizer, "is_fast", False):
            raise ConfigError(
                f"{path}: needs a fast tokenizer (tokenizer.json) for character offsets"
            )
        config = AutoConfig.from_pretrained(path, local_files_only=True)
        self.id2label = {int(k): v for k, v in config.id2label.items()}
        self.max_length = max_length
        self.stride = stride

    def predict(self, text: str) -> list[tuple[int, int, str]]:
        if not text.strip():
            return []
        enc = self.tokenizer(
            text,
            return_offsets_mapping=True,
            truncation=True,
            max_length=self.max_length,
            stride=self.stride,
            return_overflowing_tokens=True,
            padding=True,
            return_tensors="np",
        )
        offsets = enc.pop("offset_mapping").tolist()
        enc.pop("overflow_to_sample_mapping", None)
        logits = self.run({k: np.asarray(v, dtype=np.int64) for k, v in enc.items()})
        exp = np.exp(logits - logits.max(-1, keepdims=True))
        probs = exp / exp.sum(-1, keepdims=True)
        best: dict[tuple[int, int], tuple[float, str]] = {}
        for window, window_offsets in enumerate(offsets):
            ids = probs[window].argmax(-1)
            top = probs[window].max(-1)
            for (start, end), p, i in zip(window_offsets, top.tolist(), ids.tolist(), strict=True):
                if start != end and p > best.get((start, end), (-1.0, ""))[0]:
                    best[(start, end)] = (p, self.id2label[i])
        ordered = sorted(best)
        return decode_bio([best[o][1] for o in ordered], ordered)

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        for start, end, label in self.predict(doc.text):
            while (
                start < end and doc.text[start].isspace()
            ):  # SentencePiece offsets may include the space
                start += 1
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.ents = filter_spans(spans)
        return doc


@Language.factory(
    "newsmon_transformer_ner",
    default_config={"max_length": 512, "stride": 64, "runtime": "torch", "threads": 0},
    assigns=["doc.ents"],
)
def make_transformer_ner(
    nlp: Language,
    name: str,
    model_path: str,
    max_length: int,
    stride: int,
    runtime: str,
    threads: int,
) -> TransformerNER:
    return TransformerNER(nlp, name, model_path, max_length, stride, runtime, threads)


def load_transformer_pipeline(lang: str, settings: Settings) -> Language:
    """blank(lang) + the transformer component, from settings.transformer_model_<lang>."""
    path = settings.transformer_model_ru if lang == "ru" else settings.transformer_model_kk
    if path is None:
        raise ConfigError(
            f"NEWSMON_NER_BACKEND=transformers needs NEWSMON_TRANSFORMER_MODEL_{lang.upper()}: "
            "a local folder with a token-classification model and its fast tokenizer"
        )
    nlp = blank(lang)
    nlp.add_pipe(
        "newsmon_transformer_ner",
        config={"model_path": str(path), "runtime": settings.transformer_runtime},
    )
    return nlp


@dataclass
class OnnxExport:
    path: Path
    size_bytes: int
    max_abs_diff: float  # largest logit difference to torch on the check batch


def _logits_module(torch: Any, model: Any, names: list[str]) -> Any:
    """The model with positional inputs in the tokenizer's order and logits out (what the ONNX graph exposes)."""

    class LogitsOnly(torch.nn.Module):  # type: ignore[misc]  # torch arrives as Any (lazy import)
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: Any) -> Any:
            return self.model(**dict(zip(names, inputs, strict=False))).logits

    return LogitsOnly().eval()


def export_onnx(model_dir: Path, output: Path | None = None, opset: int = 17) -> OnnxExport:
    """Write model_dir's checkpoint as <output or model_dir>/model.onnx, checked against torch.

    A separate output folder also gets the tokenizer and config.json, so it can be used on its own (without
    torch weights) as NEWSMON_TRANSFORMER_MODEL_* with NEWSMON_TRANSFORMER_RUNTIME=onnx.
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ConfigError(
            f"transformer model folder {model_dir} does not exist (a save_pretrained folder)"
        )
    torch, AutoTokenizer, AutoModel = _require_torch()
    ort = _require_onnxruntime()
    try:
        import onnx  # noqa: F401  (torch's exporter writes the file with it)
    except ImportError as exc:
        raise ConfigError("exporting to ONNX needs onnx: pip install -e '.[onnx]'") from exc
    out_dir = Path(output) if output is not None else model_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
    names = [
        n
        for n in ("input_ids", "attention_mask", "token_type_ids")
        if n in tokenizer.model_input_names
    ]
    # a padded row in the traced batch: a branch taken on an all-ones mask must not drop the mask from the graph
    sample = tokenizer(
        ["Ерболат Досаев прибыл в Алматы 12 мая 2024 года.", "Астана"],
        padding=True,
        return_tensors="pt",
    )
    wrapper = _logits_module(torch, model, names)
    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "logits"]}
    path = out_dir / ONNX_FILE
    with warnings.catch_warnings():
        # the TorchScript exporter (no onnxscript needed) says it is deprecated; tracer notes on Python branches
        warnings.simplefilter("ignore")
        with torch.no_grad():
            torch.onnx.export(
                wrapper,
                tuple(sample[n] for n in names),
                str(path),
                input_names=names,
                output_names=["logits"],
                dynamic_axes=axes,
                opset_version=opset,
                dynamo=False,
            )
    if out_dir.resolve() != model_dir.resolve():
        tokenizer.save_pretrained(out_dir)
        model.config.save_pretrained(out_dir)
    check_texts = [
        "Серик Акылбай выступил в Астане",
        "Алматы",
        "Ерболат Досаев Алматыда болды, ол 2024 жылы әкім болып тағайындалды.",
    ]
    check = tokenizer(check_texts, padding=True, return_tensors="np")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(["logits"], {n: np.asarray(check[n], dtype=np.int64) for n in names})[0]
    with torch.no_grad():
        want = model(
            **{n: torch.from_numpy(np.asarray(check[n], dtype=np.int64)) for n in names}
        ).logits.numpy()
    diff = float(np.abs(got - want).max())
    if diff > ONNX_TOLERANCE:
        path.unlink()  # NEWSMON_TRANSFORMER_RUNTIME=auto would pick it up
        raise ConfigError(
            f"{path}: the exported model's logits differ from torch's by {diff:.2g}; "
            f"try another --opset"
        )
    return OnnxExport(path, path.stat().st_size, diff)
