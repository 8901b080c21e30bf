"""Statements by (period, net_fen, installer_id): HR's review of a period reads quantiles and
outliers of the incentive total in index order instead of sorting the whole month (a national
month: about 100 ms a quantile, several per page)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 02:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_period_statements_period_net_fen", "period_statements"),
    ("ix_draft_statements_period_net_fen", "draft_statements"),
)


def upgrade() -> None:
    for name, table in INDEXES:
        op.create_index(name, table, ["period", "net_fen", "installer_id"], unique=False)


def downgrade() -> None:
    for name, table in reversed(INDEXES):
        op.drop_index(name, table_name=table)
