"""One input to the conversation: free text, or a pressed button's value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

UserInput = str | Mapping[str, Any]


@dataclass(frozen=True)
class Utterance:
    """One input: free text (trimmed) or a pressed button's value."""

    text: str
    button: str | None


def read_input(user_input: UserInput) -> Utterance:
    """Read free text, {"text": ...} or {"button": value} into an Utterance."""
    if isinstance(user_input, Mapping):
        if "button" in user_input:
            return Utterance(text="", button=str(user_input["button"]))
        user_input = user_input.get("text", "")
    if not isinstance(user_input, str):
        raise TypeError("An input is a string of text or a mapping {'button': value}.")
    return Utterance(text=user_input.strip(), button=None)
