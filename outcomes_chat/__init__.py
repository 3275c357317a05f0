"""outcomes_chat: a guided conversation for personal outcomes in health and social care."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask

from . import config, database, i18n
from .extensions import babel, csrf, login_manager, socketio

logging.getLogger(__name__).addHandler(logging.NullHandler())


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("OUTCOMES_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder="web/templates",
        static_folder="web/static",
    )
    app.config.from_mapping(config.DEFAULTS)
    if test_config is None:
        app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    else:
        app.config.from_mapping(test_config)
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config.get("SESSION_MAX_AGE")

    # Socket handlers must be declared before socketio.init_app binds them to a server.
    from .web import chat_events, review_events  # noqa: F401

    database.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    socketio.init_app(
        app,
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        cors_allowed_origins=app.config.get("SOCKETIO_ALLOWED_ORIGINS"),
        async_mode="threading",
        max_http_buffer_size=64 * 1024,
    )

    from . import cli
    from .web import admin, auth, chat, downloads, errors, flags, persons, plans, review, security

    cli.init_app(app)

    app.context_processor(_template_globals)
    security.init_app(app)
    errors.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(persons.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(chat.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(flags.bp)
    app.register_blueprint(plans.bp)
    app.register_blueprint(downloads.bp)
    return app


def _template_globals() -> dict[str, Any]:
    from flask_babel import get_locale

    locale = str(get_locale() or i18n.DEFAULT_LOCALE)
    return {
        "current_locale": i18n.html_lang(locale),
        "text_direction": i18n.text_direction(locale),
        "locales": i18n.LOCALES,
    }
