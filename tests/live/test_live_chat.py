"""The chat against a real server process: whole conversations, SIGKILL, origins, two processes."""

from __future__ import annotations

import os
import random
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
import socketio
from sqlalchemy import Engine, create_engine, text

from outcomes_chat.config import normalise_database_url
from outcomes_chat.database import SQLITE_BUSY_TIMEOUT_MS
from outcomes_chat.web.chat_events import RATE_LIMIT_WINDOW

from . import (
    NAMESPACE,
    OUTCOME_WORDS,
    RETRY_CODES,
    RETRY_PAUSE,
    ChatClient,
    LiveServer,
    Lost,
    Player,
    Transcript,
    cookie_header,
    login,
    person_id,
    start_conversation,
    take_part,
)
from .conftest import REDIS_URL, Database, ServerFactory, start_ids_at_random

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

MAX_TURNS = 120
KILLS = 6
# Kills land among the first messages (a conversation here has 29), leaving room for a kill
# to move on by one message per kill when the one before it already took the server down.
KILL_WITHIN = 22


@contextmanager
def database(url: str) -> Iterator[Engine]:
    """An engine on the server's database, for reading what was stored."""
    engine = create_engine(normalise_database_url(url))
    try:
        yield engine
    finally:
        engine.dispose()


def stored_turns(engine: Engine, assessment_id: int) -> list[Mapping[str, Any]]:
    """Every stored turn of a conversation, in seq order."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    "SELECT seq, client_id, said_text, said_button FROM conversation_turns "
                    "WHERE assessment_id = :id ORDER BY seq"
                ),
                {"id": assessment_id},
            ).mappings()
        )


def stored_outcome_words(engine: Engine, assessment_id: int) -> list[str]:
    """The words of the outcomes recorded and not removed."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    "SELECT words FROM recorded_outcomes WHERE assessment_id = :id "
                    "AND NOT removed ORDER BY id"
                ),
                {"id": assessment_id},
            ).scalars()
        )


def stored_status(engine: Engine, assessment_id: int) -> str:
    """The conversation's stored status."""
    with engine.connect() as connection:
        return str(
            connection.execute(
                text("SELECT status FROM assessments WHERE id = :id"), {"id": assessment_id}
            ).scalar_one()
        )


def client_id_counts(engine: Engine, assessment_id: int) -> dict[str, int]:
    """How many stored turns carry each client id."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT client_id, COUNT(*) FROM conversation_turns WHERE assessment_id = :id "
                "AND client_id IS NOT NULL GROUP BY client_id"
            ),
            {"id": assessment_id},
        )
        return {str(client_id): int(count) for client_id, count in rows}


def said_of(content: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(said_text, said_button) as a turn with this content is stored."""
    return content.get("text"), content.get("button")


def echoes(said: Mapping[str, Any] | None, content: Mapping[str, str]) -> bool:
    """Whether a turn's `said` is what was sent: the text verbatim, or the button's value."""
    if said is None:
        return False
    if "text" in content:
        return dict(said) == {"text": content["text"]}
    return said.get("button") == content["button"]


def begin(server: LiveServer, db: Database, username: str = "morag") -> tuple[str, int]:
    """Log in, start a carer conversation with the demo carer; the cookie and its id."""
    http = login(server.url, username)
    assessment_id = start_conversation(http, server.url, person_id(db.url))
    return cookie_header(http), assessment_id


def test_a_whole_conversation_keeps_the_persons_words(
    fresh_sqlite: Database, make_server: ServerFactory
) -> None:
    server = make_server(fresh_sqlite)
    cookie, assessment_id = begin(server, fresh_sqlite)
    client = ChatClient(server.url, cookie).connect()
    transcript = Transcript(assessment_id)
    player = Player()
    sent: dict[str, Mapping[str, str]] = {}
    try:
        joined = transcript.join(client)
        assert joined["assessment"]["phase"] == "welcome"
        assert [turn["seq"] for turn in joined["turns"]] == [1]
        while not transcript.finished:
            assert len(sent) < MAX_TURNS, f"no end after {MAX_TURNS} turns: {transcript.reply}"
            content = player.answer(transcript.reply)
            message = transcript.message(content)
            ack = transcript.say(client, message)
            assert not ack["duplicate"] and ack["missed"] == []
            assert ack["turn"]["seq"] == message["last_seq"] + 1
            sent[message["client_id"]] = content
    finally:
        client.close()

    assert player.told == list(OUTCOME_WORDS), "the script offered fewer topics than expected"
    with database(fresh_sqlite.url) as engine:
        rows = stored_turns(engine, assessment_id)
        assert [row["seq"] for row in rows] == list(range(1, len(sent) + 2))
        assert {row["client_id"]: (row["said_text"], row["said_button"]) for row in rows[1:]} == {
            client_id: said_of(content) for client_id, content in sent.items()
        }
        typed = [row["said_text"] for row in rows if row["said_text"] in OUTCOME_WORDS]
        assert typed == list(OUTCOME_WORDS), "typed words are stored exactly as sent"
        assert stored_outcome_words(engine, assessment_id) == [w.strip() for w in OUTCOME_WORDS]
        assert stored_status(engine, assessment_id) == "finished"


class Killer:
    """Kills the server at planned messages, in one of three ways, and restarts it."""

    MODES = ("idle", "during", "lost_ack")

    def __init__(self, server: LiveServer, rng: random.Random, engine: Engine) -> None:
        self.server = server
        self.rng = rng
        self.engine = engine
        modes = [*self.MODES, *rng.choices(self.MODES, k=KILLS - len(self.MODES))]
        rng.shuffle(modes)
        self.plan = dict(zip(sorted(rng.sample(range(KILL_WITHIN), KILLS)), modes, strict=True))
        self.done: list[tuple[int, str]] = []
        self.timer: threading.Timer | None = None

    def before_send(self, index: int, client: ChatClient, message: dict[str, Any]) -> str | None:
        """Carry out the kill planned for this message, if any; returns its mode."""
        self.settle()
        mode = self.plan.get(index)
        if mode is None:
            return None
        if not self._alive():
            # The last kill landed after its ack: this message finds the server dead already,
            # so this kill moves to the next message without one.
            later = index + 1
            while later in self.plan:
                later += 1
            self.plan[later] = mode
            return None
        if mode == "idle":
            # Between turns: the next send finds the connection gone.
            self._kill(index, mode)
        elif mode == "lost_ack":
            # Stored and committed, but the ack never reaches the client.
            self._send_until_stored(client, message)
            self._kill(index, mode)
        else:
            # Somewhere while the message is in flight: before, during or after the commit.
            delay = self.rng.uniform(0.0, 0.03)
            self.timer = threading.Timer(delay, self._kill, args=(index, mode))
            self.timer.start()
        return mode

    def _alive(self) -> bool:
        return self.server.process is not None and self.server.process.poll() is None

    def _kill(self, index: int, mode: str) -> None:
        if self._alive():
            self.server.kill()
            self.done.append((index, mode))

    def _send_until_stored(self, client: ChatClient, message: Mapping[str, Any]) -> None:
        """Send without reading the ack until the message is stored. Pipelined rounds can
        use up the connection's allowance (RATE_LIMIT_EVENTS a RATE_LIMIT_WINDOW), and a
        rate-limited message is not stored; its ack is not read here, so the same message
        (same client id: applied once at most) goes again each second, as a client would
        resend it, until the window has passed."""
        deadline = time.monotonic() + RATE_LIMIT_WINDOW + 10
        while time.monotonic() < deadline:
            client.send("say", dict(message))
            resend_at = time.monotonic() + 1
            while time.monotonic() < resend_at:
                counts = client_id_counts(self.engine, int(message["assessment_id"]))
                if counts.get(str(message["client_id"])):
                    return
                time.sleep(0.02)
        raise AssertionError(f"the message was not stored\n{self.server.log()}")

    def settle(self) -> None:
        """Let a scheduled kill happen before looking at the server."""
        if self.timer is not None:
            self.timer.join()
            self.timer = None

    def restart_after_loss(self) -> None:
        """After a lost ack the server must be dead (we killed it): start it again."""
        self.settle()
        assert not self._alive(), f"an ack was lost but no kill\n{self.server.log()}"
        self.server.start()


def test_acknowledged_answers_survive_sigkill_exactly_once(
    fresh_sqlite: Database, make_server: ServerFactory
) -> None:
    seed = int(os.environ.get("LIVE_SEED") or random.SystemRandom().randrange(2**32))
    print(f"\nSIGKILL test seed {seed}: LIVE_SEED={seed} repeats the plan")
    rng = random.Random(seed)
    server = make_server(fresh_sqlite)
    cookie, assessment_id = begin(server, fresh_sqlite)
    transcript = Transcript(assessment_id)
    player = Player()
    sent: dict[str, Mapping[str, str]] = {}
    acks: dict[str, Mapping[str, Any]] = {}
    lost_acks: set[str] = set()
    reconnects = 0

    with database(fresh_sqlite.url) as engine:
        killer = Killer(server, rng, engine)
        print(f"kill plan (message index: mode): {killer.plan}")
        client = ChatClient(server.url, cookie).connect()
        transcript.join(client)
        pending: dict[str, Any] | None = None
        try:
            while not transcript.finished:
                if pending is None:
                    assert len(sent) < MAX_TURNS, f"seed {seed}: no end: {transcript.reply}"
                    content = player.answer(transcript.reply)
                    pending = transcript.message(content)
                    sent[pending["client_id"]] = content
                    if killer.before_send(len(sent) - 1, client, pending) == "lost_ack":
                        lost_acks.add(pending["client_id"])
                try:
                    ack = transcript.say(client, pending)
                except Lost:
                    # Keep the message; reconnect, catch up from last_seq, then resend it as is.
                    killer.restart_after_loss()
                    client.close()
                    client = ChatClient(server.url, cookie).connect()
                    transcript.join(client)
                    reconnects += 1
                    continue
                assert echoes(ack["turn"]["said"], sent[pending["client_id"]]), f"seed {seed}"
                acks[pending["client_id"]] = ack
                pending = None
            killer.settle()
        finally:
            client.close()

        duplicates = sum(1 for ack in acks.values() if ack["duplicate"])
        print(
            f"kills: {killer.done}; reconnects: {reconnects}; messages: {len(sent)}; "
            f"acked as duplicates: {duplicates}"
        )
        assert len(killer.done) >= 5, f"seed {seed}: only {len(killer.done)} kills happened"
        assert reconnects >= len(killer.done) - 1, f"seed {seed}: a kill went unnoticed"
        assert set(acks) == set(sent), f"seed {seed}: every message was acknowledged in the end"
        for client_id in lost_acks:
            assert acks[client_id]["duplicate"], f"seed {seed}: a lost ack's resend is a duplicate"
        counts = client_id_counts(engine, assessment_id)
        assert counts == dict.fromkeys(sent, 1), f"seed {seed}: each answer stored exactly once"
        rows = stored_turns(engine, assessment_id)
        assert [row["seq"] for row in rows] == list(range(1, len(sent) + 2)), f"seed {seed}"
        assert {row["client_id"]: (row["said_text"], row["said_button"]) for row in rows[1:]} == {
            client_id: said_of(content) for client_id, content in sent.items()
        }, f"seed {seed}: each stored turn is what was sent under its client id"
        assert transcript.last_seq == len(sent) + 1
        assert stored_status(engine, assessment_id) == "finished"
        assert stored_outcome_words(engine, assessment_id) == [w.strip() for w in OUTCOME_WORDS]


# How many copies of one answer a round sends at once, without waiting (a double tap, a
# client that does not wait for acks).
PIPELINE = (2, 3)


@pytest.mark.timeout(240)
def test_pipelined_answers_are_applied_once_in_order_across_sigkill(
    fresh_sqlite: Database, make_server: ServerFactory
) -> None:
    """Each round sends one answer several times at once, under new client ids, while the
    server is killed now and then: exactly one of each round is stored, on the question it
    answered; the others are refused as stale; nothing acknowledged is lost or doubled."""
    seed = int(os.environ.get("LIVE_SEED") or random.SystemRandom().randrange(2**32))
    print(f"\npipelined SIGKILL test seed {seed}: LIVE_SEED={seed} repeats the plan")
    rng = random.Random(seed)
    server = make_server(fresh_sqlite)
    cookie, assessment_id = begin(server, fresh_sqlite)
    transcript = Transcript(assessment_id)
    player = Player()
    rounds: list[list[dict[str, Any]]] = []
    sent: dict[str, Mapping[str, str]] = {}
    acks: dict[str, Mapping[str, Any]] = {}
    reconnects = 0

    with database(fresh_sqlite.url) as engine:
        killer = Killer(server, rng, engine)
        print(f"kill plan (round: mode): {killer.plan}")
        client = ChatClient(server.url, cookie).connect()
        transcript.join(client)
        try:
            while not transcript.finished:
                assert len(rounds) < MAX_TURNS, f"seed {seed}: no end: {transcript.reply}"
                content = player.answer(transcript.reply)
                pending = [transcript.message(content) for _ in range(rng.randint(*PIPELINE))]
                rounds.append(pending)
                sent.update((message["client_id"], content) for message in pending)
                killer.before_send(len(rounds) - 1, client, pending[0])
                while pending:
                    answers = client.call_many("say", pending)
                    left = []
                    for message, ack in zip(pending, answers, strict=True):
                        code = None if ack is None or ack["ok"] else ack["error"]["code"]
                        if ack is None or code in RETRY_CODES:
                            left.append(message)  # resent unchanged: same id, same last_seq
                        elif ack["ok"]:
                            acks[message["client_id"]] = ack
                            transcript.acknowledged(ack)
                        else:
                            # Stale; or, once another of its round finished it, finished.
                            assert code in ("stale", "finished"), f"seed {seed}: {ack}"
                            acks[message["client_id"]] = ack
                            transcript.add(ack.get("missed", []))
                    if None in answers:
                        killer.restart_after_loss()
                        client.close()
                        client = ChatClient(server.url, cookie).connect()
                        transcript.join(client)
                        reconnects += 1
                    elif left:
                        time.sleep(RETRY_PAUSE)
                    pending = left
            killer.settle()
        finally:
            client.close()

        print(f"kills: {killer.done}; reconnects: {reconnects}; rounds: {len(rounds)}")
        assert len(killer.done) >= 5, f"seed {seed}: only {len(killer.done)} kills happened"
        assert reconnects >= len(killer.done) - 1, f"seed {seed}: a kill went unnoticed"
        assert set(acks) == set(sent), f"seed {seed}: every message was answered in the end"
        counts = client_id_counts(engine, assessment_id)
        rows = stored_turns(engine, assessment_id)
        assert [row["seq"] for row in rows] == list(range(1, len(rounds) + 2)), f"seed {seed}"
        by_id = {row["client_id"]: row for row in rows[1:]}
        for number, messages in enumerate(rounds, start=1):
            stored = [m for m in messages if counts.get(m["client_id"])]
            assert len(stored) == 1, f"seed {seed}: one of each round is stored, once"
            [applied] = stored
            assert counts[applied["client_id"]] == 1, f"seed {seed}"
            assert acks[applied["client_id"]]["ok"], f"seed {seed}"
            row = by_id[applied["client_id"]]
            # Stored on the question it answered, and as it was sent.
            assert row["seq"] == applied["last_seq"] + 1, f"seed {seed}"
            assert (row["said_text"], row["said_button"]) == said_of(sent[applied["client_id"]])
            refused = {acks[m["client_id"]]["error"]["code"] for m in messages if m is not applied}
            last_round = number == len(rounds)
            assert refused <= ({"stale", "finished"} if last_round else {"stale"}), f"seed {seed}"
        assert stored_status(engine, assessment_id) == "finished"
        assert stored_outcome_words(engine, assessment_id) == [w.strip() for w in OUTCOME_WORDS]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_connection_from_another_origin_is_refused(
    transport: str, fresh_sqlite: Database, make_server: ServerFactory
) -> None:
    server = make_server(fresh_sqlite)
    cookie, assessment_id = begin(server, fresh_sqlite)

    evil = ChatClient(server.url, cookie, transport=transport, origin="http://evil.example")
    with pytest.raises(socketio.exceptions.ConnectionError):
        evil.connect(wait_timeout=5)
    evil.close()
    assert "http://evil.example is not an accepted origin" in server.log()

    same = ChatClient(server.url, cookie, transport=transport, origin=server.url).connect()
    try:
        assert Transcript(assessment_id).join(same)["assessment"]["id"] == assessment_id
    finally:
        same.close()


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_connection_without_a_login_is_refused_with_the_documented_reason(
    transport: str, fresh_sqlite: Database, make_server: ServerFactory
) -> None:
    """connect_error carries `unauthorised`, not Socket.IO's generic "Connection rejected"."""
    server = make_server(fresh_sqlite)
    http = login(server.url, "morag")
    stale_cookie = cookie_header(http)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', http.get(server.url + "/").text)
    assert csrf is not None
    http.post(server.url + "/logout", data={"csrf_token": csrf.group(1)}, timeout=10)

    for cookie in ("", stale_cookie):
        reasons: list[Any] = []
        sio = socketio.Client(reconnection=False)
        sio.on("connect_error", reasons.append, namespace=NAMESPACE)
        with pytest.raises(socketio.exceptions.ConnectionError):
            sio.connect(
                server.url,
                headers={"Cookie": cookie} if cookie else {},
                namespaces=[NAMESPACE],
                transports=[transport],
                wait_timeout=5,
            )
        sio.disconnect()
        assert reasons == [{"message": "unauthorised"}], cookie or "no cookie"


def test_a_locked_database_is_answered_busy_and_the_resend_is_applied(
    fresh_sqlite: Database, make_server: ServerFactory
) -> None:
    server = make_server(fresh_sqlite)
    cookie, assessment_id = begin(server, fresh_sqlite)
    client = ChatClient(server.url, cookie).connect()
    transcript = Transcript(assessment_id)
    try:
        transcript.join(client)
        message = transcript.message({"button": "start"})
        # Another writer holds SQLite's write lock for longer than the server's busy timeout.
        holder = sqlite3.connect(
            fresh_sqlite.instance_path / "outcomes.sqlite", isolation_level=None
        )
        holder.execute("BEGIN IMMEDIATE")
        try:
            ack = client.call("say", message, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000 + 5)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert ack["ok"] is False and ack["error"]["code"] == "busy"
        assert ack["error"]["client_id"] == message["client_id"]
        again = transcript.say(client, message)
        assert not again["duplicate"] and again["turn"]["seq"] == 2
    finally:
        client.close()


def _turn_event(assessment_id: int, seq: int) -> Callable[[str, Any], bool]:
    """A predicate for the `turn` event of one seq of one conversation."""

    def matches(event: str, data: Any) -> bool:
        return (
            event == "turn"
            and isinstance(data, dict)
            and data.get("assessment_id") == assessment_id
            and data.get("seq") == seq
        )

    return matches


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set (Redis tests)")
@pytest.mark.parametrize(
    "database_fixture", ["fresh_sqlite", "fresh_postgres"], ids=["sqlite", "postgresql"]
)
def test_a_turn_said_on_one_process_reaches_a_client_on_another(
    database_fixture: str, request: pytest.FixtureRequest, make_server: ServerFactory
) -> None:
    shared: Database = request.getfixturevalue(database_fixture)
    expected_id = start_ids_at_random(shared)
    queue = {"SOCKETIO_MESSAGE_QUEUE": str(REDIS_URL)}
    server_a, server_b = make_server(shared, queue), make_server(shared, queue)
    cookie_a, assessment_id = begin(server_a, shared, "morag")
    assert assessment_id == expected_id
    cookie_b = cookie_header(take_part(login(server_b.url, "amir"), server_b.url, assessment_id))
    on_a = ChatClient(server_a.url, cookie_a).connect()
    on_b = ChatClient(server_b.url, cookie_b).connect()
    try:
        seen_a, seen_b = Transcript(assessment_id), Transcript(assessment_id)
        seen_a.join(on_a)
        seen_b.join(on_b)

        said_on_a = seen_a.say(on_a, seen_a.message({"button": "start"}))
        _, turn = on_b.wait_for(_turn_event(assessment_id, 2))
        assert turn["said"]["button"] == "start"
        assert turn["reply"] == said_on_a["turn"]["reply"]

        seen_b.add([turn])
        said_on_b = seen_b.say(on_b, seen_b.message({"button": "yes"}))
        assert said_on_b["turn"]["seq"] == 3
        on_a.wait_for(_turn_event(assessment_id, 3))
        # A turn goes to the other connections only, across processes too.
        assert not any(_turn_event(assessment_id, 2)(*item) for item in on_a.received)
        assert not any(_turn_event(assessment_id, 3)(*item) for item in on_b.received)
    finally:
        on_a.close()
        on_b.close()
