"""Starting a conversation, hand-over mode and links for home, through the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from outcomes_chat.extensions import socketio
from outcomes_chat.outcomes.models import (
    Assessment,
    ChatLink,
    Consent,
    ConsentPurpose,
    ConversationTurn,
    Role,
    utcnow,
)
from tests.conftest import PASSWORD, login

NS = "/chat"


@pytest.fixture
def team(make_user, make_person):
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    make_user("amir")
    make_user("outsider")
    return make_person(lead)


def start(client, person, **overrides):
    data = {
        "framework": "carer",
        "language": "en",
        "consent_record": "y",
        "consent_share": "y",
        "consent_export": "",
    }
    data.update(overrides)
    return client.post(f"/persons/{person.id}/conversations/new", data=data)


@pytest.fixture
def conversation(client, team, db):
    login(client, "morag")
    assert start(client, team).status_code == 302
    return db.scalar(select(Assessment))


def test_starting_records_consent_per_purpose_with_who_and_when(client, team, db):
    login(client, "morag")
    response = start(client, team)
    assessment = db.scalar(select(Assessment))
    assert response.headers["Location"] == f"/conversations/{assessment.id}"
    consents = {c.purpose: (c.given, c.recorded_by.username) for c in db.scalars(select(Consent))}
    assert consents == {
        ConsentPurpose.RECORD: (True, "morag"),
        ConsentPurpose.SHARE_TEAM: (True, "morag"),
        ConsentPurpose.EXPORT: (False, "morag"),
    }
    assert all(c.recorded_at for c in db.scalars(select(Consent)))


def test_no_consent_to_record_means_no_conversation(client, team, db):
    login(client, "morag")
    response = start(client, team, consent_record="")
    assert response.status_code == 200
    assert "only be saved when the person agrees" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Assessment)) == 0


def test_bad_framework_is_refused(client, team, db):
    login(client, "morag")
    assert "Not a valid choice" in start(client, team, framework="x").get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Assessment)) == 0


def test_only_the_team_can_start_or_open_a_conversation(app, conversation, team):
    outsider = app.test_client()
    login(outsider, "outsider")
    assert start(outsider, team).status_code == 404
    assert outsider.get(f"/conversations/{conversation.id}").status_code == 404


def test_chat_page_renders_text_safely_and_without_inline_script(client, conversation):
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert 'id="transcript"' in page
    assert "<script>" not in page
    assert 'src="/static/vendor/socket.io/socket.io.min.js"' in page


def test_person_page_lists_conversations_to_resume(client, conversation, team):
    page = client.get(f"/persons/{team.id}").get_data(as_text=True)
    assert f"/conversations/{conversation.id}" in page
    assert "In progress" in page


def test_handover_locks_the_tablet_to_the_conversation(client, conversation, team):
    client.post(f"/conversations/{conversation.id}/handover", data={"pin": ""})
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert "Practitioner: unlock" in page
    assert "My persons" not in page  # no way out but the unlock page
    for url in ("/", f"/persons/{team.id}", "/admin/users"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/conversations/{conversation.id}"
    assert client.post("/logout").headers["Location"] == f"/conversations/{conversation.id}"


def test_unlock_needs_the_password(client, conversation):
    client.post(f"/conversations/{conversation.id}/handover", data={"pin": ""})
    wrong = client.post(f"/conversations/{conversation.id}/unlock", data={"secret": "guess"})
    assert "not right" in wrong.get_data(as_text=True)
    assert client.get("/").status_code == 302
    right = client.post(f"/conversations/{conversation.id}/unlock", data={"secret": PASSWORD})
    assert right.status_code == 302
    assert client.get("/").status_code == 200


def test_unlock_with_the_pin_set_at_handover(client, conversation):
    client.post(f"/conversations/{conversation.id}/handover", data={"pin": "4821"})
    client.post(f"/conversations/{conversation.id}/unlock", data={"secret": "4821"})
    assert client.get("/").status_code == 200


def test_a_bad_pin_is_refused_and_nothing_locks(client, conversation):
    client.post(f"/conversations/{conversation.id}/handover", data={"pin": "12ab"})
    assert client.get("/").status_code == 200


def test_a_bad_pin_is_refused_beside_the_pin_box_which_opens_the_page(client, conversation):
    import re

    refused = client.post(f"/conversations/{conversation.id}/handover", data={"pin": "12ab"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    box = re.search(r'<div class="field has-error">\s*<label for="pin".*?</div>', html, re.S)
    assert box and "Use 4 to 8 digits." in box.group(0)
    pin = re.search(r"<input[^>]*id=\"pin\"[^>]*>", box.group(0)).group(0)
    assert 'aria-invalid="true"' in pin and 'aria-describedby="pin-error"' in pin
    assert "autofocus" in pin and "12ab" not in pin


def test_unlock_guesses_are_rate_limited(app, client, conversation):
    client.post(f"/conversations/{conversation.id}/handover", data={"pin": "4821"})
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        client.post(f"/conversations/{conversation.id}/unlock", data={"secret": "0000"})
    response = client.post(f"/conversations/{conversation.id}/unlock", data={"secret": "4821"})
    assert response.status_code == 429


def test_handover_turns_are_recorded_as_the_persons(app, client, conversation, db):
    client.post(f"/conversations/{conversation.id}/handover", data={"pin": ""})
    sio = socketio.test_client(app, namespace=NS, flask_test_client=client)
    ack = sio.emit(
        "say",
        {"assessment_id": conversation.id, "client_id": "h1", "last_seq": 1, "button": "start"},
        namespace=NS,
        callback=True,
    )
    assert ack["ok"] and ack["turn"]["by"] == "person"


def _issue_link(client, conversation) -> str:
    page = client.post(f"/conversations/{conversation.id}/links").get_data(as_text=True)
    return page.split('id="link-url" type="text" readonly value="')[1].split('"')[0]


def test_a_link_opens_the_conversation_once_and_only_it(app, client, conversation, team, db):
    url = _issue_link(client, conversation)
    path = url.split("localhost", 1)[1]
    home = app.test_client()
    response = home.get(path)
    assert response.headers["Location"] == "/c"
    page = home.get("/c").get_data(as_text=True)
    assert 'data-mode="link"' in page and "My persons" not in page
    assert home.get("/").status_code == 302  # nothing else of the service
    assert home.get(f"/persons/{team.id}").status_code == 302
    # Single use: a second browser with the same link is turned away.
    assert app.test_client().get(path).status_code == 410
    link = db.scalar(select(ChatLink))
    assert link.token_hash not in url and link.opened_at is not None


def test_the_link_browser_can_talk_only_in_its_conversation(app, client, conversation, team, db):
    other = Assessment(
        person_id=team.id,
        framework="carer",
        language="en",
        status=conversation.status,
        state={},
        phase="welcome",
    )
    db.add(other)
    db.commit()
    url = _issue_link(client, conversation)
    home = app.test_client()
    home.get(url.split("localhost", 1)[1])
    sio = socketio.test_client(app, namespace=NS, flask_test_client=home)
    assert sio.is_connected(NS)
    ack = sio.emit(
        "say",
        {"assessment_id": conversation.id, "client_id": "l1", "last_seq": 1, "button": "start"},
        namespace=NS,
        callback=True,
    )
    assert ack["ok"] and ack["turn"]["by"] == "person"
    ack = sio.emit("join", {"assessment_id": other.id, "last_seq": 0}, namespace=NS, callback=True)
    assert ack["error"]["code"] == "forbidden"


def test_a_revoked_link_stops_working_even_after_opening(app, client, conversation, db):
    url = _issue_link(client, conversation)
    home = app.test_client()
    home.get(url.split("localhost", 1)[1])
    link = db.scalar(select(ChatLink))
    client.post(f"/conversations/{conversation.id}/links/{link.id}/revoke")
    assert home.get("/c").status_code == 410
    sio = socketio.test_client(app, namespace=NS, flask_test_client=home)
    assert not sio.is_connected(NS)


def test_an_expired_link_does_not_open(app, client, conversation, db):
    url = _issue_link(client, conversation)
    link = db.scalar(select(ChatLink))
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    assert app.test_client().get(url.split("localhost", 1)[1]).status_code == 410


def test_links_expire_after_seven_days_by_default(client, conversation, db):
    _issue_link(client, conversation)
    link = db.scalar(select(ChatLink))
    lifetime = link.expires_at - link.created_at
    assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7)


def test_unknown_link_is_refused(app):
    assert app.test_client().get("/c/not-a-real-token").status_code == 410


def test_pause_and_resume_from_any_device(app, client, conversation, db):
    sio = socketio.test_client(app, namespace=NS, flask_test_client=client)
    sio.emit(
        "say",
        {"assessment_id": conversation.id, "client_id": "p1", "last_seq": 1, "button": "start"},
        namespace=NS,
        callback=True,
    )
    ack = sio.emit(
        "say",
        {"assessment_id": conversation.id, "client_id": "p2", "last_seq": 2, "button": "pause"},
        namespace=NS,
        callback=True,
    )
    assert ack["turn"]["reply"]["phase"] == "paused"
    db.expire_all()
    assert db.get(Assessment, conversation.id).status.value == "paused"
    laptop = app.test_client()
    login(laptop, "morag")
    other = socketio.test_client(app, namespace=NS, flask_test_client=laptop)
    joined = other.emit(
        "join", {"assessment_id": conversation.id, "last_seq": 0}, namespace=NS, callback=True
    )
    assert [t["seq"] for t in joined["turns"]] == [1, 2, 3]
    ack = other.emit(
        "say",
        {"assessment_id": conversation.id, "client_id": "p3", "last_seq": 3, "button": "resume"},
        namespace=NS,
        callback=True,
    )
    assert ack["ok"] and ack["turn"]["reply"]["phase"] != "paused"
    assert db.scalar(select(func.count()).select_from(ConversationTurn)) == 4


def _say_start(app, client, conversation):
    sio = socketio.test_client(app, namespace=NS, flask_test_client=client)
    return sio.emit(
        "say",
        {"assessment_id": conversation.id, "client_id": "c1", "last_seq": 1, "button": "start"},
        namespace=NS,
        callback=True,
    )


def _said(ack) -> str:
    return " ".join(m["text"] for m in ack["turn"]["reply"]["messages"])


def test_with_consent_to_share_the_person_is_told_the_team_sees_their_words(
    app, client, conversation
):
    said = _said(_say_start(app, client, conversation))
    assert "shared with the people in your support team" in said
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert "Your support team can see them." in page
    assert "No copy goes in your case file." in page


def test_without_consent_to_share_the_person_is_told_only_the_worker_sees_them(
    app, client, team, db
):
    login(client, "morag")
    start(client, team, consent_share="", consent_export="y")
    conversation = db.scalar(select(Assessment))
    said = _said(_say_start(app, client, conversation))
    assert "Only the worker who is helping you will see it" in said
    assert "support team" not in said.replace("the rest of your support team", "")
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert "Only Morag can see them." in page
    assert "Your support team can see them." not in page
    assert "A copy will go in your case file." in page


def test_each_consent_checkbox_is_inside_its_label_as_one_touch_target(client, team):
    import re

    login(client, "morag")
    html = client.get(f"/persons/{team.id}/conversations/new").get_data(as_text=True)
    for name in ("consent_record", "consent_share", "consent_export"):
        label = re.search(rf'<label class="check" for="{name}">(.*?)</label>', html, re.S)
        assert label and f'id="{name}"' in label.group(1), name
    assert "They agree that it is shared with the team around them" in label.group(0) or re.search(
        r'<label class="check" for="consent_share">.*?shared with the team.*?</label>', html, re.S
    )
