"""Territory recognition alone on the dev gold: P/R/F1 with the GUIDELINE territory key, and its speed.

Usage (from the project root; the data stays in ../shared, nothing is written into the repo):

    python bench/territories_dev.py [--kato PATH] [--gold PATH] [--articles PATH] [--errors] [--no-kato]

It imports the KATO file into a temporary SQLite database (unless --no-kato: the built-in core alone),
runs a blank Russian pipeline with `sentencizer` + `newsmon_territories` over title + text of each gold
article (as newsmon extract does), and scores the set of predicted names per article against gold
`territories` (micro P/R/F1). Speed: ms per 2 kB of text, as a ratio to spaCy's tokenizer alone on the
same texts in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--kato", default=str(DATA / "kato-kz/src/main/resources/KATO_17.10.2022_ru.csv")
    )
    ap.add_argument("--gold", default=str(DATA / "gold/dev.jsonl"))
    ap.add_argument(
        "--articles", default=str(DATA / "tengrinews-ru-2024-04/articles.dev.import.jsonl")
    )
    ap.add_argument(
        "--errors", action="store_true", help="list misses and false alarms per article"
    )
    ap.add_argument("--no-kato", action="store_true", help="the built-in core only")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="newsmon-terr-")
    os.environ["NEWSMON_DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    import newsmon.nlp.territories  # noqa: F401
    from newsmon.nlp.gazetteer import get_gazetteer, import_kato, key
    from newsmon.nlp.lang import blank
    from newsmon.nlp.pipeline import doc_text

    if not args.no_kato:
        import_kato(args.kato)
    gaz = get_gazetteer()
    with open(args.gold, encoding="utf-8") as f:
        gold = [json.loads(line) for line in f if line.strip()]
    articles = {}
    with open(args.articles, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                a = json.loads(line)
                articles[a["url"]] = a
    nlp = blank("ru")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("newsmon_territories").initialize(nlp=nlp, gazetteer=gaz)

    tp = fp = fn = 0
    texts = []
    for g in gold:
        a = articles.get(g["url"])
        if a is None:
            print(f"missing article: {g['url']}", file=sys.stderr)
            continue
        text = doc_text(a["title"], a["text"])
        texts.append(text)
        doc = nlp(text)
        pred = {key(s._.territory.name): s._.territory.name for s in doc.spans["territories"]}
        want = {key(t): t for t in g.get("territories", [])}
        hit = set(pred) & set(want)
        tp += len(hit)
        fp += len(set(pred) - hit)
        fn += len(set(want) - hit)
        if args.errors and (set(pred) ^ set(want)):
            print(f"== {a['title'][:90]}")
            for k in sorted(set(want) - hit):
                print(f"   miss: {want[k]}")
            for k in sorted(set(pred) - hit):
                spans = [s.text for s in doc.spans["territories"] if key(s._.territory.name) == k]
                print(f"   false: {pred[k]}  <- {spans}")
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    print(f"gazetteer: {gaz.stats()}")
    print(
        f"territory: gold {tp + fn}, predicted {tp + fp}, correct {tp}, P {p:.3f} R {r:.3f} F1 {f:.3f}"
    )

    # speed: the component vs the tokenizer alone, on the same texts, same run
    chars = sum(len(t) for t in texts)
    reps = 5
    t0 = time.perf_counter()
    for _ in range(reps):
        for t in texts:
            nlp.make_doc(t)
    tok = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(reps):
        for t in texts:
            nlp(t)
    full = time.perf_counter() - t0
    per2k = (full - tok) / reps / chars * 2000 * 1000
    print(
        f"speed: {per2k:.2f} ms per 2 kB for sentencizer + territories; "
        f"pipeline/tokenizer time ratio {full / tok:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
