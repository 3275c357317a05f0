"""Chat load: many concurrent conversations against one server process, beside an echo server.

Usage: python benchmarks/chat_load.py [--clients 200] [--processes 4] [--think 0.5 1.0]
                                      [--database-url URL] [--seed 1] [--skip-echo]
                                      [--servers 1 --message-queue redis://...]
                                      [--server-preload FILE] [--py-spy FILE] [--keep]

Starts `outcomes-chat serve` in a subprocess (a temporary instance folder, SQLite unless
--database-url names an empty database, which is migrated and seeded), then runs --clients
python-socketio clients, spread over --processes client processes, each holding a whole carer
conversation from welcome to finished with a think time drawn from --think between turns.
Then the same number of clients, with the same think times, sends the same messages to
benchmarks/echo_server.py (bare Flask-SocketIO, same async mode), whose acks are padded to the
size of the chat server's ack for the same turn. Printed side by side: turn latency (the `say`
round trip, p50/p95/p99/max), turns per second achieved, server peak RSS and CPU, and the
ratios, against the targets: p99 at most 2x the echo server's, server RSS under 300 MB.

Client and server processes share this machine's cores: on a small machine the clients' own
CPU use is part of every figure, for the chat and the echo server alike; CPU used by other
processes during a run is printed too, since it skews the latencies. With the defaults a run
takes about two and a half minutes.

--servers N starts N chat server processes sharing the database and a Socket.IO message
queue (the design's set-up for a service), conversations spread over them round-robin.
--server-preload runs a Python file in the chat server before it serves, to measure a change
(a monkeypatch) before making it; --py-spy records the chat server during the run (CPU samples
of the thread holding the GIL, or wall-clock samples when the file name ends in .idle.txt).
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from tests.live import (  # noqa: E402
    ChatClient,
    LiveServer,
    Lost,
    Player,
    Transcript,
    cookie_header,
    free_port,
    login,
    person_id,
    prepare_database,
    start_conversation,
)

ECHO_SERVER = Path(__file__).resolve().with_name("echo_server.py")
P99_TARGET_RATIO = 2.0
RSS_TARGET_MB = 300.0
RETRY_CODES = frozenset({"rate_limited", "busy"})
RETRY_PAUSE = 0.25
SAMPLE_SECONDS = 0.1


@dataclass(frozen=True)
class Load:
    """What every client process is told."""

    urls: tuple[str, ...]  # conversation n talks to urls[n % len(urls)]
    mode: str  # "chat" or "echo"
    clients: int
    think: tuple[float, float]
    seed: int
    call_timeout: float
    deadline_seconds: float
    person_id: int = 0
    # For the echo run: the messages of one chat conversation and its acks' sizes.
    script: tuple[tuple[dict[str, str], int], ...] = ()
    join_bytes: int = 0


@dataclass
class Outcome:
    """What one client process measured."""

    latencies: list[float] = field(default_factory=list)
    ack_bytes: list[list[int]] = field(default_factory=list)
    contents: list[list[dict[str, str]]] = field(default_factory=list)
    join_bytes: list[int] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    finished: int = 0
    cpu_seconds: float = 0.0
    started_at: float = 0.0
    ended_at: float = 0.0


def _quiet_logs() -> None:
    # A lost connection is counted and reported; the client library need not shout it too.
    logging.basicConfig(level=logging.CRITICAL)


def _size(ack: Any) -> int:
    return len(json.dumps(ack, ensure_ascii=False).encode())


class Conversation:
    """One client: its connection, and the turns of its conversation as it holds it."""

    def __init__(self, load: Load, number: int, client: ChatClient, assessment_id: int) -> None:
        self.load = load
        self.client = client
        self.rng = random.Random(load.seed * 100_003 + number)
        self.transcript = Transcript(assessment_id)
        self.latencies: list[float] = []
        self.ack_bytes: list[int] = []
        self.contents: list[dict[str, str]] = []
        self.join_bytes = 0
        self.refused: Counter[str] = Counter()
        self.error: str | None = None
        self.finished = False

    def join(self) -> None:
        """Join before the clock starts, as a page does when it opens."""
        payload: dict[str, Any] = {"assessment_id": self.transcript.assessment_id, "last_seq": 0}
        if self.load.mode == "echo":
            payload["reply_bytes"] = self.load.join_bytes
            self.join_bytes = _size(self.client.call("join", payload))
            return
        ack = self.client.call("join", payload)
        if not ack.get("ok"):
            raise RuntimeError(f"join refused: {ack}")
        self.transcript.add(ack["turns"])
        self.join_bytes = _size(ack)

    def run(self, deadline: float) -> None:
        """Think, answer, wait for the ack; until the conversation ends."""
        low, high = self.load.think
        time.sleep(self.rng.uniform(0.0, high))  # people do not all start in the same second
        player = Player()
        step = 0
        try:
            while time.monotonic() < deadline:
                if self.load.mode == "echo":
                    if step >= len(self.load.script):
                        self.finished = True
                        return
                    content, reply_bytes = self.load.script[step]
                    message = {**self.transcript.message(content), "reply_bytes": reply_bytes}
                else:
                    if self.transcript.finished:
                        self.finished = True
                        return
                    content = player.answer(self.transcript.reply)
                    message = self.transcript.message(content)
                time.sleep(self.rng.uniform(low, high))
                ack = self._send(message)
                if self.load.mode == "chat":
                    self.transcript.acknowledged(ack)
                self.contents.append(content)
                step += 1
            self.error = "deadline"
        except (Lost, RuntimeError, AssertionError) as error:
            self.error = f"{type(error).__name__}: {error}"

    def _send(self, message: dict[str, Any]) -> dict[str, Any]:
        while True:
            started = time.perf_counter()
            ack: dict[str, Any] = self.client.call("say", message, timeout=self.load.call_timeout)
            elapsed = time.perf_counter() - started
            code = None if ack.get("ok") else ack.get("error", {}).get("code")
            if code in RETRY_CODES:
                # docs/protocol.md: wait a moment and resend with the same client_id.
                self.refused[code] += 1
                time.sleep(RETRY_PAUSE)
                continue
            if code is not None:
                raise RuntimeError(f"say refused: {ack}")
            self.latencies.append(elapsed)
            self.ack_bytes.append(_size(ack))
            return ack


def _open_conversations(load: Load, first: int, count: int) -> list[Conversation]:
    """Log in once per process, start this process's conversations, connect and join each."""
    if load.mode == "echo":
        cookie, ids = "", list(range(first + 1, first + count + 1))
    else:
        # One login serves every server process: they share the database and the secret key.
        http = login(load.urls[0], "morag")
        cookie = cookie_header(http)
        ids = [start_conversation(http, load.urls[0], load.person_id) for _ in range(count)]
    conversations = []
    for number, assessment_id in zip(range(first, first + count), ids, strict=True):
        client = ChatClient(load.urls[number % len(load.urls)], cookie)
        client.connect(wait_timeout=30)
        conversation = Conversation(load, number, client, assessment_id)
        conversation.join()
        conversations.append(conversation)
    return conversations


def client_process(load: Load, first: int, count: int, ready: Any, go: Any, out: Any) -> None:
    """One client process: open its conversations, wait for the start, hold them all."""
    _quiet_logs()
    outcome = Outcome()
    try:
        conversations = _open_conversations(load, first, count)
    except Exception:  # the parent reports it and stops
        ready.put(("failed", traceback.format_exc()))
        return
    ready.put(("ready", ""))
    go.wait()
    deadline = time.monotonic() + load.deadline_seconds
    outcome.started_at = time.time()
    cpu_before = time.process_time()
    threads = [threading.Thread(target=c.run, args=(deadline,)) for c in conversations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.ended_at = time.time()
    outcome.cpu_seconds = time.process_time() - cpu_before
    for conversation in conversations:
        outcome.latencies.extend(conversation.latencies)
        outcome.ack_bytes.append(conversation.ack_bytes)
        outcome.contents.append(conversation.contents)
        outcome.join_bytes.append(conversation.join_bytes)
        outcome.refused.update(conversation.refused)
        outcome.finished += conversation.finished
        if conversation.error:
            outcome.errors.append(conversation.error)
    out.put(outcome)
    for conversation in conversations:
        conversation.client.close(wait=0)
    time.sleep(1)  # let the disconnects go out before the process ends


class Sampler:
    """Samples the server processes' RSS and CPU time while a run goes on."""

    def __init__(self, pids: Sequence[int]) -> None:
        self.processes = [psutil.Process(pid) for pid in pids]
        self.peaks = [p.memory_info().rss for p in self.processes]
        self.idle_rss = max(self.peaks)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.cpu_start = 0.0
        self.cpu_end = 0.0
        self.machine_cpu = 0.0
        self.wall_start = self.wall_end = 0.0

    @property
    def peak_rss(self) -> int:
        """The highest RSS any one server process reached."""
        return max(self.peaks)

    def _cpu(self) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in self.processes)

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            try:
                rss = [p.memory_info().rss for p in self.processes]
            except psutil.Error:
                return
            self.peaks = [max(a, b) for a, b in zip(self.peaks, rss, strict=True)]

    @property
    def seconds(self) -> float:
        """How long the sampling ran."""
        return self.wall_end - self.wall_start

    def start(self) -> None:
        """Note the starting point and sample until stop()."""
        self.wall_start = time.perf_counter()
        self.idle_rss = max(p.memory_info().rss for p in self.processes)
        self.cpu_start = self._cpu()
        psutil.cpu_percent(None)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling and note the end point."""
        self.wall_end = time.perf_counter()
        self.cpu_end = self._cpu()
        self.machine_cpu = psutil.cpu_percent(None)
        self._stop.set()
        self._thread.join()


@dataclass
class RunResult:
    """One run (chat or echo) with all its client processes' outcomes merged."""

    name: str
    outcome: Outcome
    sampler: Sampler
    seconds: float
    load_before: float

    @property
    def server_cpu(self) -> float:
        """The server processes' CPU use while the clients ran, in % of one core."""
        return 100 * (self.sampler.cpu_end - self.sampler.cpu_start) / self.sampler.seconds

    @property
    def client_cpu(self) -> float:
        """The client processes' CPU use while they ran, in % of one core."""
        return 100 * self.outcome.cpu_seconds / self.sampler.seconds

    @property
    def other_cpu(self) -> float:
        """CPU (% of one core) used by processes other than the server and the clients."""
        machine = self.sampler.machine_cpu * (os.cpu_count() or 1)
        return max(0.0, machine - self.server_cpu - self.client_cpu)


def _merge(outcomes: list[Outcome]) -> Outcome:
    merged = Outcome(started_at=min(o.started_at for o in outcomes))
    merged.ended_at = max(o.ended_at for o in outcomes)
    for outcome in outcomes:
        merged.latencies.extend(outcome.latencies)
        merged.ack_bytes.extend(outcome.ack_bytes)
        merged.contents.extend(outcome.contents)
        merged.join_bytes.extend(outcome.join_bytes)
        merged.refused.update(outcome.refused)
        merged.errors.extend(outcome.errors)
        merged.finished += outcome.finished
        merged.cpu_seconds += outcome.cpu_seconds
    return merged


def run_load(
    name: str, load: Load, server_pids: Sequence[int], processes: int, profile: Path | None
) -> RunResult:
    """Start the client processes, release them together, collect what they measured."""
    context = mp.get_context("spawn")
    ready, out, go = context.Queue(), context.Queue(), context.Event()
    shares = [load.clients // processes + (i < load.clients % processes) for i in range(processes)]
    workers, first = [], 0
    for share in shares:
        if share:
            worker = context.Process(
                target=client_process, args=(load, first, share, ready, go, out)
            )
            worker.start()
            workers.append(worker)
            first += share
    for _ in workers:
        status, detail = ready.get(timeout=300)
        if status != "ready":
            for worker in workers:
                worker.kill()
            raise SystemExit(f"a client process could not start its conversations:\n{detail}")
    load_before = os.getloadavg()[0]
    sampler = Sampler(server_pids)
    spy = _start_py_spy(server_pids[0], profile)
    sampler.start()
    started = time.perf_counter()
    go.set()
    outcomes = [out.get(timeout=load.deadline_seconds + 120) for _ in workers]
    seconds = time.perf_counter() - started
    sampler.stop()
    for worker in workers:
        worker.join(timeout=30)
    if spy is not None:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        spy.wait(timeout=120)
    merged = _merge(outcomes)
    elapsed = merged.ended_at - merged.started_at or seconds
    return RunResult(name, merged, sampler, elapsed, load_before)


def _start_py_spy(pid: int, profile: Path | None) -> subprocess.Popen[bytes] | None:
    if profile is None:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("py-spy is not installed: pip install py-spy; no profile taken.", file=sys.stderr)
        return None
    fmt = "speedscope" if profile.suffix == ".json" else "raw" if profile.suffix == ".txt" else ""
    # Non-blocking sampling at a modest rate: pausing hundreds of threads would be the load.
    command = [spy, "record", "--pid", str(pid), "--rate", "50", "--nonblocking"]
    # A name ending in .idle.txt asks for wall-clock samples (waits included), else CPU (GIL).
    command += ["--idle"] if profile.name.endswith(".idle.txt") else ["--gil"]
    command += ["--output", str(profile)]
    if fmt:
        command += ["--format", fmt]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def echo_script(chat: Outcome) -> tuple[tuple[tuple[dict[str, str], int], ...], int]:
    """The messages of the commonest full conversation, with each turn's median ack size."""
    lengths = Counter(len(contents) for contents in chat.contents if contents)
    if not lengths:
        raise SystemExit("no chat conversation got anywhere; see the server log")
    length = lengths.most_common(1)[0][0]
    same = [i for i, contents in enumerate(chat.contents) if len(contents) == length]
    sizes = [
        int(statistics.median(chat.ack_bytes[i][turn] for i in same)) for turn in range(length)
    ]
    joins = [size for size in chat.join_bytes if size]
    join_size = int(statistics.median(joins)) if joins else 0
    return tuple(zip(chat.contents[same[0]], sizes, strict=True)), join_size


def _latency_ms(share: float) -> Callable[[RunResult], float]:
    return lambda run: 1000 * percentile(run.outcome.latencies, share)


def _mean_ack_bytes(run: RunResult) -> float:
    return statistics.fmean([b for sizes in run.outcome.ack_bytes for b in sizes] or [0])


# (label, value of a run, format, whether the chat/echo ratio is shown)
METRICS: tuple[tuple[str, Callable[[RunResult], float], str, bool], ...] = (
    ("conversations finished", lambda r: r.outcome.finished, "{:.0f}", False),
    ("turns acknowledged", lambda r: len(r.outcome.latencies), "{:.0f}", False),
    ("conversations failed", lambda r: len(r.outcome.errors), "{:.0f}", False),
    (
        "refused and resent (rate_limited, busy)",
        lambda r: sum(r.outcome.refused.values()),
        "{:.0f}",
        False,
    ),
    ("turn latency p50 (ms)", _latency_ms(0.50), "{:.1f}", True),
    ("turn latency p95 (ms)", _latency_ms(0.95), "{:.1f}", True),
    ("turn latency p99 (ms)", _latency_ms(0.99), "{:.1f}", True),
    ("turn latency max (ms)", _latency_ms(1.0), "{:.1f}", True),
    ("mean ack size (bytes)", _mean_ack_bytes, "{:.0f}", False),
    ("turns per second", lambda r: len(r.outcome.latencies) / r.seconds, "{:.1f}", True),
    ("run time (s)", lambda r: r.seconds, "{:.1f}", False),
    ("server RSS before the load (MB)", lambda r: r.sampler.idle_rss / 2**20, "{:.1f}", False),
    ("server peak RSS, one process (MB)", lambda r: r.sampler.peak_rss / 2**20, "{:.1f}", True),
    ("server CPU, all processes (% of one core)", lambda r: r.server_cpu, "{:.1f}", True),
    ("client processes CPU (% of one core)", lambda r: r.client_cpu, "{:.1f}", False),
    ("whole machine CPU (% of all cores)", lambda r: r.sampler.machine_cpu, "{:.1f}", False),
    # What neither the server nor our clients used: other work on the machine skews the figures.
    ("other processes CPU (% of one core)", lambda r: r.other_cpu, "{:.1f}", False),
    ("load average (1 min) before the run", lambda r: r.load_before, "{:.2f}", False),
)


def _row(label: str, chat: str, echo: str, ratio: str = "") -> str:
    return f"  {label:<40}{chat:>14}{echo:>14}{ratio:>10}"


def report(
    args: argparse.Namespace, database: str, chat: RunResult, echo: RunResult | None
) -> None:
    """Print both runs side by side, and the targets."""
    print()
    print(
        f"Chat load: {args.clients} concurrent conversations, {args.processes} client processes "
        f"(threads inside), think time {args.think[0]:g}-{args.think[1]:g} s between turns, "
        f"seed {args.seed}"
    )
    print(f"Database: {database}")
    if args.servers > 1:
        print(
            f"Chat servers: {args.servers} processes sharing the database, message queue "
            f"{args.message_queue}; conversations spread round-robin; the echo server is one."
        )
    print(
        f"Machine: {os.cpu_count()} cores, shared by the server and the client processes: the "
        "clients' CPU use competes with the server's in every figure below."
    )
    print(_row("", "outcomes_chat", "echo server", "ratio"))
    for label, value, fmt, with_ratio in METRICS:
        mine = value(chat)
        theirs = value(echo) if echo else None
        ratio = f"{mine / theirs:.2f}x" if with_ratio and theirs else ""
        print(_row(label, fmt.format(mine), "-" if theirs is None else fmt.format(theirs), ratio))
    for run in (chat, echo):
        if run and run.outcome.errors:
            print(f"  {run.name}: failures: {Counter(run.outcome.errors).most_common(3)}")
    print()
    chat_p99 = _latency_ms(0.99)(chat)
    if echo is not None:
        echo_p99 = _latency_ms(0.99)(echo)
        limit = P99_TARGET_RATIO * echo_p99
        verdict = "met" if chat_p99 <= limit else "MISSED"
        print(
            f"Target p99 <= {P99_TARGET_RATIO:g}x echo: {verdict} "
            f"({chat_p99:.1f} ms vs {limit:.1f} ms allowed; {chat_p99 / echo_p99:.2f}x)"
        )
    rss = chat.sampler.peak_rss / 2**20
    verdict = "met" if rss < RSS_TARGET_MB else "MISSED"
    print(f"Target server memory < {RSS_TARGET_MB:g} MB: {verdict} (peak RSS {rss:.1f} MB)")


def preloaded_server_command(preload: Path, port: int) -> list[str]:
    """`outcomes-chat serve` that first runs a Python file: to measure a patch before making it."""
    boot = (
        "import runpy, sys; runpy.run_path(sys.argv.pop(1)); "
        "from outcomes_chat.cli import main; main()"
    )
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-c", boot, str(preload.resolve()), *serve]


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200, help="concurrent conversations")
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(0.5, 1.0),
        metavar=("MIN", "MAX"),
        help="seconds a person takes before each answer, drawn uniformly",
    )
    parser.add_argument("--database-url", help="an empty database to use instead of SQLite")
    parser.add_argument("--seed", type=int, default=1, help="seeds the think times")
    parser.add_argument(
        "--call-timeout", type=float, default=60.0, help="seconds to wait for an ack"
    )
    parser.add_argument("--max-seconds", type=float, default=600.0, help="a run stops after this")
    parser.add_argument("--skip-echo", action="store_true", help="measure the chat server only")
    parser.add_argument(
        "--py-spy", type=Path, help="record the chat server with py-spy to this file"
    )
    parser.add_argument("--servers", type=int, default=1, help="chat server processes")
    parser.add_argument(
        "--message-queue",
        default=os.environ.get("TEST_REDIS_URL"),
        help="Socket.IO message queue for --servers above 1 (default: $TEST_REDIS_URL)",
    )
    parser.add_argument(
        "--server-preload",
        type=Path,
        help="a Python file the chat server runs first: to measure a patch (a monkeypatch)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the instance folder and logs")
    return parser.parse_args(argv)


def start_servers(args: argparse.Namespace, instance: Path, database: str) -> list[LiveServer]:
    """The chat server processes: one, or --servers sharing the database and a message queue."""
    extra = {"SOCKETIO_MESSAGE_QUEUE": args.message_queue} if args.servers > 1 else {}
    servers = []
    for _ in range(args.servers):
        server = LiveServer(instance, database, extra_env=extra)
        if args.server_preload:
            server.command = preloaded_server_command(args.server_preload, server.port)
        servers.append(server.start())
    return servers


def main(argv: Sequence[str]) -> int:
    """Run the chat server under load, then the echo server, and print the comparison."""
    args = parse_args(argv)
    if args.servers > 1 and not args.message_queue:
        raise SystemExit("--servers above 1 needs --message-queue (or TEST_REDIS_URL)")
    instance = Path(tempfile.mkdtemp(prefix="chat-load-"))
    database = args.database_url or f"sqlite:///{instance / 'outcomes.sqlite'}"
    print(f"Instance folder: {instance}", flush=True)
    try:
        prepare_database(instance, database)
        servers = start_servers(args, instance, database)
        try:
            load = Load(
                urls=tuple(server.url for server in servers),
                mode="chat",
                clients=args.clients,
                think=(args.think[0], args.think[1]),
                seed=args.seed,
                call_timeout=args.call_timeout,
                deadline_seconds=args.max_seconds,
                person_id=person_id(database),
            )
            urls = ", ".join(load.urls)
            print(f"Chat run: {args.clients} conversations against {urls} ...", flush=True)
            pids = [server.pid for server in servers]
            chat = run_load("outcomes_chat", load, pids, args.processes, args.py_spy)
        finally:
            for server in servers:
                server.stop()
        echo = None
        if not args.skip_echo:
            echo = run_echo(args, instance, database, chat, load)
        report(args, database, chat, echo)
        if chat.outcome.errors:
            logs = ", ".join(str(server.log_path) for server in servers)
            print(f"Server logs: {logs}" if args.keep else "(--keep keeps the server logs)")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(instance, ignore_errors=True)


def run_echo(
    args: argparse.Namespace, instance: Path, database: str, chat: RunResult, load: Load
) -> RunResult:
    """The same clients, think times and messages against one bare echo server process."""
    script, join_bytes = echo_script(chat.outcome)
    port = free_port()
    command = [sys.executable, str(ECHO_SERVER), "--port", str(port)]
    echo_server = LiveServer(instance, database, port=port, command=command)
    echo_server.start(ready_path="/health")
    try:
        echo_load = Load(
            urls=(echo_server.url,),
            mode="echo",
            clients=args.clients,
            think=load.think,
            seed=args.seed,
            call_timeout=args.call_timeout,
            deadline_seconds=args.max_seconds,
            script=script,
            join_bytes=join_bytes,
        )
        print(f"Echo run: {args.clients} clients against {echo_server.url} ...", flush=True)
        return run_load("echo", echo_load, [echo_server.pid], args.processes, None)
    finally:
        echo_server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
