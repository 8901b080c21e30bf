"""plans, periods, frozen lines and statements, adjustments, disputes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:29:58.944357
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dispute_events',
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('dispute_id', 'step', name=op.f('pk_dispute_events'))
    )
    op.create_table('disputes',
    sa.Column('dispute_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('installer_id', sa.String(length=200), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('opened_at', sa.BigInteger(), nullable=False),
    sa.Column('respond_by', sa.BigInteger(), nullable=False),
    sa.Column('resolved_at', sa.BigInteger(), nullable=True),
    sa.Column('resolved_by', sa.Text(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('dispute_id', name=op.f('pk_disputes'))
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index('ix_disputes_installer_id', ['installer_id'], unique=False)

    op.create_table('manual_adjustments',
    sa.Column('adjustment_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('installer_id', sa.String(length=200), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('author', sa.Text(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('adjustment_id', name=op.f('pk_manual_adjustments'))
    )
    with op.batch_alter_table('manual_adjustments', schema=None) as batch_op:
        batch_op.create_index('ix_manual_adjustments_period', ['period'], unique=False)

    op.create_table('period_lines',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('line_no', sa.BigInteger(), nullable=False),
    sa.Column('installer_id', sa.String(length=200), nullable=False),
    sa.Column('rule_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.Text(), nullable=True),
    sa.Column('job_id', sa.Text(), nullable=True),
    sa.Column('corrects_period', sa.String(length=7), nullable=True),
    sa.Column('explanation_zh', sa.Text(), nullable=True),
    sa.Column('explanation_en', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('period', 'line_no', name=op.f('pk_period_lines'))
    )
    with op.batch_alter_table('period_lines', schema=None) as batch_op:
        batch_op.create_index('ix_period_lines_period_installer_id', ['period', 'installer_id'], unique=False)

    op.create_table('period_statements',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('installer_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('team_id', sa.Text(), nullable=True),
    sa.Column('team_name', sa.Text(), nullable=True),
    sa.Column('dealer_id', sa.Text(), nullable=True),
    sa.Column('employment', sa.String(length=20), nullable=True),
    sa.Column('surveys', sa.BigInteger(), nullable=False),
    sa.Column('rating_num', sa.BigInteger(), nullable=True),
    sa.Column('rating_den', sa.BigInteger(), nullable=True),
    sa.Column('rating', sa.String(length=20), nullable=True),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('bonus_fen', sa.BigInteger(), nullable=False),
    sa.Column('deduction_before_cap_fen', sa.BigInteger(), nullable=False),
    sa.Column('deduction_waived_by_cap_fen', sa.BigInteger(), nullable=False),
    sa.Column('deduction_fen', sa.BigInteger(), nullable=False),
    sa.Column('grievance_allowance_fen', sa.BigInteger(), nullable=False),
    sa.Column('prior_period_adjustment_fen', sa.BigInteger(), nullable=False),
    sa.Column('manual_adjustment_fen', sa.BigInteger(), nullable=False),
    sa.Column('net_fen', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('period', 'installer_id', name=op.f('pk_period_statements'))
    )
    op.create_table('periods',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=True),
    sa.Column('plan_version', sa.String(length=40), nullable=True),
    sa.Column('plan_checksum', sa.String(length=64), nullable=True),
    sa.Column('computed_at', sa.BigInteger(), nullable=True),
    sa.Column('closed_at', sa.BigInteger(), nullable=True),
    sa.Column('closed_by', sa.Text(), nullable=True),
    sa.Column('about', sa.Text(), nullable=True),
    sa.Column('ranking', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('period', name=op.f('pk_periods'))
    )
    op.create_table('plans',
    sa.Column('plan_id', sa.String(length=100), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('effective_from', sa.String(length=10), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('stored_at', sa.BigInteger(), nullable=False),
    sa.Column('stored_by', sa.Text(), nullable=False),
    sa.Column('activated_at', sa.BigInteger(), nullable=True),
    sa.Column('activated_by', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('plan_id', 'version', name=op.f('pk_plans'))
    )


def downgrade() -> None:
    op.drop_table('plans')
    op.drop_table('periods')
    op.drop_table('period_statements')
    with op.batch_alter_table('period_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_period_lines_period_installer_id')

    op.drop_table('period_lines')
    with op.batch_alter_table('manual_adjustments', schema=None) as batch_op:
        batch_op.drop_index('ix_manual_adjustments_period')

    op.drop_table('manual_adjustments')
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index('ix_disputes_installer_id')

    op.drop_table('disputes')
    op.drop_table('dispute_events')
