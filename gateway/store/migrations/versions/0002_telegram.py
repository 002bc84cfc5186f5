"""Telegram: blocked contacts, stored media, channel state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Conversations remember when a citizen blocked the bot; outbound messages keep their
buttons (options); media_files holds attachments
the gateway fetched and serves at an unguessable URL; channel_state keeps small
per-channel values such as the Telegram polling offset.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbound_messages") as batch:
        batch.add_column(sa.Column("options", sa.JSON(), nullable=True))
    op.create_table(
        "media_files",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_media_files")),
    )
    op.create_table(
        "channel_state",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_channel_state")),
    )


def downgrade() -> None:
    op.drop_table("channel_state")
    op.drop_table("media_files")
    with op.batch_alter_table("outbound_messages") as batch:
        batch.drop_column("options")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("blocked_at")
