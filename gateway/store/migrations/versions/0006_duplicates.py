"""Duplicates: a possible earlier report of the same problem, and finding a reporter's
own complaints

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

``possible_duplicate_of`` holds the id of an earlier complaint of the same category
nearby (or with near-identical text in the same region) for an operator to look at; it
is never merged automatically; the place is kept in columns so nearby reports are found
with a bounding box. The indexes serve "has this reporter sent this before?" and "what
came in recently in this category or region?".
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
        batch.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch.add_column(sa.Column("lon", sa.Float(), nullable=True))
        batch.create_index("ix_complaints_reporter", ["channel", "reply_to"])
        batch.create_index("ix_complaints_category_received", ["category_code", "received_at"])
        batch.create_index("ix_complaints_region_received", ["region_code", "received_at"])
    complaints = sa.table(
        "complaints",
        sa.column("id", sa.String),
        sa.column("document", sa.JSON),
        sa.column("lat", sa.Float),
        sa.column("lon", sa.Float),
    )
    conn = op.get_bind()
    for row in conn.execute(sa.select(complaints.c.id, complaints.c.document)).all():
        location = (row.document or {}).get("location") or {}
        if location.get("lat") is not None and location.get("lon") is not None:
            conn.execute(
                complaints.update()
                .where(complaints.c.id == row.id)
                .values(lat=location["lat"], lon=location["lon"])
            )


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_index("ix_complaints_region_received")
        batch.drop_index("ix_complaints_category_received")
        batch.drop_index("ix_complaints_reporter")
        batch.drop_column("lon")
        batch.drop_column("lat")
        batch.drop_column("possible_duplicate_of")
