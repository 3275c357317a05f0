"""Fixtures: a migrated database per backend, the app, its clients, and small factories."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from outcomes_chat import create_app, migrate
from outcomes_chat.config import normalise_database_url
from outcomes_chat.database import make_engine
from outcomes_chat.outcomes import accounts
from outcomes_chat.outcomes.models import Agency, Base, Person, PersonKind, Role, User
from outcomes_chat.outcomes.persons import PersonDetails, add_member, create_person
from tests.live import prepare_database

PASSWORD = "correct horse battery"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(
            not POSTGRES_URL, reason="TEST_DATABASE_URL is not set (PostgreSQL tests)"
        ),
    ),
]


_CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_CHEAP_DUMMY_HASH = _CHEAP_HASHER.hash("not-a-real-password")


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Production argon2 costs are deliberately slow; tests only need correct hashing. The
    # dummy hash an unknown username is checked against goes with the hasher: verifying reads
    # the costs from the hash, so a production-cost dummy would cost ~0.3 s a failed login.
    monkeypatch.setattr(accounts, "_hasher", _CHEAP_HASHER)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", _CHEAP_DUMMY_HASH)


def _postgres_url_of_this_worker() -> str:
    """TEST_DATABASE_URL; under pytest-xdist, a database of the worker's own beside it (test_gw0,
    test_gw1, ...), created on first use, since each worker drops and recreates its schema."""
    assert POSTGRES_URL
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return POSTGRES_URL
    admin = create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"{admin.url.database}_{worker}"
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if exists is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return admin.url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated from empty to head, once per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    else:
        url = _postgres_url_of_this_worker()
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated and seeded once through the CLI; the live and browser tests'
    servers get copies of it."""
    folder = tmp_path_factory.mktemp("live-template")
    path = folder / "template.sqlite"
    prepare_database(folder, f"sqlite:///{path}")
    return path


def _empty_tables(app: Flask) -> None:
    engine = app.extensions["db_engine"]
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on a clean, migrated database."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "WTF_CSRF_ENABLED": False,
            "SESSION_IDLE_TIMEOUT": timedelta(minutes=30),
            "SESSION_MAX_AGE": timedelta(hours=8),
        }
    )
    app.instance_path = str(tmp_path / "instance")
    _empty_tables(app)
    yield app
    _empty_tables(app)
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session outside any request, for arranging and checking records."""
    session = app.extensions["db_sessions"]()
    yield session
    session.close()


@pytest.fixture
def make_user(db: Session):
    """Create a user: make_user("amir", role=Role.PRACTITIONER)."""

    def make(
        username: str,
        role: Role = Role.PRACTITIONER,
        agency: Agency = Agency.HEALTH,
        password: str = PASSWORD,
    ) -> User:
        user = accounts.create_user(db, username, username.title(), password, role, agency)
        db.commit()
        return user

    return make


@pytest.fixture
def make_person(db: Session):
    """Create a person led by `lead`, with optional extra members."""

    def make(
        lead: User,
        case_reference: str = "CASE-1",
        members: tuple[User, ...] = (),
        name: str = "Margaret Wilson",
    ) -> Person:
        person = create_person(
            db, PersonDetails(name, case_reference, PersonKind.CARER), lead, "Social worker"
        )
        for member in members:
            add_member(db, person, member, "Nurse")
        db.commit()
        return person

    return make


def login(client: FlaskClient, username: str, password: str = PASSWORD):
    """Post the login form and return the response."""
    return client.post("/login", data={"username": username, "password": password})
