"""The data of one day's digest, read from the store: stories, akims, amounts, programmes, watchlist, outlets."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from newsmon.digest.labels import LANGS, format_amount, role_label
from newsmon.digest.regionmap import unit_of
from newsmon.entities import person_key
from newsmon.errors import InputError, NotFoundError
from newsmon.query.dates import ALMATY, as_utc, day_start
from newsmon.store.db import open_session
from newsmon.store.models import Fact
from newsmon.stories import (
    Story,
    StoryArticle,
    StoryOptions,
    group_stories,
    load_window,
)
from newsmon.text import fold
from newsmon.watchlist import Hit, Watchlist, sentence_around

MONEY = ("KZT", "USD", "RUB", "EUR")
ABBREVIATIONS = {
    "вко": "Восточно-Казахстанская область",
    "шқо": "Восточно-Казахстанская область",
    "ско": "Северо-Казахстанская область",
    "сқо": "Северо-Казахстанская область",
    "зко": "Западно-Казахстанская область",
    "бқо": "Западно-Казахстанская область",
}


@dataclass
class Link:
    """One article an item links to."""

    url: str
    title: str
    source: str
    lang: str
    time: str  # HH:MM, Asia/Almaty


@dataclass
class Evidence:
    """The sentence that proves an item, with the part to highlight."""

    sentence: str
    text: str
    lang: str
    url: str = ""

    @property
    def parts(self) -> tuple[str, str, str]:
        """(before, highlighted, after); the whole sentence unmarked when the text is not in it."""
        i = self.sentence.find(self.text) if self.text else -1
        if i < 0:
            return self.sentence, "", ""
        return self.sentence[:i], self.text, self.sentence[i + len(self.text) :]


@dataclass
class Item:
    """A digest entry: a label, details, badges, evidence sentences (one per language) and article links."""

    label: str
    detail: str = ""
    badges: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    status: str = ""  # akims: new | changed | known
    previous: str = ""
    total: str = ""

    @property
    def langs(self) -> list[str]:
        return sorted({ln.lang for ln in self.links})


@dataclass
class AmountGroup:
    program: str | None
    region: str | None
    totals: list[str]
    items: list[Item]
    sort_value: float = 0.0


@dataclass(frozen=True)
class Signals:
    """What makes a story significant (the inputs of `significance`)."""

    outlets: int = 1
    akim_changes: int = 0  # akims of the story that are new in the news or replace someone
    akims: int = 0  # its other akim facts (a known holder, a deputy)
    programs: int = 0  # distinct programmes it names
    watch_hits: int = 0  # distinct watchlist entities it names
    money: float = 0.0  # its largest money amount, in tenge at RANK_RATES (ranking only)
    territories: int = 0  # distinct top-level units (regions, the three cities) it names


# order-of-magnitude rates to compare amounts in other currencies with tenge when ranking stories;
# never shown and never used to add amounts up
RANK_RATES = {"KZT": 1.0, "USD": 500.0, "EUR": 500.0, "RUB": 5.0}


def money_points(tenge: float) -> float:
    """0 below 1 million tenge, +1 per tenfold above it, at most 4 (10 billion and more)."""
    if tenge < 1e6:
        return 0.0
    return min(4.0, math.log10(tenge) - 6)


def significance(s: Signals) -> float:
    """The score stories are ranked by (largest first):

    3·akim_changes + 1.5·akims + 1·programs + 2·min(watch_hits, 2) + money_points(money)
    + 0.5·min(territories, 3) + 1·(outlets − 1)

    so an akim appointment in one outlet (3) outranks a report without facts in three outlets (2), and
    a 1.5 bn tenge programme item (1 + 3.18 = 4.18) outranks both. Watchlist hits count up to two
    entities (a story naming a watched district, its region and its city is one subject, not three).
    """
    return round(
        3 * s.akim_changes
        + 1.5 * s.akims
        + 1 * s.programs
        + 2 * min(s.watch_hits, 2)
        + money_points(s.money)
        + 0.5 * min(s.territories, 3)
        + 1 * max(s.outlets - 1, 0),
        2,
    )


@dataclass
class StoryItem:
    title: str
    outlets: list[str]
    langs: list[str]
    links: list[Link]
    facts: list[Item]
    lead: Evidence | None
    score: float = 0.0
    signals: Signals = field(default_factory=Signals)


@dataclass
class OutletRow:
    source: str
    articles: int
    facts: int
    langs: list[str]
    links: list[Link]


@dataclass
class Digest:
    day: date
    lang: str
    region: str | None
    generated: datetime
    articles: int = 0
    outlet_count: int = 0
    fact_count: int = 0
    stories: list[StoryItem] = field(default_factory=list)  # shown in full
    brief: list[StoryItem] = field(default_factory=list)  # shown as one-line links
    more_stories: int = 0  # stories of the day beyond both lists
    section_limit: int = 6  # entries of each other section shown in full (the rest: one line each)
    region_counts: dict[str, int] = field(default_factory=dict)  # top-level KATO → articles
    akims: list[Item] = field(default_factory=list)
    amounts: list[AmountGroup] = field(default_factory=list)
    programs: list[Item] = field(default_factory=list)
    watch: dict[str, list[Item]] = field(default_factory=dict)  # by watchlist kind
    watchlist_used: bool = False
    outlets: list[OutletRow] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.articles == 0


# --- helpers --------------------------------------------------------------------------------------


def _link(a: StoryArticle) -> Link:
    when = a.published.astimezone(ALMATY).strftime("%H:%M") if a.published else ""
    return Link(a.url, a.title, a.source, a.lang, when)


def _fact_link(f: dict[str, Any]) -> Link:
    art = f["article"]
    pub = art.get("published")
    when = datetime.fromisoformat(pub).astimezone(ALMATY).strftime("%H:%M") if pub else ""
    return Link(art["url"], art["title"], art["source"], art["lang"], when)


def _evidence(f: dict[str, Any]) -> Evidence:
    return Evidence(
        f.get("sentence") or f.get("text") or "",
        f.get("text") or "",
        f["article"]["lang"],
        f["article"]["url"],
    )


def _one_per_lang(evidence: Iterable[Evidence]) -> list[Evidence]:
    out: dict[str, Evidence] = {}
    for ev in evidence:
        out.setdefault(ev.lang, ev)
    return [out[k] for k in sorted(out, key=lambda x: (x != "ru", x))]


def _unique_links(links: Iterable[Link]) -> list[Link]:
    return list({ln.url: ln for ln in links}.values())


def _territory(f: dict[str, Any]) -> dict[str, Any] | None:
    t = f.get("territory")
    return t if isinstance(t, dict) and t.get("name") else None


def _tkey(t: dict[str, Any] | None) -> str:
    if not t:
        return ""
    return str(t.get("kato") or fold(str(t["name"])))


def _region_of(t: dict[str, Any] | None) -> str | None:
    if not t:
        return None
    path = t.get("path") or []
    return str(path[0]) if path else str(t["name"])


def _in_region(f: dict[str, Any], region: str) -> bool:
    t = _territory(f)
    return t is not None and (t["name"] == region or region in (t.get("path") or []))


# --- regions --------------------------------------------------------------------------------------


def known_territories(session: Session) -> list[str]:
    """Every territory name in stored facts, with the regions and districts of their paths."""
    names: set[str] = set()
    path_text = sa.cast(
        Fact.territory_path, sa.Text
    )  # JSON has no equality on PostgreSQL: DISTINCT on text
    rows = session.exec(
        select(Fact.territory_name, path_text)
        .where(col(Fact.territory_name).is_not(None))
        .distinct()
    )
    for name, path in rows:
        names.add(str(name))
        names.update((json.loads(path) if path else None) or [])  # a JSON null path: none
    return sorted(names)


def _gazetteer(database_url: str | None) -> Any:
    """The territory gazetteer (KATO), or None where this installation has no gazetteer stage."""
    try:
        from newsmon.nlp.gazetteer import get_gazetteer
    except ImportError:
        return None
    return get_gazetteer(database_url)


def resolve_region(
    query: str,
    names: Sequence[str],
    watchlist: Watchlist | None = None,
    database_url: str | None = None,
) -> str:
    """The territory `query` means («ВКО», «Шығыс Қазақстан облысы», «Шемонаихинский район»), as the
    Russian name facts carry; NotFoundError with close names when nothing matches."""
    q = fold(query.strip())
    by_fold = {fold(n): n for n in names}
    if q in by_fold:
        return by_fold[q]
    gaz = _gazetteer(database_url)
    refs: list[Any] = []
    if gaz is not None:
        from newsmon.nlp.territories import lookup, resolve

        refs = list(lookup(gaz, query))
        # a mention in a case form or with a Kazakh type word («Шемонаиха ауданы», «Павлодар облысы»)
        refs += [r for r in (resolve(gaz, query, lg) for lg in ("kk", "ru")) if r is not None]
        known = [r for r in refs if fold(r.name) in by_fold]
        if known:
            return str(known[0].name)
    if q in ABBREVIATIONS and fold(ABBREVIATIONS[q]) in by_fold:
        return by_fold[fold(ABBREVIATIONS[q])]
    if watchlist is not None:
        for ent in watchlist:
            if ent.kind == "territory" and ent.find(query) and fold(ent.name) in by_fold:
                return by_fold[fold(ent.name)]
    if refs:  # a real territory that no stored fact names yet: an empty digest, not an error
        return str(refs[0].name)
    from rapidfuzz import fuzz, process

    close = [
        c[0]
        for c in process.extract(query, list(names), scorer=fuzz.WRatio, limit=3, score_cutoff=60)
    ]
    if gaz is not None:
        close += [s for s in gaz.suggest(query, limit=3) if s not in close]
    hint = f": did you mean {', '.join(close[:4])}?" if close else ""
    if not names and not close:
        hint = ": no territories in the store yet (run newsmon extract)"
    raise NotFoundError(f"unknown region {query!r}{hint}")


# --- sections -------------------------------------------------------------------------------------


def _akim_history(
    session: Session, before: datetime
) -> tuple[
    dict[tuple[str, str], list[tuple[str, str, datetime]]], dict[str, list[tuple[datetime, str]]]
]:
    """Earlier akims: (territory, role) → [(person, lang, when)] oldest first, person → [(when, territory name)]."""
    by_post: dict[tuple[str, str], list[tuple[str, str, datetime]]] = defaultdict(list)
    by_person: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    query: Any = select(
        Fact.person,
        Fact.role,
        Fact.territory_kato,
        Fact.territory_name,  # type: ignore[call-overload,misc]
        Fact.published,
        Fact.lang,
    )
    query = query.where(
        col(Fact.kind) == "akim",
        col(Fact.published) < before,
        col(Fact.person).is_not(None),
    ).order_by(col(Fact.published))
    rows = session.exec(query)
    for person, role, kato, tname, when, lang in rows:
        tkey = str(kato or fold(tname)) if (kato or tname) else ""
        if tkey:
            by_post[(tkey, role or "")].append((person, lang or "", _utc(when)))
        by_person[person_key(person)].append((_utc(when), tname or ""))
    return by_post, by_person


def _utc(when: Any) -> datetime:
    return as_utc(when) or datetime.min.replace(tzinfo=UTC)


def _published(f: dict[str, Any]) -> datetime:
    when = f["article"].get("published")
    return as_utc(when) or datetime.max.replace(tzinfo=UTC)


def _akim_key(f: dict[str, Any]) -> tuple[str, str, str]:
    return (person_key(f["person"]), _tkey(_territory(f)), f.get("role") or "")


def _akims(
    facts: list[dict[str, Any]],
    session: Session,
    before: datetime,
    lang: str,
    statuses: dict[tuple[str, str, str], str] | None = None,
) -> list[Item]:
    """The day's akims with their status (new, changed, known); `statuses` gets each one's by key."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in facts:
        if f["kind"] == "akim" and f.get("person"):
            groups[_akim_key(f)].append(f)
    if not groups:
        return []
    by_post, by_person = _akim_history(session, before)
    items = []
    for (pkey, tkey, role), fs in groups.items():
        # the Russian spelling names the item when there is one (the contract's nominative)
        main = next((f for f in fs if f["article"]["lang"] == "ru"), fs[0])
        terr = next((_territory(f) for f in fs if _territory(f)), None)
        # history is what was published before this akim's first fact (in a period of several
        # days, an appointment on its third day is a change from the holder named on the first)
        first = min(_published(f) for f in fs)
        earlier = [(p, lg) for p, lg, when in by_post.get((tkey, role), []) if when < first]
        seen_person = [(w, t) for w, t in by_person.get(pkey, []) if w < first]
        if any(person_key(p) == pkey for p, _ in earlier):
            status, previous = "known", ""
        elif earlier:
            last = person_key(
                earlier[-1][0]
            )  # the latest holder, in Russian spelling when there is one
            spellings = [(lg != "ru", p) for p, lg in earlier if person_key(p) == last]
            status, previous = "changed", min(spellings)[1]
        elif seen_person:
            status, previous = "changed", next((t for _, t in reversed(seen_person) if t), "")
        else:
            status, previous = "new", ""
        if statuses is not None:
            statuses[(pkey, tkey, role)] = status
        detail = " · ".join(x for x in (role_label(role, lang), terr["name"] if terr else "") if x)
        items.append(
            Item(
                label=main["person"],
                detail=detail,
                status=status,
                previous=previous,
                evidence=_one_per_lang(_evidence(f) for f in fs),
                links=_unique_links(_fact_link(f) for f in fs),
            )
        )
    order = {"changed": 0, "new": 1, "known": 2}
    items.sort(key=lambda it: (order[it.status], -len({ln.source for ln in it.links}), it.label))
    return items


def akim_items(
    facts: list[dict[str, Any]], session: Session, before: datetime, lang: str = "ru"
) -> list[Item]:
    """Akims named in `facts` (CONTRACT §2 dicts), each new, changed (with the previous holder) or
    known against the akim facts published before `before`; changes first."""
    return _akims(facts, session, before, lang)


def _money_totals(fs: Sequence[dict[str, Any]], lang: str) -> tuple[list[str], float]:
    """Totals per money unit, one amount per (value, unit, article-independent story) counted once."""
    seen: set[tuple[Any, ...]] = set()
    sums: dict[str, float] = defaultdict(float)
    for f in fs:
        if f.get("unit") in MONEY and f.get("value") is not None:
            key = (f["value"], f["unit"], _tkey(_territory(f)), fold(f.get("program") or ""))
            if key not in seen:  # the same amount in a reprint or the other language is one amount
                seen.add(key)
                sums[f["unit"]] += float(f["value"])
    ordered = sorted(sums.items(), key=lambda uv: -uv[1])
    return [format_amount(v, u, lang) for u, v in ordered], sums.get("KZT", 0.0)


def _amounts(facts: list[dict[str, Any]], lang: str) -> list[AmountGroup]:
    by_group: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    names: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for f in facts:
        if f["kind"] != "amount":
            continue
        program, region = f.get("program"), _region_of(_territory(f))
        key = (fold(program or ""), fold(region or ""))
        by_group[key].append(f)
        names.setdefault(key, (program, region))
    groups = []
    for key, fs in by_group.items():
        same: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
        for f in fs:
            same[(f.get("value"), f.get("unit"), _tkey(_territory(f)))].append(f)
        items = []
        for (value, unit, _), group in same.items():
            terr = next((_territory(f) for f in group if _territory(f)), None)
            items.append(
                Item(
                    label=format_amount(value, unit, lang),
                    detail=terr["name"] if terr else "",
                    badges=list(dict.fromkeys(f.get("raw") or "" for f in group if f.get("raw"))),
                    evidence=_one_per_lang(_evidence(f) for f in group),
                    links=_unique_links(_fact_link(f) for f in group),
                )
            )
        totals, kzt = _money_totals(fs, lang)
        items.sort(key=lambda it: -len(it.links))
        program, region = names[key]
        if program is None and region is None:
            # amounts with neither programme nor territory have nothing in common: no total
            totals = []
            kzt = max((float(f["value"]) for f in fs if f.get("unit") == "KZT"), default=0.0)
        groups.append(AmountGroup(program, region, totals, items, kzt))
    groups.sort(key=lambda g: (-g.sort_value, g.program is None, g.program or "", g.region or ""))
    return groups


def _programs(facts: list[dict[str, Any]], lang: str) -> list[Item]:
    by_program: dict[str, list[dict[str, Any]]] = defaultdict(list)
    amounts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in facts:
        if f["kind"] == "program" and f.get("program"):
            by_program[fold(f["program"])].append(f)
        elif f["kind"] == "amount" and f.get("program"):
            amounts[fold(f["program"])].append(f)
    items = []
    for key, fs in by_program.items():
        links = _unique_links(_fact_link(f) for f in fs)
        totals, _ = _money_totals(amounts.get(key, []), lang)
        items.append(
            Item(
                label=fs[0]["program"],
                badges=sorted({ln.source for ln in links}),
                evidence=_one_per_lang(_evidence(f) for f in fs),
                links=links,
                total=", ".join(totals),
            )
        )
    items.sort(key=lambda it: (-len(it.links), it.label))
    return items


def _watch(articles: Sequence[StoryArticle], scans: dict[int, list[Hit]]) -> dict[str, list[Item]]:
    per_entity: dict[str, tuple[Any, int, list[Link], list[Evidence]]] = {}
    for a in articles:
        text = f"{a.title}\n{a.text}"
        for hit in scans.get(a.id, []):
            name = hit.entity.name
            ent, count, links, evs = per_entity.get(name, (hit.entity, 0, [], []))
            evs.append(Evidence(hit.sentence, text[hit.start : hit.end], a.lang, a.url))
            per_entity[name] = (ent, count + hit.count, [*links, _link(a)], evs)
    out: dict[str, list[Item]] = defaultdict(list)
    for name, (ent, count, links, evs) in per_entity.items():
        out[ent.kind].append(
            Item(label=name, detail=str(count), evidence=_one_per_lang(evs), links=links)
        )
    for items in out.values():
        items.sort(key=lambda it: (-len(it.links), -int(it.detail), it.label))
    return {k: out[k] for k in ("person", "party", "program", "territory") if k in out}


def _story_rank(f: dict[str, Any]) -> int:
    if f["kind"] == "akim":
        return 0
    if f["kind"] == "amount":
        return 1 if f.get("unit") in MONEY else 3
    return 2


def story_signals(
    story: Story,
    statuses: dict[tuple[str, str, str], str],
    scans: dict[int, list[Hit]],
) -> Signals:
    """The significance signals of one story (akim statuses from `_akims`, watchlist scans by article)."""
    changes: set[tuple[str, str, str]] = set()
    others: set[tuple[str, str, str]] = set()
    programs: set[str] = set()
    units: set[str] = set()
    money = 0.0
    for f in story.facts:
        if f["kind"] == "akim" and f.get("person"):
            key = _akim_key(f)
            is_change = (
                statuses.get(key) in ("new", "changed") and f.get("role") != "заместитель акима"
            )
            (changes if is_change else others).add(key)
        if f["kind"] == "program" and f.get("program"):
            programs.add(fold(f["program"]))
        if f["kind"] == "amount" and f.get("unit") in RANK_RATES and f.get("value") is not None:
            money = max(money, float(f["value"]) * RANK_RATES[f["unit"]])
        t = _territory(f)
        unit = unit_of(t.get("kato"), _region_of(t)) if t else None
        if unit is not None:
            units.add(unit.kato)
    watched = {h.entity.name for a in story.articles for h in scans.get(a.id, [])}
    return Signals(
        outlets=len(story.outlets),
        akim_changes=len(changes),
        akims=len(others - changes),
        programs=len(programs),
        watch_hits=len(watched),
        money=money,
        territories=len(units),
    )


def _story_item(story: Story, lang: str) -> StoryItem:
    facts = []
    for f in sorted(story.facts_in(lang), key=_story_rank):
        if f["kind"] == "akim":
            label = f"{f['person']}"
        elif f["kind"] == "amount":
            label = format_amount(f.get("value"), f.get("unit"), lang)
        elif f["kind"] == "program":
            label = f"«{f['program']}»"
        else:
            continue  # bare territories say little on their own
        facts.append(
            Item(label=label, detail=f["kind"], evidence=[_evidence(f)], links=[_fact_link(f)])
        )
    pool = [a for a in story.articles if a.lang == lang] or story.articles
    lead_article = pool[0]
    lead_text = (
        sentence_around(lead_article.text.lstrip(), 0, 1) if lead_article.text.strip() else ""
    )
    lead = Evidence(lead_text, "", lead_article.lang, lead_article.url) if lead_text else None
    return StoryItem(
        title=story.title(lang),
        outlets=story.outlets,
        langs=story.langs,
        links=[_link(a) for a in story.articles],
        facts=facts[:4],
        lead=lead,
    )


def region_counts(
    articles: Sequence[StoryArticle], facts_by_article: dict[int, list[dict[str, Any]]]
) -> dict[str, int]:
    """Articles per top-level unit (its KATO code): an article counts once for each unit it names."""
    counts: dict[str, int] = defaultdict(int)
    for a in articles:
        units = set()
        for f in facts_by_article.get(a.id, []):
            t = _territory(f)
            unit = unit_of(t.get("kato"), _region_of(t)) if t else None
            if unit is not None:
                units.add(unit.kato)
        for kato in units:
            counts[kato] += 1
    return dict(counts)


# --- the digest -----------------------------------------------------------------------------------


def build_digest(
    day: date,
    *,
    lang: str = "ru",
    region: str | None = None,
    watchlist: Watchlist | None = None,
    top: int = 20,
    full: int = 5,
    database_url: str | None = None,
    story_options: StoryOptions | None = None,
    now: datetime | None = None,
) -> Digest:
    """Everything one day's digest shows (day in Asia/Almaty); `region` narrows it to one territory.

    Stories are ranked by `significance`; the first `full` are shown in full, the rest of the first
    `top` as one-line links, and the number of the others is given.
    """
    if lang not in LANGS:
        raise InputError(f"--lang must be one of {', '.join(LANGS)}, not {lang!r}")
    if top < 1:
        raise InputError("--top must be at least 1")
    if full < 0:
        raise InputError("--full must be 0 or more")
    start, end = day_start(day), day_start(day + timedelta(days=1))
    digest = Digest(
        day=day,
        lang=lang,
        region=None,
        generated=(now or datetime.now(ALMATY)).astimezone(ALMATY),
        watchlist_used=watchlist is not None,
    )
    with open_session(database_url) as session:
        if region:
            digest.region = resolve_region(
                region, known_territories(session), watchlist, database_url
            )
        articles, facts_by_article = load_window(session, start, end)
        if digest.region:
            keep = {
                aid
                for aid, fs in facts_by_article.items()
                if any(_in_region(f, digest.region) for f in fs)
            }
            articles = [a for a in articles if a.id in keep]
            facts_by_article = {
                aid: [
                    f
                    for f in fs
                    if not _territory(f) or _in_region(f, digest.region) or f["kind"] == "program"
                ]
                for aid, fs in facts_by_article.items()
                if aid in keep
            }
        all_facts = [f for a in articles for f in facts_by_article.get(a.id, [])]
        digest.articles = len(articles)
        digest.fact_count = len(all_facts)
        digest.outlet_count = len({a.source for a in articles})
        if not articles:
            return digest
        statuses: dict[tuple[str, str, str], str] = {}
        digest.akims = _akims(all_facts, session, start, lang, statuses)
        scans = (
            {a.id: watchlist.scan(f"{a.title}\n{a.text}") for a in articles}
            if watchlist is not None
            else {}
        )
        ranked = []
        for story in group_stories(articles, facts_by_article, story_options):
            item = _story_item(story, lang)
            item.signals = story_signals(story, statuses, scans)
            item.score = significance(item.signals)
            ranked.append(item)
        # stable: equal scores keep group_stories' order (outlets, articles, facts, earliest)
        ranked.sort(key=lambda it: -it.score)
        digest.stories = ranked[: min(full, top)]
        digest.brief = ranked[min(full, top) : top]
        digest.more_stories = max(0, len(ranked) - top)
    digest.region_counts = region_counts(articles, facts_by_article)
    digest.amounts = _amounts(all_facts, lang)
    digest.programs = _programs(all_facts, lang)
    if watchlist is not None:
        digest.watch = _watch(articles, scans)
    per_source: dict[str, list[StoryArticle]] = defaultdict(list)
    for a in articles:
        per_source[a.source].append(a)
    digest.outlets = sorted(
        (
            OutletRow(
                src,
                len(arts),
                sum(len(facts_by_article.get(a.id, [])) for a in arts),
                sorted({a.lang for a in arts}),
                [_link(a) for a in arts],
            )
            for src, arts in per_source.items()
        ),
        key=lambda r: (-r.articles, r.source),
    )
    return digest
