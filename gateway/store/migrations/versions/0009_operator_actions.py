"""Operator actions: who did what on the console, for the timelines

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

One row per operator action (a reply to a citizen, a closed conversation, a chat draft
made a complaint, a call logged, a review-queue decision, a delivery retried), with the
operator's name and the complaint, call draft or conversation it touched. Plain ids, no
foreign keys: a call draft's complaint comes later, and a conversation is reset in place.
"""

import sqlalchemy as sa
from alembic import op

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operator_actions",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("operator", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("complaint_id", sa.String(length=64), nullable=True),
        sa.Column("call_record_id", BIG_ID, nullable=True),
        sa.Column("conversation_id", BIG_ID, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_actions")),
    )
    for column in ("complaint_id", "call_record_id", "conversation_id"):
        op.create_index(f"ix_operator_actions_{column}", "operator_actions", [column])


def downgrade() -> None:
    for column in ("complaint_id", "call_record_id", "conversation_id"):
        op.drop_index(f"ix_operator_actions_{column}", table_name="operator_actions")
    op.drop_table("operator_actions")
