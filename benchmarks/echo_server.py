"""A bare Flask-SocketIO echo server: the baseline that benchmarks/chat_load.py compares with.

Usage: python benchmarks/echo_server.py [--host 127.0.0.1] [--port 5001]

Same server stack as `outcomes-chat serve` (Werkzeug, async mode "threading", simple-websocket,
namespace /chat, 64 KiB message limit), and no work: `join` and `say` are acknowledged at once
with the message itself, padded to the `reply_bytes` the client asks for, so each ack is as large
as the chat server's ack for the same turn.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from flask import Flask
from flask_socketio import SocketIO

NAMESPACE = "/chat"
MAX_REPLY_BYTES = 60 * 1024

app = Flask(__name__)
socketio = SocketIO(app, async_mode="threading", max_http_buffer_size=64 * 1024)


@app.get("/health")
def health() -> str:
    """Answers once the server is up."""
    return "ok"


def echo(data: object) -> dict[str, Any]:
    """The message back, padded so the ack's JSON is about reply_bytes long."""
    wanted = data.get("reply_bytes", 0) if isinstance(data, dict) else 0
    wanted = min(wanted, MAX_REPLY_BYTES) if isinstance(wanted, int) else 0
    ack: dict[str, Any] = {"ok": True, "echo": data, "pad": ""}
    ack["pad"] = "x" * max(0, wanted - len(json.dumps(ack)))
    return ack


@socketio.on("join", namespace=NAMESPACE)
def on_join(data: object = None) -> dict[str, Any]:
    """Acknowledge a join with its echo."""
    return echo(data)


@socketio.on("say", namespace=NAMESPACE)
def on_say(data: object = None) -> dict[str, Any]:
    """Acknowledge a message with its echo."""
    return echo(data)


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    args = parser.parse_args(argv)
    socketio.run(app, host=args.host, port=args.port, allow_unsafe_werkzeug=True, log_output=False)


if __name__ == "__main__":
    main()
