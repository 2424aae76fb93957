"""Stories: articles about the same event across outlets, grouped by near-duplicate detection.

Two passes, both over one day's (or any window's) articles:

1. Same language (reprints, light rewrites): word 3-shingles of the folded title and text, MinHash
   signatures and an LSH index (datasketch) propose candidate pairs; a pair is joined when the exact
   shingle sets are similar (Jaccard) or one text is mostly contained in the other (a shortened reprint).
2. Russian and Kazakh versions of one report share almost no words, but they share what does not
   translate: numbers («1,5 млрд» is «1,5 млрд» in both), names (reduced to their first consonants,
   so «Төлеубаевтың» and «Тулеубаева» meet), and the extracted facts (akim's surname, programme,
   territory). Numbers are the anchors: a deputy akim or a programme appears in several stories of a
   day, the figures of one report rarely do. A ru–kk pair published close in time is joined when it
   shares at least `min_anchor_shared` numbers and enough features overall, or one number and many
   names.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from datasketch import MinHash, MinHashLSH
from sqlmodel import Session, col, select

from newsmon.query.dates import day_start
from newsmon.query.facts import fact_article, fact_to_dict
from newsmon.store.db import open_session
from newsmon.store.models import Article, Fact, Source
from newsmon.text import fold, initial_consonants

_WORD = re.compile(r"[^\W_]+")
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ \u00a0]\d{3})+|\d+)(?:[.,](\d+))?(?![\w])")
_NAME = re.compile(r"(?<![\w-])[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][a-zа-яёәғқңөұүһі]{4,}")
MONEY = ("KZT", "USD", "RUB", "EUR")
_SENT_START = re.compile(r"(?:^|[.!?…»\n]\s*)$")


@dataclass(frozen=True)
class StoryOptions:
    """Thresholds of the grouping; the defaults are tuned on the demo sample and the dev articles."""

    shingle_words: int = 3
    text_chars: int = 4000  # the start of the text is what reprints share; the tail is often cut
    num_perm: int = 128
    lsh_threshold: float = 0.3  # candidates only: every candidate is verified on exact shingle sets
    min_jaccard: float = 0.5
    min_containment: float = (
        0.7  # a shortened reprint: most of the shorter text is in the longer one
    )
    min_shingles: int = 8  # texts shorter than this are compared by Jaccard alone
    cross_lang: bool = True
    cross_lang_hours: float = 48.0
    min_anchor_shared: int = 2  # distinctive numbers both versions carry
    min_feature_overlap: float = 0.3  # shared features / features of the smaller article
    # or: a single shared anchor, when many names are shared and most of the smaller article's features
    min_names_one_anchor: int = 4
    min_overlap_one_anchor: float = 0.5


@dataclass
class StoryArticle:
    """An article as stories need it."""

    id: int
    url: str
    title: str
    text: str
    source: str
    lang: str
    published: datetime | None = None


@dataclass
class Story:
    """Articles about one event, their outlets, and the union of their facts (CONTRACT §2 dicts)."""

    articles: list[StoryArticle]
    facts: list[dict[str, Any]] = field(default_factory=list)
    links: list[tuple[int, int, str]] = field(default_factory=list)  # (article id, article id, why)
    facts_by_article: dict[int, list[dict[str, Any]]] = field(default_factory=dict, repr=False)

    def facts_in(self, lang: str) -> list[dict[str, Any]]:
        """The union of facts, each taken from an article in `lang` where one has it."""
        ordered = sorted(self.articles, key=lambda a: a.lang != lang)
        return union_facts(f for a in ordered for f in self.facts_by_article.get(a.id, ()))

    @property
    def outlets(self) -> list[str]:
        return sorted({a.source for a in self.articles})

    @property
    def weight(self) -> int:
        """How much the story says: akims count most, then programmes, then (up to 3) money amounts."""
        kinds = Counter(
            f.get("kind") for f in self.facts if f.get("kind") != "amount" or f.get("unit") in MONEY
        )
        return 3 * kinds["akim"] + 2 * kinds["program"] + min(kinds["amount"], 3)

    @property
    def langs(self) -> list[str]:
        return sorted({a.lang for a in self.articles})

    @property
    def first_published(self) -> datetime | None:
        times = [a.published for a in self.articles if a.published]
        return min(times) if times else None

    def title(self, lang: str | None = None) -> str:
        """The earliest article's title, in `lang` when one of the articles is in it."""
        pool = [a for a in self.articles if a.lang == lang] or self.articles
        return pool[0].title

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title(),
            "outlets": self.outlets,
            "langs": self.langs,
            "articles": [
                {
                    "id": a.id,
                    "url": a.url,
                    "title": a.title,
                    "source": a.source,
                    "lang": a.lang,
                    "published": a.published.isoformat() if a.published else None,
                }
                for a in self.articles
            ],
            "facts": self.facts,
            "links": [{"a": x, "b": y, "why": why} for x, y, why in self.links],
        }


def shingles(text: str, k: int = 3) -> set[str]:
    """Word k-shingles of the folded text (the words themselves when there are fewer than k)."""
    words = _WORD.findall(fold(text))
    if len(words) < k:
        return set(words)
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def _numbers(text: str) -> set[str]:
    out: set[str] = set()
    for m in _NUMBER.finditer(text):
        whole = re.sub(r"[ \u00a0]", "", m.group(1))
        frac = (m.group(2) or "").rstrip("0")
        n = int(whole)
        if frac:
            out.add(f"n:{n}.{frac}")
        elif n > 31 and not 1900 <= n <= 2100:  # days of the month and years are in every article
            out.add(f"n:{n}")
    return out


def _names(text: str) -> set[str]:
    """Skeletons of capitalized words that do not start a sentence (names of people, places, bodies)."""
    out: set[str] = set()
    for m in _NAME.finditer(text):
        if _SENT_START.search(text[max(0, m.start() - 3) : m.start()]):
            continue
        out.add("w:" + initial_consonants(m.group()))
    return out


def fact_keys(facts: Iterable[Mapping[str, Any]]) -> set[str]:
    """Language-neutral keys of facts: akims' surnames, programmes, territories.

    Amounts are not keys of their own: their numbers are already among the text's numbers. None of
    these is an anchor: the same deputy akim or programme is in several stories of one day.
    """
    weak: set[str] = set()
    for f in facts:
        kind = f.get("kind")
        if kind == "akim" and f.get("person"):
            weak.add("p:" + initial_consonants(str(f["person"]).split()[-1], 5))
        elif kind == "program" and f.get("program"):
            weak.add("g:" + fold(str(f["program"])))
        terr = f.get("territory")
        if kind == "territory" and isinstance(terr, Mapping) and terr.get("name"):
            weak.add("t:" + str(terr.get("kato") or fold(str(terr["name"]))))
    return weak


def _features(
    art: StoryArticle, facts: Sequence[Mapping[str, Any]], chars: int
) -> tuple[set[str], set[str]]:
    """(anchors: the text's distinctive numbers, all language-neutral features)."""
    text = f"{art.title}\n{art.text[:chars]}"
    anchors = _numbers(text)
    return anchors, anchors | fact_keys(facts) | _names(text)


class _Union:
    def __init__(self, items: Iterable[int]) -> None:
        self.parent = {i: i for i in items}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def _close_in_time(a: StoryArticle, b: StoryArticle, hours: float) -> bool:
    if a.published is None or b.published is None:
        return True
    return abs(a.published - b.published) <= timedelta(hours=hours)


def _fact_key(f: Mapping[str, Any]) -> tuple[Any, ...]:
    terr = f.get("territory") or {}
    tkey = terr.get("kato") or fold(terr.get("name") or "") if isinstance(terr, Mapping) else ""
    if f.get("kind") == "akim":
        return ("akim", fold(str(f.get("person") or "")), tkey)
    if f.get("kind") == "amount":
        return ("amount", f.get("value"), f.get("unit"), fold(str(f.get("program") or "")), tkey)
    if f.get("kind") == "program":
        return ("program", fold(str(f.get("program") or "")))
    return (f.get("kind"), tkey or fold(str(f.get("text") or "")))


def union_facts(facts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One fact per thing across the story's articles (the first seen, usually the earliest article)."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for f in facts:
        seen.setdefault(_fact_key(f), f)
    return list(seen.values())


def group_stories(
    articles: Sequence[StoryArticle],
    facts: Mapping[int, Sequence[dict[str, Any]]] | None = None,
    options: StoryOptions | None = None,
) -> list[Story]:
    """Group `articles` into stories, biggest first (outlets, then articles, facts, then earliest)."""
    opts = options or StoryOptions()
    facts = facts or {}
    by_id = {a.id: a for a in articles}
    union = _Union(by_id)
    links: list[tuple[int, int, str]] = []

    sets = {
        a.id: shingles(f"{a.title}\n{a.text[: opts.text_chars]}", opts.shingle_words)
        for a in articles
    }
    lsh = MinHashLSH(threshold=opts.lsh_threshold, num_perm=opts.num_perm)
    hashes: dict[int, MinHash] = {}
    for a in articles:
        mh = MinHash(num_perm=opts.num_perm)
        mh.update_batch([s.encode("utf-8") for s in sets[a.id]])
        hashes[a.id] = mh
        lsh.insert(a.id, mh)
    for a in articles:
        for other in lsh.query(hashes[a.id]):
            if other <= a.id or by_id[other].lang != a.lang:
                continue
            sa, sb = sets[a.id], sets[other]
            inter = len(sa & sb)
            if not inter:
                continue
            jaccard = inter / len(sa | sb)
            containment = inter / min(len(sa), len(sb))
            if (
                jaccard >= opts.min_jaccard
                or (
                    min(len(sa), len(sb)) >= opts.min_shingles
                    and containment >= opts.min_containment
                )
            ) and union.join(a.id, other):
                links.append((a.id, other, f"text {jaccard:.2f}"))

    if opts.cross_lang:
        feats = {a.id: _features(a, facts.get(a.id, ()), opts.text_chars) for a in articles}
        ru = [a for a in articles if a.lang == "ru"]
        kk = [a for a in articles if a.lang == "kk"]
        for a in ru:
            for b in kk:
                if not _close_in_time(a, b, opts.cross_lang_hours):
                    continue
                (anc_a, all_a), (anc_b, all_b) = feats[a.id], feats[b.id]
                anchors = anc_a & anc_b
                if not anchors:
                    continue
                shared = all_a & all_b
                overlap = len(shared) / max(1, min(len(all_a), len(all_b)))
                names = len(shared - anchors)
                same = (
                    len(anchors) >= opts.min_anchor_shared and overlap >= opts.min_feature_overlap
                ) or (names >= opts.min_names_one_anchor and overlap >= opts.min_overlap_one_anchor)
                if same and union.join(a.id, b.id):
                    links.append(
                        (a.id, b.id, f"ru-kk {len(anchors)} anchors, overlap {overlap:.2f}")
                    )

    groups: dict[int, list[StoryArticle]] = defaultdict(list)
    for a in articles:
        groups[union.find(a.id)].append(a)
    stories = []
    for members in groups.values():
        members.sort(key=lambda x: (x.published is None, x.published or datetime.min, x.id))
        ids = {m.id for m in members}
        story_facts = union_facts(f for m in members for f in facts.get(m.id, ()))
        stories.append(
            Story(
                members,
                story_facts,
                [ln for ln in links if ln[0] in ids],
                {m.id: list(facts.get(m.id, ())) for m in members},
            )
        )
    # most outlets first; then most articles; then most facts (akims, money) among one-outlet stories
    stories.sort(
        key=lambda s: (
            -len(s.outlets),
            -len(s.articles),
            -s.weight,
            s.first_published is None,
            s.first_published or datetime.min,
        )
    )
    return stories


# --- reading from the store ---------------------------------------------------------------------


def load_window(
    session: Session, start: datetime, end: datetime
) -> tuple[list[StoryArticle], dict[int, list[dict[str, Any]]]]:
    """Articles published in [start, end) and their facts as CONTRACT §2 dicts, by article id."""
    rows = session.exec(
        select(Article, Source)
        .join(Source, col(Article.source_id) == col(Source.id))
        .where(col(Article.published) >= start, col(Article.published) < end)
        .order_by(col(Article.published), col(Article.id))
    ).all()
    articles = [
        StoryArticle(a.id, a.url, a.title, a.text, s.name, a.lang, a.published)
        for a, s in rows
        if a.id is not None  # always: the rows were read from the database
    ]
    facts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if articles:
        fact_rows = session.exec(
            select(Fact, Article, Source)
            .join(Article, col(Fact.article_id) == col(Article.id))
            .join(Source, col(Article.source_id) == col(Source.id))
            .where(col(Article.published) >= start, col(Article.published) < end)
            .order_by(col(Fact.article_id), col(Fact.start))
        ).all()
        for fact, article, source in fact_rows:
            facts[fact.article_id].append(fact_to_dict(fact, fact_article(article, source)))
    return articles, dict(facts)


def stories_for_day(
    day: Any, *, database_url: str | None = None, options: StoryOptions | None = None
) -> list[Story]:
    """The stories of one day (Asia/Almaty) in the store."""
    with open_session(database_url) as session:
        articles, facts = load_window(session, day_start(day), day_start(day + timedelta(days=1)))
    return group_stories(articles, facts, options)
