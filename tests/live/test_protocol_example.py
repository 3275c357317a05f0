"""The Python example in docs/protocol.md runs, as written, against a live server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from . import DEMO_PASSWORD, person_id
from .conftest import Database, ServerFactory

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
MARKER = "<!-- example: executed by tests/live/test_protocol_example.py -->"


def documented_example() -> str:
    """The fenced Python block that follows the marker in docs/protocol.md."""
    after = PROTOCOL.read_text(encoding="utf-8").split(MARKER, 1)[1]
    block = after.split("```python\n", 1)[1].split("\n```", 1)[0]
    return block + "\n"


def test_the_documented_python_example_runs_against_a_live_server(
    fresh_sqlite: Database, make_server: ServerFactory, tmp_path: Path
) -> None:
    server = make_server(fresh_sqlite)
    script = tmp_path / "example.py"
    script.write_text(documented_example(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        env={
            "OUTCOMES_URL": server.url,
            "OUTCOMES_USERNAME": "morag",
            "OUTCOMES_PASSWORD": DEMO_PASSWORD,
            "OUTCOMES_PERSON_ID": str(person_id(fresh_sqlite.url)),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{server.log()}"
    assert "read back: reflect" in done.stdout
    assert "after the end: finished" in done.stdout
