"""Play a conversation the way the web layer does: the state stored as JSON between steps."""

from __future__ import annotations

import json
from typing import Any

from outcomes_chat.dialogue.engine import Engine, UserInput
from outcomes_chat.dialogue.turn import Turn

YES = {"button": "yes"}
SKIP = {"button": "skip"}
START = {"button": "start"}
MOVE_ON = {"button": "skip_rest"}


class Conversation:
    """Plays inputs through an engine the way the web layer does: state stored as JSON."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.turn: Turn | None = None
        self.turns: list[Turn] = []
        self.inputs: list[UserInput] = []

    def start(self, lang: str = "en", **kwargs: Any) -> Turn:
        self.turn = self.engine.start(lang, **kwargs)
        self.turns = [self.turn]
        return self.turn

    def say(self, *inputs: UserInput) -> Turn:
        """Send each input in turn, storing and reloading the state as JSON between steps."""
        assert self.turn is not None, "start the conversation first"
        for user_input in inputs:
            stored = json.loads(json.dumps(self.turn.state))
            self.turn = self.engine.step(stored, user_input)
            self.turns.append(self.turn)
            self.inputs.append(user_input)
        return self.turn

    def press(self, value: str) -> Turn:
        return self.say({"button": value})

    def begin(self) -> Turn:
        """Welcome, consent: arrive at the opener."""
        self.start()
        return self.say(START, YES)

    @property
    def state(self) -> dict[str, Any]:
        assert self.turn is not None
        return self.turn.state

    @property
    def record(self) -> dict[str, Any]:
        return self.engine.record(self.state)

    @property
    def text(self) -> str:
        assert self.turn is not None
        return self.turn.text

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Every event so far (of one kind), as JSON."""
        found = [event.to_dict() for turn in self.turns for event in turn.events]
        return [event for event in found if kind is None or event["type"] == kind]

    def button_values(self) -> list[str]:
        assert self.turn is not None and self.turn.question is not None
        return [button.value for button in self.turn.question.buttons]


def words_of(record: dict[str, Any]) -> list[str]:
    return [outcome["words"] for outcome in record["outcomes"]]


def domains_of(record: dict[str, Any]) -> list[str | None]:
    return [outcome["domain"] for outcome in record["outcomes"]]
