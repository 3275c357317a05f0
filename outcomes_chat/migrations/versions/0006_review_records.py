"""review records: revisions, actions, comments, sign-offs, safety flags, plan stage, turn attribution

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
import json
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('based_on', sa.Integer(), nullable=True),
    sa.Column('plan_version', sa.Integer(), nullable=False),
    sa.Column('change', sa.String(length=40), nullable=False),
    sa.Column('changed', sa.JSON(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('by_label', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_revisions_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_revisions_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions')),
    sa.UniqueConstraint('subject', 'subject_id', 'number', name='uq_revisions_subject_number')
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revisions_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('safety_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('tier', sa.String(length=20), nullable=False),
    sa.Column('words', sa.Text(), nullable=False),
    sa.Column('source_turn', sa.Integer(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cleared_by_id', sa.Integer(), nullable=True),
    sa.Column('what_was_done', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_safety_flags_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cleared_by_id'], ['users.id'], name=op.f('fk_safety_flags_cleared_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_flags'))
    )
    with op.batch_alter_table('safety_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_flags_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('sign_offs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('by_label', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('review_date', sa.Date(), nullable=False),
    sa.Column('not_covered', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_sign_offs_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_sign_offs_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_offs')),
    sa.UniqueConstraint('assessment_id', 'version', name='uq_sign_offs_assessment_version')
    )
    with op.batch_alter_table('sign_offs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_offs_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('outcome_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('who', sa.String(length=200), nullable=False),
    sa.Column('agency', sa.Enum('health', 'social_work', 'education', 'voluntary', 'other', name='agency', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'in_progress', 'done', 'dropped', name='actionstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_outcome_actions_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_outcome_actions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['outcome_id'], ['recorded_outcomes.id'], name=op.f('fk_outcome_actions_outcome_id_recorded_outcomes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_actions'))
    )
    with op.batch_alter_table('outcome_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_actions_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcome_actions_outcome_id'), ['outcome_id'], unique=False)

    op.create_table('review_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=True),
    sa.Column('plan_part', sa.String(length=40), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('by_label', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_review_comments_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_review_comments_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['outcome_id'], ['recorded_outcomes.id'], name=op.f('fk_review_comments_outcome_id_recorded_outcomes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_comments'))
    )
    with op.batch_alter_table('review_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_comments_assessment_id'), ['assessment_id'], unique=False)

    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage', sa.Enum('in_conversation', 'awaiting_review', 'agreed', name='planstage', native_enum=False, create_constraint=True, length=32), server_default='in_conversation', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('review_date', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_assessments_review_date'), ['review_date'], unique=False)

    with op.batch_alter_table('conversation_turns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('by_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('by_link_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('via_handover', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_conversation_turns_by_link_id_chat_links'), 'chat_links', ['by_link_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_conversation_turns_by_user_id_users'), 'users', ['by_user_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('recorded_outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('practitioner_view', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('person_view', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('impact', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('removed_in_review', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('raised_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_recorded_outcomes_merged_into_id_recorded_outcomes'), 'recorded_outcomes', ['merged_into_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_recorded_outcomes_raised_by_id_users'), 'users', ['raised_by_id'], ['id'], ondelete='SET NULL')

    _carry_over_what_was_recorded()


def _carry_over_what_was_recorded() -> None:
    """Finished conversations await review; each outcome gets its first revision; each risk
    heard becomes a flag, so nothing recorded before this migration is lost from view."""
    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE assessments SET stage = 'awaiting_review' WHERE status = 'finished'"
    ))
    outcomes = bind.execute(sa.text(
        "SELECT o.id, o.assessment_id, o.domains, o.words, o.source_turn, o.rating, "
        "o.rating_words, o.wish, o.helps, o.barriers, o.who_could_help, o.removed "
        "FROM recorded_outcomes o"
    )).mappings().all()
    revisions = sa.table(
        'revisions', sa.column('assessment_id'), sa.column('subject'), sa.column('subject_id'),
        sa.column('number'), sa.column('based_on'), sa.column('plan_version'),
        sa.column('change'), sa.column('changed', sa.JSON), sa.column('values', sa.JSON),
        sa.column('by_label'), sa.column('at', sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    rows = []
    for outcome in outcomes:
        values = {key: outcome[key] for key in outcome.keys() if key not in ('id', 'assessment_id')}
        if isinstance(values['domains'], str):
            values['domains'] = json.loads(values['domains'])
        values['removed'] = bool(values['removed'])
        rows.append({
            'assessment_id': outcome['assessment_id'], 'subject': 'outcome',
            'subject_id': outcome['id'], 'number': 1, 'based_on': None, 'plan_version': 1,
            'change': 'conversation', 'changed': sorted(values), 'values': values,
            'by_label': 'conversation', 'at': now,
        })
    if rows:
        op.bulk_insert(revisions, rows)
    flags = sa.table(
        'safety_flags', sa.column('assessment_id'), sa.column('category'), sa.column('tier'),
        sa.column('words'), sa.column('source_turn'), sa.column('raised_at', sa.DateTime(timezone=True)),
    )
    assessments = sa.table(
        'assessments', sa.column('id'), sa.column('state', sa.JSON),
        sa.column('safety_flag', sa.Boolean),
        sa.column('safety_flagged_at', sa.DateTime(timezone=True)),
    )
    # Typed columns: SQLite hands back a date-time as text unless told what it is.
    flagged = bind.execute(
        sa.select(assessments.c.id, assessments.c.state, assessments.c.safety_flagged_at)
        .where(assessments.c.safety_flag)
    ).mappings().all()
    rows = []
    for assessment in flagged:
        state = assessment['state']
        state = json.loads(state) if isinstance(state, str) else state or {}
        for note in state.get('safety', []):
            rows.append({
                'assessment_id': assessment['id'], 'category': note.get('category', ''),
                'tier': note.get('tier') or 'immediate', 'words': note.get('words', ''),
                'source_turn': note.get('turn', 0),
                'raised_at': _aware(assessment['safety_flagged_at']) or now,
            })
    if rows:
        op.bulk_insert(flags, rows)



def _aware(moment: datetime | None) -> datetime | None:
    """SQLite keeps no zone: the app stores UTC, so a naive value read back is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def downgrade() -> None:
    with op.batch_alter_table('recorded_outcomes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_recorded_outcomes_raised_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_recorded_outcomes_merged_into_id_recorded_outcomes'), type_='foreignkey')
        batch_op.drop_column('revision')
        batch_op.drop_column('raised_by_id')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('removed_in_review')
        batch_op.drop_column('impact')
        batch_op.drop_column('person_view')
        batch_op.drop_column('practitioner_view')
        batch_op.drop_column('note')

    with op.batch_alter_table('conversation_turns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_conversation_turns_by_user_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_conversation_turns_by_link_id_chat_links'), type_='foreignkey')
        batch_op.drop_column('via_handover')
        batch_op.drop_column('by_link_id')
        batch_op.drop_column('by_user_id')

    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessments_review_date'))
        batch_op.drop_constraint('planstage', type_='check')
        batch_op.drop_column('review_date')
        batch_op.drop_column('version')
        batch_op.drop_column('stage')

    with op.batch_alter_table('review_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_comments_assessment_id'))

    op.drop_table('review_comments')
    with op.batch_alter_table('outcome_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcome_actions_outcome_id'))
        batch_op.drop_index(batch_op.f('ix_outcome_actions_assessment_id'))

    op.drop_table('outcome_actions')
    with op.batch_alter_table('sign_offs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_offs_assessment_id'))

    op.drop_table('sign_offs')
    with op.batch_alter_table('safety_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_flags_assessment_id'))

    op.drop_table('safety_flags')
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revisions_assessment_id'))

    op.drop_table('revisions')
