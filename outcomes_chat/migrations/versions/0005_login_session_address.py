"""the address a login came from, so the per-address login limit spares known accounts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('login_sessions') as batch:
        batch.add_column(sa.Column('address', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('login_sessions') as batch:
        batch.drop_column('address')
