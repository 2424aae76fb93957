"""Commands of the gazetteer: gazetteer import, gazetteer lookup."""

from __future__ import annotations

import typer

from newsmon.cli.apps import gazetteer_app
from newsmon.cli.common import console, handle_errors, print_json


@gazetteer_app.command("import")
@handle_errors
def import_cmd(
    path: str = typer.Argument(
        ..., help="The KATO CSV (UTF-8, ';', header id;parent_id;code;name)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
) -> None:
    """Import the official KATO classifier into the territory table (rerun replaces it).

    Example: newsmon gazetteer import ../shared/data/kato-kz/src/main/resources/KATO_17.10.2022_ru.csv
    """
    from newsmon.nlp.gazetteer import import_kato

    report = import_kato(path)
    if as_json:
        print_json(report.as_dict())
    else:
        levels = ", ".join(f"{n} {level}" for level, n in report.by_level.items())
        console.print(
            f"gazetteer import: {report.rows} rows, {report.units} units ({levels})", markup=False
        )


@gazetteer_app.command("lookup")
@handle_errors
def lookup_cmd(
    name: str = typer.Argument(
        ..., help="A territory name in any case form, Russian or Kazakh, or an abbreviation."
    ),
    lang: str = typer.Option(None, "--lang", help="ru or kk (default: try both)."),
) -> None:
    """Show the units a name can denote, as JSON lines (name, level, kato, path).

    Example: newsmon gazetteer lookup "Шемонаихинского района"
    """
    from newsmon.errors import NotFoundError
    from newsmon.nlp.gazetteer import get_gazetteer
    from newsmon.nlp.territories import lookup

    gaz = get_gazetteer()
    refs = lookup(gaz, name, lang)
    if not refs:
        close = gaz.suggest(name)
        hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
        raise NotFoundError(f'unknown territory "{name}"{hint}')
    for ref in refs:
        print_json(ref.as_dict())
