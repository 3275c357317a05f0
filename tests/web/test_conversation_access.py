"""Who may open a conversation (consent to share), watching or taking part, and what a
finished conversation still offers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from outcomes_chat.extensions import socketio
from outcomes_chat.outcomes.models import (
    Assessment,
    AssessmentStatus,
    AuditEvent,
    ChatLink,
    ConversationTurn,
    Role,
)
from tests.conftest import login

NS = "/chat"


@pytest.fixture
def team(make_user, make_person):
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    nurse = make_user("amir")
    return make_person(lead, members=(nurse,))


def start(client, person, share: bool) -> None:
    data = {"framework": "carer", "language": "en", "consent_record": "y"}
    if share:
        data["consent_share"] = "y"
    response = client.post(f"/persons/{person.id}/conversations/new", data=data)
    assert response.headers["Location"].startswith("/conversations/"), response.headers


@pytest.fixture
def morag(client, team):
    login(client, "morag")
    return client


@pytest.fixture
def amir(app, team):
    nurse = app.test_client()
    login(nurse, "amir")
    return nurse


def conversation_started(morag, team, db, share: bool = True) -> Assessment:
    start(morag, team, share)
    return db.scalar(select(Assessment))


def connect(app, flask_client):
    return socketio.test_client(app, namespace=NS, flask_test_client=flask_client)


def join(sio, assessment, last_seq=0):
    payload = {"assessment_id": assessment.id, "last_seq": last_seq}
    return sio.emit("join", payload, namespace=NS, callback=True)


def say(sio, assessment, last_seq, client_id, **content):
    payload = {"assessment_id": assessment.id, "client_id": client_id, "last_seq": last_seq}
    return sio.emit("say", {**payload, **content}, namespace=NS, callback=True)


def turn_count(db) -> int:
    return db.scalar(select(func.count()).select_from(ConversationTurn))


# -- access follows consent to share ---------------------------------------------------------


def test_without_consent_to_share_only_the_one_who_started_it_opens_it(app, morag, amir, team, db):
    assessment = conversation_started(morag, team, db, share=False)
    assert morag.get(f"/conversations/{assessment.id}").status_code == 200
    assert amir.get(f"/conversations/{assessment.id}").status_code == 404
    assert amir.post(f"/conversations/{assessment.id}/links").status_code == 404
    assert amir.post(f"/conversations/{assessment.id}/take-part").status_code == 404
    sio = connect(app, amir)
    assert join(sio, assessment)["error"]["code"] == "forbidden"
    assert say(sio, assessment, 1, "a1", button="start")["error"]["code"] == "forbidden"
    assert turn_count(db) == 1
    assert db.scalar(select(func.count()).select_from(ChatLink)) == 0


def test_the_person_page_says_a_private_conversation_is_private_to_whoever_started_it(
    morag, amir, team, db
):
    assessment = conversation_started(morag, team, db, share=False)
    page = amir.get(f"/persons/{team.id}").get_data(as_text=True)
    assert "Private to Morag" in page
    assert f"/conversations/{assessment.id}" not in page
    own = morag.get(f"/persons/{team.id}").get_data(as_text=True)
    assert f"/conversations/{assessment.id}" in own and "Private to" not in own


def test_with_consent_to_share_the_team_opens_it(app, morag, amir, team, db):
    assessment = conversation_started(morag, team, db, share=True)
    assert amir.get(f"/conversations/{assessment.id}").status_code == 200
    assert join(connect(app, amir), assessment)["ok"] is True


# -- watching until choosing to take part ----------------------------------------------------


def test_a_team_member_who_did_not_start_it_watches_and_cannot_answer(app, morag, amir, team, db):
    assessment = conversation_started(morag, team, db)
    page = amir.get(f"/conversations/{assessment.id}").get_data(as_text=True)
    assert "You are watching" in page and "Take part" in page
    assert 'data-answering="no"' in page
    assert "Make a link to carry on at home" not in page
    watcher = connect(app, amir)
    assert join(watcher, assessment)["answering"] is False
    refused = say(watcher, assessment, 1, "w1", button="start")
    assert refused["ok"] is False and refused["error"]["code"] == "watching"
    assert "Take part" in refused["error"]["message"]
    assert turn_count(db) == 1


def test_a_watcher_sees_each_turn_live(app, morag, amir, team, db):
    assessment = conversation_started(morag, team, db)
    watcher = connect(app, amir)
    join(watcher, assessment)
    watcher.get_received(NS)
    assert say(connect(app, morag), assessment, 1, "s1", button="start")["ok"]
    turns = [e["args"][0]["seq"] for e in watcher.get_received(NS) if e["name"] == "turn"]
    assert turns == [2]


def test_the_one_who_started_it_answers_without_choosing(app, morag, team, db):
    assessment = conversation_started(morag, team, db)
    page = morag.get(f"/conversations/{assessment.id}").get_data(as_text=True)
    assert "You are watching" not in page and 'data-answering="yes"' in page
    sio = connect(app, morag)
    assert join(sio, assessment)["answering"] is True
    assert say(sio, assessment, 1, "s1", button="start")["ok"] is True


def test_taking_part_lets_a_watcher_answer_and_is_audited(app, morag, amir, team, db):
    assessment = conversation_started(morag, team, db)
    response = amir.post(f"/conversations/{assessment.id}/take-part")
    assert response.headers["Location"] == f"/conversations/{assessment.id}"
    page = amir.get(f"/conversations/{assessment.id}").get_data(as_text=True)
    assert "You are watching" not in page and 'data-answering="yes"' in page
    sio = connect(app, amir)
    assert join(sio, assessment)["answering"] is True
    ack = say(sio, assessment, 1, "t1", button="start")
    assert ack["ok"] is True and ack["turn"]["by"] == "practitioner"
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.actor_id.is_not(None)))
    assert "take_part" in list(actions)


def test_a_new_login_watches_again(app, morag, amir, team, db):
    assessment = conversation_started(morag, team, db)
    amir.post(f"/conversations/{assessment.id}/take-part")
    amir.post("/logout")
    login(amir, "amir")
    assert join(connect(app, amir), assessment)["answering"] is False


def test_a_watcher_cannot_hand_the_tablet_over(morag, amir, team, db):
    assessment = conversation_started(morag, team, db)
    response = amir.post(f"/conversations/{assessment.id}/handover", data={"pin": ""})
    assert response.headers["Location"] == f"/conversations/{assessment.id}"
    page = amir.get(f"/conversations/{assessment.id}").get_data(as_text=True)
    assert "Choose &#34;Take part&#34; first" in page
    assert amir.get("/").status_code == 200  # not locked to the conversation


# -- a finished conversation is read, not handed on -------------------------------------------


@pytest.fixture
def finished(morag, team, db) -> Assessment:
    assessment = conversation_started(morag, team, db)
    assessment.status = AssessmentStatus.FINISHED
    db.commit()
    return assessment


def test_a_finished_conversation_offers_no_hand_over_or_link(morag, finished):
    page = morag.get(f"/conversations/{finished.id}").get_data(as_text=True)
    assert "Make a link to carry on at home" not in page
    assert f"/conversations/{finished.id}/handover" not in page
    assert "This conversation has finished. It can be read" in page


def test_a_finished_conversation_refuses_a_link_with_a_message(morag, finished, db):
    response = morag.post(f"/conversations/{finished.id}/links")
    assert response.headers["Location"] == f"/conversations/{finished.id}"
    assert db.scalar(select(func.count()).select_from(ChatLink)) == 0
    page = morag.get(f"/conversations/{finished.id}").get_data(as_text=True)
    assert "not handed over or carried on" in page


def test_a_finished_conversation_refuses_a_hand_over(morag, finished):
    response = morag.post(f"/conversations/{finished.id}/handover", data={"pin": ""})
    assert response.headers["Location"] == f"/conversations/{finished.id}"
    assert morag.get("/").status_code == 200  # the tablet was not locked to it


def test_a_finished_conversation_offers_no_take_part(amir, finished):
    page = amir.get(f"/conversations/{finished.id}").get_data(as_text=True)
    assert "You are watching" in page and ">Take part<" not in page
    amir.post(f"/conversations/{finished.id}/take-part")
    assert 'data-answering="no"' in amir.get(f"/conversations/{finished.id}").get_data(as_text=True)


# -- a link opened once the conversation has finished ----------------------------------------


def test_a_link_opened_after_the_end_shows_the_whole_transcript_with_the_safety_exchange(
    app, morag, team, db
):
    assessment = conversation_started(morag, team, db)
    page = morag.post(f"/conversations/{assessment.id}/links").get_data(as_text=True)
    url = page.split('id="link-url" type="text" readonly value="')[1].split('"')[0]
    sio = connect(app, morag)
    seq = 1
    safety_reply = None
    for n, content in enumerate(
        (
            {"button": "start"},
            {"button": "yes"},
            {"text": "Some nights I think I can't go on like this"},
            {"button": "carry_on"},
            {"text": "stop"},
            {"button": "finish_now"},
            {"button": "confirm"},
        )
    ):
        ack = say(sio, assessment, seq, f"f{n}", **content)
        assert ack["ok"], ack
        seq = ack["turn"]["seq"]
        if n == 2:
            safety_reply = [m["text"] for m in ack["turn"]["reply"]["messages"]]
    assert ack["turn"]["reply"]["finished"] is True
    assert safety_reply

    home = app.test_client()
    assert home.get(url.split("localhost", 1)[1]).headers["Location"] == "/c"
    assert home.get("/c").status_code == 200
    joined = join(connect(app, home), assessment)
    assert joined["ok"] and joined["assessment"]["status"] == "finished"
    assert [t["seq"] for t in joined["turns"]] == list(range(1, seq + 1))
    shown = [m["text"] for t in joined["turns"] for m in t["reply"]["messages"]]
    said = [t["said"] for t in joined["turns"]]
    assert {"text": "Some nights I think I can't go on like this"} in said
    assert all(line in shown for line in safety_reply)
