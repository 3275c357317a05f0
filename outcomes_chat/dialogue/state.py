"""The conversation state: a small JSON-serialisable value stored after every turn."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

STATE_VERSION = 1

# Back restores the steps before; a few are enough, and the bound keeps the state small.
UNDO_DEPTH = 10

# Fields that back never rolls back: the turn count, safety notes and worries only grow, and the
# language, a pause and an open safety or stop offer are not steps of the conversation.
NOT_UNDONE = frozenset(
    {
        "turn",
        "safety",
        "concerns",
        "undo",
        "lang",
        "paused",
        "awaiting",
        "version",
        "worker",
        "shared",
    }
)


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
    rating_words: str | None = None  # what was typed with (or instead of) the rating, verbatim
    wish: str | None = None  # after a problem: what the person would like instead, verbatim
    wish_turn: int | None = None
    helps: str | None = None
    barriers: str | None = None
    who_could_help: str | None = None
    earlier_words: list[Said] = field(default_factory=list)
    review_of: str | None = None
    previous_rating: str | None = None
    update: str | None = None
    update_turn: int | None = None


@dataclass
class Concern:
    """A worry said without detail ("no" to "Do you feel safe?"): kept for the team."""

    topic: str
    words: str
    turn: int


@dataclass
class SafetyNote:
    """A safety cue heard: kept for the record so a practitioner sees it first."""

    category: str
    turn: int
    phase: str
    topic: str | None
    words: str
    tier: str = ""  # immediate, safeguarding or wellbeing ("" in states from before tiers)


@dataclass
class State:
    """Where the conversation is, and what has been said that matters."""

    framework: str
    lang: str
    mode: str = "new"
    worker: str | None = None  # the worker's name, said in "I will make sure ... knows today"
    # Whether the person agreed that the team around them sees their words; when not, only
    # the worker who started the conversation does, and the wording says so.
    shared: bool = True
    phase: str = "welcome"
    turn: int = 0
    consent: bool | None = None
    said_first: str | None = None  # words said at the welcome, heard once consent is given
    asked: str | None = None
    topic: str | None = None
    probe: int = 0
    prompted: bool = False  # a gentle "tell me more" was said for the pending question
    done_topics: list[str] = field(default_factory=list)
    skipped_topics: list[str] = field(default_factory=list)
    nothing_to_add_topics: list[str] = field(default_factory=list)
    not_sure_topics: list[str] = field(default_factory=list)
    # Topics asked again because their first answer went to another topic's domain.
    reasked_topics: list[str] = field(default_factory=list)
    pending: list[Candidate] = field(default_factory=list)
    mentions: dict[str, list[Candidate]] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    current: str | None = None
    pick: str | None = None
    # At "which one?", after words that fit several of the list about equally: those ids.
    pick_among: list[str] = field(default_factory=list)
    review_at: str | None = None  # in a review: the outcome agreed last time looked at last
    next_outcome: int = 1
    safety: list[SafetyNote] = field(default_factory=list)
    concerns: list[Concern] = field(default_factory=list)
    paused: str | None = None
    awaiting: str | None = None
    finished: bool = False
    undo: list[dict[str, Any]] = field(default_factory=list)
    version: int = STATE_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The state as plain JSON values, sharing nothing that can change with the state."""
        data = {name: to_plain(getattr(self, name)) for name in _FIELD_NAMES if name != "undo"}
        # Undo patches are made whole by patch_back and never changed in place: a new list of
        # the same patches is a safe copy, and copying them deeply was most of a turn's cost.
        data["undo"] = list(self.undo)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> State:
        """Rebuild a state from to_dict's output (ValueError when it is not one)."""
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError("This is not a conversation state this engine can read.")
        values = {
            key: to_plain(value)
            for key, value in data.items()
            if key in _FIELD_NAMES and key != "undo"
        }
        undo = data.get("undo", [])
        try:
            if not isinstance(undo, list):
                raise TypeError("undo is not a list")
            state = cls(**values, undo=list(undo))
            state.pending = [Candidate(**item) for item in values.get("pending", [])]
            state.mentions = {
                topic: [Candidate(**item) for item in items]
                for topic, items in values.get("mentions", {}).items()
            }
            state.outcomes = [_outcome(item) for item in values.get("outcomes", [])]
            state.safety = [SafetyNote(**item) for item in values.get("safety", [])]
            state.concerns = [Concern(**item) for item in values.get("concerns", [])]
        except (TypeError, AttributeError) as exc:
            raise ValueError(f"The conversation state is damaged ({exc}).") from exc
        return state

    def outcome(self, outcome_id: str | None) -> Outcome | None:
        """The outcome with this id, if it is (still) there."""
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        return None

    def snapshot(self) -> dict[str, Any]:
        """The part of the state that back restores."""
        return {name: to_plain(getattr(self, name)) for name in _UNDONE_FIELDS}

    def remember_for_back(self, before: dict[str, Any]) -> None:
        """Keep how to undo this step, if it changed anything back restores.

        Only the difference is kept, so the undo stack stays small however long the
        conversation. A step that changes nothing back restores pushes nothing, so the newest
        entry always applies to the current snapshot.
        """
        after = self.snapshot()
        if before != after:
            self.undo = [*self.undo, patch_back(after, before)][-UNDO_DEPTH:]

    def go_back(self) -> bool:
        """Restore the state before the last step; False when there is none."""
        if not self.undo:
            return False
        before = apply_patch(self.snapshot(), self.undo[-1])
        restored = State.from_dict({**before, **self._kept_on_back()})
        restored.undo = self.undo[:-1]
        self.__dict__.update(restored.__dict__)
        return True

    def _kept_on_back(self) -> dict[str, Any]:
        return {key: to_plain(getattr(self, key)) for key in NOT_UNDONE}


_FIELD_NAMES = tuple(f.name for f in fields(State))
_UNDONE_FIELDS = tuple(name for name in _FIELD_NAMES if name not in NOT_UNDONE)


def to_plain(value: Any) -> Any:
    """A copy of a value as JSON types: dataclasses become dicts, lists and dicts are copied."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, list):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: to_plain(item) for key, item in value.items()}
    if is_dataclass(value):
        return {key: to_plain(item) for key, item in vars(value).items()}
    return value


def _outcome(item: dict[str, Any]) -> Outcome:
    values = dict(item)
    values["earlier_words"] = [Said(**said) for said in item.get("earlier_words", [])]
    return Outcome(**values)


def patch_back(after: Any, before: Any) -> Any:
    """A JSON patch that turns `after` back into `before`, holding only what differs.

    {"=": value} replaces; {"d": {key: patch}, "x": [keys]} patches a dict and drops keys;
    {"l": length, "i": {index: patch}, "t": [items]} patches a list, cut or extended.
    """
    if isinstance(after, dict) and isinstance(before, dict):
        return {
            "d": {
                key: patch_back(after.get(key), value)
                for key, value in before.items()
                if key not in after or after[key] != value
            },
            "x": [key for key in after if key not in before],
        }
    if isinstance(after, list) and isinstance(before, list):
        shared = min(len(after), len(before))
        return {
            "l": len(before),
            "i": {
                str(i): patch_back(after[i], before[i])
                for i in range(shared)
                if after[i] != before[i]
            },
            "t": before[shared:],
        }
    return {"=": before}


def apply_patch(value: Any, patch: Any) -> Any:
    """Apply a patch made by patch_back."""
    if "=" in patch:
        return copy.deepcopy(patch["="])
    if "d" in patch:
        mapping = {key: item for key, item in value.items() if key not in patch["x"]}
        for key, inner in patch["d"].items():
            mapping[key] = apply_patch(value.get(key), inner)
        return mapping
    items = list(value[: patch["l"]])
    for index, inner in patch["i"].items():
        items[int(index)] = apply_patch(items[int(index)], inner)
    return [*items, *copy.deepcopy(patch["t"])]
