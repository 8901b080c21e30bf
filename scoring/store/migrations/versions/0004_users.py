"""users, their dealers, the store's own secrets, recent failed sign-ins

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-05 09:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('users',
    sa.Column('login', sa.String(length=200), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('installer_id', sa.String(length=200), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('password_changed_at', sa.BigInteger(), nullable=True),
    sa.Column('token_version', sa.Integer(), nullable=False),
    sa.Column('activation_hash', sa.Text(), nullable=True),
    sa.Column('activation_expires_at', sa.BigInteger(), nullable=True),
    sa.Column('activated_at', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=False),
    sa.Column('changed_at', sa.BigInteger(), nullable=False),
    sa.Column('changed_by', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('login', name=op.f('pk_users'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('uq_users_installer_id', ['installer_id'], unique=True)

    op.create_table('user_dealers',
    sa.Column('login', sa.String(length=200), nullable=False),
    sa.Column('dealer_id', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['login'], ['users.login'], name=op.f('fk_user_dealers_login_users')),
    sa.PrimaryKeyConstraint('login', 'dealer_id', name=op.f('pk_user_dealers'))
    )
    op.create_table('store_secrets',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_store_secrets'))
    )
    op.create_table('signin_failures',
    sa.Column('failure_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('login', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('failure_id', name=op.f('pk_signin_failures'))
    )
    with op.batch_alter_table('signin_failures', schema=None) as batch_op:
        batch_op.create_index('ix_signin_failures_address_at', ['address', 'at'], unique=False)
        batch_op.create_index('ix_signin_failures_at', ['at'], unique=False)
        batch_op.create_index('ix_signin_failures_login_at', ['login', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('signin_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_signin_failures_login_at')
        batch_op.drop_index('ix_signin_failures_at')
        batch_op.drop_index('ix_signin_failures_address_at')

    op.drop_table('signin_failures')
    op.drop_table('store_secrets')
    op.drop_table('user_dealers')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('uq_users_installer_id')

    op.drop_table('users')
