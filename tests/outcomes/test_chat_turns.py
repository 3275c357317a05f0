"""A chat turn as a unit of work: who sent it, the flags it raises, the stage it moves."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outcomes_chat.outcomes import accounts, review
from outcomes_chat.outcomes.chat_turns import NotAvailable, Speaker, apply_chat_turn
from outcomes_chat.outcomes.conversations import Said, Sender, start_conversation, take_turn
from outcomes_chat.outcomes.errors import (
    ConversationFinished,
    NotInTeam,
    WatchingOnly,
    WrongStage,
)
from outcomes_chat.outcomes.models import AuditEvent, ConsentPurpose, ConversationTurn, PlanStage


@pytest.fixture
def engine(app):
    from outcomes_chat.web.engines import engine_for

    with app.app_context():
        return engine_for("carer")


@pytest.fixture
def started(db, engine, team):
    person, lead, _nurse, _ = team
    consents = {ConsentPurpose.RECORD: True, ConsentPurpose.SHARE_TEAM: True}
    assessment = start_conversation(db, engine, person, lead, "carer", "en", consents)
    db.commit()
    return assessment


def _say(db, engine, assessment, said, sender, client_id):
    stored = take_turn(db, engine, assessment, client_id, said, assessment.last_seq, sender)
    db.commit()
    return stored.turn


def test_each_turn_records_who_sent_it(db, engine, started, team):
    lead = team[1]
    at_own_login = _say(db, engine, started, Said(button="start"), Sender(user=lead), "a")
    on_the_tablet = _say(
        db, engine, started, Said(button="yes"), Sender(user=lead, via_handover=True), "b"
    )
    assert (at_own_login.by, at_own_login.by_user_id, at_own_login.via_handover) == (
        "practitioner",
        lead.id,
        False,
    )
    # The person's words on the practitioner's tablet are theirs, through that hand-over.
    assert (on_the_tablet.by, on_the_tablet.via_handover) == ("person", True)
    actors = db.scalars(
        select(AuditEvent.actor_label).where(AuditEvent.object_type == "assessment")
    ).all()
    assert actors[-2:] == ["morag", "person:handover:morag"]
    assert db.scalar(select(AuditEvent.actor_id).order_by(AuditEvent.id.desc())) is None


def test_a_risk_heard_is_kept_as_a_flag_with_its_words_until_the_team_clears_it(
    db, engine, started, team
):
    _person, lead, nurse, outsider = team
    sender = Sender(user=lead, via_handover=True)
    _say(db, engine, started, Said(button="start"), sender, "a")
    _say(db, engine, started, Said(button="yes"), sender, "b")
    words = "Some nights I think I can't go on like this"
    _say(db, engine, started, Said(text=words), sender, "c")
    [flag] = started.flags
    assert (flag.category, flag.tier, flag.words) == ("self_harm", "immediate", words)
    assert started.safety_flag
    with pytest.raises(NotInTeam):
        review.clear_flag(db, started, flag.id, "Called her", outsider)
    review.clear_flag(db, started, flag.id, "Phoned her; GP visiting today", nurse)
    db.commit()
    assert not started.safety_flag and flag.what_was_done.startswith("Phoned") and flag.words
    with pytest.raises(WrongStage):
        review.clear_flag(db, started, flag.id, "again", nurse)


def test_a_conversation_taken_to_review_takes_no_more_answers(db, engine, started, team):
    lead = team[1]
    _say(db, engine, started, Said(button="start"), Sender(user=lead), "a")
    review.send_for_review(db, started, lead)
    db.commit()
    before = db.scalar(select(ConversationTurn.seq).order_by(ConversationTurn.seq.desc()))
    with pytest.raises(ConversationFinished):
        _say(db, engine, started, Said(button="yes"), Sender(user=lead), "b")
    assert started.stage == PlanStage.AWAITING_REVIEW and started.last_seq == before


# -- apply_chat_turn: the one entry point for a chat turn ------------------------------------


def _engines(engine):
    return lambda _framework: engine


def _apply(db, engine, speaker, assessment, client_id, said):
    return apply_chat_turn(
        db, _engines(engine), speaker, assessment.id, client_id, said, assessment.last_seq
    )


def test_a_turn_is_committed_once_per_client_id(db, engine, started, team):
    speaker = Speaker(Sender(user=team[1]))
    first = _apply(db, engine, speaker, started, "once", Said(button="start"))
    again = apply_chat_turn(
        db, _engines(engine), speaker, started.id, "once", Said(button="start"), 1
    )
    assert not first.stored.duplicate and again.stored.duplicate
    assert again.stored.turn.seq == first.stored.turn.seq == 2
    db.rollback()  # what was committed stays
    assert db.scalar(select(ConversationTurn.seq).order_by(ConversationTurn.seq.desc())) == 2


def test_who_may_send_is_checked_on_the_conversation_as_read(db, engine, started, team):
    _person, _lead, nurse, outsider = team
    with pytest.raises(NotAvailable):
        _apply(db, engine, Speaker(Sender(user=outsider)), started, "a", Said(button="start"))
    with pytest.raises(WatchingOnly):  # in the team, but did not start it or choose to answer
        _apply(db, engine, Speaker(Sender(user=nurse)), started, "b", Said(button="start"))
    elsewhere = Speaker(Sender(user=team[1], via_handover=True), locked_to=started.id + 1)
    with pytest.raises(NotAvailable):  # a tablet handed over for another conversation
        _apply(db, engine, elsewhere, started, "c", Said(button="start"))
    joined = Speaker(Sender(user=nurse), chose_to_take_part=True)
    assert _apply(db, engine, joined, started, "d", Said(button="start")).stored.turn.seq == 2


def test_a_risk_names_the_team_to_alert(db, engine, started, team):
    _person, lead, nurse, _ = team
    speaker = Speaker(Sender(user=lead, via_handover=True), locked_to=started.id)
    _apply(db, engine, speaker, started, "a", Said(button="start"))
    calm = _apply(db, engine, speaker, started, "b", Said(button="yes"))
    risky = _apply(
        db, engine, speaker, started, "c", Said(text="Some nights I think I can't go on like this")
    )
    assert calm.alert_user_ids == ()
    assert set(risky.alert_user_ids) == {lead.id, nurse.id}


def _risk_heard(db, engine, assessment, speaker):
    _apply(db, engine, speaker, assessment, "a", Said(button="start"))
    _apply(db, engine, speaker, assessment, "b", Said(button="yes"))
    return _apply(
        db, engine, speaker, assessment, "c", Said(text="Some nights I think I can't go on")
    )


def test_a_risk_in_a_private_conversation_alerts_only_whoever_started_it(db, engine, team):
    person, lead, _nurse, _ = team
    private = start_conversation(
        db, engine, person, lead, "carer", "en", {ConsentPurpose.RECORD: True}
    )
    db.commit()
    risky = _risk_heard(db, engine, private, Speaker(Sender(user=lead)))
    assert risky.stored.safety == "immediate" and risky.alert_user_ids == (lead.id,)


def test_a_deactivated_member_is_not_named_to_alert(db, engine, started, team):
    _person, lead, nurse, _ = team
    accounts.deactivate(db, nurse)
    db.commit()
    risky = _risk_heard(db, engine, started, Speaker(Sender(user=lead)))
    assert risky.alert_user_ids == (lead.id,)
