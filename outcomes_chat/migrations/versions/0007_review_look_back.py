"""review conversations look back on agreed outcomes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recorded_outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('previous_rating', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('update', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('achieved', sa.String(length=20), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_recorded_outcomes_review_of_id_recorded_outcomes'), 'recorded_outcomes', ['review_of_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('recorded_outcomes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_recorded_outcomes_review_of_id_recorded_outcomes'), type_='foreignkey')
        batch_op.drop_column('achieved')
        batch_op.drop_column('update')
        batch_op.drop_column('previous_rating')
        batch_op.drop_column('review_of_id')

