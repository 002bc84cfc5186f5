"""Complaint updates: what the reporter says after filing

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

A follow-up detail, feedback when the central system asks for it (satisfied / not
satisfied / free text) or a request to reopen a closed complaint, one row each, with
the message it came in and whether it reached the central system (``delivery``:
pending, delivered, or kept for operators when the target takes no updates).
"""

import sqlalchemy as sa
from alembic import op

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a real bigint.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint_updates",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("complaint_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("rating", sa.String(length=20), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("source_message", sa.String(length=200), nullable=True),
        sa.Column("delivery", sa.String(length=20), nullable=False),
        sa.Column("central_update_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("delivered_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_updates_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_updates")),
    )
    op.create_index("ix_complaint_updates_complaint_id", "complaint_updates", ["complaint_id"])


def downgrade() -> None:
    op.drop_index("ix_complaint_updates_complaint_id", table_name="complaint_updates")
    op.drop_table("complaint_updates")
