"""Fixtures for the browser tests: a live server in a subprocess, Chromium, a logged-in tablet.

The tests need Debian's Chromium at /usr/bin/chromium (or CHROMIUM_PATH) and the `playwright`
package; without either they are skipped with the reason. Nothing is downloaded: Playwright
drives the system browser through `executable_path`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.live import DEMO_PASSWORD, cli_command, copy_sqlite, free_port, server_env

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium phones home, and this closed network refuses its connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
PIN = "2468"
TABLET: ViewportSize = {"width": 820, "height": 1180}
TABLET_LANDSCAPE: ViewportSize = {"width": 1180, "height": 820}
START_SECONDS = 30.0


def unavailable_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    for module in ("playwright", "axe_playwright_python"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test here `browser`, and skip them all with the reason when they cannot run."""
    here = Path(__file__).parent
    reason = unavailable_reason()
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class LiveServer:
    """`outcomes-chat serve` on a free port, on its own migrated and seeded SQLite file."""

    folder: Path
    extra_env: Mapping[str, str]
    port: int = 0
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.folder / "o.sqlite"

    def env(self) -> dict[str, str]:
        return server_env(self.folder, f"sqlite:///{self.database}", self.extra_env)

    def prepare(self, seeded: Path) -> LiveServer:
        """Give the server its own copy of the migrated and seeded database."""
        copy_sqlite(seeded, self.database)
        return self

    def start(self) -> LiveServer:
        self.port = self.port or free_port()
        log = (self.folder / "server.log").open("a")
        self.process = subprocess.Popen(
            [*cli_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/login", timeout=2).status_code == 200:
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer within {START_SECONDS} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text() if path.exists() else ""

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the server's database directly (SQLite in WAL mode allows a reader)."""
        with contextlib.closing(sqlite3.connect(self.database, timeout=10)) as connection:
            return list(connection.execute(sql, params).fetchall())


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, seeded_sqlite: Path) -> Iterator[LiveServer]:
    """One server for the browser tests, with the default hand-over idle time."""
    live = LiveServer(tmp_path_factory.mktemp("browser-server"), {})
    live.prepare(seeded_sqlite).start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def quick_lock_server(
    tmp_path_factory: pytest.TempPathFactory, seeded_sqlite: Path
) -> Iterator[LiveServer]:
    """A server whose handed-over tablet locks after 25 quiet seconds."""
    live = LiveServer(
        tmp_path_factory.mktemp("browser-quick-lock"), {"HANDOVER_IDLE_SECONDS": "25"}
    )
    live.prepare(seeded_sqlite).start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, without its background traffic."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh tablet: portrait, touch, no cookies."""
    context = browser.new_context(
        viewport=TABLET, has_touch=True, device_scale_factor=1, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@dataclass
class Tablet:
    """A page on the live server with the practitioner's steps as helpers."""

    page: Page
    server: LiveServer
    errors: list[str]

    def goto(self, path: str) -> None:
        self.page.goto(self.server.url + path)

    def log_in(self, username: str = "morag") -> None:
        self.goto("/login")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(DEMO_PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_url(lambda url: not url.endswith("/login"))

    def open_person(self, name: str = "Margaret Wilson") -> int:
        self.goto("/")
        self.page.get_by_role("link", name=name).first.click()
        self.page.get_by_role("heading", level=1, name=name).wait_for()
        return int(self.page.url.split("#")[0].rstrip("/").rsplit("/", 1)[1])

    def start_conversation(self) -> int:
        """From the person page: start a carer conversation with every consent ticked."""
        self.page.get_by_role("link", name="Start a conversation").click()
        for label in (
            "They agree that what they say is saved",
            "They agree that it is shared with the team around them",
            "They agree that it is copied to their case file",
        ):
            self.page.get_by_label(label).check()
        self.page.get_by_role("button", name="Start the conversation").click()
        self.page.wait_for_url("**/conversations/*")
        return int(self.page.url.split("#")[0].rstrip("/").rsplit("/", 1)[1])

    def hand_over(self, pin: str = PIN) -> None:
        self.page.get_by_label("A PIN to unlock", exact=False).fill(pin)
        self.page.get_by_role("button", name="Hand over the tablet").click()
        self.page.get_by_role("link", name="Practitioner: unlock").wait_for()

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def tablet_for(context: BrowserContext) -> Callable[[LiveServer], Tablet]:
    """A tablet on a given server; page errors and console errors are collected."""

    def make(live: LiveServer) -> Tablet:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
        page.on(
            "console",
            lambda message: (
                errors.append(f"console: {message.text}") if message.type == "error" else None
            ),
        )
        return Tablet(page, live, errors)

    return make


@pytest.fixture
def tablet(tablet_for: Callable[[LiveServer], Tablet], server: LiveServer) -> Tablet:
    """A tablet on the shared server, logged in as Morag, Margaret's lead professional."""
    made = tablet_for(server)
    made.log_in()
    return made
