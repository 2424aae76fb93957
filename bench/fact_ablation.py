"""Ablation of the project's NER models in the fact path: rules alone, then rules + each model use.

Imports the Russian dev articles and the Kazakh gold texts and KATO into a fresh SQLite file, then for
each configuration of `fact_ner_<lang>` re-extracts (the uses are part of the extractor version) and
scores both gold files on the tune and check splits (newsmon.nlp.evaluate). Prints a Markdown table.

Example: python bench/fact_ablation.py --db /tmp/ablation.db
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from newsmon.ingest.importer import import_jsonl
from newsmon.nlp.evaluate import KINDS, evaluate_facts
from newsmon.nlp.extract import extract
from newsmon.nlp.gazetteer import clear_cache, import_kato
from newsmon.settings import get_settings

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
GOLD = {"ru": DATA / "gold" / "dev.jsonl", "kk": DATA / "gold" / "kk-dev.jsonl"}
TEXTS = [
    DATA / "tengrinews-ru-2024-04" / "articles.dev.import.jsonl",
    DATA / "gold" / "kk-dev.import.jsonl",
]
KATO = DATA / "kato-kz" / "src" / "main" / "resources" / "KATO_17.10.2022_ru.csv"
CONFIGS = ("", "per", "loc", "program")


def _configure(uses: str) -> None:
    for lang in ("ru", "kk"):
        os.environ[f"NEWSMON_FACT_NER_{lang.upper()}"] = uses
    get_settings.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="SQLite file to (re)create (default: a temporary one)")
    parser.add_argument("--configs", default=";".join(CONFIGS), help="';'-separated uses lists")
    args = parser.parse_args()
    db = Path(args.db or tempfile.mkdtemp()) / "ablation.db" if not args.db else Path(args.db)
    db.unlink(missing_ok=True)
    os.environ["NEWSMON_DATABASE_URL"] = f"sqlite:///{db}"
    _configure("")
    for path in TEXTS:
        import_jsonl(path)
    import_kato(KATO)
    rows = []
    for uses in args.configs.split(";"):
        _configure(uses)
        clear_cache()
        t0 = time.perf_counter()
        report = extract(get_settings())
        seconds = time.perf_counter() - t0
        for lang, gold in GOLD.items():
            for split in ("tune", "check"):
                result = evaluate_facts(gold, split=split)
                f1 = " | ".join(f"{result.scores[k].f1:.3f}" for k in KINDS)
                rows.append(
                    f"| {lang} | {uses or 'rules alone'} | {split} | {f1} | "
                    f"{report.articles} in {seconds:.0f} s |"
                )
    print("| lang | NER uses | split | " + " | ".join(KINDS) + " | extraction |")
    print("|---" * (len(KINDS) + 4) + "|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
