"""initial store: entities, history, import batches, rejects, locks, audit

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 19:25:26.877051
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('event_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.Text(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)

    op.create_table('complaints',
    sa.Column('complaint_id', sa.String(length=200), nullable=False),
    sa.Column('job_id', sa.Text(), nullable=False),
    sa.Column('installer_id', sa.Text(), nullable=True),
    sa.Column('received_at', sa.BigInteger(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('severity', sa.String(length=40), nullable=False),
    sa.Column('responsibility', sa.String(length=40), nullable=False),
    sa.Column('resolved_at', sa.BigInteger(), nullable=True),
    sa.Column('customer_satisfied_with_resolution', sa.Boolean(), nullable=True),
    sa.Column('escalated', sa.Boolean(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('complaint_id', name=op.f('pk_complaints'))
    )
    op.create_table('dealers',
    sa.Column('dealer_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('dealer_id', name=op.f('pk_dealers'))
    )
    op.create_table('import_batches',
    sa.Column('batch_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('started_at', sa.BigInteger(), nullable=False),
    sa.Column('finished_at', sa.BigInteger(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('files', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.BigInteger(), nullable=False),
    sa.Column('replaced', sa.BigInteger(), nullable=False),
    sa.Column('unchanged', sa.BigInteger(), nullable=False),
    sa.Column('rejected', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_import_batches'))
    )
    op.create_table('installers',
    sa.Column('installer_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('team_id', sa.Text(), nullable=False),
    sa.Column('employment', sa.String(length=40), nullable=False),
    sa.Column('base_monthly_wage_fen', sa.BigInteger(), nullable=True),
    sa.Column('local_min_wage_fen', sa.BigInteger(), nullable=True),
    sa.Column('active_from', sa.String(length=10), nullable=True),
    sa.Column('active_to', sa.String(length=10), nullable=True),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('installer_id', name=op.f('pk_installers'))
    )
    op.create_table('job_installers',
    sa.Column('job_id', sa.String(length=200), nullable=False),
    sa.Column('installer_id', sa.String(length=200), nullable=False),
    sa.Column('share_num', sa.BigInteger(), nullable=False),
    sa.Column('share_den', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('job_id', 'installer_id', name=op.f('pk_job_installers'))
    )
    op.create_table('jobs',
    sa.Column('job_id', sa.String(length=200), nullable=False),
    sa.Column('installer_ids', sa.Text(), nullable=False),
    sa.Column('service_type', sa.String(length=40), nullable=False),
    sa.Column('product_category', sa.Text(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('appointment_start', sa.BigInteger(), nullable=True),
    sa.Column('appointment_end', sa.BigInteger(), nullable=True),
    sa.Column('arrived_at', sa.BigInteger(), nullable=True),
    sa.Column('completed_at', sa.BigInteger(), nullable=True),
    sa.Column('promised_days', sa.BigInteger(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_jobs'))
    )
    op.create_table('record_history',
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.String(length=200), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('replaced_by_batch_id', sa.Integer(), nullable=False),
    sa.Column('replaced_at', sa.BigInteger(), nullable=False)
    )
    with op.batch_alter_table('record_history', schema=None) as batch_op:
        batch_op.create_index('ix_record_history_entity_record_id', ['entity', 'record_id'], unique=False)

    op.create_table('rejected_problems',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.BigInteger(), nullable=True),
    sa.Column('sheet', sa.Text(), nullable=True),
    sa.Column('column_name', sa.Text(), nullable=True),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False)
    )
    with op.batch_alter_table('rejected_problems', schema=None) as batch_op:
        batch_op.create_index('ix_rejected_problems_batch_id_position', ['batch_id', 'position'], unique=False)

    op.create_table('rejected_rows',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('batch_id', 'position', 'row_number', name=op.f('pk_rejected_rows'))
    )
    op.create_table('revisits',
    sa.Column('revisit_id', sa.String(length=200), nullable=False),
    sa.Column('job_id', sa.Text(), nullable=False),
    sa.Column('revisited_at', sa.BigInteger(), nullable=False),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('issue_resolved', sa.Boolean(), nullable=True),
    sa.Column('customer_satisfied', sa.Boolean(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('revisit_id', name=op.f('pk_revisits'))
    )
    op.create_table('store_locks',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('held_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_store_locks'))
    )
    op.create_table('surveys',
    sa.Column('survey_id', sa.String(length=200), nullable=False),
    sa.Column('job_id', sa.Text(), nullable=False),
    sa.Column('surveyed_at', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=True),
    sa.Column('overall', sa.SmallInteger(), nullable=False),
    sa.Column('attitude', sa.SmallInteger(), nullable=True),
    sa.Column('punctuality', sa.SmallInteger(), nullable=True),
    sa.Column('professionalism', sa.SmallInteger(), nullable=True),
    sa.Column('cleanliness', sa.SmallInteger(), nullable=True),
    sa.Column('promise_kept', sa.Boolean(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('survey_id', name=op.f('pk_surveys'))
    )
    op.create_table('teams',
    sa.Column('team_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('dealer_id', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('region', sa.Text(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_teams'))
    )
    op.create_table('import_files',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('sheet', sa.Text(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.BigInteger(), nullable=False),
    sa.Column('accepted', sa.BigInteger(), nullable=False),
    sa.Column('replaced', sa.BigInteger(), nullable=False),
    sa.Column('unchanged', sa.BigInteger(), nullable=False),
    sa.Column('rejected', sa.BigInteger(), nullable=False),
    sa.Column('rejects_path', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.batch_id'], name=op.f('fk_import_files_batch_id_import_batches')),
    sa.PrimaryKeyConstraint('batch_id', 'position', name=op.f('pk_import_files'))
    )
    locks = sa.table("store_locks", sa.column("name", sa.String), sa.column("held_at", sa.BigInteger))
    op.bulk_insert(locks, [{"name": "import", "held_at": 0}, {"name": "period", "held_at": 0}])



def downgrade() -> None:
    op.drop_table('import_files')
    op.drop_table('teams')
    op.drop_table('surveys')
    op.drop_table('store_locks')
    op.drop_table('revisits')
    op.drop_table('rejected_rows')
    with op.batch_alter_table('rejected_problems', schema=None) as batch_op:
        batch_op.drop_index('ix_rejected_problems_batch_id_position')

    op.drop_table('rejected_problems')
    with op.batch_alter_table('record_history', schema=None) as batch_op:
        batch_op.drop_index('ix_record_history_entity_record_id')

    op.drop_table('record_history')
    op.drop_table('jobs')
    op.drop_table('job_installers')
    op.drop_table('installers')
    op.drop_table('import_batches')
    op.drop_table('dealers')
    op.drop_table('complaints')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_at')

    op.drop_table('audit_log')
