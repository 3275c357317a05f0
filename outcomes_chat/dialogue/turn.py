"""What one step of the conversation returns: messages to show, the new state, events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    """A quick reply: pressing it sends `value`; `label` is what the person sees."""

    value: str
    label: str

    def to_dict(self) -> dict[str, str]:
        """The button as JSON."""
        return {"value": self.value, "label": self.label}


@dataclass(frozen=True)
class Message:
    """One thing the assistant says (plain text, never HTML), with its quick replies.

    `kind` lets the page style it: "question" is the one message per turn that waits for an
    answer; the others are "info", "safety", "signposting" and "summary".
    """

    text: str
    buttons: tuple[Button, ...] = ()
    kind: str = "info"

    def to_dict(self) -> dict[str, Any]:
        """The message as JSON."""
        return {
            "text": self.text,
            "kind": self.kind,
            "buttons": [button.to_dict() for button in self.buttons],
        }


@dataclass(frozen=True)
class Event:
    """Something that happened in this step, for the record and the people around it."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON: its type plus its data."""
        return {"type": self.type, **self.data}


@dataclass(frozen=True)
class Progress:
    """Topic N of M: how far through the topics the conversation is."""

    topic: int
    of: int

    def to_dict(self) -> dict[str, int]:
        """The progress as JSON."""
        return {"topic": self.topic, "of": self.of}


@dataclass(frozen=True)
class Turn:
    """The result of start or step: say `messages`, store `state`, act on `events`."""

    messages: tuple[Message, ...]
    state: dict[str, Any]
    events: tuple[Event, ...]
    progress: Progress
    phase: str
    controls: tuple[Button, ...] = ()
    # What callers act on, so none of them diffs records or matches event names:
    outcomes_changed: bool = False  # an outcome was recorded, changed or removed in this step
    safety: tuple[dict[str, Any], ...] = ()  # risk heard in this step: category, turn, phase...
    concerns: tuple[dict[str, Any], ...] = ()  # worries noted in this step: topic, words, turn
    finished: bool = False  # the conversation is over; it takes no more answers

    def to_dict(self) -> dict[str, Any]:
        """The turn as JSON."""
        return {
            "messages": [message.to_dict() for message in self.messages],
            "state": self.state,
            "events": [event.to_dict() for event in self.events],
            "progress": self.progress.to_dict(),
            "phase": self.phase,
            "controls": [button.to_dict() for button in self.controls],
            "outcomes_changed": self.outcomes_changed,
            "safety": list(self.safety),
            "concerns": list(self.concerns),
            "finished": self.finished,
        }

    @property
    def question(self) -> Message | None:
        """The message that waits for an answer, if any."""
        for message in self.messages:
            if message.kind == "question":
                return message
        return None

    @property
    def text(self) -> str:
        """Everything said in this turn, one message a paragraph (handy in tests and the CLI)."""
        return "\n\n".join(message.text for message in self.messages)
