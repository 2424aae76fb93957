"""search index (lemmas beside each article, FTS5 or tsvector) and indexes for fact queries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 08:30:00

article_search holds each article's title and text as normalized words (newsmon/store/search_index.py fills it),
with copies of the article's source, time and language for filters.
SQLite: an external-content FTS5 table over it, kept in step by triggers. PostgreSQL: a generated
tsvector column (title weighted A, text B) with a GIN index.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQLITE = [
    # the article's filter columns come first, before the long texts, so filters never read past them
    "CREATE TABLE article_search (article_id INTEGER PRIMARY KEY, source_id INTEGER, published DATETIME, "
    "lang VARCHAR(8), title TEXT NOT NULL, body TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE article_fts USING fts5(title, body, content='article_search', "
    "content_rowid='article_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER article_search_ai AFTER INSERT ON article_search BEGIN "
    "INSERT INTO article_fts(rowid, title, body) VALUES (new.article_id, new.title, new.body); END",
    "CREATE TRIGGER article_search_ad AFTER DELETE ON article_search BEGIN "
    "INSERT INTO article_fts(article_fts, rowid, title, body) VALUES ('delete', old.article_id, old.title, old.body); END",
    "CREATE TRIGGER article_search_au AFTER UPDATE ON article_search BEGIN "
    "INSERT INTO article_fts(article_fts, rowid, title, body) VALUES ('delete', old.article_id, old.title, old.body); "
    "INSERT INTO article_fts(rowid, title, body) VALUES (new.article_id, new.title, new.body); END",
]
POSTGRES = [
    "CREATE TABLE article_search (article_id INTEGER PRIMARY KEY REFERENCES article(id) ON DELETE CASCADE, "
    "source_id INTEGER, published TIMESTAMP WITH TIME ZONE, lang VARCHAR(8), title TEXT NOT NULL, body TEXT NOT NULL, "
    "tsv tsvector GENERATED ALWAYS AS (setweight(to_tsvector('simple', title), 'A') || "
    "setweight(to_tsvector('simple', body), 'B')) STORED)",
    "CREATE INDEX ix_article_search_tsv ON article_search USING gin (tsv)",
]
# fact queries: (name, columns); each serves one query of newsmon/query/
FACT_INDEXES = [
    # akims directory: kind='akim' grouped by unit and person in index order, covering every aggregate
    (
        "ix_fact_akims",
        [
            "kind",
            "territory_kato",
            "territory_name",
            "person",
            "role",
            "territory_level",
            "published",
        ],
    ),
    # programme mentions (by programme and day, covering kind and article) and amounts by programme and unit
    ("ix_fact_program_published", ["program", "published", "kind", "article_id"]),
    (
        "ix_fact_amounts",
        ["kind", "program", "territory_kato", "territory_name", "unit", "value", "published"],
    ),
    # facts of a person, by day
    ("ix_fact_person_published", ["person", "published"]),
    # «articles with a fact in this unit» (search --territory, programme mentions in a unit)
    ("ix_fact_article_territory", ["article_id", "territory_kato", "territory_name"]),
    # amounts (or any kind) in a unit by currency and value
    (
        "ix_fact_kind_territory_value",
        ["kind", "territory_kato", "territory_name", "unit", "value", "published"],
    ),
    # facts by kind and day within a unit
    ("ix_fact_territory_kind_published", ["territory_kato", "kind", "published"]),
]


def upgrade() -> None:
    bind = op.get_bind()
    for stmt in POSTGRES if bind.dialect.name == "postgresql" else SQLITE:
        op.execute(sa.text(stmt))
    for name, cols in FACT_INDEXES:
        op.create_index(name, "fact", cols, unique=False)


def downgrade() -> None:
    for name, _cols in FACT_INDEXES:
        op.drop_index(name, table_name="fact")
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("article_search_ai", "article_search_ad", "article_search_au"):
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS {trigger}"))
        op.execute(sa.text("DROP TABLE IF EXISTS article_fts"))
    op.execute(sa.text("DROP TABLE IF EXISTS article_search"))
