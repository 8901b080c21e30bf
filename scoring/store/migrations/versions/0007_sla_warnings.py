"""sla_warnings: the scheduler's daily service-level warnings per check, record and team

Revision ID: 0007
Revises: 0006_plans
Create Date: 2026-12-05 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_warnings",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("check_id", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("job_id", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.String(length=200), nullable=True),
        sa.Column("dealer_id", sa.String(length=200), nullable=True),
        sa.Column("due_date", sa.String(length=10), nullable=True),
        sa.Column("done_at", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("day", "position", name=op.f("pk_sla_warnings")),
    )
    with op.batch_alter_table("sla_warnings", schema=None) as batch_op:
        batch_op.create_index("ix_sla_warnings_day_dealer_id", ["day", "dealer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sla_warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_warnings_day_dealer_id")
    op.drop_table("sla_warnings")
