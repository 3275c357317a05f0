"""The hand-over lock is server state: pages and events of a locked login wait for the PIN."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from outcomes_chat.extensions import socketio
from outcomes_chat.outcomes.models import Assessment, LoginSession, Role, utcnow
from tests.conftest import login

NS = "/chat"
PIN = "4821"


@pytest.fixture
def handed_over(client, make_user, make_person, db):
    """Morag started a conversation for Margaret and handed the tablet over with a PIN."""
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    person = make_person(lead)
    login(client, "morag")
    client.post(
        f"/persons/{person.id}/conversations/new",
        data={"framework": "carer", "language": "en", "consent_record": "y", "consent_share": "y"},
    )
    assessment = db.scalar(select(Assessment))
    client.post(f"/conversations/{assessment.id}/handover", data={"pin": PIN})
    return assessment


def quiet_for(db, seconds: float) -> None:
    """Move the hand-over's last activity into the past, as if nobody had touched it since."""
    login_session = db.scalar(select(LoginSession))
    login_session.handover_active_at = utcnow() - timedelta(seconds=seconds)
    db.commit()


def test_a_quiet_hand_over_locks_every_page_but_unlocking(app, client, handed_over, db):
    conversation = f"/conversations/{handed_over.id}"
    assert client.get(conversation).status_code == 200
    quiet_for(db, app.config["HANDOVER_IDLE_SECONDS"] + 1)
    for url in (conversation, "/", f"/persons/{handed_over.person_id}"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == f"{conversation}/unlock", url
    # Coming back later does not reopen it: the lock stays until the PIN is given.
    quiet_for(db, 0)
    assert client.get(conversation).headers["Location"] == f"{conversation}/unlock"
    page = client.get(f"{conversation}/unlock").get_data(as_text=True)
    assert "Hand the tablet back to your practitioner" in page
    assert "Back to the conversation" not in page
    client.post(f"{conversation}/unlock", data={"secret": PIN})
    assert client.get(conversation).status_code == 200
    assert client.get("/").status_code == 200


def test_activity_keeps_the_hand_over_open(app, client, handed_over, db):
    conversation = f"/conversations/{handed_over.id}"
    idle = app.config["HANDOVER_IDLE_SECONDS"]
    quiet_for(db, idle - 5)
    assert client.get(conversation).status_code == 200  # activity: the quiet time restarts
    login_session = db.scalar(select(LoginSession))
    db.refresh(login_session)
    assert utcnow() - login_session.handover_active_at < timedelta(seconds=5)
    assert login_session.handover_locked_at is None
    page = client.get(f"{conversation}/unlock").get_data(as_text=True)
    assert "Back to the conversation" in page  # not locked: the person may go back


def test_a_wrong_pin_leaves_it_locked(app, client, handed_over, db):
    conversation = f"/conversations/{handed_over.id}"
    quiet_for(db, app.config["HANDOVER_IDLE_SECONDS"] + 1)
    wrong = client.post(f"{conversation}/unlock", data={"secret": "0000"})
    assert "not right" in wrong.get_data(as_text=True)
    assert client.get(conversation).headers["Location"] == f"{conversation}/unlock"


def test_events_of_a_locked_hand_over_are_refused_with_locked(app, client, handed_over, db):
    sio = socketio.test_client(app, namespace=NS, flask_test_client=client)
    assert sio.is_connected(NS)
    join = {"assessment_id": handed_over.id, "last_seq": 0}
    assert sio.emit("join", join, namespace=NS, callback=True)["ok"]
    quiet_for(db, app.config["HANDOVER_IDLE_SECONDS"] + 1)
    refused = sio.emit("join", join, namespace=NS, callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "locked"
    assert "turns" not in refused
    said = sio.emit(
        "say",
        {**join, "client_id": "x1", "last_seq": 1, "button": "start"},
        namespace=NS,
        callback=True,
    )
    assert said["error"]["code"] == "locked"
    active = sio.emit("active", join, namespace=NS, callback=True)
    assert active["error"]["code"] == "locked"
    # A new connection is refused too.
    again = socketio.test_client(app, namespace=NS, flask_test_client=client)
    assert not again.is_connected(NS)


def test_the_page_can_ask_the_server_to_lock(app, client, handed_over):
    sio = socketio.test_client(app, namespace=NS, flask_test_client=client)
    join = {"assessment_id": handed_over.id, "last_seq": 0}
    assert sio.emit("lock", join, namespace=NS, callback=True) == {"ok": True}
    assert sio.emit("join", join, namespace=NS, callback=True)["error"]["code"] == "locked"
    conversation = f"/conversations/{handed_over.id}"
    assert client.get(conversation).headers["Location"] == f"{conversation}/unlock"
    client.post(f"{conversation}/unlock", data={"secret": PIN})
    assert client.get(conversation).status_code == 200


def test_only_a_hand_over_can_be_locked(app, client, make_user, make_person, db):
    make_user("amir")
    login(client, "amir")
    sio = socketio.test_client(app, namespace=NS, flask_test_client=client)
    ack = sio.emit("lock", {}, namespace=NS, callback=True)
    assert ack["error"]["code"] == "bad_request"
    assert client.get("/").status_code == 200


def test_guessing_elsewhere_on_the_network_does_not_stop_the_unlock(app, client, handed_over):
    guesser = app.test_client()
    for attempt in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        guesser.post("/login", data={"username": f"guess{attempt}", "password": "wrong one"})
    conversation = f"/conversations/{handed_over.id}"
    assert client.post(f"{conversation}/unlock", data={"secret": PIN}).status_code == 302
    assert client.get("/").status_code == 200


def test_a_stranger_typing_unlock_names_at_login_does_not_stop_the_unlock(app, client, handed_over):
    """Failed logins are counted by the username typed: none of them may count as unlocks."""
    stranger = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] + 1):
        stranger.post("/login", data={"username": "unlock:morag", "password": "wrong one"})
    conversation = f"/conversations/{handed_over.id}"
    assert client.post(f"{conversation}/unlock", data={"secret": PIN}).status_code == 302


def test_the_pin_reopens_a_locked_hand_over_for_the_person(app, client, handed_over, db):
    """The page's own lock screen: words it still holds can be saved as the person's."""
    conversation = f"/conversations/{handed_over.id}"
    quiet_for(db, app.config["HANDOVER_IDLE_SECONDS"] + 1)
    assert client.get(conversation).status_code == 302  # locked

    wrong = client.post(f"{conversation}/reopen", json={"secret": "0000"})
    assert wrong.status_code == 403 and wrong.json["error"]["code"] == "wrong_secret"
    assert client.get(conversation).status_code == 302  # still locked
    assert client.post(f"{conversation}/reopen", json={}).status_code == 403

    opened = client.post(f"{conversation}/reopen", json={"secret": PIN})
    assert opened.status_code == 200 and opened.json == {"ok": True}
    assert client.get(conversation).status_code == 200
    # Still the person's tablet: the hand-over goes on, other pages stay closed.
    assert client.get("/").headers["Location"] == conversation


def test_reopening_is_only_for_this_tablets_hand_over_and_is_rate_limited(
    app, client, handed_over, db
):
    conversation = f"/conversations/{handed_over.id}"
    quiet_for(db, app.config["HANDOVER_IDLE_SECONDS"] + 1)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        client.post(f"{conversation}/reopen", json={"secret": "0000"})
    limited = client.post(f"{conversation}/reopen", json={"secret": PIN})
    assert limited.status_code == 429
    assert client.get(conversation).status_code == 302

    other = client.post(f"/conversations/{handed_over.id + 1}/reopen", json={"secret": PIN})
    assert other.status_code in (302, 409)  # another conversation: sent back to the unlock
