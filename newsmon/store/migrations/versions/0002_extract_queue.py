"""extraction queue: worker leases and failures on articles

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 07:30:00
"""

import sqlalchemy as sa
from alembic import op

import newsmon.store.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column(
                "claim_expires", newsmon.store.models.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("extract_error", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("extract_failed_version", sa.String(length=120), nullable=True)
        )
        batch_op.create_index(
            "ix_article_lang_extracted", ["lang", "extracted_version"], unique=False
        )
        batch_op.create_index("ix_article_extracted_at", ["extracted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index("ix_article_extracted_at")
        batch_op.drop_index("ix_article_lang_extracted")
        batch_op.drop_column("extract_failed_version")
        batch_op.drop_column("extract_error")
        batch_op.drop_column("claim_expires")
        batch_op.drop_column("claimed_by")
