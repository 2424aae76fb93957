"""entities: person and programme rows, core units in territory, facts pointing to them, akim events

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 14:00:00

`person` and `programme` get integer ids; `territory` keeps the KATO code as its id and gains
`source` (kato: imported by `newsmon gazetteer import`; core: a unit of the built-in core a fact
points to before any import). `fact` gains nullable foreign keys to the three (SET NULL when the
entity goes) and `event` (akim facts: appointed, dismissed, acting, mention). Facts stored before
this revision are linked by `newsmon extract --link` (or `newsmon extract --all`).
"""

import sqlalchemy as sa
from alembic import op

import newsmon.store.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_kk", sa.Text(), nullable=True),
        sa.Column("surname_key", sa.String(length=64), nullable=False),
        sa.Column("first_key", sa.String(length=64), nullable=True),
        sa.Column("initial", sa.String(length=4), nullable=True),
        sa.Column("aliases", sa.JSON(), nullable=True),
        sa.Column("created", newsmon.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_keys", "person", ["surname_key", "first_key"], unique=False)
    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_ru", sa.Text(), nullable=True),
        sa.Column("name_kk", sa.Text(), nullable=True),
        sa.Column("aliases", sa.JSON(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("created", newsmon.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("territory", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=8), nullable=False, server_default="kato")
        )
    with op.batch_alter_table("fact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("territory_id", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("event", sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(
            "fk_fact_person_id", "person", ["person_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            "fk_fact_territory_id", "territory", ["territory_id"], ["kato"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            "fk_fact_programme_id", "programme", ["programme_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_fact_person_id", ["person_id"], unique=False)
        batch_op.create_index("ix_fact_territory_id", ["territory_id"], unique=False)
        batch_op.create_index("ix_fact_programme_id", ["programme_id"], unique=False)
    # the akims directory groups by unit, person, spelling, role and event in one covering pass
    op.drop_index("ix_fact_akims", table_name="fact")
    op.create_index("ix_fact_akims", "fact", AKIMS_INDEX, unique=False)
    # a programme's units: the territory facts of its articles, found and checked in the index
    op.drop_index("ix_fact_article_territory", table_name="fact")
    op.create_index("ix_fact_article_territory", "fact", ARTICLE_UNITS_INDEX, unique=False)


AKIMS_INDEX = [
    "kind",
    "territory_kato",
    "territory_name",
    "person_id",
    "person",
    "role",
    "event",
    "territory_level",
    "published",
]
ARTICLE_UNITS_INDEX = ["article_id", "territory_kato", "territory_name", "kind"]
OLD_ARTICLE_UNITS_INDEX = ["article_id", "territory_kato", "territory_name"]
OLD_AKIMS_INDEX = [
    "kind",
    "territory_kato",
    "territory_name",
    "person",
    "role",
    "territory_level",
    "published",
]


def downgrade() -> None:
    op.drop_index("ix_fact_article_territory", table_name="fact")
    op.create_index("ix_fact_article_territory", "fact", OLD_ARTICLE_UNITS_INDEX, unique=False)
    op.drop_index("ix_fact_akims", table_name="fact")
    op.create_index("ix_fact_akims", "fact", OLD_AKIMS_INDEX, unique=False)
    with op.batch_alter_table("fact", schema=None) as batch_op:
        batch_op.drop_index("ix_fact_programme_id")
        batch_op.drop_index("ix_fact_territory_id")
        batch_op.drop_index("ix_fact_person_id")
        batch_op.drop_constraint("fk_fact_programme_id", type_="foreignkey")
        batch_op.drop_constraint("fk_fact_territory_id", type_="foreignkey")
        batch_op.drop_constraint("fk_fact_person_id", type_="foreignkey")
        batch_op.drop_column("event")
        batch_op.drop_column("programme_id")
        batch_op.drop_column("territory_id")
        batch_op.drop_column("person_id")
    with op.batch_alter_table("territory", schema=None) as batch_op:
        batch_op.drop_column("source")
    op.drop_table("programme")
    op.drop_index("ix_person_keys", table_name="person")
    op.drop_table("person")
