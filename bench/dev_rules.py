"""Amounts and programmes on the dev gold: micro P/R/F1 as ../shared/data/gold/GUIDELINE.md scores them,
and speed as a ratio to the tokenizer alone on the same texts in the same run.

Example: python bench/dev_rules.py --errors
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from newsmon.nlp.evaluate import Score, _match, _same_amount, _score_kind, program_key
from newsmon.nlp.facts import MONEY_UNITS
from newsmon.nlp.lang import blank
from newsmon.nlp.pipeline import doc_text

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
GOLD = DATA / "gold" / "dev.jsonl"
ARTICLES = DATA / "tengrinews-ru-2024-04" / "articles.dev.import.jsonl"


def load(gold_path: Path, articles_path: Path) -> list[tuple[dict[str, Any], str]]:
    texts = {}
    for line in articles_path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        a = json.loads(line)
        texts[a["url"]] = doc_text(a["title"], a["text"])
    rows = [
        json.loads(line)
        for line in gold_path.read_text(encoding="utf-8").split("\n")
        if line.strip()
    ]
    return [(row, texts[row["url"]]) for row in rows if row["url"] in texts]


def build(lang: str = "ru"):  # type: ignore[no-untyped-def]
    import newsmon.nlp.amounts
    import newsmon.nlp.programs  # noqa: F401

    nlp = blank(lang)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("newsmon_programs")
    nlp.add_pipe("newsmon_amounts")
    return nlp


def explicit_first(score: Score, gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> None:
    """Like the evaluator, but explicit gold amounts are matched before implicit ones get the leftovers
    (plain maximum matching may pair a prediction with a near-valued implicit amount, «479,80» vs
    «476,78 тенге», and leave the explicit one missed)."""
    explicit = [g for g in gold if not g.get("implicit")]
    implicit = [g for g in gold if g.get("implicit")]
    pairs = _match(explicit, pred, _same_amount)
    used = {j for _, j in pairs}
    rest = [p for j, p in enumerate(pred) if j not in used]
    neutral = _match(implicit, rest, _same_amount)
    score.gold += len(explicit)
    score.predicted += len(pred) - len(neutral)
    score.correct += len(pairs)


def score(rows: list[tuple[dict[str, Any], str]]) -> tuple[dict[str, Score], float, float]:
    nlp = build()
    texts = [t for _, t in rows]
    tok = nlp.tokenizer
    t0 = time.perf_counter()
    for _ in range(5):
        for t in texts:
            tok(t)
    t_tok = (time.perf_counter() - t0) / 5
    t0 = time.perf_counter()
    for _ in range(5):
        docs = list(nlp.pipe(texts))
    t_full = (time.perf_counter() - t0) / 5
    scores = {"amount": Score(), "amount (explicit gold first)": Score(), "program": Score()}
    for (row, _), doc in zip(rows, docs, strict=True):
        pred_amounts: dict[tuple[float, str], dict[str, Any]] = {}
        for span in doc.spans["amounts"]:
            a = dataclasses.asdict(span._.amount)  # the gold file's keys
            if (
                a["unit"] in MONEY_UNITS
            ):  # one fact per value and unit, as the fact builder merges them
                pred_amounts.setdefault((round(a["value"], 2), a["unit"]), a)
        pred_programs = sorted({span._.program.name for span in doc.spans["programs"]})
        gold_amounts = [a for a in row.get("amounts", []) if a.get("unit") in MONEY_UNITS]
        implicit = {i for i, a in enumerate(gold_amounts) if a.get("implicit")}
        _score_kind(
            scores["amount"],
            row["url"],
            gold_amounts,
            list(pred_amounts.values()),
            _same_amount,
            implicit,
        )
        explicit_first(
            scores["amount (explicit gold first)"], gold_amounts, list(pred_amounts.values())
        )
        _score_kind(
            scores["program"],
            row["url"],
            row.get("programs", []),
            pred_programs,
            lambda g, p: program_key(g) == program_key(p or ""),
        )
    return scores, t_tok, t_full


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--articles", type=Path, default=ARTICLES)
    ap.add_argument("--errors", action="store_true", help="list misses and false alarms")
    args = ap.parse_args()
    rows = load(args.gold, args.articles)
    scores, t_tok, t_full = score(rows)
    chars = sum(len(t) for _, t in rows)
    print(f"{len(rows)} articles, {chars} chars")
    for kind, s in scores.items():
        print(f"{kind:30s} " + " ".join(f"{k}={v}" for k, v in s.as_dict().items()))
        if args.errors:
            for e in s.errors:
                print(f"   {e['type']:6s} {e['item']}  {e['url'][-60:]}")
    print(
        f"speed: tokenizer {t_tok * 1000 / len(rows):.2f} ms/article, tokenizer+sentencizer+programs+amounts "
        f"{t_full * 1000 / len(rows):.2f} ms/article, ratio {t_full / t_tok:.2f}"
    )


if __name__ == "__main__":
    main()
