"""summary tables (per territory and day, per territory, per programme and day, per person and unit) and each
article's territories, kept by the extract stage; filled here from the stored facts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 15:00:00

newsmon/store/summary.py keeps them in step with the facts; `newsmon reindex` rebuilds them.
"""

import sqlalchemy as sa
from alembic import op

import newsmon.store.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _counts() -> list[sa.Column[int]]:
    return [
        sa.Column("facts", sa.Integer(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
    ]


def _times() -> list[sa.Column[object]]:
    return [
        sa.Column("first", newsmon.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last", newsmon.store.models.UTCDateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "summary_territory_day",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("kato", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        *_counts(),
        sa.PrimaryKeyConstraint("scope", "kind", "day", "kato", "name", "level"),
    )
    op.create_table(
        "summary_territory",
        sa.Column("kato", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        *_counts(),
        sa.PrimaryKeyConstraint("kato", "name", "level"),
    )
    op.create_table(
        "summary_program_day",
        sa.Column("program", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        *_counts(),
        *_times(),
        sa.PrimaryKeyConstraint("program", "kind", "day"),
    )
    op.create_table(
        "summary_person_unit",
        sa.Column("kato", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("person", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=True),
        *_counts(),
        *_times(),
        sa.Column("latest", sa.String(length=48), nullable=True),
        sa.PrimaryKeyConstraint("kato", "name", "person", "role", "person_id", "event"),
    )
    op.create_table(
        "article_territory",
        sa.Column("kato", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        *_counts(),
        sa.PrimaryKeyConstraint("kato", "name", "article_id"),
    )
    op.create_index("ix_article_territory_article", "article_territory", ["article_id"])
    from newsmon.store.summary import rebuild  # the facts stored so far

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_article_territory_article", table_name="article_territory")
    for table in (
        "article_territory",
        "summary_person_unit",
        "summary_program_day",
        "summary_territory",
        "summary_territory_day",
    ):
        op.drop_table(table)
