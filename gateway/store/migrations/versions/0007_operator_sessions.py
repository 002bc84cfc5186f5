"""Operator sessions that can be ended from the server

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

Console sessions are signed cookies; a session carries its operator's
``session_version``, and logging out or changing the password moves the version on, so
every copy of an earlier cookie stops working at once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("session_version")
