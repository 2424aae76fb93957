"""Coverage: how often watchlist entities are mentioned, per day, outlet or region, and their share of voice.

A mention is a match of any of an entity's variants (watchlist.py), so Kazakh and Russian mentions of
one entity are counted together. Share of voice is an entity's mentions over the mentions of every
watchlist entity in the same bucket. An article's region is the region its facts' territories name
most often (the outlet's region from feeds.yaml when the facts name none).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from newsmon.errors import InputError
from newsmon.output import csv_safe
from newsmon.query.dates import ALMATY, day_start
from newsmon.store.db import open_session
from newsmon.store.models import Article, Fact, Source
from newsmon.watchlist import Entity, Watchlist

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BY = ("day", "source", "region")
FORMATS = ("table", "csv")
NO_REGION = "(no region)"
MAX_DAYS = 3660
CHART_ENTITIES = 8


@dataclass
class CoverageRow:
    bucket: str
    entity: str
    kind: str
    mentions: int
    articles: int
    share: float  # of all watchlist mentions in the bucket, 0..1
    bucket_articles: int  # articles published in the bucket

    def as_dict(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "entity": self.entity,
            "kind": self.kind,
            "mentions": self.mentions,
            "articles": self.articles,
            "share": round(self.share, 4),
            "bucket_articles": self.bucket_articles,
        }


@dataclass
class CoverageReport:
    since: date
    until: date
    by: str
    entity: str | None
    buckets: list[str]
    rows: list[CoverageRow] = field(default_factory=list)
    articles: int = 0

    def totals(self) -> Counter[str]:
        """Mentions per entity over the whole period."""
        out: Counter[str] = Counter()
        for r in self.rows:
            out[r.entity] += r.mentions
        return out


def _days(since: date, until: date) -> list[str]:
    return [(since + timedelta(days=i)).isoformat() for i in range((until - since).days + 1)]


def _regions(session: Session, ids: list[int]) -> dict[int, str]:
    """Each article's main region, from the territories of its facts."""
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    for chunk in range(0, len(ids), 500):
        rows = session.exec(
            select(Fact.article_id, Fact.territory_name, Fact.territory_path).where(
                col(Fact.article_id).in_(ids[chunk : chunk + 500]),
                col(Fact.territory_name).is_not(None),
            )
        )
        for art_id, name, path in rows:
            votes[art_id][(path or [name])[0]] += 1
    return {aid: c.most_common(1)[0][0] for aid, c in votes.items() if c}


def _articles(session: Session, since: date, until: date) -> Iterator[tuple[Article, Source]]:
    query = (
        select(Article, Source)
        .join(Source, col(Article.source_id) == col(Source.id))
        .where(
            col(Article.published) >= day_start(since),
            col(Article.published) < day_start(until + timedelta(days=1)),
        )
        .order_by(col(Article.published), col(Article.id))
    )
    yield from session.exec(query).yield_per(200)


def coverage(
    watchlist: Watchlist,
    since: date,
    until: date,
    by: str = "day",
    entity: str | None = None,
    *,
    database_url: str | None = None,
) -> CoverageReport:
    """Mentions of the watchlist's entities (or of one: `entity`, a name or variant) in [since, until]."""
    if by not in BY:
        raise InputError(f"--by must be one of {', '.join(BY)}, not {by!r}")
    if since > until:
        raise InputError(f"--since {since} is after --until {until}")
    if (until - since).days > MAX_DAYS:
        raise InputError(f"the period is longer than {MAX_DAYS} days")
    if not len(watchlist):
        raise InputError(f"{watchlist.path or 'the watchlist'} lists no entities")
    chosen: Entity | None = watchlist.lookup(entity) if entity else None
    report = CoverageReport(
        since,
        until,
        by,
        chosen.name if chosen else None,
        _days(since, until) if by == "day" else [],
    )
    mentions: dict[tuple[str, str], int] = Counter()
    articles: dict[tuple[str, str], int] = Counter()
    bucket_total: Counter[str] = Counter()
    bucket_articles: Counter[str] = Counter()
    kinds = {e.name: e.kind for e in watchlist}
    with open_session(database_url) as session:
        # (article id, day, outlet, outlet's region, [(entity, mentions)])
        pending: list[tuple[int, str, str, str | None, list[tuple[str, int]]]] = []
        for art, src in _articles(session, since, until):
            text = f"{art.title}\n{art.text}"
            # every entity, even with --entity: share of voice needs all the mentions in the bucket
            hits = [(e.name, len(spans)) for e in watchlist if (spans := e.find(text))]
            day = art.published.astimezone(ALMATY).date().isoformat() if art.published else ""
            pending.append((art.id, day, src.name, src.region, hits))  # type: ignore[arg-type]
            report.articles += 1
        regions = _regions(session, [p[0] for p in pending]) if by == "region" else {}
    for art_id, day, source, source_region, hits in pending:
        if by == "day":
            bucket = day
        elif by == "source":
            bucket = source
        else:
            bucket = regions.get(art_id) or source_region or NO_REGION
        bucket_articles[bucket] += 1
        for name, n in hits:
            mentions[(bucket, name)] += n
            articles[(bucket, name)] += 1
            bucket_total[bucket] += n
    if by != "day":
        report.buckets = sorted(
            bucket_articles, key=lambda b: (b == NO_REGION, -bucket_total[b], b)
        )
    for bucket in report.buckets:
        names = (
            [chosen.name]
            if chosen
            else sorted(
                {n for (b, n) in mentions if b == bucket}, key=lambda n: (-mentions[(bucket, n)], n)
            )
        )
        for name in names:
            m = mentions.get((bucket, name), 0)
            if not m and not chosen:
                continue
            share = m / bucket_total[bucket] if bucket_total[bucket] else 0.0
            report.rows.append(
                CoverageRow(
                    bucket,
                    name,
                    kinds[name],
                    m,
                    articles.get((bucket, name), 0),
                    share,
                    bucket_articles.get(bucket, 0),
                )
            )
    return report


COLUMNS = ["bucket", "entity", "kind", "mentions", "articles", "share", "bucket_articles"]


def write_csv(report: CoverageReport, stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=COLUMNS)
    writer.writeheader()
    for row in report.rows:
        writer.writerow({k: csv_safe(v) for k, v in row.as_dict().items()})


def to_csv(report: CoverageReport) -> str:
    buf = io.StringIO()
    write_csv(report, buf)
    return buf.getvalue()


def write_chart(report: CoverageReport, path: Path | str, *, top: int = CHART_ENTITIES) -> Path:
    """A PNG: mentions per day as lines (by day), or per outlet/region as stacked bars; written atomically."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise InputError(f"--chart must name a .png file, not {path.name!r}")
    png = render_chart(report, top=top)
    tmp = path.with_name(f".{path.name}.tmp.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_bytes(png)
    tmp.replace(path)
    return path


# the chart's words in each interface language (the web passes its `ui`; the CLI draws English)
CHART_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "watchlist": "Watchlist",
        "title": "{who}: mentions {since} – {until}, {by}",
        "by_day": "by day",
        "by_source": "by outlet",
        "by_region": "by region",
        "mentions": "mentions",
        "none": "no mentions in this period",
    },
    "ru": {
        "watchlist": "Список наблюдения",
        "title": "{who}: упоминания {since} – {until}, {by}",
        "by_day": "по дням",
        "by_source": "по изданиям",
        "by_region": "по регионам",
        "mentions": "упоминаний",
        "none": "за этот период упоминаний нет",
    },
    "kk": {
        "watchlist": "Бақылау тізімі",
        "title": "{who}: аталымдар {since} – {until}, {by}",
        "by_day": "күн бойынша",
        "by_source": "басылым бойынша",
        "by_region": "өңір бойынша",
        "mentions": "аталым",
        "none": "бұл кезеңде аталым жоқ",
    },
}


def render_chart(report: CoverageReport, *, top: int = CHART_ENTITIES, lang: str = "en") -> bytes:
    """The chart of write_chart as PNG bytes, its words in `lang` (en, ru, kk)."""
    fig = chart_figure(report, top=top, lang=lang)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def chart_figure(report: CoverageReport, *, top: int = CHART_ENTITIES, lang: str = "en") -> Figure:
    """The chart as a matplotlib Figure. Uses matplotlib's object API (a Figure of its own, no
    pyplot state), so several threads may render at once."""
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    words = CHART_TEXT.get(lang, CHART_TEXT["en"])
    entities = [name for name, _ in report.totals().most_common(top)] or (
        [report.entity] if report.entity else []
    )
    counts = {(r.bucket, r.entity): r.mentions for r in report.rows}
    buckets = report.buckets
    title = words["title"].format(
        who=report.entity or words["watchlist"],
        since=report.since,
        until=report.until,
        by=words.get("by_" + report.by, report.by),
    )
    fig = Figure(figsize=(10, 5.5), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    if not entities or not buckets:
        ax.text(0.5, 0.5, words["none"], ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    elif report.by == "day":
        xs = [date.fromisoformat(b) for b in buckets]
        for name in entities:
            ax.plot(
                xs,  # type: ignore[arg-type]
                [counts.get((b, name), 0) for b in buckets],
                marker="o",
                linewidth=2,
                label=name,
            )
        step = max(1, len(xs) // 12)  # ticks on whole days, at most about a dozen
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=step))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))  # type: ignore[no-untyped-call]
        ax.set_ylabel(words["mentions"])
        ax.set_ylim(bottom=0)
        fig.autofmt_xdate()
    else:
        shown = buckets[:25]
        left = [0] * len(shown)
        for name in entities:
            values = [counts.get((b, name), 0) for b in shown]
            ax.barh(shown, values, left=left, label=name)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.invert_yaxis()
        ax.set_xlabel(words["mentions"])
    if entities and buckets:
        ax.legend(loc="best", fontsize=8)
        ax.grid(alpha=0.3)
    ax.set_title(title)
    fig.tight_layout()
    return fig
