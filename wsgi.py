"""The production entry point: `app` for a WSGI server, e.g. gunicorn with a threaded worker.

Every framework's content is loaded and checked before the first request, as `serve` does:
in production a required local number left empty in prompts/signposting.yaml stops the
server here, with a sentence saying which.
"""

from outcomes_chat import create_app
from outcomes_chat.web.engines import load_engines

app = create_app()
with app.app_context():
    load_engines()
