"""SQLModel tables. Schema changes go through Alembic migrations (newsmon/store/migrations)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive, in UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _dt(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class Source(SQLModel, table=True):
    """An outlet: a feed from feeds.yaml or a source named by imported articles."""

    __tablename__ = "source"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(200), unique=True, nullable=False))
    url: str | None = Field(
        default=None, sa_type=sa.Text
    )  # the feed URL; null for import-only sources
    lang: str | None = Field(default=None, max_length=8)
    kind: str = Field(default="feed", max_length=16)  # feed | import
    region: str | None = Field(default=None, max_length=200)
    created: datetime | None = _dt()


class FeedState(SQLModel, table=True):
    """What the last fetches of one feed left: validators, health, the next attempt."""

    __tablename__ = "feed_state"
    source_id: int = Field(foreign_key="source.id", primary_key=True)
    etag: str | None = Field(default=None, sa_type=sa.Text)
    last_modified: str | None = Field(default=None, sa_type=sa.Text)
    content_hash: str | None = Field(default=None, max_length=64)
    last_attempt: datetime | None = _dt()
    last_success: datetime | None = _dt()
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    last_error_at: datetime | None = _dt()
    consecutive_failures: int = 0
    next_attempt: datetime | None = _dt()
    items_total: int = 0  # articles stored from this feed, all time
    last_items: int = 0  # entries in the last parsed body


class FetchLog(SQLModel, table=True):
    """One attempt to fetch one feed."""

    __tablename__ = "fetch_log"
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    started: datetime | None = _dt(nullable=False)
    finished: datetime | None = _dt()
    status: str = Field(max_length=32)  # ok | not_modified | unchanged | error | skipped
    http_status: int | None = None
    error: str | None = Field(default=None, sa_type=sa.Text)
    entries: int = 0
    new: int = 0
    duplicates: int = 0


class Article(SQLModel, table=True):
    """One article, stored once: unique by normalized URL, by (source, guid), by title per source and week."""

    __tablename__ = "article"
    __table_args__ = (
        sa.UniqueConstraint("source_id", "guid", name="uq_article_source_guid"),
        sa.Index("ix_article_source_title", "source_id", "title_key"),
        sa.Index("ix_article_lang_extracted", "lang", "extracted_version"),  # migration 0002
        sa.Index("ix_article_extracted_at", "extracted_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    url: str = Field(sa_type=sa.Text)
    url_norm: str = Field(sa_column=sa.Column(sa.Text, unique=True, nullable=False))
    guid: str | None = Field(default=None, sa_type=sa.Text)
    title: str = Field(sa_type=sa.Text)
    title_key: str = Field(sa_type=sa.Text)
    text: str = Field(sa_type=sa.Text)
    summary: str | None = Field(default=None, sa_type=sa.Text)
    published: datetime | None = _dt(index=True)
    fetched: datetime | None = _dt(nullable=False)
    lang: str = Field(max_length=8, index=True)
    content_hash: str = Field(max_length=64)
    extracted_version: str | None = Field(default=None, max_length=120, index=True)
    extracted_at: datetime | None = _dt()
    # extraction queue: a worker's lease on the article, and the last failure (skipped for that version)
    claimed_by: str | None = Field(default=None, max_length=120)
    claim_expires: datetime | None = _dt()
    extract_error: str | None = Field(default=None, sa_type=sa.Text)
    extract_failed_version: str | None = Field(default=None, max_length=120)


class Fact(SQLModel, table=True):
    """One fact per thing per article (CONTRACT §2); kind-specific keys in their own indexed columns."""

    __tablename__ = "fact"
    __table_args__ = (
        sa.Index("ix_fact_kind_published", "kind", "published"),
        sa.Index("ix_fact_territory", "territory_kato", "kind"),
        # migration 0003: each serves one query of newsmon/query/ (see there)
        sa.Index(  # migration 0004: with the person and the event (the tenure's groups)
            "ix_fact_akims",
            "kind",
            "territory_kato",
            "territory_name",
            "person_id",
            "person",
            "role",
            "event",
            "territory_level",
            "published",
        ),
        sa.Index("ix_fact_program_published", "program", "published", "kind", "article_id"),
        sa.Index(
            "ix_fact_amounts",
            "kind",
            "program",
            "territory_kato",
            "territory_name",
            "unit",
            "value",
            "published",
        ),
        sa.Index("ix_fact_person_published", "person", "published"),
        # migration 0004: with the kind (the units named by a programme's articles)
        sa.Index(
            "ix_fact_article_territory", "article_id", "territory_kato", "territory_name", "kind"
        ),
        sa.Index(
            "ix_fact_kind_territory_value",
            "kind",
            "territory_kato",
            "territory_name",
            "unit",
            "value",
            "published",
        ),
        sa.Index("ix_fact_territory_kind_published", "territory_kato", "kind", "published"),
    )
    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    kind: str = Field(max_length=32)
    text: str = Field(sa_type=sa.Text)
    sentence: str = Field(sa_type=sa.Text)
    start: int
    end: int
    confidence: float
    extractor: str = Field(max_length=120)
    # denormalized from the article for fast filters
    published: datetime | None = _dt()
    source_id: int | None = Field(default=None, index=True)
    lang: str | None = Field(default=None, max_length=8)
    # kind-specific keys
    person: str | None = Field(default=None, max_length=300, index=True)
    role: str | None = Field(default=None, max_length=100)
    program: str | None = Field(default=None, max_length=300, index=True)
    value: float | None = Field(default=None, index=True)
    unit: str | None = Field(default=None, max_length=16)
    raw: str | None = Field(default=None, sa_type=sa.Text)
    territory_kato: str | None = Field(default=None, max_length=12)
    territory_name: str | None = Field(default=None, max_length=300)
    territory_level: str | None = Field(default=None, max_length=32)
    territory_path: list[str] | None = Field(default=None, sa_type=sa.JSON)
    mentions: list[list[int]] | None = Field(default=None, sa_type=sa.JSON)  # [[start, end], ...]
    extra: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)  # more keys for the output
    # migration 0004: the entities the fact is about (the fact keeps its surface text) and, for akim
    # facts, what the sentence says happened (appointed | dismissed | acting | mention)
    person_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("person.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    territory_id: str | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.String(12),
            sa.ForeignKey("territory.kato", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
    )
    programme_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey("programme.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
    )
    event: str | None = Field(default=None, max_length=16)


class Territory(SQLModel, table=True):
    """A unit of the KATO classifier (imported by `newsmon gazetteer import`) or of the built-in core."""

    __tablename__ = "territory"
    kato: str = Field(primary_key=True, max_length=12)
    parent: str | None = Field(default=None, max_length=12, index=True)
    level: str = Field(max_length=32)  # region | city | district | rural_district | settlement
    name: str = Field(sa_type=sa.Text)  # normalized Russian nominative (CONTRACT §2)
    name_kk: str | None = Field(default=None, sa_type=sa.Text)
    raw: str | None = Field(default=None, sa_type=sa.Text)  # the name as the classifier writes it
    aliases: list[str] | None = Field(default=None, sa_type=sa.JSON)
    # migration 0004: `kato` rows come from `newsmon gazetteer import`; `core` rows are units of the
    # built-in core that facts point to before any import (the gazetteer reads only `kato` rows)
    source: str = Field(
        default="kato",
        sa_column=sa.Column(sa.String(8), nullable=False, server_default="kato"),
    )


class Person(SQLModel, table=True):
    """One person across articles and spellings (`newsmon.entities` decides who is who)."""

    __tablename__ = "person"
    __table_args__ = (sa.Index("ix_person_keys", "surname_key", "first_key"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.Text)  # the fullest spelling seen, Russian letters preferred
    name_kk: str | None = Field(default=None, sa_type=sa.Text)  # a spelling with Kazakh letters
    surname_key: str = Field(max_length=64)
    first_key: str | None = Field(default=None, max_length=64)
    initial: str | None = Field(default=None, max_length=4)
    aliases: list[str] | None = Field(default=None, sa_type=sa.JSON)  # every spelling seen
    created: datetime | None = _dt()


class Programme(SQLModel, table=True):
    """One programme by its canonical name, with its Russian and Kazakh names from the catalogue."""

    __tablename__ = "programme"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(300), unique=True, nullable=False))
    name_ru: str | None = Field(default=None, sa_type=sa.Text)
    name_kk: str | None = Field(default=None, sa_type=sa.Text)
    aliases: list[str] | None = Field(default=None, sa_type=sa.JSON)
    kind: str | None = Field(default=None, max_length=32)
    created: datetime | None = _dt()


class AlertDelivery(SQLModel, table=True):
    """One watchlist hit for one alert rule and channel (migration 0005): pending until its batch is sent.

    Written `pending` before the batch goes out and `sent` after, so a crash never loses a hit (it is
    sent again, at most once more) and a rerun never sends it twice. `fact_key` (article, kind and
    offsets) survives re-extraction, which gives facts new ids: a hit sent under an old id is not sent
    again under the new one.
    """

    __tablename__ = "alert_delivery"
    __table_args__ = (
        sa.UniqueConstraint("rule", "channel", "fact_id", name="uq_alert_delivery"),
        sa.Index("ix_alert_delivery_pending", "rule", "channel", "status", "fact_id"),
        sa.Index("ix_alert_delivery_key", "rule", "channel", "fact_key"),
    )
    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(max_length=200)
    channel: str = Field(max_length=32)  # email | telegram | webhook
    fact_id: int
    fact_key: str = Field(max_length=120)
    status: str = Field(default="pending", max_length=16)  # pending | sent
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created: datetime | None = _dt(nullable=False)
    sent_at: datetime | None = _dt()


# Summary tables (migration 0006), kept by the extract stage in the transaction that writes the facts
# (newsmon/store/summary.py) and rebuilt by `newsmon reindex`. Key columns hold '' for a missing value,
# so every key is a primary key; `day` is the Asia/Almaty day of the fact's article ('' when unknown).


class SummaryTerritoryDay(SQLModel, table=True):
    """Facts and distinct articles per day and kind ('*': every kind) for one scope: `all` (the whole
    store), `region` (a KATO prefix of two digits), `unit` (a territory as facts name it: code, name,
    level) or `name` (a territory without a KATO code, by name)."""

    __tablename__ = "summary_territory_day"
    scope: str = Field(primary_key=True, max_length=8)
    kind: str = Field(primary_key=True, max_length=32)
    day: str = Field(primary_key=True, max_length=10)
    kato: str = Field(primary_key=True, max_length=12)
    name: str = Field(primary_key=True, max_length=300)
    level: str = Field(primary_key=True, max_length=32)
    facts: int = 0
    articles: int = 0


class SummaryTerritory(SQLModel, table=True):
    """Every territory facts name (code, name, level), with its facts and articles of all time."""

    __tablename__ = "summary_territory"
    kato: str = Field(primary_key=True, max_length=12)
    name: str = Field(primary_key=True, max_length=300)
    level: str = Field(primary_key=True, max_length=32)
    facts: int = 0
    articles: int = 0


class SummaryProgramDay(SQLModel, table=True):
    """Per programme, day and kind (`program`, `amount`, '*': both): facts, distinct articles, the
    first and last publication time."""

    __tablename__ = "summary_program_day"
    program: str = Field(primary_key=True, max_length=300)
    kind: str = Field(primary_key=True, max_length=32)
    day: str = Field(primary_key=True, max_length=10)
    facts: int = 0
    articles: int = 0
    first: datetime | None = _dt()
    last: datetime | None = _dt()


class SummaryPersonUnit(SQLModel, table=True):
    """Per person (name as written and person row) seen as akim (any role, any event) of one unit: the akims directory's groups, with the latest
    fact as `latest` (publication time, fixed width, then the fact id in 12 digits)."""

    __tablename__ = "summary_person_unit"
    kato: str = Field(primary_key=True, max_length=12)
    name: str = Field(primary_key=True, max_length=300)
    person: str = Field(primary_key=True, max_length=300)
    role: str = Field(primary_key=True, max_length=100)
    person_id: int = Field(primary_key=True)  # the person row (migration 0004); 0: none
    event: str = Field(primary_key=True, max_length=16)
    level: str | None = Field(default=None, max_length=32)
    facts: int = 0
    articles: int = 0
    first: datetime | None = _dt()
    last: datetime | None = _dt()
    latest: str | None = Field(default=None, max_length=48)


class ArticleTerritory(SQLModel, table=True):
    """Each article's territories as filters match them: every KATO prefix of a fact's code (2, 4, 6
    digits and the code), or the name of a territory without a code (`kato` '')."""

    __tablename__ = "article_territory"
    __table_args__ = (sa.Index("ix_article_territory_article", "article_id"),)
    kato: str = Field(primary_key=True, max_length=12)
    name: str = Field(primary_key=True, max_length=300)
    article_id: int = Field(primary_key=True)
    facts: int = 0
    articles: int = 0
