"""Two reviewers on real sockets change the same outcome at the same moment: one wins, the
other is told with the current value, and the revisions hold exactly the winner's change."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import socketio
from sqlalchemy import create_engine, text

from outcomes_chat.config import normalise_database_url

from . import cookie_header, hold_whole_conversation, login, person_id
from .conftest import Database, ServerFactory

NAMESPACE = "/review"


def _reviewer(url: str, username: str) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    cookie = cookie_header(login(url, username))
    client.connect(
        url, headers={"Cookie": cookie}, namespaces=[NAMESPACE], transports=["websocket"]
    )
    return client


def _outcome(database_url: str, assessment_id: int) -> tuple[int, int]:
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT id, revision FROM recorded_outcomes WHERE assessment_id = :id "
                    "ORDER BY id LIMIT 1"
                ),
                {"id": assessment_id},
            ).one()
            return int(row[0]), int(row[1])
    finally:
        engine.dispose()


def _notes(database_url: str, outcome_id: int) -> list[Any]:
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT number, \"values\" FROM revisions WHERE subject = 'outcome' "
                    "AND subject_id = :id ORDER BY number"
                ),
                {"id": outcome_id},
            ).all()
    finally:
        engine.dispose()
    return [(n, (v if isinstance(v, dict) else json.loads(v))["note"]) for n, v in rows]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_reviewers_saving_the_same_outcome_at_once(
    request: pytest.FixtureRequest, make_server: ServerFactory, backend: str
) -> None:
    database: Database = request.getfixturevalue(f"fresh_{backend}")
    server = make_server(database)
    assessment_id = hold_whole_conversation(server.url, person_id(database.url))
    outcome_id, base = _outcome(database.url, assessment_id)
    clients = {name: _reviewer(server.url, name) for name in ("morag", "amir")}
    acks: dict[str, dict[str, Any]] = {}
    start = threading.Barrier(2)

    def save(name: str) -> None:
        client = clients[name]
        client.call("join", {"assessment_id": assessment_id}, namespace=NAMESPACE)
        start.wait()
        acks[name] = client.call(
            "change",
            {
                "assessment_id": assessment_id,
                "outcome_id": outcome_id,
                "based_on": base,
                "changes": {"note": f"{name}'s note"},
            },
            namespace=NAMESPACE,
            timeout=30,
        )

    try:
        threads = [threading.Thread(target=save, args=(name,)) for name in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        for client in clients.values():
            client.disconnect()

    won = [name for name, ack in acks.items() if ack["ok"]]
    lost = [ack for ack in acks.values() if not ack["ok"]]
    assert len(won) == 1 and len(lost) == 1, acks
    assert lost[0]["error"]["code"] == "stale_revision"
    assert lost[0]["error"]["current"]["note"] == f"{won[0]}'s note"
    assert _notes(database.url, outcome_id)[-2:] == [(base, None), (base + 1, f"{won[0]}'s note")]
