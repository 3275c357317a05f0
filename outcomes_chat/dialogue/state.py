"""The conversation state: a small JSON-serialisable value stored after every turn."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields
from typing import Any

STATE_VERSION = 1

# Back restores the steps before; a few are enough, and the bound keeps the state small.
UNDO_DEPTH = 10

# Fields that back never rolls back: the turn count and safety notes only grow, and the
# language, a pause and an open safety or stop offer are not steps of the conversation.
NOT_UNDONE = frozenset({"turn", "safety", "undo", "lang", "paused", "awaiting", "version"})


@dataclass
class Said:
    """Words the person said, verbatim (trimmed), with the turn they came from."""

    words: str
    turn: int | None


@dataclass
class Candidate:
    """Words heard for one or more domains, waiting to be reflected back or remembered."""

    domains: list[str]
    words: str
    turn: int


@dataclass
class Outcome:
    """One thing that matters to the person, in their own words."""

    id: str
    domains: list[str]
    words: str
    turn: int | None
    rating: str | None = None
    helps: str | None = None
    barriers: str | None = None
    who_could_help: str | None = None
    earlier_words: list[Said] = field(default_factory=list)
    review_of: str | None = None
    previous_rating: str | None = None
    update: str | None = None
    update_turn: int | None = None


@dataclass
class SafetyNote:
    """A safety cue heard: kept for the record so a practitioner sees it first."""

    category: str
    turn: int
    phase: str
    topic: str | None
    words: str


@dataclass
class State:
    """Where the conversation is, and what has been said that matters."""

    framework: str
    lang: str
    mode: str = "new"
    phase: str = "welcome"
    turn: int = 0
    consent: bool | None = None
    asked: str | None = None
    topic: str | None = None
    probe: int = 0
    done_topics: list[str] = field(default_factory=list)
    skipped_topics: list[str] = field(default_factory=list)
    nothing_to_add_topics: list[str] = field(default_factory=list)
    not_sure_topics: list[str] = field(default_factory=list)
    pending: list[Candidate] = field(default_factory=list)
    mentions: dict[str, list[Candidate]] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    current: str | None = None
    pick: str | None = None
    next_outcome: int = 1
    safety: list[SafetyNote] = field(default_factory=list)
    paused: str | None = None
    awaiting: str | None = None
    finished: bool = False
    undo: list[dict[str, Any]] = field(default_factory=list)
    version: int = STATE_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The state as plain JSON values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> State:
        """Rebuild a state from to_dict's output (ValueError when it is not one)."""
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError("This is not a conversation state this engine can read.")
        known = {f.name for f in fields(cls)}
        values = {key: copy.deepcopy(value) for key, value in data.items() if key in known}
        try:
            state = cls(**values)
        except TypeError as exc:
            raise ValueError(f"The conversation state is incomplete ({exc}).") from exc
        state.pending = [Candidate(**item) for item in data.get("pending", [])]
        state.mentions = {
            topic: [Candidate(**item) for item in items]
            for topic, items in data.get("mentions", {}).items()
        }
        state.outcomes = [_outcome(item) for item in data.get("outcomes", [])]
        state.safety = [SafetyNote(**item) for item in data.get("safety", [])]
        return state

    def outcome(self, outcome_id: str | None) -> Outcome | None:
        """The outcome with this id, if it is (still) there."""
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        return None

    def snapshot(self) -> dict[str, Any]:
        """The part of the state that back restores."""
        return {key: value for key, value in self.to_dict().items() if key not in NOT_UNDONE}

    def remember_for_back(self, before: dict[str, Any]) -> None:
        """Keep the snapshot taken before this step, if the step changed anything back restores."""
        if before != self.snapshot():
            self.undo = [*self.undo, before][-UNDO_DEPTH:]

    def go_back(self) -> bool:
        """Restore the previous step's snapshot; False when there is none."""
        if not self.undo:
            return False
        restored = State.from_dict({**self.undo[-1], **self._kept_on_back()})
        restored.undo = self.undo[:-1]
        self.__dict__.update(restored.__dict__)
        return True

    def _kept_on_back(self) -> dict[str, Any]:
        data = self.to_dict()
        return {key: data[key] for key in NOT_UNDONE}


def _outcome(item: dict[str, Any]) -> Outcome:
    values = dict(item)
    values["earlier_words"] = [Said(**said) for said in item.get("earlier_words", [])]
    return Outcome(**values)
