"""Status events from the central system

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

A timeline entry may carry the key of the central system's event, unique, so a pushed
(or pulled) change is recorded once however often it arrives; a closed complaint keeps
its resolution.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint_events") as batch:
        batch.add_column(sa.Column("event_key", sa.String(length=200), nullable=True))
        batch.create_unique_constraint("uq_complaint_events_event_key", ["event_key"])
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("resolution", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("resolution")
    with op.batch_alter_table("complaint_events") as batch:
        batch.drop_constraint("uq_complaint_events_event_key", type_="unique")
        batch.drop_column("event_key")
