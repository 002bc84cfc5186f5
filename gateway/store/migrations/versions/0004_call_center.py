"""Call center: call records, operators, and how to reach a caller

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Every call the gateway takes (API, import, operator console) is a call record, unique on
its call id, holding the transcript, the draft and why it may need review. Operators
log in to the console. A complaint may be answered on another channel than it came by
(a phone call is followed up by SMS), and can be found by the reporter's phone.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", WHEN, nullable=True),
        sa.Column("last_login_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_operators"),
        sa.UniqueConstraint("username", name="uq_operators_username"),
    )
    op.create_table(
        "call_records",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("call_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("tracking_code", sa.String(12), nullable=False),
        sa.Column("caller", sa.String(40), nullable=True),
        sa.Column("agent_id", sa.String(100), nullable=True),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("complaint_id", sa.String(64), nullable=True),
        sa.Column("reviewed_by", sa.String(80), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_call_records"),
        sa.UniqueConstraint("call_id", name="uq_call_records_call_id"),
        sa.UniqueConstraint("tracking_code", name="uq_call_records_tracking_code"),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name="fk_call_records_complaint_id_complaints"
        ),
    )
    op.create_index("ix_call_records_status", "call_records", ["status"])
    op.create_index("ix_call_records_caller", "call_records", ["caller"])
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("reply_channel", sa.String(20), nullable=True))
        batch.add_column(sa.Column("reporter_phone", sa.String(40), nullable=True))
        batch.create_index("ix_complaints_reporter_phone", ["reporter_phone"])
    complaints = sa.table(
        "complaints",
        sa.column("id", sa.String),
        sa.column("document", sa.JSON),
        sa.column("reporter_phone", sa.String),
    )
    conn = op.get_bind()
    for row in conn.execute(sa.select(complaints.c.id, complaints.c.document)):
        phone = ((row.document or {}).get("reporter") or {}).get("phone")
        if phone:
            conn.execute(
                complaints.update().where(complaints.c.id == row.id).values(reporter_phone=phone)
            )


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_index("ix_complaints_reporter_phone")
        batch.drop_column("reporter_phone")
        batch.drop_column("reply_channel")
    op.drop_table("call_records")
    op.drop_table("operators")
