"""A closed period's lines also as compressed column blocks, written at close: the payroll
export of a closed national month read its 2.35M lines row by row in about 1.6 s of its 5;
from the blocks it takes about a third of that. Periods closed before keep being read from
their rows (nothing is back-filled: a frozen period is never rewritten).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "frozen_line_blocks",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("block_no", sa.Integer(), nullable=False),
        sa.Column("first_line", sa.BigInteger(), nullable=False),
        sa.Column("line_count", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("period", "block_no", name=op.f("pk_frozen_line_blocks")),
    )


def downgrade() -> None:
    op.drop_table("frozen_line_blocks")
