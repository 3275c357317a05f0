"""conversations, consents, turns, outcomes, links

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('framework', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('status', sa.Enum('in_progress', 'paused', 'finished', name='assessmentstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=40), nullable=False),
    sa.Column('safety_flag', sa.Boolean(), nullable=False),
    sa.Column('safety_flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_of_id', sa.Integer(), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_assessments_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_of_id'], ['assessments.id'], name=op.f('fk_assessments_review_of_id_assessments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_assessments_started_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_person_id'), ['person_id'], unique=False)

    op.create_table('chat_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('browser_key_hash', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_chat_links_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_chat_links_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_chat_links_token_hash'))
    )
    with op.batch_alter_table('chat_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_links_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('record', 'share_team', 'export', name='consentpurpose', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('given', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_consents_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_consents_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('conversation_turns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('said_text', sa.Text(), nullable=True),
    sa.Column('said_button', sa.String(length=64), nullable=True),
    sa.Column('said_label', sa.String(length=200), nullable=True),
    sa.Column('engine_turn', sa.Integer(), nullable=False),
    sa.Column('reply', sa.JSON(), nullable=False),
    sa.Column('by', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_conversation_turns_assessment_id_assessments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_turns')),
    sa.UniqueConstraint('assessment_id', 'client_id', name='uq_conversation_turns_client_id'),
    sa.UniqueConstraint('assessment_id', 'seq', name='uq_conversation_turns_seq')
    )
    op.create_table('recorded_outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('domains', sa.JSON(), nullable=False),
    sa.Column('words', sa.Text(), nullable=False),
    sa.Column('source_turn', sa.Integer(), nullable=True),
    sa.Column('rating', sa.String(length=20), nullable=True),
    sa.Column('helps', sa.Text(), nullable=True),
    sa.Column('barriers', sa.Text(), nullable=True),
    sa.Column('who_could_help', sa.Text(), nullable=True),
    sa.Column('removed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_recorded_outcomes_assessment_id_assessments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recorded_outcomes')),
    sa.UniqueConstraint('assessment_id', 'key', name='uq_recorded_outcomes_key')
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handover_assessment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('handover_pin_hash', sa.String(length=255), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_login_sessions_handover_assessment_id_assessments'), 'assessments', ['handover_assessment_id'], ['id'], ondelete='SET NULL')




def downgrade() -> None:

    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_login_sessions_handover_assessment_id_assessments'), type_='foreignkey')
        batch_op.drop_column('handover_pin_hash')
        batch_op.drop_column('handover_assessment_id')

    op.drop_table('recorded_outcomes')
    op.drop_table('conversation_turns')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_assessment_id'))

    op.drop_table('consents')
    with op.batch_alter_table('chat_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_links_assessment_id'))

    op.drop_table('chat_links')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessments_person_id'))

    op.drop_table('assessments')

