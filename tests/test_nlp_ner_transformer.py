"""The transformer NER backend with a tiny BERT token classifier that the test builds and trains itself
(offline; skipped when torch/transformers are not installed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsmon.nlp.ner.transformer import decode_bio


def _spans(text: str, *parts: tuple[str, str]) -> tuple[str, list[tuple[int, int, str]]]:
    return text, [(text.index(part), text.index(part) + len(part), label) for part, label in parts]


TRAIN = {
    "kk": [
        _spans("Ерболат Досаев Алматыда болды", ("Ерболат Досаев", "PERSON"), ("Алматыда", "GPE")),
        _spans("Серік Ақылбай Астанада сөйледі", ("Серік Ақылбай", "PERSON"), ("Астанада", "GPE")),
    ],
    "ru": [
        _spans("Ерболат Досаев прибыл в Алматы", ("Ерболат Досаев", "PERSON"), ("Алматы", "CITY")),
        _spans("Серик Акылбай выступил в Астане", ("Серик Акылбай", "PERSON"), ("Астане", "CITY")),
    ],
}


@pytest.mark.parametrize(
    ("tags", "offsets", "spans"),
    [
        (
            ["O", "B-PERSON", "I-PERSON", "O"],
            [(0, 0), (0, 7), (8, 14), (0, 0)],
            [(0, 14, "PERSON")],
        ),
        (
            ["B-GPE", "I-PERSON", "B-GPE", "B-GPE"],
            [(0, 3), (4, 8), (9, 12), (12, 15)],
            [(0, 3, "GPE"), (4, 8, "PERSON"), (9, 12, "GPE"), (12, 15, "GPE")],
        ),
        (["B-DATE", "I-DATE", "I-DATE"], [(0, 4), (4, 5), (6, 10)], [(0, 10, "DATE")]),
        (["O", "O"], [(0, 2), (3, 5)], []),
    ],
)
def test_decode_bio(tags: list[str], offsets: list[tuple[int, int]], spans: list) -> None:
    assert decode_bio(tags, offsets) == spans


def build_tiny_model(path: Path, lang: str) -> None:
    """A 2-layer BERT with a WordPiece vocabulary of the training words, trained until it fits them."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers

    torch.manual_seed(0)
    texts = [t for t, _ in TRAIN[lang]]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(
        texts,
        trainers.WordPieceTrainer(
            vocab_size=200, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
        ),
    )
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))],
    )
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
    )
    labels = ["O"] + [
        f"{p}-{t}"
        for t in sorted({lab for _, ents in TRAIN[lang] for *_, lab in ents})
        for p in "BI"
    ]
    config = transformers.BertConfig(
        vocab_size=fast.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        id2label=dict(enumerate(labels)),
        label2id={k: i for i, k in enumerate(labels)},
    )
    model = transformers.BertForTokenClassification(config)
    enc = fast(texts, return_offsets_mapping=True, padding=True, return_tensors="pt")
    gold = []
    for (_, ents), offs in zip(TRAIN[lang], enc.pop("offset_mapping").tolist(), strict=True):
        row = []
        for s, e in offs:
            tag = "O"
            for es, ee, lab in ents:
                if s != e and es <= s and e <= ee:
                    tag = f"{'B' if s == es else 'I'}-{lab}"
            row.append(config.label2id[tag] if s != e else -100)
        gold.append(row)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3)
    model.train()
    for _ in range(80):
        loss = model(**enc, labels=torch.tensor(gold)).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.save_pretrained(path)
    fast.save_pretrained(path)


@pytest.mark.parametrize(("lang", "canonical"), [("kk", {"PER", "LOC"}), ("ru", {"PER", "LOC"})])
def test_entities_with_a_local_transformer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, canonical: set[str]
) -> None:
    from newsmon.cli import app
    from newsmon.settings import get_settings

    build_tiny_model(tmp_path / "model", lang)
    monkeypatch.setenv("NEWSMON_NER_BACKEND", "transformers")
    monkeypatch.setenv(f"NEWSMON_TRANSFORMER_MODEL_{lang.upper()}", str(tmp_path / "model"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    get_settings.cache_clear()
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(
            json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
            for i, (t, _) in enumerate(TRAIN[lang])
        ),
        encoding="utf-8",
    )
    for native in (False, True):
        result = CliRunner().invoke(
            app, ["entities", str(src), "--lang", lang] + (["--native"] if native else [])
        )
        assert result.exit_code == 0, result.output
        out = [json.loads(line) for line in result.stdout.splitlines()]
        assert [o["id"] for o in out] == [0, 1]
        for o, (text, ents) in zip(out, TRAIN[lang], strict=True):
            got = [(e["start"], e["end"], e["label"]) for e in o["entities"]]
            if native:
                assert got == ents
            else:
                assert {lab for *_, lab in got} == canonical
                assert [(s, e) for s, e, _ in got] == [(s, e) for s, e, _ in ents]
            assert all(text[e["start"] : e["end"]] == e["text"] for e in o["entities"])


def test_missing_model_setting_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from newsmon.cli import app
    from newsmon.settings import get_settings

    monkeypatch.setenv("NEWSMON_NER_BACKEND", "transformers")
    get_settings.cache_clear()
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "Астана"}\n')
    result = CliRunner().invoke(app, ["entities", str(src), "--lang", "kk"])
    assert result.exit_code == 2
    assert "NEWSMON_TRANSFORMER_MODEL_KK" in result.output or "pip install" in result.output
