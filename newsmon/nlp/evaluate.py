"""`newsmon evaluate facts`: stored facts scored against a gold file as ../shared/data/gold/GUIDELINE.md says.

Per article and kind, gold and predicted items are matched one to one (maximum bipartite matching);
precision, recall and F1 are micro-averaged over all articles. Only money amounts (KZT, USD, RUB,
EUR) are scored, as the gold annotates only money. Gold amounts marked `implicit` do not count against
recall; a prediction that matches one is neither right nor wrong.

Each gold file is split once, by a fixed rule on the article URL (`gold_split`), into **tune** (about
two thirds: rules are written looking at its errors only) and **check** (one third: the figure that
counts, on articles no rule was written against).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import select

from newsmon.errors import InputError
from newsmon.ingest.urls import normalize_url
from newsmon.nlp.facts import MONEY_UNITS
from newsmon.nlp.gazetteer import key
from newsmon.store.db import open_session
from newsmon.store.models import Article, Fact
from newsmon.text import fold

KINDS = ("akim", "amount", "program", "territory")
SPLITS = ("tune", "check", "all")


def gold_split(url: str) -> str:
    """`check` for one gold article in three (SHA-256 of its URL as written in the gold file), else `tune`."""
    return "check" if int(hashlib.sha256(url.encode("utf-8")).hexdigest(), 16) % 3 == 0 else "tune"


def select_gold_split(rows: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """The gold rows of `split` (`tune`, `check` or `all`), in file order."""
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}: use tune, check or all")
    return rows if split == "all" else [r for r in rows if gold_split(r["url"]) == split]


@dataclass
class Score:
    gold: int = 0
    predicted: int = 0
    correct: int = 0
    errors: list[dict[str, Any]] = field(
        default_factory=list
    )  # misses and false alarms, for reading

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else (1.0 if not self.gold else 0.0)

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "gold": self.gold,
            "predicted": self.predicted,
            "correct": self.correct,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def territory_key(name: str | None) -> str:
    return key(name or "")


def program_key(name: str) -> str:
    """GUIDELINE.md: lower case, ё→е, Kazakh letters folded, quotes dropped, no spaces around dashes."""
    s = re.sub(r"[«»\"“”„'`]", " ", fold(name))
    return re.sub(r"\s*([-–—])\s*", r"\1", " ".join(s.split()))


def same_program(gold: str, pred: str | dict[str, Any] | None) -> bool:
    """A predicted programme (a name, or a fact's `program` and `text`) matches a gold name when its
    canonical name equals it, or its surface text is it plus a case ending of up to 5 letters."""
    g = program_key(gold)
    if not isinstance(pred, dict):
        return g == program_key(pred or "")
    if g == program_key(pred.get("program") or ""):
        return True
    text = program_key(pred.get("text") or "")
    rest = text[len(g) :]
    return text.startswith(g) and len(rest) <= 5 and (not rest or rest.isalpha())


def _match(
    gold: Sequence[Any], pred: Sequence[Any], same: Callable[[Any, Any], bool]
) -> list[tuple[int, int]]:
    """Maximum one-to-one matching (Kuhn's augmenting paths); pairs (gold index, predicted index)."""
    edges = [[j for j, p in enumerate(pred) if same(g, p)] for g in gold]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(gold)):
        augment(i, set())
    return [(i, j) for j, i in owner.items()]


def _same_akim(g: dict[str, Any], p: dict[str, Any]) -> bool:
    surname = fold(g.get("surname") or g["person"].split()[-1], kazakh=False)
    if surname not in fold(p.get("person") or "", kazakh=False):
        return False
    return g.get("territory") is None or territory_key(g["territory"]) == territory_key(
        p.get("territory")
    )


def _same_amount(g: dict[str, Any], p: dict[str, Any]) -> bool:
    return g["unit"] == p["unit"] and abs(float(g["value"]) - float(p["value"])) <= 0.01 * abs(
        float(g["value"])
    )


def _score_kind(
    score: Score,
    url: str,
    gold: list[Any],
    pred: list[Any],
    same: Callable[[Any, Any], bool],
    ignored_gold: set[int] | None = None,
) -> None:
    ignored_gold = ignored_gold or set()
    # explicit gold first; implicit gold may only take the predictions left over
    explicit = [i for i in range(len(gold)) if i not in ignored_gold]
    pairs = [(explicit[i], j) for i, j in _match([gold[i] for i in explicit], pred, same)]
    used = {j for _, j in pairs}
    rest = [j for j in range(len(pred)) if j not in used]
    implicit = sorted(ignored_gold)
    pairs += [
        (implicit[i], rest[j])
        for i, j in _match([gold[i] for i in implicit], [pred[j] for j in rest], same)
    ]
    matched_gold = {i for i, _ in pairs}
    matched_pred = {j: i for i, j in pairs}
    score.gold += sum(1 for i in range(len(gold)) if i not in ignored_gold)
    for j, p in enumerate(pred):
        i = matched_pred.get(j)
        if i is not None and i in ignored_gold:
            continue  # matched an implicit gold amount: neither right nor wrong
        score.predicted += 1
        if i is not None:
            score.correct += 1
        else:
            score.errors.append({"url": url, "type": "false", "item": p})
    for i, g in enumerate(gold):
        if i not in matched_gold and i not in ignored_gold:
            score.errors.append({"url": url, "type": "missed", "item": g})


def _predicted(session: Any, article_id: int) -> dict[str, list[Any]]:
    facts = session.exec(select(Fact).where(Fact.article_id == article_id)).all()
    out: dict[str, list[Any]] = {k: [] for k in KINDS}
    for f in facts:
        if f.kind == "akim" and f.event == "dismissed":
            continue  # the GUIDELINE's akims hold the post; a dismissal is the tenure's evidence
        if f.kind == "akim":
            out["akim"].append({"person": f.person, "role": f.role, "territory": f.territory_name})
        elif f.kind == "amount" and f.unit in MONEY_UNITS:
            out["amount"].append({"value": f.value, "unit": f.unit, "raw": f.raw})
        elif f.kind == "program":
            out["program"].append({"program": f.program, "text": f.text})
        elif f.kind == "territory":
            out["territory"].append(f.territory_name)
    return out


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a gold file")
    if not p.is_file():
        raise InputError(f"{p}: no such gold file")
    rows = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{p}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or "url" not in row:
            raise InputError(f"{p}:{n}: a gold line needs a 'url'")
        rows.append(row)
    return rows


@dataclass
class FactsEvaluation:
    scores: dict[str, Score]
    articles: int
    missing: list[str]  # gold URLs with no stored article
    split: str = "all"

    def as_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "articles": self.articles,
            "missing_articles": self.missing,
            "kinds": {k: s.as_dict() for k, s in self.scores.items()},
        }


def evaluate_facts(
    gold_path: str | Path, *, split: str = "all", database_url: str | None = None
) -> FactsEvaluation:
    """Score the stored facts of the gold file's articles (those of `split`: tune, check or all)."""
    gold_rows = select_gold_split(load_gold(gold_path), split)
    scores = {k: Score() for k in KINDS}
    missing: list[str] = []
    with open_session(database_url) as session:
        for row in gold_rows:
            art = session.exec(
                select(Article).where(Article.url_norm == normalize_url(row["url"]))
            ).first()
            pred = _predicted(session, art.id) if art is not None else {k: [] for k in KINDS}  # type: ignore[arg-type]
            if art is None:
                missing.append(row["url"])
            url = row["url"]
            _score_kind(scores["akim"], url, row.get("akims", []), pred["akim"], _same_akim)
            gold_amounts = [a for a in row.get("amounts", []) if a.get("unit") in MONEY_UNITS]
            implicit = {i for i, a in enumerate(gold_amounts) if a.get("implicit")}
            _score_kind(scores["amount"], url, gold_amounts, pred["amount"], _same_amount, implicit)
            _score_kind(
                scores["program"],
                url,
                row.get("programs", []),
                pred["program"],
                same_program,
            )
            _score_kind(
                scores["territory"],
                url,
                row.get("territories", []),
                pred["territory"],
                lambda g, p: territory_key(g) == territory_key(p),
            )
    return FactsEvaluation(scores, len(gold_rows), missing, split)
