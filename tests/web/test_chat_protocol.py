"""The /chat Socket.IO protocol, through Flask-SocketIO's test client."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from outcomes_chat.extensions import socketio
from outcomes_chat.outcomes.models import (
    Assessment,
    ConversationTurn,
    NotedConcern,
    RecordedOutcome,
    Role,
)
from tests.conftest import login

NS = "/chat"
_ids = itertools.count(1)


def next_id() -> str:
    return f"m{next(_ids)}"


@pytest.fixture
def team(make_user, make_person):
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    nurse = make_user("amir")
    make_user("outsider")
    return make_person(lead, members=(nurse,))


@pytest.fixture
def conversation(client, team, db):
    """A carer conversation started by the lead professional, logged in on `client`."""
    login(client, "morag")
    response = client.post(
        f"/persons/{team.id}/conversations/new",
        data={"framework": "carer", "language": "en", "consent_record": "y", "consent_share": "y"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.scalar(select(Assessment))


def connect(app, flask_client):
    return socketio.test_client(app, namespace=NS, flask_test_client=flask_client)


def say(sio, assessment, last_seq, **content):
    payload = {
        "assessment_id": assessment.id,
        "client_id": content.pop("client_id", next_id()),
        "last_seq": last_seq,
        **content,
    }
    return sio.emit("say", payload, namespace=NS, callback=True)


def turn_count(db, assessment) -> int:
    return db.scalar(
        select(func.count())
        .select_from(ConversationTurn)
        .where(ConversationTurn.assessment_id == assessment.id)
    )


def test_connection_without_login_is_refused(app, client):
    sio = connect(app, client)
    assert not sio.is_connected(NS)


def test_join_returns_the_opening_turn(app, client, conversation):
    sio = connect(app, client)
    ack = sio.emit(
        "join", {"assessment_id": conversation.id, "last_seq": 0}, namespace=NS, callback=True
    )
    assert ack["ok"]
    [first] = ack["turns"]
    assert first["seq"] == 1 and first["said"] is None
    assert first["reply"]["messages"]
    assert "state" not in first["reply"]


def test_an_answer_is_stored_before_it_is_acknowledged(app, client, conversation, db):
    sio = connect(app, client)
    sio.emit("join", {"assessment_id": conversation.id, "last_seq": 0}, namespace=NS, callback=True)
    ack = say(sio, conversation, 1, button="start")
    assert ack["ok"] and not ack["duplicate"]
    assert ack["turn"]["seq"] == 2
    assert ack["turn"]["said"]["button"] == "start"
    db.expire_all()
    stored = db.get(Assessment, conversation.id)
    assert stored.last_seq == 2 and turn_count(db, conversation) == 2


def test_a_repeated_client_id_is_applied_once(app, client, conversation, db):
    sio = connect(app, client)
    first = say(sio, conversation, 1, client_id="same-id", button="start")
    again = say(sio, conversation, 1, client_id="same-id", button="start")
    assert again["ok"] and again["duplicate"]
    assert again["turn"] == first["turn"]
    assert turn_count(db, conversation) == 2


def test_reconnecting_client_gets_what_it_missed(app, client, conversation):
    sio = connect(app, client)
    say(sio, conversation, 1, button="start")
    say(sio, conversation, 2, button="yes")
    sio.disconnect(NS)
    again = connect(app, client)
    ack = again.emit(
        "join", {"assessment_id": conversation.id, "last_seq": 1}, namespace=NS, callback=True
    )
    assert [turn["seq"] for turn in ack["turns"]] == [2, 3]


def test_words_are_kept_verbatim_and_outcomes_recorded(app, client, conversation, db):
    sio = connect(app, client)
    seq = 1
    words = "  Honestly just getting a full night's sleep. I'm shattered.  "
    for content in ({"button": "start"}, {"button": "yes"}, {"text": words}, {"button": "yes"}):
        ack = say(sio, conversation, seq, **content)
        assert ack["ok"], ack
        seq = ack["turn"]["seq"]
    stored = db.scalars(select(ConversationTurn).where(ConversationTurn.said_text.is_not(None)))
    assert [turn.said_text for turn in stored] == [words]
    outcome = db.scalar(select(RecordedOutcome))
    assert outcome is not None
    assert outcome.words == words.strip()
    assert "health_wellbeing" in outcome.domains
    source = db.scalar(
        select(ConversationTurn).where(ConversationTurn.engine_turn == outcome.source_turn)
    )
    assert source.said_text == words


def test_other_connections_to_the_conversation_see_the_turn(app, client, conversation, team):
    practitioner = connect(app, client)
    practitioner.emit(
        "join", {"assessment_id": conversation.id, "last_seq": 0}, namespace=NS, callback=True
    )
    nurse_client = app.test_client()
    login(nurse_client, "amir")
    nurse = connect(app, nurse_client)
    nurse.emit(
        "join", {"assessment_id": conversation.id, "last_seq": 0}, namespace=NS, callback=True
    )
    nurse.get_received(NS)
    say(practitioner, conversation, 1, button="start")
    received = [event for event in nurse.get_received(NS) if event["name"] == "turn"]
    assert [event["args"][0]["seq"] for event in received] == [2]


def test_outsider_cannot_join_or_say(app, conversation):
    outsider_client = app.test_client()
    login(outsider_client, "outsider")
    sio = connect(app, outsider_client)
    ack = sio.emit(
        "join", {"assessment_id": conversation.id, "last_seq": 0}, namespace=NS, callback=True
    )
    assert ack == {
        "ok": False,
        "error": {"code": "forbidden", "message": "This conversation is not available to you."},
    }
    ack = say(sio, conversation, 1, button="start")
    assert ack["error"]["code"] == "forbidden"
    assert [e["name"] for e in sio.get_received(NS)] == ["error", "error"]


def test_logging_out_ends_the_sockets_access(app, client, conversation, db):
    sio = connect(app, client)
    client.post("/logout")
    ack = say(sio, conversation, 1, button="start")
    assert ack["error"]["code"] == "unauthorised"
    assert turn_count(db, conversation) == 1


def test_an_over_long_answer_is_refused_and_changes_nothing(app, client, conversation, db):
    sio = connect(app, client)
    say(sio, conversation, 1, button="start")
    ack = say(sio, conversation, 2, text="x" * 2001)
    assert ack["error"]["code"] == "too_long"
    assert "2000" in ack["error"]["message"]
    assert turn_count(db, conversation) == 2
    assert sio.is_connected(NS)


def aimed_at(conversation, payload):
    """The payload with the placeholder assessment id 1 (an int, not True) made real."""
    placeholder = isinstance(payload, dict) and type(payload.get("assessment_id")) is int
    if placeholder and payload["assessment_id"] == 1:
        return {**payload, "assessment_id": conversation.id}
    return payload


MALFORMED = [
    None,
    "just a string",
    ["a", "list"],
    42,
    {"client_id": "a", "last_seq": 0, "text": "hi"},
    {"assessment_id": "1", "client_id": "a", "last_seq": 0, "text": "hi"},
    {"assessment_id": True, "client_id": "a", "last_seq": 0, "text": "hi"},
    {"assessment_id": -1, "client_id": "a", "last_seq": 0, "text": "hi"},
    {"assessment_id": None, "client_id": None, "last_seq": 0, "text": "hi"},
    {"assessment_id": 1, "client_id": "", "last_seq": 0, "text": "hi"},
    {"assessment_id": 1, "client_id": "x" * 65, "last_seq": 0, "text": "hi"},
    {"assessment_id": 1, "client_id": "bad id!", "last_seq": 0, "text": "hi"},
    {"assessment_id": 1, "client_id": 7, "last_seq": 0, "text": "hi"},
    {"assessment_id": 1, "client_id": "a", "last_seq": -1, "text": "hi"},
    {"assessment_id": 1, "client_id": "a", "last_seq": "0", "text": "hi"},
    {"assessment_id": 1, "client_id": "a", "last_seq": 1.5, "text": "hi"},
    {"assessment_id": 1, "client_id": "a", "last_seq": 0},
    {"assessment_id": 1, "client_id": "a", "last_seq": 0, "text": 5},
    {"assessment_id": 1, "client_id": "a", "last_seq": 0, "text": ["hi"]},
    {"assessment_id": 1, "client_id": "a", "last_seq": 0, "text": "hi", "button": "yes"},
    {"assessment_id": 1, "client_id": "a", "last_seq": 0, "button": ""},
    {"assessment_id": 1, "client_id": "a", "last_seq": 0, "button": "b" * 65},
    {"assessment_id": 1, "client_id": "a", "last_seq": 0, "button": {"value": "yes"}},
    {"assessment_id": 1, "client_id": "a", "last_seq": 0, "language": "xx"},
    # Values that once answered "busy", which a page retries for ever.
    {"assessment_id": 10**30, "client_id": "a", "last_seq": 0, "text": "hi"},
    {"assessment_id": 1, "client_id": "a", "last_seq": 10**30, "text": "hi"},
    {"assessment_id": 1, "client_id": "a", "last_seq": 0, "language": {"code": "en"}},
    {"assessment_id": 1, "client_id": "a", "last_seq": 0, "language": ["en"]},
    {"assessment_id": 1, "client_id": "a", "last_seq": 0, "text": "\ud800"},
    {"assessment_id": 1, "client_id": "a", "last_seq": 0, "button": "\udfff"},
    # One grammar for client ids, checked whole.
    {"assessment_id": 1, "client_id": "a\n", "last_seq": 0, "text": "hi"},
]


@pytest.mark.parametrize("payload", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_say_gets_an_error_event_and_changes_nothing(
    app, client, conversation, db, payload
):
    payload = aimed_at(conversation, payload)
    sio = connect(app, client)
    ack = sio.emit("say", payload, namespace=NS, callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] in {"bad_request", "forbidden"}
    assert [e["name"] for e in sio.get_received(NS)] == ["error"]
    assert turn_count(db, conversation) == 1
    assert sio.is_connected(NS)


@pytest.mark.parametrize(
    "payload",
    [None, [], {"assessment_id": "x", "last_seq": 0}, {"assessment_id": 1, "last_seq": None}],
)
def test_malformed_join_gets_an_error_event(app, client, conversation, payload):
    payload = aimed_at(conversation, payload)
    sio = connect(app, client)
    ack = sio.emit("join", payload, namespace=NS, callback=True)
    assert ack["ok"] is False
    assert sio.get_received(NS)[-1]["name"] == "error"


def test_too_many_events_are_rate_limited(app, client, conversation):
    sio = connect(app, client)
    codes = [
        sio.emit(
            "join", {"assessment_id": conversation.id, "last_seq": 0}, namespace=NS, callback=True
        )
        .get("error", {})
        .get("code")
        for _ in range(25)
    ]
    assert "rate_limited" in codes
    assert sio.is_connected(NS)


def _said_with_a_nurse_listening(app, client, conversation, text):
    """Start, consent, then say text, while another team member (Amir) is connected."""
    nurse_client = app.test_client()
    login(nurse_client, "amir")
    nurse = connect(app, nurse_client)
    sio = connect(app, client)
    say(sio, conversation, 1, button="start")
    say(sio, conversation, 2, button="yes")
    return nurse, say(sio, conversation, 3, text=text)


def test_a_safety_cue_flags_the_conversation_and_alerts_the_team(app, client, conversation, db):
    nurse, ack = _said_with_a_nurse_listening(
        app, client, conversation, "Some nights I think I can't go on like this"
    )
    assert any(e["type"] == "safety_flag" for e in ack["turn"]["reply"]["events"])
    db.expire_all()
    assert db.get(Assessment, conversation.id).safety_flag
    alerts = [e for e in nurse.get_received(NS) if e["name"] == "safety_alert"]
    assert len(alerts) == 1
    assert "can't go on" not in str(alerts[0])
    assert alerts[0]["args"][0]["tier"] == "immediate"
    assert "Please check in now" in alerts[0]["args"][0]["message"]


def test_the_team_alert_says_how_urgent_the_risk_is(app, client, conversation, db):
    nurse, _ack = _said_with_a_nurse_listening(
        app, client, conversation, "He's cleaned me out, my own son"
    )
    alert = next(e for e in nurse.get_received(NS) if e["name"] == "safety_alert")["args"][0]
    assert alert["tier"] == "safeguarding"
    assert "Please act today" in alert["message"]


def test_flagged_person_comes_first_on_the_dashboard(
    app, client, conversation, team, make_person, db
):
    make_person(db.merge(team.lead.user), case_reference="AAA-1", name="Aaron Able")
    sio = connect(app, client)
    say(sio, conversation, 1, button="start")
    say(sio, conversation, 2, button="yes")
    say(sio, conversation, 3, text="I want to end it all")
    page = client.get("/").get_data(as_text=True)
    assert page.index("Margaret Wilson") < page.index("Aaron Able")
    assert "Safety concern" in page


def test_language_change_is_a_turn(app, client, conversation, db):
    sio = connect(app, client)
    ack = say(sio, conversation, 1, language="en")
    assert ack["ok"]
    assert ack["turn"]["said"]["button"] == "language:en"


def test_stored_turns_replay_to_the_stored_state(app, client, conversation, db):
    from outcomes_chat.web.engines import engine_for

    sio = connect(app, client)
    seq = 1
    for content in (
        {"button": "start"},
        {"button": "yes"},
        {"text": "I miss my choir and I never sleep"},
        {"button": "back"},
        {"text": "Getting out to the choir on Tuesdays"},
        {"button": "yes"},
        {"button": "partly_met"},
        {"text": "why"},
        {"button": "skip"},
    ):
        ack = say(sio, conversation, seq, **content)
        assert ack["ok"], ack
        seq = ack["turn"]["seq"]
    with app.app_context():
        engine = engine_for("carer")
    turns = db.scalars(
        select(ConversationTurn)
        .where(ConversationTurn.assessment_id == conversation.id)
        .order_by(ConversationTurn.seq)
    ).all()
    db.expire_all()
    started_by = db.get(Assessment, conversation.id).started_by
    state = engine.start("en", worker=started_by.display_name).state
    for turn in turns[1:]:
        said = {"button": turn.said_button} if turn.said_button else turn.said_text
        state = engine.step(state, said).state
    db.expire_all()
    assert state == db.get(Assessment, conversation.id).state


def _rows_as_recorded(db, assessment) -> dict[str, dict]:
    db.expire_all()
    rows = db.scalars(select(RecordedOutcome).where(RecordedOutcome.assessment_id == assessment.id))
    return {
        row.key: {
            "words": row.words,
            "rating": row.rating,
            "rating_words": row.rating_words,
            "wish": row.wish,
            "helps": row.helps,
        }
        for row in rows
        if not row.removed
    }


def test_outcome_rows_mirror_the_record_after_every_turn(
    app, client, conversation, db, monkeypatch
):
    """Rows are only written on turns that change an outcome, yet always match the record."""
    from outcomes_chat.web import chat_events
    from outcomes_chat.web.engines import engine_for
    from tests.live import Player

    monkeypatch.setattr(chat_events, "RATE_LIMIT_EVENTS", 1000)  # a whole conversation at once

    with app.app_context():
        engine = engine_for("carer")
    sio = connect(app, client)
    reply = say(sio, conversation, 1, language="en")["turn"]["reply"]
    seq, player, removed, recorded = 2, Player(), False, {}
    while reply["phase"] != "finished":
        content = player.answer(reply)
        if reply["phase"] == "summary" and not removed and recorded:
            content = {"button": "remove"}  # then which one, from the buttons offered
        if reply["phase"] == "summary_pick" and not removed:
            content, removed = {"button": f"remove:{next(iter(recorded))}"}, True
        ack = say(sio, conversation, seq, **content)
        assert ack["ok"], ack
        seq, reply = ack["turn"]["seq"], ack["turn"]["reply"]
        state = db.get(Assessment, conversation.id, populate_existing=True).state
        recorded = {
            str(item["id"]): {
                "words": item["words"],
                "rating": item["rating"],
                "rating_words": item["rating_words"],
                "wish": item["wish"],
                "helps": item["helps"],
            }
            for item in engine.record(state)["outcomes"]
        }
        assert _rows_as_recorded(db, conversation) == recorded, reply["phase"]
    assert removed, "an outcome was removed at the summary"
    assert len(recorded) == len(player.told) - 1


def test_a_worry_said_without_detail_is_kept_for_the_team_even_after_back(
    app, client, conversation, db
):
    """ "yes" to "any money worries?" is a noted concern row; going back does not unsay it."""
    sio = connect(app, client)
    seq = say(sio, conversation, 1, language="en")["turn"]["seq"]
    for content in ({"button": "start"}, {"button": "yes"}, {"button": "skip"}, {"button": "skip"}):
        seq = say(sio, conversation, seq, **content)["turn"]["seq"]
    ack = say(sio, conversation, seq, button="skip")
    seq, reply = ack["turn"]["seq"], ack["turn"]["reply"]
    assert "money" in reply["messages"][-1]["text"]
    ack = say(sio, conversation, seq, text="aye, a wee bit")
    assert "concerns" not in ack["turn"]["reply"]  # the words stay off the wire
    say(sio, conversation, ack["turn"]["seq"], button="back")
    db.expire_all()
    rows = db.scalars(select(NotedConcern).where(NotedConcern.assessment_id == conversation.id))
    assert [(row.topic, row.words) for row in rows] == [("finance", "aye, a wee bit")]
    page = client.get(f"/persons/{conversation.person_id}").get_data(as_text=True)
    assert "1 worry noted" in page


def test_a_finished_conversation_takes_no_more_answers(app, client, conversation, db):
    """Finished is final for say; a resend of an answer already applied still gets its turn."""
    sio = connect(app, client)
    seq = 1
    for content in ({"button": "start"}, {"button": "yes"}, {"text": "stop"}):
        seq = say(sio, conversation, seq, **content)["turn"]["seq"]
    seq = say(sio, conversation, seq, button="finish_now")["turn"]["seq"]
    last = say(sio, conversation, seq, button="confirm", client_id="final")
    assert last["turn"]["reply"]["finished"] is True
    before = turn_count(db, conversation)

    refused = say(sio, conversation, last["turn"]["seq"], text="one more thing")
    assert refused["ok"] is False and refused["error"]["code"] == "finished"
    assert turn_count(db, conversation) == before
    resent = say(sio, conversation, seq, button="confirm", client_id="final")
    assert resent["ok"] and resent["duplicate"]


def test_an_answer_to_an_older_turn_is_refused_as_stale_with_what_was_missed(
    app, client, conversation, db
):
    """A second device's "yes", sent before it saw turn 2, must not answer turn 2's question."""
    laptop, tablet = connect(app, client), connect(app, client)
    first = say(laptop, conversation, 1, button="start", client_id="from-laptop")
    assert first["ok"] and first["turn"]["seq"] == 2

    stale = say(tablet, conversation, 1, button="start", client_id="from-tablet")
    assert stale["ok"] is False
    assert stale["error"]["code"] == "stale"
    assert stale["error"]["last_seq"] == 2 and stale["error"]["client_id"] == "from-tablet"
    assert stale["missed"] == [first["turn"]]
    assert [e["name"] for e in tablet.get_received(NS)] == ["error"]
    assert turn_count(db, conversation) == 2
    db.expire_all()
    assert db.get(Assessment, conversation.id).phase == "consent"

    # Having seen turn 2, the person answers again: applied to the question they saw.
    again = say(tablet, conversation, 2, button="yes", client_id="from-tablet-2")
    assert again["ok"] and again["turn"]["seq"] == 3 and again["missed"] == []
    # A resend of an answer already applied is still its stored turn, whatever its last_seq.
    resent = say(laptop, conversation, 1, button="start", client_id="from-laptop")
    assert resent["ok"] and resent["duplicate"] and resent["turn"] == first["turn"]
    assert turn_count(db, conversation) == 3


@pytest.mark.parametrize("blank", ["", "   ", "\n\t \u00a0"])
def test_empty_text_is_refused_and_stores_nothing(app, client, conversation, db, blank):
    sio = connect(app, client)
    say(sio, conversation, 1, button="start")
    ack = say(sio, conversation, 2, text=blank)
    assert ack["ok"] is False and ack["error"]["code"] == "empty"
    assert ack["error"]["message"] == "Please type an answer, or choose one of the buttons."
    assert turn_count(db, conversation) == 2


@pytest.mark.parametrize("value", ["confirm", "skip", "remove:1", "yes"])
def test_a_button_not_offered_is_refused_and_stores_nothing(app, client, conversation, db, value):
    """The welcome offers Start and Why, and the controls but Skip; nothing else is pressed."""
    sio = connect(app, client)
    ack = say(sio, conversation, 1, button=value)
    assert ack["ok"] is False and ack["error"]["code"] == "not_offered"
    assert turn_count(db, conversation) == 1
    offered = say(sio, conversation, 1, button="why")
    assert offered["ok"] and offered["turn"]["said"] == {
        "button": "why",
        "label": "Why are we doing this?",
    }


def test_an_unknown_event_is_answered_with_an_error(app, client, conversation, db):
    sio = connect(app, client)
    ack = sio.emit("shout", {"assessment_id": conversation.id}, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "unknown_event"
    assert [e["name"] for e in sio.get_received(NS)] == ["error"]
    assert turn_count(db, conversation) == 1


def test_join_beyond_the_latest_turn_is_refused_with_the_latest(app, client, conversation):
    sio = connect(app, client)
    ack = sio.emit(
        "join", {"assessment_id": conversation.id, "last_seq": 5}, namespace=NS, callback=True
    )
    assert ack["ok"] is False
    assert ack["error"]["code"] == "bad_request" and ack["error"]["last_seq"] == 1
    assert ack["error"]["message"].startswith("This conversation has no turn 5 yet")
    # Not joined: turns said elsewhere do not reach it.
    say(connect(app, client), conversation, 1, button="start")
    assert "turn" not in [e["name"] for e in sio.get_received(NS)]
    joined = sio.emit(
        "join", {"assessment_id": conversation.id, "last_seq": 1}, namespace=NS, callback=True
    )
    assert [turn["seq"] for turn in joined["turns"]] == [2]


def test_say_beyond_the_latest_turn_is_refused(app, client, conversation, db):
    sio = connect(app, client)
    ack = say(sio, conversation, 3, button="start")
    assert ack["ok"] is False
    assert ack["error"]["code"] == "bad_request" and ack["error"]["last_seq"] == 1
    assert turn_count(db, conversation) == 1


def test_each_turn_says_who_sent_it(app, client, conversation, db):
    """The transcript names the practitioner who typed an answer; the person's are theirs."""
    sio = connect(app, client)
    ack = say(sio, conversation, 1, button="start")
    assert ack["turn"]["who"] == {"by": "practitioner", "name": "Morag", "via": None}
    joined = sio.emit(
        "join", {"assessment_id": conversation.id, "last_seq": 0}, namespace=NS, callback=True
    )
    assert joined["turns"][0]["who"] == {"by": "system", "name": None, "via": None}
    assert joined["turns"][1]["who"]["name"] == "Morag"


@pytest.mark.parametrize(
    ("turn", "who"),
    [
        (dict(by="person", via_handover=True), {"by": "person", "name": None, "via": "handover"}),
        (dict(by="person", by_link_id=7), {"by": "person", "name": None, "via": "link"}),
    ],
)
def test_the_persons_turns_say_how_they_were_sent_and_never_name_the_practitioner(turn, who):
    from outcomes_chat.outcomes.models import ConversationTurn, User
    from outcomes_chat.web.chat_events import _who

    stored = ConversationTurn(**turn, by_user=User(display_name="Morag Campbell"))
    assert _who(stored) == who
