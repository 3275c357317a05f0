"""What an open socket goes on hearing once access ends: nothing.

Rooms are joined when a socket connects or joins; who may hear a conversation, a review or a
safety alert is decided again each time something is sent (a member taken off the team, a
deactivated account, a login ended, a link revoked), and a conversation the person kept
private to whoever started it sends its alerts to them alone.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from outcomes_chat.extensions import socketio
from outcomes_chat.outcomes import accounts
from outcomes_chat.outcomes.models import Assessment, ChatLink, Role, TeamMember, User
from tests.conftest import login
from tests.web.test_review_events import change

CHAT, REVIEW = "/chat", "/review"
_ids = itertools.count(1)
RISK = "Some nights I think I can't go on like this"


@pytest.fixture(autouse=True)
def _nobody_present():
    from outcomes_chat.web import review_events

    review_events._present.clear()


@pytest.fixture
def team(make_user, make_person):
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    nurse = make_user("amir")
    return make_person(lead, members=(nurse,))


def logged_in(app, username):
    http = app.test_client()
    login(http, username)
    return http


def start(http, person, share: bool, db) -> Assessment:
    data = {"framework": "carer", "language": "en", "consent_record": "y"}
    if share:
        data["consent_share"] = "y"
    response = http.post(f"/persons/{person.id}/conversations/new", data=data)
    assessment_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return db.get(Assessment, assessment_id)


def connect(app, http, namespace=CHAT):
    sio = socketio.test_client(app, namespace=namespace, flask_test_client=http)
    assert sio.is_connected(namespace)
    return sio


def join(sio, assessment):
    ack = sio.emit(
        "join", {"assessment_id": assessment.id, "last_seq": 0}, namespace=CHAT, callback=True
    )
    assert ack["ok"], ack
    return ack


def say(sio, assessment, last_seq, **content):
    payload = {"assessment_id": assessment.id, "client_id": f"s{next(_ids)}", "last_seq": last_seq}
    ack = sio.emit("say", {**payload, **content}, namespace=CHAT, callback=True)
    assert ack["ok"], ack
    return ack


def heard(sio, name, namespace=CHAT):
    return [e["args"][0] for e in sio.get_received(namespace) if e["name"] == name]


def remove_from_team(morag_http, person, user_id, db) -> None:
    member = db.scalar(
        select(TeamMember).where(TeamMember.person_id == person.id, TeamMember.user_id == user_id)
    )
    response = morag_http.post(f"/persons/{person.id}/team/{member.id}/remove")
    assert response.status_code == 302
    db.expire_all()
    assert all(m.user_id != user_id for m in db.get(type(person), person.id).team)


def deactivate(db, username) -> None:
    user = db.scalar(select(User).where(User.username == username))
    accounts.deactivate(db, user)
    db.commit()


@pytest.fixture
def watched(app, team, db):
    """A shared conversation Morag is answering, with Amir watching it on an open socket."""
    morag_http = logged_in(app, "morag")
    assessment = start(morag_http, team, share=True, db=db)
    morag = connect(app, morag_http)
    join(morag, assessment)
    amir_http = logged_in(app, "amir")
    amir = connect(app, amir_http)
    join(amir, assessment)
    say(morag, assessment, 1, button="start")
    assert [t["seq"] for t in heard(amir, "turn")] == [2]  # he hears it while in the team
    return assessment, morag_http, morag, amir_http, amir


def _lose_access(how, app, team, db, morag_http, amir_http):
    if how == "removed":
        remove_from_team(
            morag_http, team, db.scalar(select(User.id).where(User.username == "amir")), db
        )
    elif how == "deactivated":
        deactivate(db, "amir")
    else:
        assert amir_http.post("/logout").status_code == 302


@pytest.mark.parametrize("how", ["removed", "deactivated", "logged_out"])
def test_a_socket_hears_no_more_turns_or_alerts_once_its_access_ends(app, team, db, watched, how):
    assessment, morag_http, morag, amir_http, amir = watched
    _lose_access(how, app, team, db, morag_http, amir_http)
    say(morag, assessment, 2, button="yes")
    say(morag, assessment, 3, text=RISK)
    received = amir.get_received(CHAT)
    assert [e["name"] for e in received] == []
    assert "can't go on" not in str(received)


def test_a_revoked_link_hears_no_more_turns(app, team, db):
    morag_http = logged_in(app, "morag")
    assessment = start(morag_http, team, share=True, db=db)
    page = morag_http.post(f"/conversations/{assessment.id}/links").get_data(as_text=True)
    url = page.split('id="link-url" type="text" readonly value="')[1].split('"')[0]
    home_http = app.test_client()
    home_http.get(url.split("localhost", 1)[1])
    home = connect(app, home_http)
    join(home, assessment)
    morag = connect(app, morag_http)
    say(morag, assessment, 1, button="start")
    assert [t["seq"] for t in heard(home, "turn")] == [2]
    link = db.scalar(select(ChatLink))
    morag_http.post(f"/conversations/{assessment.id}/links/{link.id}/revoke")
    say(morag, assessment, 2, button="yes")
    say(morag, assessment, 3, text="Getting a full night's sleep.")
    assert heard(home, "turn") == []


def test_an_alert_from_a_private_conversation_goes_only_to_whoever_started_it(app, team, db):
    morag_http = logged_in(app, "morag")
    assessment = start(morag_http, team, share=False, db=db)
    elsewhere = connect(app, morag_http)  # Morag's dashboard, open in another tab
    amir = connect(app, logged_in(app, "amir"))
    morag = connect(app, morag_http)
    say(morag, assessment, 1, button="start")
    say(morag, assessment, 2, button="yes")
    say(morag, assessment, 3, text=RISK)
    assert heard(amir, "safety_alert") == []
    [alert] = heard(elsewhere, "safety_alert")
    assert alert["assessment_id"] == assessment.id and alert["tier"] == "immediate"


def test_a_shared_conversation_still_alerts_every_member_connected(app, team, db, watched):
    assessment, _morag_http, morag, _amir_http, amir = watched
    say(morag, assessment, 2, button="yes")
    say(morag, assessment, 3, text=RISK)
    assert [a["tier"] for a in heard(amir, "safety_alert")] == ["immediate"]


# -- the review page ---------------------------------------------------------------------------


@pytest.fixture
def reviewing(app, finished, db):
    """Morag and Amir both have the review page of a finished, shared plan open."""
    morag_http, amir_http = logged_in(app, "morag"), logged_in(app, "amir")
    morag, amir = connect(app, morag_http, REVIEW), connect(app, amir_http, REVIEW)
    for sio in (morag, amir):
        ack = sio.emit("join", {"assessment_id": finished.id}, namespace=REVIEW, callback=True)
        assert ack["ok"], ack
    amir.get_received(REVIEW)
    return morag_http, morag, amir_http, amir


@pytest.mark.parametrize("how", ["removed", "deactivated", "logged_out"])
def test_a_review_socket_hears_no_more_changes_once_its_access_ends(
    app, finished, people, db, reviewing, how
):
    morag_http, morag, amir_http, amir = reviewing
    _lose_access(how, app, people[0], db, morag_http, amir_http)
    outcome = finished.outcomes[0]
    assert change(morag, finished, outcome, outcome.revision, note="Nights")["ok"]
    morag_http.post(f"/assessments/{finished.id}/review/comments", data={"text": "Seen"})
    morag.disconnect(namespace=REVIEW)  # presence changes too
    assert amir.get_received(REVIEW) == []


def test_a_review_socket_still_hears_changes_while_in_the_team(app, finished, db, reviewing):
    _morag_http, morag, _amir_http, amir = reviewing
    outcome = finished.outcomes[0]
    assert change(morag, finished, outcome, outcome.revision, note="Nights")["ok"]
    assert [c["outcome_id"] for c in heard(amir, "changed", REVIEW)] == [outcome.id]


# -- pages: a private conversation's flag and worries ------------------------------------------


def test_a_private_conversations_safety_concern_shows_only_to_whoever_started_it(
    app, team, db, make_user
):
    make_user("admin", role=Role.ADMIN)
    morag_http = logged_in(app, "morag")
    assessment = start(morag_http, team, share=False, db=db)
    morag = connect(app, morag_http)
    say(morag, assessment, 1, button="start")
    say(morag, assessment, 2, button="yes")
    say(morag, assessment, 3, text=RISK)
    db.expire_all()
    assert db.get(Assessment, assessment.id).safety_flag
    for username in ("amir", "admin"):
        http = logged_in(app, username)
        for page in ("/", f"/persons/{team.id}"):
            text = http.get(page).get_data(as_text=True)
            assert "Safety concern" not in text, (username, page)
            assert "worry noted" not in text and "worries noted" not in text
    assert "Safety concern" in morag_http.get("/").get_data(as_text=True)
    assert "Safety concern" in morag_http.get(f"/persons/{team.id}").get_data(as_text=True)


def test_a_shared_conversations_safety_concern_shows_to_the_team_and_admins(
    app, team, db, make_user
):
    make_user("admin", role=Role.ADMIN)
    morag_http = logged_in(app, "morag")
    assessment = start(morag_http, team, share=True, db=db)
    morag = connect(app, morag_http)
    say(morag, assessment, 1, button="start")
    say(morag, assessment, 2, button="yes")
    say(morag, assessment, 3, text=RISK)
    amir_http = logged_in(app, "amir")
    assert "Safety concern" in amir_http.get(f"/persons/{team.id}").get_data(as_text=True)
    assert "Safety concern" in amir_http.get("/").get_data(as_text=True)
    assert "Safety concern" in logged_in(app, "admin").get("/").get_data(as_text=True)
