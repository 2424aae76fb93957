"""Reading the NER JSONL files, the seeded KazNERD split, NEREL flattening, and spaCy DocBin conversion.

Input form (`../shared/data/ner/*.jsonl`): `{"id", "lang", "text", "entities": [{"start", "end", "label"}]}`
with native labels and character offsets.
"""

from __future__ import annotations

import bisect
import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from newsmon.errors import InputError
from newsmon.nlp.ner.labels import MAPPINGS

Ent = tuple[int, int, str]

KK_SPLIT_SEED = 20240415
KK_DEV_FRACTION = 0.2


@dataclass
class Example:
    id: str
    text: str
    entities: list[Ent]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSONL file, one per non-empty line; a malformed line raises InputError."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        yield from read_lines(handle, str(path))


def read_lines(lines: Iterable[str], name: str) -> Iterator[dict[str, Any]]:
    """JSON objects with a string 'text' from `lines`; errors name `name` and the line number."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise InputError(f"{name}:{number}: expected an object with a string 'text'")
        yield obj


def read_examples(path: Path, invalid: list[Ent] | None = None) -> list[Example]:
    """Gold examples (native labels) of a NER JSONL file.

    Entities with end <= start (8 NEREL train entities, discontinuous in brat) are left out and
    appended to `invalid` when given.
    """
    out = []
    for number, obj in enumerate(read_jsonl(path), 1):
        ents = []
        for e in obj.get("entities", []):
            ent = (int(e["start"]), int(e["end"]), str(e["label"]))
            if 0 <= ent[0] < ent[1] <= len(obj["text"]):
                ents.append(ent)
            elif invalid is not None:
                invalid.append(ent)
        out.append(Example(str(obj.get("id", number)), obj["text"], ents))
    return out


def split_kk(
    examples: list[Example], seed: int = KK_SPLIT_SEED, dev_fraction: float = KK_DEV_FRACTION
) -> tuple[list[Example], list[Example]]:
    """KazNERD valid → (train, dev): distinct sentence texts shuffled with `seed`, the last `dev_fraction` is dev.

    Identical sentences (25 duplicates in KazNERD valid) always land on the same side.
    """
    texts = sorted({ex.text for ex in examples})
    random.Random(seed).shuffle(texts)
    dev_texts = set(texts[len(texts) - round(len(texts) * dev_fraction) :])
    train = [ex for ex in examples if ex.text not in dev_texts]
    dev = [ex for ex in examples if ex.text in dev_texts]
    return train, dev


def map_entities(ents: Iterable[Ent], lang: str, native: bool) -> list[Ent]:
    """Keep the entities that have a canonical label; relabel them unless `native`."""
    mapping = MAPPINGS[lang]
    return [(s, e, label if native else mapping[label]) for s, e, label in ents if label in mapping]


def max_non_overlapping(spans: Iterable[tuple[int, int]]) -> int:
    """Size of the largest set of pairwise non-overlapping spans (greedy by end offset)."""
    count, last_end = 0, -1
    for start, end in sorted(set(spans), key=lambda s: (s[1], s[0])):
        if start >= last_end:
            count, last_end = count + 1, end
    return count


def flatten(ents: Iterable[Ent], rule: str = "max") -> list[Ent]:
    """Nested gold → flat gold.

    `max` (the default): the largest set of non-overlapping spans, ties broken by the most covered
    characters (so an outer span wins over a single inner one); identical offsets keep the first label.
    This is the rule that the flat-tagger score rewards: its recall denominator is the size of exactly
    such a set. `outer`: spans not contained in another one (overlaps resolved left to right).
    """
    uniq: dict[tuple[int, int], str] = {}
    for s, e, label in ents:
        uniq.setdefault((s, e), label)
    spans = sorted(uniq, key=lambda x: (x[1], x[0]))
    if rule == "outer":
        outer = [
            sp
            for sp in spans
            if not any(o != sp and o[0] <= sp[0] and sp[1] <= o[1] for o in spans)
        ]
        kept: list[tuple[int, int]] = []
        for sp in sorted(outer):
            if not kept or sp[0] >= kept[-1][1]:
                kept.append(sp)
        return [(s, e, uniq[(s, e)]) for s, e in kept]
    if rule != "max":
        raise ValueError(f"unknown flattening rule {rule!r}")
    # weighted interval scheduling on (count, covered chars), spans sorted by end
    ends = [sp[1] for sp in spans]
    best: list[tuple[int, int]] = [(0, 0)]
    choice: list[bool] = []
    for i, (s, e) in enumerate(spans):
        j = bisect.bisect_right(ends, s, 0, i)  # spans[:j] end at or before s
        take = (best[j][0] + 1, best[j][1] + e - s)
        if take > best[i]:
            best.append(take)
            choice.append(True)
        else:
            best.append(best[i])
            choice.append(False)
    kept = []
    i = len(spans)
    while i > 0:
        if choice[i - 1]:
            s, e = spans[i - 1]
            kept.append((s, e))
            i = bisect.bisect_right(ends, s, 0, i - 1)
        else:
            i -= 1
    return [(s, e, uniq[sp]) for sp in sorted(kept) for s, e in [sp]]


def paragraphs(example: Example) -> Iterator[Example]:
    """Split a long document at newlines (no NEREL entity crosses one), offsets made relative."""
    start = 0
    text = example.text
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if text[start:end].strip():
            ents = [
                (s - start, e - start, lab)
                for s, e, lab in example.entities
                if start <= s and e <= end
            ]
            yield Example(f"{example.id}:{start}", text[start:end], ents)
        start = end + 1


@dataclass
class AlignStats:
    entities: int = 0
    exact: int = 0
    expanded: int = 0
    dropped: int = 0
    labels: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, int]:
        return {
            "entities": self.entities,
            "exact": self.exact,
            "expanded": self.expanded,
            "dropped": self.dropped,
        }


def to_doc(nlp: Language, example: Example, stats: AlignStats) -> Doc:
    """A Doc tokenized by the project's tokenizer with the (flat) entities aligned to tokens.

    A span that does not fall on token boundaries is expanded to the tokens it touches; one that then
    overlaps an already placed entity is dropped. Both are counted in `stats`.
    """
    doc = nlp.make_doc(example.text)
    spans: list[Span] = []
    taken: set[int] = set()
    for s, e, label in sorted(example.entities):
        stats.entities += 1
        span = doc.char_span(s, e, label=label)
        if span is None:
            span = doc.char_span(s, e, label=label, alignment_mode="expand")
            if span is None or taken.intersection(range(span.start, span.end)):
                stats.dropped += 1
                continue
            stats.expanded += 1
        elif taken.intersection(range(span.start, span.end)):
            stats.dropped += 1
            continue
        else:
            stats.exact += 1
        taken.update(range(span.start, span.end))
        spans.append(span)
        stats.labels[label] += 1
    doc.ents = spans
    return doc


def to_docbin(nlp: Language, examples: Iterable[Example], stats: AlignStats) -> DocBin:
    db = DocBin(store_user_data=False)
    for ex in examples:
        db.add(to_doc(nlp, ex, stats))
    return db
