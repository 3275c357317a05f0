"""Server CPU per chat turn, in one process, without the network: where a turn's time goes.

Usage: python benchmarks/turn_cpu.py [--conversations 40] [--profile 25] [--statements]
                                     [--database-url URL]

Holds whole carer conversations through Flask-SocketIO's test client (the same event
handlers, login session, database and engine as a real server, minus the transport), then
does the same number of `say` events against a bare echo handler registered on the same app,
and prints the CPU time per event of each, their ratio, and the SQL statements per turn. With
--statements it lists those statements; with --profile N it prints the N functions with the
most cumulative time in the chat turns (cProfile).

chat_load.py measures latency under load over real sockets; this script shows what one turn
costs, so a change to the turn path can be measured in seconds rather than minutes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import pstats
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from outcomes_chat import create_app, migrate  # noqa: E402
from outcomes_chat.extensions import socketio  # noqa: E402
from outcomes_chat.outcomes import accounts  # noqa: E402
from outcomes_chat.outcomes.models import Agency, Assessment, PersonKind, Role  # noqa: E402
from outcomes_chat.outcomes.persons import PersonDetails, create_person  # noqa: E402
from outcomes_chat.web import chat_events  # noqa: E402
from tests.live import Player, Transcript  # noqa: E402

NAMESPACE = "/chat"
ECHO_NAMESPACE = "/turn-cpu-echo"
PASSWORD = "turn-cpu-password"


def _echo(data: Any = None) -> dict[str, Any]:
    return {"ok": True, "echo": data}


def build_app(database_url: str, instance: Path) -> Any:
    migrate.upgrade(database_url)
    app = create_app(
        {
            "SECRET_KEY": "turn-cpu",
            "DATABASE_URL": database_url,
            "WTF_CSRF_ENABLED": False,
            "SESSION_IDLE_TIMEOUT": timedelta(minutes=30),
            "SESSION_MAX_AGE": timedelta(hours=8),
        }
    )
    app.instance_path = str(instance)
    socketio.on_event("say", _echo, namespace=ECHO_NAMESPACE)
    return app


def seed(app: Any, conversations: int) -> list[int]:
    """A lead professional and one person per conversation; returns the person ids."""
    db = app.extensions["db_sessions"]()
    lead = accounts.create_user(
        db, "lead", "Lead", PASSWORD, Role.LEAD_PROFESSIONAL, Agency.SOCIAL_WORK
    )
    ids = []
    for number in range(conversations):
        details = PersonDetails(f"Person {number}", f"CPU-{number:04d}", PersonKind.CARER)
        ids.append(create_person(db, details, lead, "Social worker").id)
    db.commit()
    db.close()
    return ids


def hold_conversations(app: Any, person_ids: list[int]) -> tuple[list[dict[str, Any]], float]:
    """Hold each conversation to its end; returns every say payload sent, and the CPU spent."""
    http = app.test_client()
    http.post("/login", data={"username": "lead", "password": PASSWORD})
    sent: list[dict[str, Any]] = []
    ids = itertools.count(1)
    cpu = 0.0
    for person_id in person_ids:
        http.post(
            f"/persons/{person_id}/conversations/new",
            data={"framework": "carer", "language": "en", "consent_record": "y"},
        )
        sio = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=http)
        db = app.extensions["db_sessions"]()
        assessment_id = db.scalar(select(Assessment.id).where(Assessment.person_id == person_id))
        db.close()
        transcript = Transcript(assessment_id)
        joined = sio.emit(
            "join",
            {"assessment_id": assessment_id, "last_seq": 0},
            namespace=NAMESPACE,
            callback=True,
        )
        transcript.add(joined["turns"])
        player = Player()
        while not transcript.finished:
            payload = {
                "assessment_id": assessment_id,
                "client_id": f"c{next(ids)}",
                "last_seq": transcript.last_seq,
                **player.answer(transcript.reply),
            }
            started = time.process_time()
            ack = sio.emit("say", payload, namespace=NAMESPACE, callback=True)
            cpu += time.process_time() - started
            if not ack.get("ok"):
                raise SystemExit(f"A turn was refused: {ack}")
            transcript.add([ack["turn"]])
            sent.append(payload)
        sio.disconnect(namespace=NAMESPACE)
    return sent, cpu


def echo_cpu(app: Any, payloads: list[dict[str, Any]]) -> float:
    sio = socketio.test_client(app, namespace=ECHO_NAMESPACE)
    started = time.process_time()
    for payload in payloads:
        sio.emit("say", payload, namespace=ECHO_NAMESPACE, callback=True)
    return time.process_time() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    parser.add_argument("--statements", action="store_true", help="print the SQL per say")
    parser.add_argument("--database-url", help="an empty database instead of a new SQLite file")
    args = parser.parse_args(argv)
    # Login hashing and the per-connection rate limit are not what is measured here.
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    chat_events.RATE_LIMIT_EVENTS = sys.maxsize
    with tempfile.TemporaryDirectory(prefix="turn-cpu-") as folder:
        url = args.database_url or f"sqlite:///{folder}/outcomes.sqlite"
        app = build_app(url, Path(folder) / "instance")
        person_ids = seed(app, args.conversations + 2)
        hold_conversations(app, person_ids[:2])  # warm caches, compiled SQL and the engine
        statements: list[str] = []
        event.listen(
            app.extensions["db_engine"],
            "before_cursor_execute",
            lambda _conn, _cursor, sql, *_rest: statements.append(sql),
        )
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        statements.clear()
        payloads, chat = hold_conversations(app, person_ids[2:])
        per_turn_sql = len(statements) / len(payloads)
        if profiler:
            profiler.disable()
        echo = echo_cpu(app, payloads)
        app.extensions["db_engine"].dispose()
    turns = len(payloads)
    per_turn, per_echo = 1000 * chat / turns, 1000 * echo / turns
    print(f"{turns} turns in {args.conversations} conversations, database {url.split(':')[0]}")
    print(f"{'':28}{'outcomes_chat':>15}{'echo handler':>15}{'ratio':>8}")
    print(
        f"{'CPU per say event (ms)':28}{per_turn:15.3f}{per_echo:15.3f}{per_turn / per_echo:8.1f}"
    )
    print(f"{'say events per CPU second':28}{turns / chat:15.0f}{turns / echo:15.0f}")
    print(f"{'SQL statements per say':28}{per_turn_sql:15.1f}")
    if args.statements:
        for sql, count in Counter(" ".join(sql.split())[:110] for sql in statements).most_common():
            print(f"{count / turns:6.2f} per say  {sql}")
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(args.profile)
        print(out.getvalue())


if __name__ == "__main__":
    main()
