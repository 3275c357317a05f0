"""A real server in a subprocess and a python-socketio client that holds whole conversations.

Shared by tests/live and benchmarks/chat_load.py: they drive the app exactly as another program
would, through `outcomes-chat serve`, HTTP login and the /chat protocol of docs/protocol.md.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests
import socketio
from socketio.exceptions import SocketIOError

NAMESPACE = "/chat"
DEMO_PASSWORD = "live-demo-password"
DEMO_CARER = "DEMO-0001"
START_SECONDS = 30.0
CALL_SECONDS = 15.0
RETRY_CODES = frozenset({"rate_limited", "busy"})
RETRY_PAUSE = 0.25
RETRY_SECONDS = 60.0

# Words a carer might say, with the spaces a tablet keyboard leaves: said_text keeps them all,
# the recorded outcome keeps the words without the surrounding spaces.
OUTCOME_WORDS = (
    "  Getting a full night's sleep. I'm shattered.  ",
    "Going back to choir on Tuesdays – I haven't been since Siobhán moved away.",
    "Money is tight since I stopped work, I'd like to manage the bills myself.",
)
DETAIL_WORDS = {
    "helps": "My daughter has him on a Sunday afternoon and I sleep then.",
    "barriers": "He gets muddled at night and doesn't know where he is.",
    "who_could_help": "Maybe the carers centre could.",
}
# The button a person would press in each phase, when it is offered.
PREFERRED_BUTTON = {
    "welcome": "start",
    "consent": "yes",
    "reflect": "yes",
    "rephrase": "yes",
    "rating": "partly_met",
    "anything_else": "no",
    "summary": "confirm",
    "safety": "carry_on",
}
TEXT_PHASES = frozenset({"opener", "topic"})
FALLBACK_TEXT = "I'm not sure, to be honest."


class ServerFailed(RuntimeError):
    """The server process exited or did not answer in time."""


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli_command(*args: str) -> list[str]:
    """The outcomes-chat command of this interpreter's environment."""
    script = Path(sys.executable).with_name("outcomes-chat")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from outcomes_chat.cli import main; main()", *args]


def server_env(
    instance_path: Path, database_url: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a server or CLI subprocess: ours, not the caller's app settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SOCKETIO_MESSAGE_QUEUE", "OUTCOMES_ENV", "FLASK_APP"}
    }
    env.update(
        OUTCOMES_INSTANCE_PATH=str(instance_path),
        DATABASE_URL=database_url,
        SECRET_KEY="live-test-secret",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def prepare_database(instance_path: Path, database_url: str) -> None:
    """Migrate a database from empty and seed the demo team, through the real CLI."""
    instance_path.mkdir(parents=True, exist_ok=True)
    env = server_env(instance_path, database_url)
    for args, stdin in ((("db", "upgrade"), None), (("demo", "--password-stdin"), DEMO_PASSWORD)):
        done = subprocess.run(
            cli_command(*args),
            env=env,
            input=None if stdin is None else stdin + "\n",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise ServerFailed(f"outcomes-chat {' '.join(args)} failed:\n{done.stderr}")


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database consistently (WAL included) through the backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


class LiveServer:
    """`outcomes-chat serve` in a subprocess on a fixed port, so it can be killed and restarted."""

    def __init__(
        self,
        instance_path: Path,
        database_url: str,
        port: int | None = None,
        extra_env: Mapping[str, str] | None = None,
        command: list[str] | None = None,
    ) -> None:
        self.instance_path = instance_path
        self.database_url = database_url
        self.port = port or free_port()
        self.env = server_env(instance_path, database_url, extra_env)
        self.command = command or cli_command(
            "serve", "--host", "127.0.0.1", "--port", str(self.port)
        )
        self.log_path = instance_path / f"server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The process id of the running server."""
        assert self.process is not None, "the server is not running"
        return self.process.pid

    def start(self, ready_path: str = "/login") -> LiveServer:
        """Start the process and wait until it answers HTTP."""
        self.instance_path.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n--- start {self.starts + 1} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.starts += 1
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise ServerFailed(f"the server exited with {code}\n{self.log()}")
            try:
                requests.get(self.url + ready_path, timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise ServerFailed(f"the server did not answer within {START_SECONDS:.0f}s\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: no chance to flush, close or say goodbye."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """End the process politely, then firmly."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self, chars: int = 4000) -> str:
        """The end of the server's output, for failure messages."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _csrf_token(html: str) -> str:
    tag = re.search(r"<input[^>]*name=\"csrf_token\"[^>]*>", html)
    value = re.search(r"value=\"([^\"]+)\"", tag.group(0)) if tag else None
    if value is None:
        raise AssertionError("no csrf_token in the page")
    return value.group(1)


def login(base_url: str, username: str, password: str = DEMO_PASSWORD) -> requests.Session:
    """Log in through the login form, as a browser would."""
    http = requests.Session()
    token = _csrf_token(http.get(base_url + "/login", timeout=10).text)
    response = http.post(
        base_url + "/login",
        data={"username": username, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise AssertionError(f"login as {username} failed: {response.status_code}")
    return http


def cookie_header(http: requests.Session) -> str:
    """The Cookie header that carries the login to a Socket.IO connection."""
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in http.cookies)


def start_conversation(
    http: requests.Session, base_url: str, person_id: int, export: bool = False
) -> int:
    """Start a carer conversation with consent to record and share (and to copy to the case
    file, with `export`); returns its id."""
    page = base_url + f"/persons/{person_id}/conversations/new"
    token = _csrf_token(http.get(page, timeout=10).text)
    response = http.post(
        page,
        data={
            "framework": "carer",
            "language": "en",
            "consent_record": "y",
            "consent_share": "y",
            **({"consent_export": "y"} if export else {}),
            "csrf_token": token,
        },
        allow_redirects=False,
        timeout=30,
    )
    location = response.headers.get("Location", "")
    match = re.search(r"/conversations/(\d+)$", location)
    if response.status_code != 302 or match is None:
        raise AssertionError(f"starting a conversation failed: {response.status_code} {location}")
    return int(match.group(1))


def take_part(http: requests.Session, base_url: str, assessment_id: int) -> requests.Session:
    """A colleague who did not start the conversation chooses "Take part", so that they may
    answer in it (until then they only watch); connect the socket after this."""
    page = base_url + f"/conversations/{assessment_id}"
    token = _csrf_token(http.get(page, timeout=10).text)
    response = http.post(
        page + "/take-part", data={"csrf_token": token}, allow_redirects=False, timeout=30
    )
    if response.status_code != 302:
        raise AssertionError(f"taking part failed: {response.status_code}")
    return http


def person_id(database_url: str, reference: str = DEMO_CARER) -> int:
    """The id of a demo person, read from the database."""
    from sqlalchemy import create_engine, text

    from outcomes_chat.config import normalise_database_url

    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT id FROM persons WHERE case_reference = :ref"), {"ref": reference}
            ).scalar_one()
    finally:
        engine.dispose()
    return int(found)


class Lost(Exception):
    """No acknowledgement: the connection dropped or the server did not answer in time."""


class ChatClient:
    """One /chat connection; a call ends at once with Lost when the connection drops."""

    def __init__(
        self,
        url: str,
        cookie: str = "",
        transport: str = "websocket",
        origin: str | None = None,
    ) -> None:
        self.url = url
        self.cookie = cookie
        self.transport = transport
        self.origin = origin
        self.received: list[tuple[str, Any]] = []
        self._arrived = threading.Condition()
        self._waiting: set[threading.Event] = set()
        self._lock = threading.Lock()
        self._dropped = threading.Event()
        extra = {"origin": origin} if origin and transport == "websocket" else {}
        self.sio = socketio.Client(reconnection=False, websocket_extra_options=extra)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.sio.on("*", self._on_event, namespace=NAMESPACE)

    def connect(self, wait_timeout: float = 10.0) -> ChatClient:
        """Connect to /chat with the login cookie; ConnectionError if refused."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if self.origin and self.transport != "websocket":
            headers["Origin"] = self.origin
        self._dropped.clear()
        self.sio.connect(
            self.url,
            headers=headers,
            namespaces=[NAMESPACE],
            transports=[self.transport],
            wait_timeout=wait_timeout,
        )
        return self

    @property
    def connected(self) -> bool:
        """Whether the connection is up, as far as this client knows."""
        return self.sio.connected and not self._dropped.is_set()

    def _on_disconnect(self, *_reason: object) -> None:
        self._dropped.set()
        with self._lock:
            waiting = list(self._waiting)
        for event in waiting:
            event.set()

    def _on_event(self, event: str, *args: Any) -> None:
        with self._arrived:
            self.received.append((event, args[0] if args else None))
            self._arrived.notify_all()

    def call(self, event: str, data: dict[str, Any], timeout: float = CALL_SECONDS) -> Any:
        """Emit and wait for the ack; Lost if the connection drops or no ack comes in time."""
        if not self.connected:
            raise Lost("not connected")
        done = threading.Event()
        answer: list[Any] = []

        def on_ack(*args: Any) -> None:
            answer.append(args[0] if args else None)
            done.set()

        with self._lock:
            self._waiting.add(done)
        try:
            try:
                self.sio.emit(event, data, namespace=NAMESPACE, callback=on_ack)
            except SocketIOError as error:
                raise Lost(f"emit failed: {error}") from error
            if not done.wait(timeout):
                raise Lost(f"no ack for {event} within {timeout}s")
            if not answer:
                raise Lost("disconnected before the ack")
            return answer[0]
        finally:
            with self._lock:
                self._waiting.discard(done)

    def call_many(
        self, event: str, payloads: list[dict[str, Any]], timeout: float = CALL_SECONDS
    ) -> list[Any]:
        """Emit every payload at once, then wait for their acks; None where none came (the
        connection dropped, or no ack in time)."""
        answers: list[Any] = [None] * len(payloads)
        done = [threading.Event() for _ in payloads]

        def on_ack_of(index: int) -> Callable[..., None]:
            def on_ack(*args: Any) -> None:
                answers[index] = args[0] if args else None
                done[index].set()

            return on_ack

        with self._lock:
            self._waiting.update(done)
        try:
            for index, payload in enumerate(payloads):
                if not self.connected:
                    break
                try:
                    self.sio.emit(event, payload, namespace=NAMESPACE, callback=on_ack_of(index))
                except SocketIOError:
                    break
            deadline = time.monotonic() + timeout
            for event_done in done:
                if not self.connected:
                    break
                event_done.wait(max(deadline - time.monotonic(), 0))
            return answers
        finally:
            with self._lock:
                self._waiting.difference_update(done)

    def send(self, event: str, data: dict[str, Any]) -> None:
        """Emit without asking for an ack: as if the ack were lost on the way back."""
        self.sio.emit(event, data, namespace=NAMESPACE)

    def wait_for(
        self, predicate: Callable[[str, Any], bool], timeout: float = CALL_SECONDS
    ) -> tuple[str, Any]:
        """The first received event that satisfies predicate, waiting up to timeout."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for item in self.received:
                    if predicate(*item):
                        return item
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Lost(f"no matching event within {timeout}s: {self.received!r}")
                self._arrived.wait(left)

    def close(self, wait: float = 0.5) -> None:
        """Disconnect, waiting at most `wait` seconds for the websocket's closing handshake."""
        # websocket-client waits up to 3 s for the server's close frame, which the client's own
        # read loop usually swallows first; nothing depends on that wait, so don't sit in it.
        closer = threading.Thread(target=self._disconnect, daemon=True)
        closer.start()
        closer.join(wait)

    def _disconnect(self) -> None:
        with contextlib.suppress(SocketIOError, OSError):
            self.sio.disconnect()


def new_client_id() -> str:
    """A fresh client message id, as docs/protocol.md suggests (a UUID)."""
    return uuid.uuid4().hex


def question_buttons(reply: Mapping[str, Any]) -> list[str]:
    """The button values of the last message that has buttons: the quick replies."""
    with_buttons = [m for m in reply.get("messages", []) if m.get("buttons")]
    return [b["value"] for b in with_buttons[-1]["buttons"]] if with_buttons else []


class Player:
    """A carer answering each turn: a few outcomes in their own words, then wrapping up."""

    def __init__(
        self,
        outcomes: tuple[str, ...] = OUTCOME_WORDS,
        details: Mapping[str, str] = DETAIL_WORDS,
    ) -> None:
        self.outcomes = list(outcomes)
        self.details = dict(details)
        self.told: list[str] = []

    def answer(self, reply: Mapping[str, Any]) -> dict[str, str]:
        """The content of the next `say`: {"text": ...} or {"button": ...}."""
        phase = str(reply.get("phase", ""))
        buttons = question_buttons(reply)
        if phase in TEXT_PHASES and self.outcomes:
            words = self.outcomes.pop(0)
            self.told.append(words)
            return {"text": words}
        if phase in self.details:
            return {"text": self.details.pop(phase)}
        preferred = PREFERRED_BUTTON.get(phase)
        for choice in (preferred, "carry_on", "skip"):
            if choice in buttons:
                return {"button": choice}
        if buttons:
            return {"button": buttons[0]}
        return {"text": FALLBACK_TEXT}


class Transcript:
    """What a client has seen of one conversation: every turn by seq, and the latest reply."""

    def __init__(self, assessment_id: int) -> None:
        self.assessment_id = assessment_id
        self.turns: dict[int, dict[str, Any]] = {}

    @property
    def last_seq(self) -> int:
        """The highest seq seen."""
        return max(self.turns, default=0)

    @property
    def reply(self) -> dict[str, Any]:
        """The assistant's latest reply: what the next answer responds to."""
        return self.turns[self.last_seq]["reply"] if self.turns else {}

    @property
    def finished(self) -> bool:
        """Whether the conversation has reached its end."""
        return self.reply.get("phase") == "finished"

    def add(self, turns: list[dict[str, Any]]) -> None:
        """Keep turns from a join, an ack's missed list or an ack's own turn."""
        for turn in turns:
            self.turns[int(turn["seq"])] = turn

    def join(self, client: ChatClient) -> dict[str, Any]:
        """Join (or rejoin) the conversation from the last seq seen, keeping what was missed."""
        ack = client.call("join", {"assessment_id": self.assessment_id, "last_seq": self.last_seq})
        if not ack.get("ok"):
            raise AssertionError(f"join refused: {ack}")
        self.add(ack["turns"])
        return ack

    def message(self, content: Mapping[str, str]) -> dict[str, Any]:
        """A `say` payload for content, with a fresh client id and the last seq seen."""
        return {
            "assessment_id": self.assessment_id,
            "client_id": new_client_id(),
            "last_seq": self.last_seq,
            **content,
        }

    def say(self, client: ChatClient, message: Mapping[str, Any]) -> dict[str, Any]:
        """Send a message until it is acknowledged; refusals to wait are waited out and resent."""
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            ack: dict[str, Any] = client.call("say", dict(message))
            code = None if ack.get("ok") else ack.get("error", {}).get("code")
            if code not in RETRY_CODES or time.monotonic() > deadline:
                self.acknowledged(ack)
                return ack
            # docs/protocol.md: wait a moment and resend with the same client_id.
            time.sleep(RETRY_PAUSE)

    def acknowledged(self, ack: Mapping[str, Any]) -> None:
        """Keep what a successful `say` ack carries."""
        if not ack.get("ok"):
            raise AssertionError(f"say refused: {ack}")
        self.add([*ack.get("missed", []), ack["turn"]])


def hold_whole_conversation(
    base_url: str, person: int, username: str = "morag", export: bool = False
) -> int:
    """Start a carer conversation as `username` and answer it to the end; its id.

    The rate limit allows a connection RATE_LIMIT_EVENTS events a RATE_LIMIT_WINDOW, fewer
    than a whole conversation at a program's pace; rather than wait out the window (tested on
    its own in test_live_chat.py), this takes up a fresh connection, as a tablet that
    reconnects would, and rejoins from the last turn it saw.
    """
    from outcomes_chat.web.chat_events import RATE_LIMIT_EVENTS

    http = login(base_url, username)
    assessment_id = start_conversation(http, base_url, person, export)
    transcript, player = Transcript(assessment_id), Player()
    while not transcript.finished:
        client = ChatClient(base_url, cookie_header(http)).connect()
        try:
            transcript.join(client)
            for _ in range(RATE_LIMIT_EVENTS - 1):
                if transcript.finished:
                    break
                transcript.say(client, transcript.message(player.answer(transcript.reply)))
        finally:
            client.close()
    return assessment_id
