"""Exact span + label scoring, per label and micro, with the flat-tagger rule for nested gold.

A prediction is right when a gold entity has the same offsets and label. The recall denominator is the
largest set of non-overlapping gold spans (per label for a label's row, over all labels for micro): for
flat gold that is simply the number of gold entities; for nested gold (NEREL) it is what a flat tagger
can reach at best.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from newsmon.nlp.ner.data import Ent, max_non_overlapping


@dataclass
class PRF:
    tp: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def p(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def r(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "p": round(self.p, 4),
            "r": round(self.r, 4),
            "f": round(self.f, 4),
            "tp": self.tp,
            "predicted": self.predicted,
            "gold": self.gold,
        }


@dataclass
class Scores:
    per_label: dict[str, PRF]
    micro: PRF

    def as_dict(self) -> dict[str, object]:
        return {
            "micro": self.micro.as_dict(),
            "per_label": {k: v.as_dict() for k, v in sorted(self.per_label.items())},
        }


def score(
    pairs: Iterable[tuple[list[Ent], list[Ent]]], labels: Iterable[str] | None = None
) -> Scores:
    """Score (gold, predicted) entity lists, document by document; `labels` limits both sides."""
    keep = set(labels) if labels is not None else None
    per: dict[str, PRF] = defaultdict(PRF)
    micro = PRF()
    for gold, pred in pairs:
        if keep is not None:
            gold = [g for g in gold if g[2] in keep]
            pred = [p for p in pred if p[2] in keep]
        gold_set = set(gold)
        pred_set = set(pred)
        for ent in pred_set:
            row = per[ent[2]]
            row.predicted += 1
            if ent in gold_set:
                row.tp += 1
                micro.tp += 1
        micro.predicted += len(pred_set)
        by_label: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for s, e, label in gold_set:
            by_label[label].append((s, e))
        for label, spans in by_label.items():
            per[label].gold += max_non_overlapping(spans)
        micro.gold += max_non_overlapping((s, e) for s, e, _ in gold_set)
    if keep is not None:
        for label in keep:
            per.setdefault(label, PRF())
    return Scores(dict(per), micro)


def format_table(scores: Scores, title: str = "") -> str:
    """A Markdown table: label, P, R, F1, gold count."""
    lines = [f"| {title or 'label'} | P | R | F1 | gold |", "|---|---|---|---|---|"]
    for label, row in sorted(scores.per_label.items()):
        if row.gold or row.predicted:
            lines.append(f"| {label} | {row.p:.3f} | {row.r:.3f} | {row.f:.3f} | {row.gold} |")
    m = scores.micro
    lines.append(f"| **micro** | **{m.p:.3f}** | **{m.r:.3f}** | **{m.f:.3f}** | {m.gold} |")
    return "\n".join(lines)
