"""rating words and wishes on recorded outcomes; noted concerns

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recorded_outcomes') as batch:
        batch.add_column(sa.Column('rating_words', sa.Text(), nullable=True))
        batch.add_column(sa.Column('wish', sa.Text(), nullable=True))
    op.create_table('noted_concerns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('words', sa.Text(), nullable=False),
    sa.Column('source_turn', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_noted_concerns_assessment_id_assessments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_noted_concerns'))
    )
    with op.batch_alter_table('noted_concerns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_noted_concerns_assessment_id'), ['assessment_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('noted_concerns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_noted_concerns_assessment_id'))
    op.drop_table('noted_concerns')
    with op.batch_alter_table('recorded_outcomes') as batch:
        batch.drop_column('wish')
        batch.drop_column('rating_words')
