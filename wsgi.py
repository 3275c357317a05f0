"""The production entry point: `app` for a WSGI server, e.g. gunicorn with a threaded worker."""

from outcomes_chat import create_app

app = create_app()
