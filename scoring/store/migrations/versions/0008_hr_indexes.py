"""Indexes for HR's pages: the disputes queue by status and deadline, the audit log by action
and by actor (newest first), users by role, an accepted dispute's adjustment

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_disputes_status_respond_by", "disputes", ["status", "respond_by"]),
    ("ix_audit_log_action_event_id", "audit_log", ["action", "event_id"]),
    ("ix_audit_log_actor_event_id", "audit_log", ["actor", "event_id"]),
    ("ix_users_role_login", "users", ["role", "login"]),
    ("ix_manual_adjustments_dispute_id", "manual_adjustments", ["dispute_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
