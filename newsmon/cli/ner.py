"""Commands of the NER models: train ner, entities, evaluate ner, ner export-onnx."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from newsmon.cli.apps import app, evaluate_app, ner_app, train_app
from newsmon.cli.common import console, handle_errors, print_json
from newsmon.settings import PROJECT_DIR, get_settings

LANG_OPTION = typer.Option(..., "--lang", "-l", help="ru or kk.")
NATIVE_OPTION = typer.Option(
    False, "--native", help="The model's own training labels instead of the canonical ones."
)


@train_app.command("ner")
@handle_errors
def train_ner(
    lang: str = LANG_OPTION,
    config: Path = typer.Option(
        None, "--config", help="spaCy config (default: configs/ner-<lang>.cfg)."
    ),
    output: Path = typer.Option(
        None, "--output", "-o", help="Where the model goes (default: models/<lang>)."
    ),
    data: Path = typer.Option(
        None, "--data", help="Folder with the NER JSONL files (default: ../shared/data/ner)."
    ),
) -> None:
    """Train the NER model for a language (fixed seeds), evaluate it on dev and write its MODEL_CARD.md.

    Example: newsmon train ner --lang kk
    """
    from newsmon.nlp.ner.train import DEFAULT_DATA
    from newsmon.nlp.ner.train import train_ner as run

    figures = run(
        lang,
        output or PROJECT_DIR / "models" / lang,
        config or PROJECT_DIR / "configs" / f"ner-{lang}.cfg",
        data or DEFAULT_DATA,
        command=f"newsmon train ner --lang {lang}",
    )
    console.print(
        f"dev micro F1 (canonical): {figures['canonical']['micro']['f']:.3f}", markup=False
    )


@app.command("entities")
@handle_errors
def entities(
    file: str = typer.Argument(..., help="JSON Lines with id and text per line; '-' reads stdin."),
    lang: str = LANG_OPTION,
    native: bool = NATIVE_OPTION,
    split: str = typer.Option(
        "all",
        "--split",
        help="all, or only the lines of the seeded KazNERD train/dev "
        "part of the file (as `evaluate ner --split`).",
    ),
) -> None:
    """Print the named entities of each input line as one JSON line, in input order (CONTRACT §3).

    Example: newsmon entities ../shared/data/ner/nerel-dev.jsonl --lang ru
    Held-out Kazakh part: newsmon entities ../shared/data/ner/kaznerd-valid.jsonl --lang kk --split dev
    """
    from newsmon.nlp.ner.evaluate import select_split_lines
    from newsmon.nlp.ner.runner import entities_lines, load_pipeline, read_input

    lines = (
        read_input(file) if split == "all" else select_split_lines(list(read_input(file)), split)
    )
    nlp = load_pipeline(lang, get_settings(), native)
    for obj in entities_lines(lines, nlp, lang, native):
        print_json(obj)
        sys.stdout.flush()


@evaluate_app.command("ner")
@handle_errors
def evaluate_ner(
    gold: Path = typer.Argument(
        ..., help="Gold JSONL: id, text, entities [{start, end, label}] (native labels)."
    ),
    lang: str = LANG_OPTION,
    native: bool = NATIVE_OPTION,
    split: str = typer.Option(
        "all", "--split", help="all, or the seeded KazNERD train/dev part of the file."
    ),
    source: str = typer.Option(
        "pipeline", "--source", help="pipeline (as `entities`), model, natasha, combined."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as one JSON object."),
) -> None:
    """Exact span+label P/R/F1 per label and micro (nested gold: flat-tagger recall).

    Scored labels: the canonical ones the gold file annotates (factRuEval: PER, LOC, ORG).

    Example: newsmon evaluate ner ../shared/data/ner/kaznerd-valid.jsonl --lang kk --split dev
    """
    from newsmon.nlp.ner.evaluate import evaluate_file
    from newsmon.nlp.ner.scoring import format_table

    scores = evaluate_file(gold, lang, native, split, source, settings=get_settings())
    if as_json:
        print_json(scores.as_dict())
    else:
        typer.echo(format_table(scores))


@ner_app.command("export-onnx")
@handle_errors
def export_onnx(
    model_dir: Path = typer.Argument(
        ..., help="A save_pretrained folder: token-classification model + fast tokenizer."
    ),
    output: Path = typer.Option(
        None,
        "--output",
        "-o",
        help="Folder for model.onnx (default: MODEL_DIR); "
        "it also gets the tokenizer and config, so it works without the torch weights.",
    ),
    opset: int = typer.Option(17, "--opset", help="ONNX opset version."),
) -> None:
    """Export a transformer NER checkpoint to model.onnx, checked against torch, for the ONNX runtime.

    Then run it with NEWSMON_TRANSFORMER_RUNTIME=onnx (or auto) and NEWSMON_TRANSFORMER_MODEL_<LANG>.

    Example: newsmon ner export-onnx /models/xlmr-kaznerd
    """
    from newsmon.nlp.ner.transformer import export_onnx as run

    report = run(model_dir, output, opset)
    console.print(
        f"wrote {report.path} ({report.size_bytes / 1e6:.1f} MB); largest logit difference "
        f"to torch: {report.max_abs_diff:.1e}",
        markup=False,
    )
