"""a sign-off keeps the safety flags still open when it was made

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sign-offs made before this were not asked about open flags: none is recorded for them.
    with op.batch_alter_table('sign_offs', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('open_flags', sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table('sign_offs', schema=None) as batch_op:
        batch_op.drop_column('open_flags')
