"""hand-over lock as server state: when the hand-over was last active, and when it locked

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa



revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('login_sessions') as batch:
        batch.add_column(sa.Column('handover_active_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('handover_locked_at', sa.DateTime(timezone=True), nullable=True))
    # A tablet handed over before this change counts its quiet time from the login's last use.
    op.execute(
        "UPDATE login_sessions SET handover_active_at = last_seen_at "
        "WHERE handover_assessment_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table('login_sessions') as batch:
        batch.drop_column('handover_locked_at')
        batch.drop_column('handover_active_at')
