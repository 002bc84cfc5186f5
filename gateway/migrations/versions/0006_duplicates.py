"""Duplicates: a possible earlier report of the same problem, and finding a reporter's
own complaints

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

``possible_duplicate_of`` holds the id of an earlier complaint of the same category
nearby (or with near-identical text in the same region) for an operator to look at; it
is never merged automatically. The index serves "has this reporter sent this before?".
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("possible_duplicate_of", sa.String(64), nullable=True))
        batch.create_index("ix_complaints_reporter", ["channel", "reply_to"])


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_index("ix_complaints_reporter")
        batch.drop_column("possible_duplicate_of")
