"""Extraction speed: words/s of the full pipeline (entities, rules, linking, fact building), with and
without database writes, as a ratio to natasha's segmenter + NER alone on the same texts in the same run.

usage: python bench/extract.py [--articles PATH] [--repeat N] [--summaries-only]
--summaries-only: `newsmon extract` on SQLite with the summary tables kept (newsmon.store.summary) and
without (its two calls made no-ops), alternated over fresh copies of one imported database.
Default texts: ../shared/data/tengrinews-ru-2024-04/articles.dev.import.jsonl (read by path, not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT = (
    Path(__file__).resolve().parents[2]
    / "shared/data/tengrinews-ru-2024-04/articles.dev.import.jsonl"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=Path, default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--summaries-only", action="store_true")
    args = ap.parse_args()
    if args.summaries_only:
        summaries(args.articles, args.repeat)
        return
    rows = [json.loads(line) for line in args.articles.open(encoding="utf-8")]
    from newsmon.nlp.extract import load_pipeline
    from newsmon.nlp.facts import build_facts
    from newsmon.nlp.pipeline import doc_text
    from newsmon.settings import get_settings

    texts = [doc_text(r["title"], r["text"]) for r in rows]
    words = sum(len(t.split()) for t in texts)

    from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter

    segmenter, ner = Segmenter(), NewsNERTagger(NewsEmbedding())
    nlp = load_pipeline("ru", get_settings())
    list(nlp.pipe(texts[:5]))  # warm up (lazy models, caches)

    def natasha_alone() -> None:
        for t in texts:
            d = Doc(t)
            d.segment(segmenter)
            d.tag_ner(ner)

    def pipeline() -> None:
        for doc in nlp.pipe(texts, batch_size=32):
            build_facts(doc)

    # rounds alternate the two, and CPU time of this process is measured beside wall time: on a shared
    # machine another process's load changes wall time between phases, hardly this process's CPU time
    wall: dict[str, list[float]] = {"ref": [], "pipe": []}
    cpu: dict[str, list[float]] = {"ref": [], "pipe": []}
    for _ in range(args.repeat):
        for name, fn in (("ref", natasha_alone), ("pipe", pipeline)):
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
    t_ref, t_pipe = min(wall["ref"]), min(wall["pipe"])
    c_ref, c_pipe = min(cpu["ref"]), min(cpu["pipe"])

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NEWSMON_DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
        from newsmon.settings import get_settings

        get_settings.cache_clear()
        from newsmon.ingest.importer import import_jsonl
        from newsmon.nlp.extract import extract

        import_jsonl(args.articles)
        t0, c0 = time.perf_counter(), time.process_time()
        report = extract(get_settings())
        t_db, c_db = time.perf_counter() - t0, time.process_time() - c0

    print(f"texts: {len(texts)} articles, {words} words")
    print(f"natasha segmenter+NER alone: {words / t_ref:,.0f} words/s (reference)")
    print(
        f"newsmon pipeline, no DB:     {words / t_pipe:,.0f} words/s  ratio {t_ref / t_pipe:.2f} "
        f"(CPU time ratio {c_ref / c_pipe:.2f})"
    )
    print(
        f"newsmon extract with DB:     {words / t_db:,.0f} words/s  ratio {t_ref / t_db:.2f} "
        f"(CPU time ratio {c_ref / c_db:.2f}; {report.facts} facts)"
    )


def summaries(articles: Path, repeat: int) -> None:
    """words/s of `extract` with and without the summary tables, rounds alternated, CPU time beside."""
    import shutil

    from newsmon.store import summary

    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.db"
        os.environ["NEWSMON_DATABASE_URL"] = f"sqlite:///{template}"
        from newsmon.ingest.importer import import_jsonl
        from newsmon.nlp.extract import extract
        from newsmon.settings import get_settings
        from newsmon.store.db import dispose_engines

        get_settings.cache_clear()
        import_jsonl(articles)
        dispose_engines()
        words = sum(
            len((r["title"] + " " + r["text"]).split())
            for r in map(json.loads, articles.open(encoding="utf-8"))
        )
        spent = [0.0]  # CPU seconds inside the two summary calls
        share = 0.0

        def timed(fn: Any) -> Any:
            def run(*a: Any, **k: Any) -> Any:
                c = time.process_time()
                try:
                    return fn(*a, **k)
                finally:
                    spent[0] += time.process_time() - c

            return run

        original = (summary.replace_facts, summary.fact_rows)
        kept = (timed(summary.replace_facts), timed(summary.fact_rows))
        noop = (lambda *_a, **_k: None, lambda *_a, **_k: [])
        wall: dict[str, list[float]] = {"with": [], "without": []}
        cpu: dict[str, list[float]] = {"with": [], "without": []}
        facts = 0
        for i in range(repeat + 1):  # round 0 warms the pipeline up and is not counted
            for name in ("without", "with") if i % 2 else ("with", "without"):
                db = Path(tmp) / f"{name}{i}.db"
                shutil.copy(template, db)
                os.environ["NEWSMON_DATABASE_URL"] = f"sqlite:///{db}"
                get_settings.cache_clear()
                summary.replace_facts, summary.fact_rows = kept if name == "with" else noop  # type: ignore[assignment]
                if i == 1 and name == "with":
                    spent[0] = 0.0
                w0, c0 = time.perf_counter(), time.process_time()
                report = extract(get_settings())
                if i == 1 and name == "with":
                    share = spent[0] / (time.process_time() - c0)
                if i:
                    wall[name].append(time.perf_counter() - w0)
                    cpu[name].append(time.process_time() - c0)
                facts = report.facts
                dispose_engines()
        summary.replace_facts, summary.fact_rows = original  # type: ignore[assignment]
    print(f"{words} words, {facts} facts per run; best of {repeat} alternated rounds")
    for name in ("without", "with"):
        print(
            f"extract {name:>7} summaries: {words / min(wall[name]):,.0f} words/s wall, "
            f"{words / min(cpu[name]):,.0f} words/s of CPU time"
        )
    print(
        f"with / without: wall {min(wall['without']) / min(wall['with']):.3f}, "
        f"CPU time {min(cpu['without']) / min(cpu['with']):.3f} (1.0 = no cost)"
    )
    print(f"CPU time inside the summary calls (fact_rows, replace_facts): {share:.1%} of extract's")


if __name__ == "__main__":
    main()
