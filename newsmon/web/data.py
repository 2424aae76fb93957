"""The service both routers use beyond `newsmon.query`: a sorted page of facts, one fact or article by id
with its facts, an article's text cut into plain and highlighted pieces (displaCy-style entities), facts
as CSV, the day's digest and the coverage report."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from newsmon import query as q
from newsmon.coverage import CoverageReport
from newsmon.digest import Digest, build_digest
from newsmon.digest.build import akim_items
from newsmon.digest.regionmap import UNITS, RegionMap, region_map
from newsmon.errors import InputError, NotFoundError
from newsmon.output import FACT_EXPORT_COLUMNS, csv_cell, fact_row
from newsmon.watchlist import Watchlist
from newsmon.web.charts import ChartCache

SORTS = tuple(q.FACT_SORTS)  # the orders of the facts explorer and /api/v1/facts
CSV_MAX_ROWS = (
    100_000  # one CSV download holds at most this many facts (`newsmon export` has no cap)
)


@dataclass
class FactPage:
    facts: list[dict[str, Any]]
    offset: int
    limit: int
    has_next: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "facts": self.facts,
            "offset": self.offset,
            "limit": self.limit,
            "next_offset": self.offset + self.limit if self.has_next else None,
        }


def fact_page(session: Session, flt: q.FactFilter, sort: str = "published") -> FactPage:
    """One page of facts (flt.limit, flt.offset) in `sort` order; one more row is read to know if a next page exists."""
    if sort not in SORTS:
        raise InputError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    if flt.limit is None:
        raise InputError("a page needs a limit")
    probe = replace(flt, limit=flt.limit + 1)
    if sort == "published":
        rows = list(q.iter_facts(probe, session=session))
    else:
        rows = q.facts_by_ids(session, q.sorted_fact_ids(session, probe, sort))
    return FactPage(rows[: flt.limit], flt.offset, flt.limit, len(rows) > flt.limit)


def get_fact(session: Session, fact_id: int) -> dict[str, Any]:
    """One fact (CONTRACT §2), or NotFoundError."""
    found = q.facts_by_ids(session, [fact_id])
    if not found:
        raise NotFoundError(f"no fact with id {fact_id}")
    return found[0]


def stored_text(article: dict[str, Any]) -> str:
    """The text fact offsets index (CONTRACT §2: title and body as stored)."""
    return f"{article['title']}\n{article['text']}" if article["text"] else article["title"]


@dataclass
class Piece:
    text: str
    label: str | None = None  # None: plain text
    fact: int | None = None


def highlight(text: str, facts: Sequence[dict[str, Any]]) -> list[Piece]:
    """`text` cut into plain pieces and entity pieces, one per fact mention (displaCy 'ent' style, manual spans).

    Overlapping mentions keep the earlier (then longer) one; spans outside the text are skipped.
    """
    spans: list[tuple[int, int, str, int]] = []
    for f in facts:
        for start, end in f.get("mentions") or [[f["start"], f["end"]]]:
            if 0 <= start < end <= len(text):
                spans.append((start, end, f["kind"], f["id"]))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    pieces: list[Piece] = []
    pos = 0
    for start, end, kind, fid in spans:
        if start < pos:
            continue
        if start > pos:
            pieces.append(Piece(text[pos:start]))
        pieces.append(Piece(text[start:end], kind, fid))
        pos = end
    if pos < len(text):
        pieces.append(Piece(text[pos:]))
    return pieces


def mark_evidence(session: Session, facts: Sequence[dict[str, Any]], key: str = "id") -> None:
    """Give each fact (or evidence dict, whose fact id is under `key`) a `mark`: the [start, end] of the
    fact inside its `sentence`, which the pages wrap in <mark> (q.evidence_spans); an akim fact also
    gets `person_id`, the person its page links to (None: not linked to a person)."""
    ids = [f[key] for f in facts if f.get(key) is not None]
    spans = q.evidence_spans(session, ids)
    people = q.fact_person_ids(session, ids) if key == "id" else {}
    for f in facts:
        f["mark"] = spans.get(f.get(key) or 0)
        if key == "id" and f.get("kind") == "akim":
            f["person_id"] = people.get(f.get(key) or 0)


def person(session: Session, person_id: int) -> q.PersonProfile:
    """The person's page: q.person_profile with its facts' evidence marked (NotFoundError)."""
    profile = q.person_profile(person_id, session=session)
    mark_evidence(session, profile.facts)
    mark_evidence(session, [p["evidence"] for p in profile.posts if p.get("evidence")], key="fact")
    units = [p["territory"] for p in profile.posts if p.get("territory")]
    kk = q.kazakh_unit_names(session, [u.get("kato") or "" for u in units])
    for unit in units:  # for the Kazakh interface
        unit["name_kk"] = kk.get(unit.get("kato") or "")
    return profile


def territory(session: Session, kato: str) -> q.TerritoryProfile:
    """The unit's page: q.territory_profile with its facts' evidence marked (NotFoundError)."""
    profile = q.territory_profile(kato, session=session)
    mark_evidence(session, profile.facts)
    mark_evidence(session, [a["evidence"] for a in profile.akims if a.get("evidence")], key="fact")
    return profile


def csv_lines(
    facts: Iterator[dict[str, Any]], *, bom: bool = False, delimiter: str = ","
) -> Iterator[str]:
    """Facts as CSV text, header first, with the columns of `newsmon export facts --format csv`;
    `bom` starts it with a UTF-8 byte order mark, which Excel needs to read the file as UTF-8."""
    buf = io.StringIO()
    if bom:
        buf.write("\ufeff")
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(list(FACT_EXPORT_COLUMNS))
    for chunk in iter(lambda: list(itertools.islice(facts, 500)), []):
        for rec in chunk:
            row = fact_row(rec)
            writer.writerow([csv_cell(row.get(c), t) for c, t in FACT_EXPORT_COLUMNS.items()])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue()


def digest(
    database_url: str | None,
    day: str,
    lang: str,
    region: str | None,
    top: int,
    watchlist: Watchlist | None,
) -> Digest:
    """The digest of `day` (YYYY-MM-DD; InputError otherwise), as `newsmon digest` builds it."""
    when = q.parse_day(day, "date")
    if when is None:
        raise InputError("date is required")
    return build_digest(
        when, lang=lang, region=region, watchlist=watchlist, top=top, database_url=database_url
    )


MAX_COVERAGE_DAYS = 366
DEFAULT_COVERAGE_DAYS = 30  # the period of a coverage query that names no dates


def coverage_period(session: Session, since: str | None, until: str | None) -> tuple[str, str]:
    """The period of a coverage query, with defaults for what it leaves out: `until` the day of the
    newest article (today when none), `since` DEFAULT_COVERAGE_DAYS days up to `until`."""
    last = q.parse_day(until, "until") or latest_day(session) or datetime.now(q.ALMATY).date()
    first = q.parse_day(since, "since") or last - timedelta(days=DEFAULT_COVERAGE_DAYS - 1)
    return first.isoformat(), last.isoformat()


def coverage_days(since: str, until: str) -> tuple[date, date]:
    """The period of a coverage query, checked (InputError)."""
    first, last = q.parse_day(since, "since"), q.parse_day(until, "until")
    if first is None or last is None:
        raise InputError("since and until are required")
    if first <= last and (last - first).days > MAX_COVERAGE_DAYS:
        raise InputError(f"the period is longer than {MAX_COVERAGE_DAYS} days")
    return first, last


def coverage_report(
    charts: ChartCache,
    watchlist: Watchlist | None,
    since: str,
    until: str,
    by: str,
    entity: str | None,
) -> CoverageReport:
    """The coverage report (cached per query until the stored data change: web/charts.py)."""
    first, last = coverage_days(since, until)
    return charts.report(watchlist, first, last, by, entity)


def latest_day(session: Session) -> date | None:
    """The Almaty day of the newest article, or None when no article is dated."""
    when = q.latest_published(session)
    return when.astimezone(q.ALMATY).date() if when else None


# ---------------------------------------------------------------- the home page's overview
PERIODS = ("today", "7d", "30d", "custom")
PERIOD_DAYS = {"today": 1, "7d": 7, "30d": 30}
MAX_OVERVIEW_DAYS = 366
OVERVIEW_TOP = 10  # rows of each ranked list
MONEY_TOP = {"KZT": 5, "USD": 3, "EUR": 3, "RUB": 3}  # the largest amounts shown, per currency


@dataclass
class RegionRow:
    """One of the 20 top-level units with its counts in the period and its tile."""

    kato: str
    name: str
    label: str
    facts: int
    articles: int


@dataclass
class WatchRow:
    name: str
    kind: str
    mentions: int
    articles: int


@dataclass
class Overview:
    """What the home page and /api/v1/overview show for one period."""

    period: str
    since: date
    until: date
    anchor_is_today: bool
    facts_by_kind: dict[str, int]
    akims: list[
        Any
    ]  # digest Items (label, detail, status new or changed, previous, evidence, links)
    regions: list[RegionRow]
    region_map: RegionMap
    territories: list[q.NamedCount]
    programs: list[q.NamedCount]
    amounts: list[dict[str, Any]]  # CONTRACT §2 amount facts, largest first per currency
    watch: list[WatchRow] | None  # None: no watchlist


def overview_period(
    session: Session, period: str, since: str | None, until: str | None, today_: date
) -> tuple[str, date, date]:
    """The period asked for: today / 7d / 30d end on the newest article's day (today when nothing is
    stored or the newest article is older than that); custom takes since and until (InputError)."""
    if period not in PERIODS:
        raise InputError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    first, last = q.parse_day(since, "since"), q.parse_day(until, "until")
    if period != "custom":
        last = latest_day(session) or today_
        return period, last - timedelta(days=PERIOD_DAYS[period] - 1), last
    last = last or latest_day(session) or today_
    first = first or last - timedelta(days=6)
    if first > last:
        raise InputError(f"since {first} is after until {last}")
    if (last - first).days >= MAX_OVERVIEW_DAYS:
        raise InputError(f"the period is longer than {MAX_OVERVIEW_DAYS} days")
    return period, first, last


def _largest_amounts(session: Session, since: date, until: date) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for unit, n in MONEY_TOP.items():
        flt = q.FactFilter(kind="amount", unit=unit, since=since, until=until, limit=4 * n)
        seen: set[tuple[Any, ...]] = set()
        for f in q.facts_by_ids(session, q.sorted_fact_ids(session, flt, "-value")):
            # the same amount in a reprint or in the other language is one amount
            t = f.get("territory") or {}
            key = (f.get("value"), f.get("program"), t.get("kato") or t.get("name"))
            if key in seen:
                continue
            seen.add(key)
            out.append(f)
            if len(seen) == n:
                break
    return out


def overview(
    session: Session,
    charts: ChartCache,
    watchlist: Watchlist | None,
    *,
    period: str = "today",
    since: str | None = None,
    until: str | None = None,
    lang: str = "ru",
    today_: date | None = None,
) -> Overview:
    """The overview of a period: facts by kind, akim appointments, watchlist hits, regions (map),
    territories and programmes most in the news, the largest amounts with their evidence."""
    now = today_ or datetime.now(q.ALMATY).date()
    period, first, last = overview_period(session, period, since, until, now)
    flt = q.FactFilter(kind="akim", since=first, until=last)
    end = q.day_start(last + timedelta(days=1))
    akims = akim_items(list(q.iter_facts(flt, session=session)), session, end, lang)
    counts = q.unit_counts(session, first, last)
    regions = []
    articles_by_kato: dict[str, int] = {}
    for u in UNITS:
        n_facts = counts.facts[u.prefix] + counts.facts_by_name[u.name]
        n_articles = counts.articles[u.prefix] + counts.articles_by_name[u.name]
        articles_by_kato[u.kato] = n_articles
        regions.append(RegionRow(u.kato, u.title(lang), u.label(lang), n_facts, n_articles))
    regions.sort(key=lambda r: (-r.articles, -r.facts, r.name))
    watch = None
    if watchlist is not None and len(watchlist):
        report = charts.report(watchlist, first, last, "day", None)
        mentions: dict[str, int] = {}
        arts: dict[str, int] = {}
        kinds: dict[str, str] = {}
        for r in report.rows:
            mentions[r.entity] = mentions.get(r.entity, 0) + r.mentions
            arts[r.entity] = arts.get(r.entity, 0) + r.articles
            kinds[r.entity] = r.kind
        watch = sorted(
            (WatchRow(n, kinds[n], mentions[n], arts[n]) for n in mentions if mentions[n]),
            key=lambda w: (-w.articles, -w.mentions, w.name),
        )
    return Overview(
        period=period,
        since=first,
        until=last,
        anchor_is_today=last == now,
        facts_by_kind={k: n for k, n in q.facts_by_kind(session, first, last).items()},
        # appointments: akims new in the news or replacing someone (a known holder is not news)
        akims=[a for a in akims if a.status != "known"][:OVERVIEW_TOP],
        regions=regions,
        region_map=region_map(articles_by_kato, lang),
        territories=q.top_territories(session, first, last, OVERVIEW_TOP),
        programs=q.top_programs(session, first, last, OVERVIEW_TOP),
        amounts=_largest_amounts(session, first, last),
        watch=watch,
    )
