"""alert deliveries: one row per (rule, channel, fact), pending until its batch is sent

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 14:00:00

No foreign key to `fact`: re-extraction deletes and re-inserts facts, and a delivery record must
neither block that nor vanish with it (`fact_key` keeps a sent hit from being sent again).
"""

import sqlalchemy as sa
from alembic import op

import newsmon.store.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("fact_id", sa.Integer(), nullable=False),
        sa.Column("fact_key", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created", newsmon.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", newsmon.store.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule", "channel", "fact_id", name="uq_alert_delivery"),
    )
    op.create_index(
        "ix_alert_delivery_pending",
        "alert_delivery",
        ["rule", "channel", "status", "fact_id"],
        unique=False,
    )
    op.create_index(
        "ix_alert_delivery_key", "alert_delivery", ["rule", "channel", "fact_key"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_alert_delivery_key", table_name="alert_delivery")
    op.drop_index("ix_alert_delivery_pending", table_name="alert_delivery")
    op.drop_table("alert_delivery")
