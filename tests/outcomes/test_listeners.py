"""Who may hear a conversation live, decided at the time something is sent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outcomes_chat.outcomes import accounts, links
from outcomes_chat.outcomes.listeners import LoginLimits, listeners
from outcomes_chat.outcomes.models import (
    Assessment,
    AssessmentStatus,
    Consent,
    ConsentPurpose,
    utcnow,
)
from outcomes_chat.outcomes.persons import remove_member

LIMITS = LoginLimits(
    idle=timedelta(minutes=30), max_age=timedelta(hours=8), handover_idle=timedelta(minutes=10)
)


def _conversation(db, person, lead, share: bool) -> Assessment:
    assessment = Assessment(
        person=person,
        framework="carer",
        language="en",
        status=AssessmentStatus.IN_PROGRESS,
        state={},
        phase="welcome",
        started_by=lead,
    )
    assessment.consents.append(Consent(purpose=ConsentPurpose.SHARE_TEAM, given=share))
    db.add(assessment)
    db.commit()
    return assessment


@pytest.fixture
def shared(db, team):
    person, lead, _nurse, _ = team
    return _conversation(db, person, lead, share=True)


def _logins(db, assessment):
    return {login.user.username for login in listeners(db, assessment, LIMITS).logins}


def test_open_logins_of_the_team_hear_a_shared_conversation(db, team, shared):
    _person, lead, nurse, outsider = team
    for user in (lead, nurse, outsider):
        accounts.start_session(db, user)
    db.commit()
    assert _logins(db, shared) == {"morag", "amir"}


def test_a_private_conversation_is_heard_by_whoever_started_it(db, team):
    person, lead, nurse, _ = team
    private = _conversation(db, person, lead, share=False)
    accounts.start_session(db, lead)
    accounts.start_session(db, nurse)
    db.commit()
    assert _logins(db, private) == {"morag"}


def test_no_one_whose_access_ended_hears(db, team, shared):
    person, lead, nurse, outsider = team
    ended, idle, old = (accounts.start_session(db, user) for user in (lead, lead, lead))
    accounts.start_session(db, nurse)
    accounts.start_session(db, outsider)
    db.commit()
    accounts.end_session(db, ended.id)
    idle.last_seen_at = utcnow() - timedelta(minutes=31)
    old.created_at = utcnow() - timedelta(hours=9)
    remove_member(db, person, next(m for m in person.team if m.user_id == nurse.id))
    accounts.deactivate(db, outsider)  # was never in the team either
    db.commit()
    assert _logins(db, shared) == set()
    kept = accounts.start_session(db, lead)
    db.commit()
    assert [login.id for login in listeners(db, shared, LIMITS).logins] == [kept.id]


def test_hand_overs_hear_only_their_own_conversation_while_unlocked(db, team, shared):
    person, lead, _nurse, _ = team
    other = _conversation(db, person, lead, share=True)
    here, elsewhere, locked = (accounts.start_session(db, lead) for _ in range(3))
    accounts.start_handover(here, shared.id, None)
    accounts.start_handover(elsewhere, other.id, None)
    accounts.start_handover(locked, shared.id, None)
    accounts.lock_handover(locked)
    db.commit()
    heard = listeners(db, shared, LIMITS)
    assert heard.logins == () and [login.id for login in heard.handovers] == [here.id]


def test_only_opened_valid_links_hear(db, team, shared):
    _person, lead, _nurse, _ = team
    opened, revoked, expired, _unopened = (links.issue_link(db, shared, lead) for _ in range(4))
    for issued in (opened, revoked, expired):
        links.open_link(db, issued.token)
    links.revoke_link(db, revoked.link)
    expired.link.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    assert listeners(db, shared, LIMITS).link_ids == (opened.link.id,)
    assert listeners(db, shared, LIMITS, with_links=False).link_ids == ()
