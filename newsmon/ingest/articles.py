"""The one place articles are written: cleaning, language, de-duplication, insert-once."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from newsmon.ingest.langid import detect_language
from newsmon.ingest.urls import normalize_url, title_key
from newsmon.settings import Settings
from newsmon.store.models import Article, Source, utcnow
from newsmon.store.search_index import index_articles
from newsmon.text import LANGS

SHORT_TEXT = 300  # characters: shorter texts are summaries, compared by title alone
SIMILARITY_CHARS = 2000
SAME_TEXT_RATIO = 85  # rapidfuzz ratio, 0..100

# what an article may hold so that every backend stores it alike: PostgreSQL keeps url_norm and
# (source_id, title_key) in B-tree indexes whose rows are capped at 2704 bytes; Source.name is
# VARCHAR(200). SQLite has no such caps, so without these an import would differ by backend.
MAX_URL_BYTES = 2000
MAX_TITLE_BYTES = 2000
MAX_SOURCE_CHARS = 200


# the default of `settings.title_dedup_days`; the stages pass their settings' value
TITLE_DEDUP_DAYS: int = Settings.model_fields["title_dedup_days"].default


def size_problem(url: str, title: str) -> str | None:
    """Why an article with this URL and title cannot be stored, or None when it can."""
    if len(url.encode("utf-8", "surrogatepass")) > MAX_URL_BYTES:
        return f"the URL is longer than {MAX_URL_BYTES} bytes"
    if len(title.encode("utf-8", "surrogatepass")) > MAX_TITLE_BYTES:
        return f"the title is longer than {MAX_TITLE_BYTES} bytes"
    return None


# NUL and other C0 controls except tab and newlines; they break PostgreSQL text and every reader
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str | None) -> str:
    """Text safe to store: no NUL or control characters, normalized line ends, trimmed."""
    if not text:
        return ""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


@dataclass
class ArticleIn:
    """An article as a feed, a page or an import line gives it."""

    url: str
    title: str
    text: str
    published: datetime | None = None
    guid: str | None = None
    summary: str | None = None
    lang: str | None = None  # None: detected


@dataclass
class StoreResult:
    new: int = 0
    duplicates: int = 0
    ids: list[int] = field(default_factory=list)

    def __iadd__(self, other: StoreResult) -> StoreResult:
        self.new += other.new
        self.duplicates += other.duplicates
        self.ids += other.ids
        return self


def same_story(text: str, other: str) -> bool:
    """Texts under one title are the same article unless both are long and clearly differ.

    Recurring headlines («Паводки в Казахстане: что известно к этому часу») carry new text each day;
    a summary-only entry, or a republished page with small edits, is the same article.
    """
    a, b = text[:SIMILARITY_CHARS], other[:SIMILARITY_CHARS]
    if min(len(a), len(b)) < SHORT_TEXT:
        return True
    return fuzz.ratio(a, b) >= SAME_TEXT_RATIO


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


def get_or_create_source(
    session: Session,
    name: str,
    *,
    url: str | None = None,
    lang: str | None = None,
    kind: str = "feed",
    region: str | None = None,
) -> Source:
    """The source row named `name`, created (or its URL, language and region updated) as needed."""
    source = session.exec(select(Source).where(Source.name == name)).first()
    if source is None:
        values = dict(name=name, url=url, lang=lang, kind=kind, region=region, created=utcnow())
        stmt = (
            _insert(session, Source)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        session.execute(stmt)
        source = session.exec(select(Source).where(Source.name == name)).one()
    elif kind == "feed" and (source.url != url or source.lang != lang or source.region != region):
        source.url, source.lang, source.region, source.kind = url, lang, region, kind
        session.add(source)
    return source


def _insert(session: Session, table: type) -> sqlite.Insert | postgresql.Insert:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _among(session: Session, column: Any, values: Iterable[str | None]) -> Any:
    """`column IN values`; on PostgreSQL `column = ANY(array)`, one parameter however many values
    (an IN list of hundreds of placeholders costs psycopg more to prepare than the query takes)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(sa.Text)))
    return column.in_(values)


_UNNEST_TYPES = {"source_id": "integer", "published": "timestamptz", "fetched": "timestamptz"}


def _insert_rows(session: Session, rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Insert article rows, skipping conflicts; (url_norm, id) of the rows that went in."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        insert = _insert(session, Article).on_conflict_do_nothing()
        stmt = insert.returning(Article.url_norm, Article.id)  # type: ignore[call-overload]
        return [(norm, id_) for norm, id_ in conn.execute(stmt, rows)]
    # PostgreSQL: one array per column through unnest, a short statement whatever the batch size
    # (a multi-row VALUES list of thousands of placeholders is slow for psycopg to prepare)
    columns = list(rows[0])
    arrays = ", ".join(f"CAST(:{c} AS {_UNNEST_TYPES.get(c, 'text')}[])" for c in columns)
    stmt = sa.text(
        f"INSERT INTO article ({', '.join(columns)}) SELECT * FROM unnest({arrays}) "
        "ON CONFLICT DO NOTHING RETURNING url_norm, id"
    )
    params = {c: [row[c] for row in rows] for c in columns}
    return [(norm, id_) for norm, id_ in conn.execute(stmt, params)]


def store_articles(
    session: Session,
    source: Source,
    items: Sequence[ArticleIn] | Iterable[ArticleIn],
    *,
    lang_hint: str | None = None,
    now: datetime | None = None,
    title_dedup_days: int = TITLE_DEDUP_DAYS,
) -> StoreResult:
    """Insert the items that are new; count the rest as duplicates. The caller commits.

    An item is a duplicate when an article with the same normalized URL exists, or one from the same
    source with the same guid, or one from the same source with the same title within
    `title_dedup_days` of it whose text is the same story (`same_story`: a recurring headline with new
    text is a new article).
    """
    assert source.id is not None
    now = now or utcnow()
    window = timedelta(days=title_dedup_days)
    prepared = []
    for item in items:
        title = clean_text(item.title)
        text = clean_text(item.text)
        url = clean_text(item.url)
        if not url or not title:
            raise ValueError("an article needs a url and a title")
        prepared.append((item, url, normalize_url(url), title, title_key(title), text))
    result = StoreResult()
    if not prepared:
        return result

    norms = {p[2] for p in prepared}
    seen_norms = set(
        session.exec(select(Article.url_norm).where(_among(session, Article.url_norm, norms))).all()
    )
    guids = {p[0].guid for p in prepared if p[0].guid}
    seen_guids: set[str | None] = set()
    if guids:
        seen_guids = set(
            session.exec(
                select(Article.guid).where(
                    Article.source_id == source.id, _among(session, Article.guid, guids)
                )
            ).all()
        )
    tkeys = {p[4] for p in prepared}
    seen_titles: dict[str, list[tuple[datetime, str]]] = {}
    for key, published, fetched, old_text in session.exec(
        select(Article.title_key, Article.published, Article.fetched, Article.text).where(
            Article.source_id == source.id, _among(session, Article.title_key, tkeys)
        )
    ).all():
        seen_titles.setdefault(key, []).append((published or fetched, old_text))  # type: ignore[arg-type]

    rows: list[dict[str, Any]] = []
    for item, url, norm, title, tkey, text in prepared:
        when = item.published or now
        if (
            norm in seen_norms
            or (item.guid and item.guid in seen_guids)
            or any(
                abs(when - t) <= window and same_story(text, old)
                for t, old in seen_titles.get(tkey, [])
            )
        ):
            result.duplicates += 1
            continue
        lang = (
            item.lang if item.lang in LANGS else detect_language(f"{title}\n{text}", hint=lang_hint)
        )
        rows.append(
            dict(
                source_id=source.id,
                url=url,
                url_norm=norm,
                guid=clean_text(item.guid) or None,
                title=title,
                title_key=tkey,
                text=text,
                summary=clean_text(item.summary) or None,
                published=item.published.astimezone(UTC) if item.published else None,
                fetched=now,
                lang=lang,
                content_hash=content_hash(title, text),
            )
        )
        seen_norms.add(norm)
        if item.guid:
            seen_guids.add(item.guid)
        seen_titles.setdefault(tkey, []).append((when, text))
    if rows:
        # one multi-row INSERT for the batch (an ORM insert per article cost more than parsing the
        # feed, bench/ingest.py); RETURNING names the rows that went in, so a row another process
        # stored between our check and our insert is told apart and counted as a duplicate
        inserted = dict(_insert_rows(session, rows))
        for row in rows:
            new_id = inserted.get(row["url_norm"])
            if new_id is None:
                result.duplicates += 1
            else:
                result.new += 1
                result.ids.append(new_id)
    index_articles(session, result.ids)  # full-text search index (newsmon/store/search_index.py)
    return result


def article_count(session: Session) -> int:
    return session.exec(select(sa.func.count()).select_from(Article)).one()
