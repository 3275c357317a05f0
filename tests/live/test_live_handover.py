"""The hand-over lock against a real server: a program holding the tablet's cookie, no page."""

from __future__ import annotations

import time

import pytest
import requests
import socketio

from . import (
    ChatClient,
    Transcript,
    _csrf_token,
    cookie_header,
    login,
    person_id,
    start_conversation,
    take_part,
)
from .conftest import Database, ServerFactory

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

PIN = "2468"
QUIET_SECONDS = 2


def hand_over(server_url: str, database: Database) -> tuple[requests.Session, int]:
    """Morag starts a conversation and hands the tablet over with a PIN, as the page does."""
    http = login(server_url, "morag")
    assessment_id = start_conversation(http, server_url, person_id(database.url))
    page = f"{server_url}/conversations/{assessment_id}"
    token = _csrf_token(http.get(page, timeout=10).text)
    http.post(
        f"{page}/handover", data={"pin": PIN, "csrf_token": token}, allow_redirects=False
    ).raise_for_status()
    return http, assessment_id


def assert_locked(client: ChatClient, http: requests.Session, base: str, assessment_id: int):
    """Every way in answers 'locked': join, say, a new connection and the page itself."""
    transcript = Transcript(assessment_id)
    join = client.call("join", {"assessment_id": assessment_id, "last_seq": 0})
    assert join["ok"] is False and join["error"]["code"] == "locked"
    assert "turns" not in join  # nothing of what the person said
    said = client.call("say", transcript.message({"text": "Someone else typing"}))
    assert said["ok"] is False and said["error"]["code"] == "locked"
    with pytest.raises(socketio.exceptions.ConnectionError):
        ChatClient(base, cookie_header(http)).connect(wait_timeout=5)
    page = http.get(f"{base}/conversations/{assessment_id}", allow_redirects=False, timeout=10)
    assert page.status_code == 302
    assert page.headers["Location"] == f"/conversations/{assessment_id}/unlock"


def unlock(http: requests.Session, base: str, assessment_id: int) -> None:
    """The practitioner gives the PIN on the unlock page."""
    page = f"{base}/conversations/{assessment_id}/unlock"
    token = _csrf_token(http.get(page, timeout=10).text)
    response = http.post(
        page, data={"secret": PIN, "csrf_token": token}, allow_redirects=False, timeout=30
    )
    assert response.status_code == 302


def test_a_paused_tablet_is_locked_on_the_server_until_the_pin(
    fresh_sqlite: Database, make_server: ServerFactory
) -> None:
    server = make_server(fresh_sqlite)
    http, assessment_id = hand_over(server.url, fresh_sqlite)
    client = ChatClient(server.url, cookie_header(http)).connect()
    try:
        transcript = Transcript(assessment_id)
        transcript.join(client)
        transcript.say(client, transcript.message({"button": "start"}))
        # What the page does when it pauses itself: the pause, then the lock.
        transcript.say(client, transcript.message({"button": "pause"}))
        assert client.call("lock", {"assessment_id": assessment_id}) == {"ok": True}
        assert_locked(client, http, server.url, assessment_id)

        unlock(http, server.url, assessment_id)
        assert Transcript(assessment_id).join(client)["ok"]
    finally:
        client.close()


def test_a_quiet_tablet_is_locked_by_the_server_without_the_page(
    fresh_sqlite: Database, make_server: ServerFactory
) -> None:
    server = make_server(fresh_sqlite, {"HANDOVER_IDLE_SECONDS": str(QUIET_SECONDS)})
    http, assessment_id = hand_over(server.url, fresh_sqlite)
    client = ChatClient(server.url, cookie_header(http)).connect()
    try:
        # Nobody touches it: the server's own clock locks it, whatever a page would have done.
        time.sleep(QUIET_SECONDS + 1)
        assert_locked(client, http, server.url, assessment_id)
        unlock(http, server.url, assessment_id)
        assert Transcript(assessment_id).join(client)["ok"]
    finally:
        client.close()


def _turns(client: ChatClient, assessment_id: int) -> list[int]:
    return [
        data["seq"]
        for event, data in client.received
        if event == "turn" and data.get("assessment_id") == assessment_id
    ]


def test_a_tablet_hears_others_only_while_its_hand_over_is_open(
    fresh_sqlite: Database, make_server: ServerFactory
) -> None:
    """A colleague answering from another device reaches the open tablet; once the tablet has
    been quiet too long, nothing more of the conversation reaches it, though it stays connected.
    """
    server = make_server(fresh_sqlite, {"HANDOVER_IDLE_SECONDS": str(QUIET_SECONDS + 2)})
    http, assessment_id = hand_over(server.url, fresh_sqlite)
    tablet = ChatClient(server.url, cookie_header(http)).connect()
    amir = take_part(login(server.url, "amir"), server.url, assessment_id)
    colleague = ChatClient(server.url, cookie_header(amir)).connect()
    try:
        on_tablet, seen_by_colleague = Transcript(assessment_id), Transcript(assessment_id)
        on_tablet.join(tablet)
        seen_by_colleague.join(colleague)
        seen_by_colleague.say(colleague, seen_by_colleague.message({"button": "start"}))
        tablet.wait_for(lambda event, data: event == "turn" and data.get("seq") == 2)

        time.sleep(QUIET_SECONDS + 3)  # the tablet lies untouched past the quiet time
        seen_by_colleague.say(colleague, seen_by_colleague.message({"button": "yes"}))
        time.sleep(1)  # time enough for a broadcast to arrive, were one sent
        assert _turns(tablet, assessment_id) == [2]
        assert tablet.connected
    finally:
        tablet.close()
        colleague.close()
