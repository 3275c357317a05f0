"""Fixtures for live tests: a seeded database template, fresh copies of it, and servers."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from outcomes_chat.config import normalise_database_url

from . import LiveServer, copy_sqlite, prepare_database

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")


@dataclass(frozen=True)
class Database:
    """A migrated database with the demo team, and the instance folder that goes with it."""

    url: str
    instance_path: Path


@pytest.fixture
def fresh_sqlite(seeded_sqlite: Path, tmp_path: Path) -> Database:
    """A private copy of the seeded database, so a test's turns are the only ones in it."""
    instance = tmp_path / "instance"
    path = instance / "outcomes.sqlite"
    copy_sqlite(seeded_sqlite, path)
    return Database(f"sqlite:///{path}", instance)


@contextmanager
def _postgres_database(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a copy of `template`, if given), beside the one the main
    suite drops and recreates; dropped afterwards. Yields its URL."""
    assert POSTGRES_URL
    name = f"outcomes_live_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def seeded_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The name of a PostgreSQL database migrated and seeded once through the CLI; tests get
    copies of it. Nothing connects to it after seeding, as a template must be left."""
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set (PostgreSQL tests)")
    with _postgres_database() as url:
        prepare_database(tmp_path_factory.mktemp("live-template-postgres"), url)
        yield str(make_url(url).database)


@pytest.fixture
def fresh_postgres(seeded_postgres: str, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the seeded PostgreSQL database, so a test's turns are the only ones in
    it."""
    instance = tmp_path / "instance"
    instance.mkdir(parents=True)
    with _postgres_database(template=seeded_postgres) as url:
        yield Database(url, instance)


def start_ids_at_random(database: Database) -> int:
    """Make the next conversation's id random; returns it.

    Room names hold conversation ids, and every test run on one Redis shares its channel: two
    runs at once (two engineers, say) must not hear each other's turns for "conversation:1".
    """
    start = random.SystemRandom().randrange(10**6, 10**9)
    engine = create_engine(normalise_database_url(database.url))
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT setval(pg_get_serial_sequence('assessments', 'id'), :start)"),
                    {"start": start},
                )
            else:
                # SQLite numbers a new row max(id) + 1: a finished placeholder sets where ids go on.
                connection.execute(
                    text(
                        "INSERT INTO assessments (id, person_id, framework, language, status, "
                        "state, last_seq, phase, safety_flag, started_at, updated_at) "
                        "SELECT :start, id, 'carer', 'en', 'finished', '{}', 0, 'finished', 0, "
                        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM persons ORDER BY id LIMIT 1"
                    ),
                    {"start": start},
                )
    finally:
        engine.dispose()
    return start + 1


ServerFactory = Callable[..., LiveServer]


@pytest.fixture
def make_server() -> Iterator[ServerFactory]:
    """Start servers on a database; every one of them is stopped after the test."""
    started: list[LiveServer] = []

    def make(database: Database, extra_env: Mapping[str, str] | None = None) -> LiveServer:
        server = LiveServer(database.instance_path, database.url, extra_env=extra_env)
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.stop()
