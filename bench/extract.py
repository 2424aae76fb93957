"""Extraction speed: words/s of the full pipeline (entities, rules, linking, fact building), with and
without database writes, as a ratio to natasha's segmenter + NER alone on the same texts in the same run.

usage: python bench/extract.py [--articles PATH] [--repeat N]
Default texts: ../shared/data/tengrinews-ru-2024-04/articles.dev.import.jsonl (read by path, not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

DEFAULT = (
    Path(__file__).resolve().parents[2]
    / "shared/data/tengrinews-ru-2024-04/articles.dev.import.jsonl"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=Path, default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.articles.open(encoding="utf-8")]
    from newsmon.nlp.facts import build_facts
    from newsmon.nlp.pipeline import doc_text, load_pipeline

    texts = [doc_text(r["title"], r["text"]) for r in rows]
    words = sum(len(t.split()) for t in texts)

    from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter

    segmenter, ner = Segmenter(), NewsNERTagger(NewsEmbedding())
    nlp = load_pipeline("ru")
    list(nlp.pipe(texts[:5]))  # warm up (lazy models, caches)

    def natasha_alone() -> None:
        for t in texts:
            d = Doc(t)
            d.segment(segmenter)
            d.tag_ner(ner)

    def pipeline() -> None:
        for doc in nlp.pipe(texts, batch_size=32):
            build_facts(doc)

    def best(fn) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    t_ref = best(natasha_alone)
    t_pipe = best(pipeline)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NEWSMON_DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
        from newsmon.settings import get_settings

        get_settings.cache_clear()
        from newsmon.ingest.importer import import_jsonl
        from newsmon.nlp.extract import extract

        import_jsonl(args.articles)
        t0 = time.perf_counter()
        report = extract()
        t_db = time.perf_counter() - t0

    print(f"texts: {len(texts)} articles, {words} words")
    print(f"natasha segmenter+NER alone: {words / t_ref:,.0f} words/s (reference)")
    print(f"newsmon pipeline, no DB:     {words / t_pipe:,.0f} words/s  ratio {t_ref / t_pipe:.2f}")
    print(
        f"newsmon extract with DB:     {words / t_db:,.0f} words/s  ratio {t_ref / t_db:.2f} "
        f"({report.facts} facts)"
    )


if __name__ == "__main__":
    main()
