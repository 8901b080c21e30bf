"""The ranking of a result by team: the dealer's team page reads one team's row per month

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


def upgrade() -> None:
    op.create_index(
        "ix_ranking_rows_period_status_team_id",
        "ranking_rows",
        ["period", "status", "team_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_ranking_rows_period_status_team_id", table_name="ranking_rows")
