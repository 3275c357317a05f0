"""docs/protocol.md stays true to the engine: its table of question kinds is the engine's."""

from __future__ import annotations

import re
from pathlib import Path

from outcomes_chat.dialogue.phases import PHASES

PROTOCOL = Path(__file__).resolve().parents[1] / "docs" / "protocol.md"


def test_the_documented_question_kinds_are_the_engines() -> None:
    text = PROTOCOL.read_text(encoding="utf-8")
    table = text.split("<!-- phase kinds:", 1)[1].split("\n\n", 1)[0]
    documented = dict(re.findall(r"^\| `([a-z_]+)` \| ([a-z_]+) \|", table, re.MULTILINE))
    assert documented == {phase.value: spec.kind for phase, spec in PHASES.items()}
