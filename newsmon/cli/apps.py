"""The command groups: `app` and its sub-apps, which each command module adds its commands to."""

from __future__ import annotations

import typer

from newsmon import __version__

app = typer.Typer(
    name="newsmon",
    help="News monitoring for Kazakhstan: Russian and Kazakh feeds to facts with evidence.\n\n"
    "Example: newsmon import articles.jsonl && newsmon extract && newsmon facts --kind akim",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"newsmon {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """News monitoring for Kazakhstan."""


evaluate_app = typer.Typer(help="Score extraction against gold files.", no_args_is_help=True)
train_app = typer.Typer(help="Train the project's models.", no_args_is_help=True)
gazetteer_app = typer.Typer(help="The territory gazetteer (KATO).", no_args_is_help=True)
ner_app = typer.Typer(help="Model files of the transformer NER backend.", no_args_is_help=True)
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(train_app, name="train")
app.add_typer(gazetteer_app, name="gazetteer")
app.add_typer(ner_app, name="ner")
