"""Statements by (period, net_fen, installer_id) and by (period, grade): HR's review of a
period reads quantiles and outliers of the incentive total in index order instead of sorting
the whole month (a national month: about 100 ms a quantile, several per page; 2 ms from the
index), and counts the statements per grade from an index instead of the table's rows

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 02:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEXES = tuple(
    (f"ix_{table}_{name}", table, columns)
    for table in ("period_statements", "draft_statements")
    for name, columns in (
        ("period_net_fen", ["period", "net_fen", "installer_id"]),
        ("period_grade", ["period", "grade"]),
    )
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
