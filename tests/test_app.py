"""The factory, configuration, database settings, migrations and security headers."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from outcomes_chat import config, create_app, migrate
from outcomes_chat.database import make_engine
from outcomes_chat.outcomes.models import Base


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("OUTCOMES_ENV", raising=False)
    first = config.from_environment(tmp_path)["SECRET_KEY"]
    assert first == config.from_environment(tmp_path)["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_production_requires_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("OUTCOMES_ENV", "production")
    with pytest.raises(config.ConfigError, match="SECRET_KEY must be set"):
        config.from_environment(tmp_path)


def test_database_url_defaults_to_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = config.from_environment(tmp_path)["DATABASE_URL"]
    assert url == f"sqlite:///{tmp_path / 'outcomes.sqlite'}"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
    ],
)
def test_postgres_urls_use_psycopg(given, expected):
    assert config.normalise_database_url(given) == expected


def test_bad_session_minutes_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "soon")
    with pytest.raises(config.ConfigError, match="SESSION_IDLE_MINUTES"):
        config.from_environment(tmp_path)


def test_sqlite_pragmas_are_set_on_every_connection(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    for _ in range(2):
        with engine.connect() as connection:
            pragmas = {
                name: connection.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
            }
        assert pragmas == {
            "journal_mode": "wal",
            "synchronous": 2,
            "busy_timeout": 10000,
            "foreign_keys": 1,
        }
        engine.dispose()


def test_migrations_from_empty_to_head_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    engine = make_engine(url)
    assert inspect(engine).get_table_names() == ["alembic_version"]
    migrate.upgrade(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script(client, make_user):
    from tests.conftest import login

    make_user("amir")
    login(client, "amir")
    for url in ("/login", "/"):
        assert "<script>" not in client.get(url).get_data(as_text=True)


def test_unexpected_errors_show_a_friendly_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["PROPAGATE_UNEXPECTED"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body and "secret detail" not in body


def test_create_app_reads_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    app.extensions["db_engine"].dispose()
