"""Monitoring: what the monev dashboard groups and times complaints by

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

Columns copied out of the complaint document and its timeline so the dashboard can
filter and group in SQL: the category and region codes, the agency the central system
gave the complaint to, and when it was first forwarded, followed up, left awaiting the
reporter's feedback, and closed. Existing rows are filled from their documents and
timelines.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)
FIRST = {
    "forwarded_at": ("dispositioned", "in_progress", "awaiting_feedback", "closed"),
    "followed_up_at": ("in_progress", "awaiting_feedback", "closed"),
    "awaiting_feedback_at": ("awaiting_feedback",),
    "closed_at": ("closed",),
}


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("category_code", sa.String(50), nullable=True))
        batch.add_column(sa.Column("region_code", sa.String(20), nullable=True))
        batch.add_column(sa.Column("region_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("agency", sa.String(200), nullable=True))
        for column in FIRST:
            batch.add_column(sa.Column(column, WHEN, nullable=True))
        batch.create_index("ix_complaints_received_at", ["received_at"])
    complaints = sa.table(
        "complaints",
        sa.column("id", sa.String),
        sa.column("document", sa.JSON),
        *(sa.column(c) for c in ("category_code", "region_code", "region_name", *FIRST)),
    )
    events = sa.table(
        "complaint_events",
        sa.column("complaint_id", sa.String),
        sa.column("status", sa.String),
        sa.column("created_at", WHEN),
    )
    conn = op.get_bind()
    for row in conn.execute(sa.select(complaints.c.id, complaints.c.document)).all():
        doc = row.document or {}
        location = doc.get("location") or {}
        values = {
            "category_code": (doc.get("category") or {}).get("code"),
            "region_code": location.get("region_code"),
            "region_name": location.get("region_name"),
        }
        timeline = conn.execute(
            sa.select(events.c.status, events.c.created_at)
            .where(events.c.complaint_id == row.id)
            .order_by(events.c.created_at)
        ).all()
        for column, statuses in FIRST.items():
            values[column] = next((e.created_at for e in timeline if e.status in statuses), None)
        conn.execute(complaints.update().where(complaints.c.id == row.id).values(**values))


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_index("ix_complaints_received_at")
        for column in (
            "category_code",
            "region_code",
            "region_name",
            "agency",
            *FIRST,
        ):
            batch.drop_column(column)
