"""plan_proposals: a plan version proposed by one user, approved or rejected by another

Revision ID: 0006_plans
Revises: 0005
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_plans"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_proposals",
        sa.Column("proposal_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("effective_from", sa.String(length=10), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("proposed_at", sa.BigInteger(), nullable=False),
        sa.Column("proposed_by", sa.Text(), nullable=False),
        sa.Column("base_label", sa.Text(), nullable=True),
        sa.Column("base_checksum", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("proposal_id", name=op.f("pk_plan_proposals")),
    )
    with op.batch_alter_table("plan_proposals", schema=None) as batch_op:
        batch_op.create_index("ix_plan_proposals_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_proposals_status")
    op.drop_table("plan_proposals")
