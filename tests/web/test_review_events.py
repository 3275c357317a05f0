"""The /review namespace: presence, live changes, and a stale change refused with the current
value (docs/protocol.md, "Reviewing together")."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outcomes_chat.extensions import socketio
from outcomes_chat.outcomes.models import RecordedOutcome, Revision
from tests.conftest import login

NS = "/review"


@pytest.fixture(autouse=True)
def _nobody_present():
    """Presence is kept per process: start each test (each new app) with nobody there."""
    from outcomes_chat.web import review_events

    review_events._present.clear()


def reviewer(app, username):
    http = app.test_client()
    login(http, username)
    return socketio.test_client(app, namespace=NS, flask_test_client=http)


def events(sio, name):
    return [e["args"][0] for e in sio.get_received(NS) if e["name"] == name]


def change(sio, assessment, outcome, based_on, **changes):
    payload = {
        "assessment_id": assessment.id,
        "outcome_id": outcome.id,
        "based_on": based_on,
        "changes": changes,
    }
    return sio.emit("change", payload, namespace=NS, callback=True)


def test_each_reviewer_sees_who_else_has_the_page_open(app, finished):
    morag = reviewer(app, "morag")
    assert morag.emit("join", {"assessment_id": finished.id}, namespace=NS, callback=True)["ok"]
    amir = reviewer(app, "amir")
    amir.emit("join", {"assessment_id": finished.id}, namespace=NS, callback=True)
    assert events(morag, "presence")[-1]["present"] == ["Amir", "Morag"]
    amir.disconnect(namespace=NS)
    assert events(morag, "presence")[-1]["present"] == ["Morag"]


def test_two_reviewers_change_the_same_outcome_one_wins_the_other_sees_the_current_value(
    app, finished, db
):
    outcome = finished.outcomes[0]
    base = outcome.revision
    morag, amir = reviewer(app, "morag"), reviewer(app, "amir")
    for sio in (morag, amir):
        sio.emit("join", {"assessment_id": finished.id}, namespace=NS, callback=True)
    won = change(morag, finished, outcome, base, note="Needs nights covered")
    lost = change(amir, finished, outcome, base, note="Days are the problem")
    assert won == {"ok": True, "revision": base + 1}
    assert lost["ok"] is False and lost["error"]["code"] == "stale_revision"
    assert lost["error"]["revision"] == base + 1
    assert lost["error"]["current"]["note"] == "Needs nights covered"
    assert lost["error"]["current"]["words"] == outcome.words
    heard = events(amir, "changed")
    assert heard == [
        {
            "assessment_id": finished.id,
            "what": "outcome",
            "outcome_id": outcome.id,
            "by": "Morag",
            "by_id": finished.person.lead.user_id,
            "revision": base + 1,
        }
    ]
    db.expire_all()
    assert db.get(RecordedOutcome, outcome.id).note == "Needs nights covered"
    notes = db.scalars(
        select(Revision.values).where(Revision.subject_id == outcome.id).order_by(Revision.number)
    ).all()
    assert [v["note"] for v in notes][-2:] == [None, "Needs nights covered"]


def test_an_outsider_cannot_join_or_change(app, finished, db):
    olga = reviewer(app, "olga")
    joined = olga.emit("join", {"assessment_id": finished.id}, namespace=NS, callback=True)
    assert joined["error"]["code"] == "forbidden"
    outcome = finished.outcomes[0]
    refused = change(olga, finished, outcome, outcome.revision, note="x")
    assert refused["error"]["code"] == "forbidden"
    db.expire_all()
    assert db.get(RecordedOutcome, outcome.id).note is None


def test_connecting_without_logging_in_is_refused(app):
    sio = socketio.test_client(app, namespace=NS)
    assert not sio.is_connected(NS)


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "hello",
        {"assessment_id": "1", "outcome_id": 1, "based_on": 1, "changes": {"note": "x"}},
        {"outcome_id": 1, "based_on": 1, "changes": {"note": "x"}},
        {"assessment_id": 1, "outcome_id": 1, "based_on": -1, "changes": {"note": "x"}},
        {"assessment_id": 1, "outcome_id": 1, "based_on": 1, "changes": {"words": "mine now"}},
        {"assessment_id": 1, "outcome_id": 1, "based_on": 1, "changes": {}},
        {"assessment_id": 1, "outcome_id": 1, "based_on": 1, "changes": ["note"]},
    ],
)
def test_a_malformed_change_is_refused_and_changes_nothing(app, finished, db, payload):
    morag = reviewer(app, "morag")
    if isinstance(payload, dict) and "assessment_id" in payload and payload["assessment_id"] == 1:
        payload = {**payload, "assessment_id": finished.id, "outcome_id": finished.outcomes[0].id}
    before = db.scalar(select(Revision.id).order_by(Revision.id.desc()))
    ack = morag.emit("change", payload, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "bad_request"
    assert db.scalar(select(Revision.id).order_by(Revision.id.desc())) == before


def test_an_oversize_note_or_unknown_impact_is_refused(app, finished, db):
    morag = reviewer(app, "morag")
    outcome = finished.outcomes[0]
    for changes in ({"note": "x" * 4001}, {"impact": "enormous"}):
        ack = change(morag, finished, outcome, outcome.revision, **changes)
        assert ack["error"]["code"] == "bad_value"
    db.expire_all()
    assert db.get(RecordedOutcome, outcome.id).note is None
