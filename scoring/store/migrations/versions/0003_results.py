"""materialised drafts, ranking rows, scheduled-run claims and leases

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 09:50:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

MONEY = (
    'bonus_fen',
    'deduction_before_cap_fen',
    'deduction_waived_by_cap_fen',
    'deduction_fen',
    'grievance_allowance_fen',
    'prior_period_adjustment_fen',
    'manual_adjustment_fen',
    'net_fen',
)


def _lines(name: str) -> None:
    op.create_table(name,
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
    sa.PrimaryKeyConstraint('period', 'line_no', name=op.f(f'pk_{name}'))
    )
    op.create_index(f'ix_{name}_period_installer_id', name, ['period', 'installer_id'])


def _statements(name: str) -> None:
    op.create_table(name,
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
    *[sa.Column(m, sa.BigInteger(), nullable=False) for m in MONEY],
    sa.PrimaryKeyConstraint('period', 'installer_id', name=op.f(f'pk_{name}'))
    )


def upgrade() -> None:
    op.create_table('drafts',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('plan_id', sa.String(length=100), nullable=True),
    sa.Column('plan_version', sa.String(length=40), nullable=True),
    sa.Column('plan_checksum', sa.String(length=64), nullable=True),
    sa.Column('computed_at', sa.BigInteger(), nullable=False),
    sa.Column('computed_by', sa.Text(), nullable=False),
    sa.Column('about', sa.Text(), nullable=True),
    sa.Column('totals', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('period', name=op.f('pk_drafts'))
    )
    _lines('draft_lines')
    _statements('draft_statements')
    op.create_index('ix_draft_statements_period_dealer_id', 'draft_statements', ['period', 'dealer_id'])
    op.create_index('ix_period_statements_period_dealer_id', 'period_statements', ['period', 'dealer_id'])
    op.create_table('ranking_rows',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('dealer_id', sa.String(length=200), nullable=True),
    sa.Column('team_id', sa.String(length=200), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('period', 'status', 'position', name=op.f('pk_ranking_rows'))
    )
    op.create_index('ix_ranking_rows_period_status_dealer_id', 'ranking_rows', ['period', 'status', 'dealer_id'])
    op.create_table('job_runs',
    sa.Column('job_id', sa.String(length=40), nullable=False),
    sa.Column('slot', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.Text(), nullable=False),
    sa.Column('started_at', sa.BigInteger(), nullable=False),
    sa.Column('finished_at', sa.BigInteger(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('job_id', 'slot', name=op.f('pk_job_runs'))
    )
    op.create_table('leases',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.Text(), nullable=True),
    sa.Column('until', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totals', sa.Text(), nullable=True))
    _closed_periods_to_rows()


def _closed_periods_to_rows() -> None:
    """Periods closed before this migration: their ranking as rows, their totals once."""
    bind = op.get_bind()
    closed = bind.execute(sa.text("SELECT period, ranking FROM periods WHERE status = 'closed'"))
    for period, ranking in closed.all():
        rows = json.loads(ranking) if ranking else []  # polars' write_json: a list of rows
        for position, data in enumerate(rows):
            bind.execute(
                sa.text(
                    "INSERT INTO ranking_rows (period, status, position, dealer_id, team_id, data)"
                    " VALUES (:p, 'closed', :pos, :d, :t, :data)"
                ),
                {'p': period, 'pos': position, 'd': data.get('dealer_id'),
                 't': data.get('team_id'), 'data': json.dumps(data, ensure_ascii=False)},
            )
        sums = ', '.join(f'COALESCE(SUM({m}), 0)' for m in MONEY)
        found = bind.execute(
            sa.text(f"SELECT COUNT(*), {sums} FROM period_statements WHERE period = :p"),
            {'p': period},
        ).one()
        totals = {'installers': int(found[0])}
        totals.update({m: int(v) for m, v in zip(MONEY, found[1:], strict=True)})
        bind.execute(
            sa.text("UPDATE periods SET totals = :t WHERE period = :p"),
            {'t': json.dumps(totals), 'p': period},
        )


def downgrade() -> None:
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.drop_column('totals')
    op.drop_table('leases')
    op.drop_table('job_runs')
    op.drop_index('ix_ranking_rows_period_status_dealer_id', table_name='ranking_rows')
    op.drop_table('ranking_rows')
    op.drop_index('ix_period_statements_period_dealer_id', table_name='period_statements')
    op.drop_index('ix_draft_statements_period_dealer_id', table_name='draft_statements')
    op.drop_table('draft_statements')
    op.drop_index('ix_draft_lines_period_installer_id', table_name='draft_lines')
    op.drop_table('draft_lines')
    op.drop_table('drafts')
