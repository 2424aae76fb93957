"""The transformer NER backend on onnxruntime: `newsmon ner export-onnx` on the tiny self-built models of
test_nlp_ner_transformer, the same spans as torch (short, unseen and multi-window texts), the errors when
onnxruntime or model.onnx is missing, and NEWSMON_TRANSFORMER_RUNTIME. Skipped without torch/onnxruntime."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from test_nlp_ner_transformer import TRAIN, build_tiny_model
from typer.testing import CliRunner

from newsmon.errors import ConfigError
from newsmon.nlp.ner.transformer import TransformerNER

# the tiny models have 64 positions: windows of 16 subwords, 4 shared, so long texts need several
MAX_LENGTH, STRIDE = 16, 4
TEXTS = {
    "kk": [
        "Ерболат Досаев Алматыда болды",
        "Серік Ақылбай Астанада сөйледі",
        "Досаев Астанада болды",
        "Бүгін Серік Ақылбай Алматыда жаңа мектеп ашты",
        "Алматыда",
    ],
    "ru": [
        "Ерболат Досаев прибыл в Алматы",
        "Серик Акылбай выступил в Астане",
        "Досаев выступил в Алматы",
        "Сегодня Серик Акылбай открыл в Астане новую школу",
        "Алматы",
    ],
}


def long_text(lang: str) -> str:
    return " ".join(t for _ in range(6) for t, _ in TRAIN[lang]) + " " + TEXTS[lang][3]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny checkpoint per language with model.onnx exported next to it."""
    pytest.importorskip("onnxruntime")
    from newsmon.nlp.ner.transformer import export_onnx

    out = {}
    for lang in TEXTS:
        path = tmp_path_factory.mktemp(f"model-{lang}")
        build_tiny_model(path, lang)
        report = export_onnx(path)
        assert report.path == path / "model.onnx" and report.size_bytes > 0
        assert report.max_abs_diff < 1e-3
        out[lang] = path
    return out


def _ner(path: Path, runtime: str) -> TransformerNER:
    return TransformerNER(spacy.blank("xx"), "ner", str(path), MAX_LENGTH, STRIDE, runtime=runtime)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_onnx_gives_the_spans_torch_gives(models: dict[str, Path], lang: str) -> None:
    torch_ner, onnx_ner = _ner(models[lang], "torch"), _ner(models[lang], "onnx")
    assert (torch_ner.runtime, onnx_ner.runtime) == ("torch", "onnx")
    texts = [*TEXTS[lang], long_text(lang)]
    windows = onnx_ner.tokenizer(
        texts[-1],
        truncation=True,
        max_length=MAX_LENGTH,
        stride=STRIDE,
        return_overflowing_tokens=True,
    )["input_ids"]
    assert len(windows) >= 3
    for text in texts:
        assert onnx_ner.predict(text) == torch_ner.predict(text), text
    # the model fits its training texts, so the spans are the gold ones (not two runtimes agreeing on nothing)
    for text, gold in TRAIN[lang]:
        assert onnx_ner.predict(text) == gold
    long = onnx_ner.predict(texts[-1])
    assert len(long) >= 6 * 4
    assert all(texts[-1][s:e].strip() for s, e, _ in long)


def test_auto_picks_onnx_only_when_model_onnx_is_there(
    models: dict[str, Path], tmp_path: Path
) -> None:
    from newsmon.nlp.ner.transformer import resolve_runtime

    assert resolve_runtime("auto", models["kk"]) == "onnx"
    assert resolve_runtime("auto", tmp_path) == "torch"
    assert resolve_runtime("torch", models["kk"]) == "torch"
    with pytest.raises(ConfigError, match="torch, onnx or auto"):
        resolve_runtime("tensorrt", models["kk"])


def test_missing_onnx_file_is_a_config_error(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    build_tiny_model(tmp_path, "kk")
    with pytest.raises(ConfigError, match="newsmon ner export-onnx"):
        _ner(tmp_path, "onnx")


def test_missing_onnxruntime_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsmon.nlp.ner.transformer import resolve_runtime

    (tmp_path / "model.onnx").write_bytes(b"")
    monkeypatch.setitem(
        sys.modules, "onnxruntime", None
    )  # import onnxruntime now raises ImportError
    with pytest.raises(ConfigError, match=r"needs onnxruntime: pip install -e '\.\[onnx\]'"):
        _ner(tmp_path, "onnx")
    assert resolve_runtime("auto", tmp_path) == "torch"


def test_export_without_onnx_is_a_config_error(
    models: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsmon.nlp.ner.transformer import export_onnx

    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ConfigError, match=r"needs onnx: pip install -e '\.\[onnx\]'"):
        export_onnx(models["kk"])


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_export_cli_to_another_folder_and_entities_on_onnx(
    models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    from newsmon.cli import app
    from newsmon.settings import get_settings

    out = tmp_path / "onnx"
    result = CliRunner().invoke(
        app, ["ner", "export-onnx", str(models[lang]), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "model.onnx" in result.output
    # the folder works alone: model.onnx, tokenizer and config, no torch weights
    assert (out / "model.onnx").is_file() and (out / "config.json").is_file()
    assert not list(out.glob("*.safetensors")) and not list(out.glob("*.bin"))
    monkeypatch.setenv("NEWSMON_NER_BACKEND", "transformers")
    monkeypatch.setenv(f"NEWSMON_TRANSFORMER_MODEL_{lang.upper()}", str(out))
    monkeypatch.setenv("NEWSMON_TRANSFORMER_RUNTIME", "onnx")
    get_settings.cache_clear()
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(
            json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
            for i, (t, _) in enumerate(TRAIN[lang])
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["entities", str(src), "--lang", lang, "--native"])
    assert result.exit_code == 0, result.output
    got = [
        [(e["start"], e["end"], e["label"]) for e in json.loads(line)["entities"]]
        for line in result.stdout.splitlines()
    ]
    assert got == [ents for _, ents in TRAIN[lang]]
    get_settings.cache_clear()


def test_onnx_runtime_runs_without_torch(models: dict[str, Path]) -> None:
    code = (
        "import sys; sys.modules['torch'] = None\n"  # import torch now fails
        "import spacy\n"
        "from newsmon.nlp.ner.transformer import TransformerNER\n"
        f"ner = TransformerNER(spacy.blank('xx'), 'ner', {str(models['ru'])!r}, 16, 4, runtime='onnx')\n"
        f"print(ner.predict({TRAIN['ru'][0][0]!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(TRAIN["ru"][0][1])


def test_export_cli_errors_in_one_line(tmp_path: Path) -> None:
    from newsmon.cli import app

    result = CliRunner().invoke(app, ["ner", "export-onnx", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_bad_runtime_setting_is_a_config_error(
    models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsmon.cli import app
    from newsmon.settings import get_settings

    monkeypatch.setenv("NEWSMON_NER_BACKEND", "transformers")
    monkeypatch.setenv("NEWSMON_TRANSFORMER_MODEL_KK", str(models["kk"]))
    monkeypatch.setenv("NEWSMON_TRANSFORMER_RUNTIME", "gpu")
    get_settings.cache_clear()
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "Астана"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["entities", str(src), "--lang", "kk"])
    assert result.exit_code == 2
    assert "NEWSMON_TRANSFORMER_RUNTIME='gpu'" in result.output
    get_settings.cache_clear()


def test_an_export_that_disagrees_with_torch_fails_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("onnxruntime")
    from newsmon.nlp.ner import transformer

    build_tiny_model(tmp_path, "ru")
    monkeypatch.setattr(transformer, "ONNX_TOLERANCE", -1.0)  # any difference, even 0, is too large
    with pytest.raises(ConfigError, match="differ from torch's"):
        transformer.export_onnx(tmp_path)
    assert not (tmp_path / "model.onnx").exists()
