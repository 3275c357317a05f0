"""Configuration read from the environment, with safe defaults for a laptop."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The environment does not describe a usable configuration."""


def _instance_secret_key(instance_path: Path) -> str:
    """Read the local secret key, creating it once so sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Create with owner-only permissions before writing the key.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _minutes(name: str, default: int) -> timedelta:
    raw = os.environ.get(name, "")
    try:
        return timedelta(minutes=int(raw)) if raw else timedelta(minutes=default)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number of minutes, not {raw!r}.") from exc


def _seconds(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        value = int(raw) if raw else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number of seconds, not {raw!r}.") from exc
    if value < 1:
        raise ConfigError(f"{name} must be at least 1 second, not {raw!r}.")
    return value


def from_environment(instance_path: Path) -> dict[str, object]:
    """Build the app's configuration from environment variables."""
    production = os.environ.get("OUTCOMES_ENV", "development") == "production"
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set when OUTCOMES_ENV=production.")
        secret_key = _instance_secret_key(instance_path)
    database_url = os.environ.get("DATABASE_URL", f"sqlite:///{instance_path / 'outcomes.sqlite'}")
    return {
        "SECRET_KEY": secret_key,
        "DATABASE_URL": normalise_database_url(database_url),
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        "SESSION_IDLE_TIMEOUT": _minutes("SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_AGE": _minutes("SESSION_LIFETIME_MINUTES", 8 * 60),
        "HANDOVER_IDLE_SECONDS": _seconds("HANDOVER_IDLE_SECONDS", 600),
        "SESSION_COOKIE_SECURE": production,
        "PRODUCTION": production,
        "DIRECTORY_PATH": os.environ.get("OUTCOMES_DIRECTORY") or DEFAULTS["DIRECTORY_PATH"],
    }


def normalise_database_url(url: str) -> str:
    """Accept the common postgres:// spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


DEFAULTS: dict[str, object] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "outcomes_session",
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "en",
    # Times are stored in UTC and shown in the service's own time zone (UK: GMT or BST).
    "BABEL_DEFAULT_TIMEZONE": "Europe/London",
    "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
    "PROMPTS_DIR": str(PROJECT_ROOT / "prompts"),
    # The local directory of support an admin can replace (README: "The local directory").
    "DIRECTORY_PATH": str(PROJECT_ROOT / "prompts" / "directory" / "sample.yaml"),
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "LOGIN_FAILURE_WINDOW": timedelta(minutes=15),
    "LOGIN_ADDRESS_TRUSTED_FOR": timedelta(days=30),
    "HANDOVER_IDLE_SECONDS": 600,
    "HANDOVER_WARNING_SECONDS": 60,
    "CHAT_LINK_DAYS": 7,
    # Socket.IO origins: None means same origin as the page, never "*".
    "SOCKETIO_ALLOWED_ORIGINS": None,
}
