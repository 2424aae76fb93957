"""Transformer NER on CPU: words/s of the same texts through torch and through the exported ONNX model on
onnxruntime, in one process, with the same number of threads for both; prints the ratio onnx/torch.

usage: python bench/transformer_onnx.py [--model DIR] [--arch xlmr|bert] [--threads 1 2] [--words N] [--rounds N]
Without --model it builds a randomly initialised base-sized token classifier (12 layers, hidden 768,
12 heads, FFN 3072; XLM-RoBERTa-shaped by default) with a 32,000-piece tokenizer trained here on the texts
below and KazNERD's 25 classes as IOB2 labels. Nothing is downloaded. Speed does not depend on the weights;
XLM-R's real 250,002-piece vocabulary only makes the embedding table (a lookup) larger.
Texts: ../shared/data/tengrinews-ru-2024-04 articles (ru) and KazNERD valid sentences in groups of 20 (kk),
half the words each; TransformerNER's windows (512 subwords, stride 64) and decoding, one text per call.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared/data"
RU = DATA / "tengrinews-ru-2024-04/articles.dev.import.jsonl"
KK = DATA / "ner/kaznerd-valid.jsonl"


def load_texts(words: int) -> tuple[list[str], list[str]]:
    """Texts of about `words` words, half ru articles and half kk paragraphs; all texts for the tokenizer."""
    ru = [json.loads(line)["text"] for line in RU.open(encoding="utf-8")]
    sentences = [json.loads(line)["text"] for line in KK.open(encoding="utf-8")]
    kk = [" ".join(sentences[i : i + 20]) for i in range(0, len(sentences), 20)]
    picked: list[str] = []
    for pool in (ru, kk):
        n = 0
        for text in pool:
            if n >= words // 2:
                break
            picked.append(text)
            n += len(text.split())
    return picked, ru + kk


def build_model(path: Path, arch: str, corpus: list[str]) -> None:
    """A random base-sized token classifier and a tokenizer trained on `corpus`, saved with save_pretrained."""
    import torch
    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    torch.manual_seed(0)
    labels = sorted(
        {e["label"] for line in KK.open(encoding="utf-8") for e in json.loads(line)["entities"]}
    )
    tags = ["O"] + [f"{p}-{label}" for label in labels for p in "BI"]
    ids = {"id2label": dict(enumerate(tags)), "label2id": {t: i for i, t in enumerate(tags)}}
    shape = {
        "hidden_size": 768,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "intermediate_size": 3072,
    }
    if arch == "xlmr":
        tok = Tokenizer(models.Unigram())
        tok.pre_tokenizer = pre_tokenizers.Metaspace()
        tok.decoder = decoders.Metaspace()
        specials = ["<s>", "<pad>", "</s>", "<unk>"]
        tok.train_from_iterator(
            corpus,
            trainers.UnigramTrainer(vocab_size=32000, special_tokens=specials, unk_token="<unk>"),
        )
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", special_tokens=[(t, tok.token_to_id(t)) for t in ("<s>", "</s>")]
        )
        fast = transformers.PreTrainedTokenizerFast(
            tokenizer_object=tok,
            bos_token="<s>",
            eos_token="</s>",
            unk_token="<unk>",
            pad_token="<pad>",
            cls_token="<s>",
            sep_token="</s>",
            model_input_names=["input_ids", "attention_mask"],
        )
        config = transformers.XLMRobertaConfig(
            vocab_size=fast.vocab_size,
            max_position_embeddings=514,
            pad_token_id=1,
            bos_token_id=0,
            eos_token_id=2,
            type_vocab_size=1,
            **shape,
            **ids,
        )
        model = transformers.XLMRobertaForTokenClassification(config)
    else:
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
        specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
        tok.train_from_iterator(
            corpus, trainers.WordPieceTrainer(vocab_size=32000, special_tokens=specials)
        )
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]",
            special_tokens=[(t, tok.token_to_id(t)) for t in ("[CLS]", "[SEP]")],
        )
        fast = transformers.PreTrainedTokenizerFast(
            tokenizer_object=tok,
            unk_token="[UNK]",
            pad_token="[PAD]",
            cls_token="[CLS]",
            sep_token="[SEP]",
        )
        config = transformers.BertConfig(
            vocab_size=fast.vocab_size, max_position_embeddings=512, **shape, **ids
        )
        model = transformers.BertForTokenClassification(config)
    model.eval().save_pretrained(path)
    fast.save_pretrained(path)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--model", type=Path, help="a save_pretrained folder (default: build a random base model)"
    )
    ap.add_argument("--arch", choices=["xlmr", "bert"], default="xlmr")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--words", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()

    import spacy
    import torch

    from newsmon.nlp.ner.transformer import TransformerNER, export_onnx

    texts, corpus = load_texts(args.words)
    words = sum(len(t.split()) for t in texts)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model
        if model_dir is None:
            model_dir = Path(tmp) / "model"
            t0 = time.perf_counter()
            build_model(model_dir, args.arch, corpus)
            print(
                f"built a random {args.arch}-base token classifier in {time.perf_counter() - t0:.0f} s"
            )
        t0 = time.perf_counter()
        report = export_onnx(model_dir, Path(tmp) / "onnx")
        print(
            f"exported {report.size_bytes / 1e6:.0f} MB in {time.perf_counter() - t0:.0f} s, "
            f"largest logit difference to torch {report.max_abs_diff:.1e}"
        )
        nlp = spacy.blank("xx")
        results = []
        for threads in args.threads:
            runners = {
                "torch": TransformerNER(nlp, "ner", str(model_dir), 512, 64, "torch", threads),
                "onnx": TransformerNER(
                    nlp, "ner", str(report.path.parent), 512, 64, "onnx", threads
                ),
            }
            torch.set_num_threads(threads)
            spans: dict[str, list] = {}
            best = {name: float("inf") for name in runners}
            for ner in runners.values():
                ner.predict(texts[0])  # warm up
            for _ in range(args.rounds):  # alternated, so a change in the machine's load hits both
                for name, ner in runners.items():
                    t0 = time.perf_counter()
                    spans[name] = [ner.predict(t) for t in texts]
                    best[name] = min(best[name], time.perf_counter() - t0)
            same = sum(a == b for a, b in zip(spans["torch"], spans["onnx"], strict=True))
            row = {
                "threads": threads,
                "torch_words_s": words / best["torch"],
                "onnx_words_s": words / best["onnx"],
                "ratio_onnx_torch": best["torch"] / best["onnx"],
                "same_spans": f"{same}/{len(texts)}",
            }
            results.append(row)
            print(
                f"threads {threads}: torch {row['torch_words_s']:.0f} words/s, onnx {row['onnx_words_s']:.0f} "
                f"words/s, onnx/torch {row['ratio_onnx_torch']:.2f}, same spans in {row['same_spans']} texts",
                flush=True,
            )
    import onnxruntime
    import transformers

    print(
        json.dumps(
            {
                "texts": len(texts),
                "words": words,
                "arch": args.arch if args.model is None else str(args.model),
                "rounds": args.rounds,
                "torch": torch.__version__,
                "onnxruntime": onnxruntime.__version__,
                "transformers": transformers.__version__,
                "cpu": platform.processor() or platform.machine(),
                "load_average": os.getloadavg(),
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
