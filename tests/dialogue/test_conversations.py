"""Whole conversations from tests/dialogue/conversations/*.yaml, played and checked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from outcomes_chat.dialogue.engine import Engine
from outcomes_chat.dialogue.script import Script
from outcomes_chat.dialogue.turn import Turn

from .talking import Conversation

FOLDER = Path(__file__).parent / "conversations"
FILES = sorted(FOLDER.glob("*.yaml"))

FRAMEWORKS = frozenset({"carer", "adult"})
FEELINGS = frozenset({"grief", "fear", "exhaustion", "guilt", "low"})
TOP_KEYS = frozenset({"framework", "description", "known_failure", "review", "steps", "expect"})
REVIEW_KEYS = frozenset({"id", "domain", "text", "rating"})
STEP_KEYS = frozenset(
    {"say", "reply_has", "reply_lacks", "reply_order", "phase", "topic"}
    | {"buttons_have", "buttons_lack", "acknowledges"}
)
EXPECT_KEYS = frozenset(
    {"outcomes", "outcome_count", "no_outcome_words", "words_once", "finished", "paused"}
    | {"concerns_topics", "nothing_to_add_topics", "skipped_topics", "not_sure_topics"}
    | {"never_nothing_to_add", "never_concerns", "safety_count"}
)
OUTCOME_KEYS = frozenset(
    {"words", "domain", "rating", "rating_words", "wish", "helps", "barriers", "who_could_help"}
    | {"update", "previous_rating"}
)
TOPIC_LISTS = {
    "concerns_topics": "concerns",
    "nothing_to_add_topics": "nothing_to_add_topics",
    "skipped_topics": "skipped_topics",
    "not_sure_topics": "not_sure_topics",
}
LIST_KEYS = frozenset({"reply_has", "reply_lacks", "reply_order", "buttons_have", "buttons_lack"})
LIST_KEYS |= {"no_outcome_words", "words_once", "never_nothing_to_add", "never_concerns"}
LIST_KEYS |= frozenset(TOPIC_LISTS)


class ConversationFileError(ValueError):
    """A conversation file that does not follow the README's schema."""


@dataclass(frozen=True)
class Played:
    """A conversation file after it has been played: what went wrong, if anything."""

    failures: list[str] = field(default_factory=list)


# -- reading and checking the shape of a file ------------------------------------------------


def load(path: Path) -> dict[str, Any]:
    """Read one conversation file and check its shape, naming the file in any error."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConversationFileError(f"{path.name}: not valid YAML: {error}") from error
    validate(path.name, data)
    return data


def validate(name: str, data: Any) -> None:
    """Raise ConversationFileError naming the file when the data breaks the schema."""
    problems = list(shape_problems(data))
    if problems:
        raise ConversationFileError(f"{name}: " + "; ".join(problems))


def shape_problems(data: Any) -> list[str]:
    """Every way this data breaks the schema in README.md."""
    if not isinstance(data, dict):
        return ["the file must hold a mapping"]
    problems = unknown(data, TOP_KEYS, "top level")
    problems += missing(data, {"framework", "description", "steps", "expect"}, "the top level")
    if data.get("framework") not in FRAMEWORKS:
        problems.append(f"framework must be one of {sorted(FRAMEWORKS)}")
    for key in ("description", "known_failure"):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            problems.append(f"{key} must be a non-empty string")
    problems += review_problems(data.get("review", []))
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        problems.append("steps must be a non-empty list")
    else:
        for number, step in enumerate(steps, start=1):
            problems += [f"step {number}: {p}" for p in step_problems(step)]
    problems += expect_problems(data.get("expect"))
    return problems


def review_problems(review: Any) -> list[str]:
    """What is wrong with the outcomes agreed last time, for a review conversation."""
    if not isinstance(review, list):
        return ["review must be a list of outcomes agreed last time"]
    problems: list[str] = []
    for number, item in enumerate(review, start=1):
        if not isinstance(item, dict) or "text" not in item:
            problems.append(f"review {number}: needs `text`")
            continue
        problems += [f"review {number}: {p}" for p in unknown(item, REVIEW_KEYS, "")]
    return problems


def step_problems(step: Any) -> list[str]:
    """What is wrong with one step."""
    if not isinstance(step, dict):
        return ["a step must be a mapping with `say`"]
    problems = unknown(step, STEP_KEYS, "step") + missing(step, {"say"}, "step")
    said = step.get("say")
    is_button = isinstance(said, dict) and set(said) == {"button"}
    if "say" in step and not (isinstance(said, str) or is_button):
        problems.append("`say` must be text or {button: value}")
    if "acknowledges" in step and step["acknowledges"] not in FEELINGS:
        problems.append(f"acknowledges must be one of {sorted(FEELINGS)}")
    return problems + list_problems(step)


def expect_problems(expect: Any) -> list[str]:
    """What is wrong with the `expect` mapping."""
    if not isinstance(expect, dict):
        return ["expect must be a mapping"]
    problems = [f"expect: {p}" for p in unknown(expect, EXPECT_KEYS, "expect")]
    problems += [f"expect: {p}" for p in list_problems(expect)]
    outcomes = expect.get("outcomes", [])
    if not isinstance(outcomes, list):
        return [*problems, "expect.outcomes must be a list"]
    for number, outcome in enumerate(outcomes, start=1):
        if not isinstance(outcome, dict) or "words" not in outcome:
            problems.append(f"expect.outcomes {number}: needs `words`")
            continue
        problems += [f"expect.outcomes {number}: {p}" for p in unknown(outcome, OUTCOME_KEYS, "")]
    for key in ("finished", "paused"):
        if key in expect and not isinstance(expect[key], bool):
            problems.append(f"expect.{key} must be true or false")
    for key in ("outcome_count", "safety_count"):
        if key in expect and not isinstance(expect[key], int):
            problems.append(f"expect.{key} must be a number")
    return problems


def unknown(data: Mapping[str, Any], allowed: frozenset[str], where: str) -> list[str]:
    """Keys that the schema does not know (a typo must not silently check nothing)."""
    place = f" in {where}" if where else ""
    return [f"unknown key {key!r}{place}" for key in data if key not in allowed]


def missing(data: Mapping[str, Any], needed: set[str], where: str) -> list[str]:
    """Keys the schema needs that are not there."""
    return [f"missing key {key!r} in {where}" for key in sorted(needed) if key not in data]


def list_problems(data: Mapping[str, Any]) -> list[str]:
    """List-valued keys that are not lists of strings."""
    return [
        f"{key} must be a list of strings"
        for key in LIST_KEYS & set(data)
        if not (isinstance(data[key], list) and all(isinstance(v, str) for v in data[key]))
    ]


# -- playing and checking --------------------------------------------------------------------


def play(engine: Engine, data: Mapping[str, Any]) -> Played:
    """Play the steps through the engine (state stored as JSON) and collect every failure."""
    played = Played()
    talk = Conversation(engine)
    talk.start(review_outcomes=data.get("review") or None)
    for number, step in enumerate(data["steps"], start=1):
        turn = talk.say(step["say"])
        label = f"step {number} ({json.dumps(step['say'])})"
        failures = step_failures(step, turn) + acknowledged(step, turn, engine.script)
        played.failures.extend(f"{label}: {p}" for p in failures)
    played.failures.extend(record_failures(data["expect"], talk.record))
    return played


def step_failures(step: Mapping[str, Any], turn: Turn) -> list[str]:
    """Where the reply to one input differs from what the step expects."""
    reply = turn.text
    failures = [
        f"reply lacks {s!r}: {reply!r}" for s in step.get("reply_has", []) if s not in reply
    ]
    failures += [f"reply has {s!r}: {reply!r}" for s in step.get("reply_lacks", []) if s in reply]
    if not in_order(reply, step.get("reply_order", [])):
        failures.append(f"reply does not say {step['reply_order']!r} in order: {reply!r}")
    if "phase" in step and turn.phase != step["phase"]:
        failures.append(f"phase is {turn.phase!r}, expected {step['phase']!r}; reply {reply!r}")
    topic = turn.state.get("topic")
    if "topic" in step and topic != step["topic"]:
        failures.append(f"topic is {topic!r}, expected {step['topic']!r}")
    return failures + button_failures(step, turn)


def acknowledged(step: Mapping[str, Any], turn: Turn, script: Script) -> list[str]:
    """The script's line for the feeling is said before any quoted reflection."""
    feeling = step.get("acknowledges")
    if feeling is None:
        return []
    line = script.acknowledgements.get(feeling)
    if line is None:
        return [f"the script has no acknowledgement for {feeling!r}"]
    reply = turn.text
    if line not in reply.split('"')[0]:
        return [f"{feeling} is not acknowledged ({line!r}) before the reflection: {reply!r}"]
    return []


def in_order(text: str, parts: list[str]) -> bool:
    """Each part appears in the text, each after the one before."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


def button_failures(step: Mapping[str, Any], turn: Turn) -> list[str]:
    """Button labels that should or should not be offered with the reply."""
    labels = [button.label for message in turn.messages for button in message.buttons]
    failures = [
        f"no button {s!r}: {labels}" for s in step.get("buttons_have", []) if s not in labels
    ]
    return failures + [
        f"a button says {s!r}: {labels}"
        for s in step.get("buttons_lack", [])
        if any(s.casefold() in label.casefold() for label in labels)
    ]


def record_failures(expect: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """Where the record differs from what the file expects."""
    outcomes = record["outcomes"]
    words = [outcome["words"] for outcome in outcomes]
    failures = [
        p for wanted in expect.get("outcomes", []) for p in outcome_failures(wanted, outcomes)
    ]
    if "outcome_count" in expect and len(outcomes) != expect["outcome_count"]:
        failures.append(f"{len(outcomes)} outcomes, expected {expect['outcome_count']}: {words}")
    failures += [f"an outcome is {s!r}" for s in expect.get("no_outcome_words", []) if s in words]
    for part in expect.get("words_once", []):
        holding = [w for w in words if part in w]
        if len(holding) > 1:
            failures.append(f"{part!r} is in {len(holding)} outcomes: {holding}")
    return failures + flag_failures(expect, record)


def outcome_failures(wanted: Mapping[str, Any], outcomes: list[dict[str, Any]]) -> list[str]:
    """The outcome with these exact words is there, with the fields the file gives."""
    same = [outcome for outcome in outcomes if outcome["words"] == wanted["words"]]
    if not same:
        return [f"no outcome {wanted['words']!r}; outcomes: {[o['words'] for o in outcomes]}"]
    return [
        f"outcome {wanted['words']!r}: {key} is {same[0].get(key)!r}, expected {value!r}"
        for key, value in wanted.items()
        if same[0].get(key) != value
    ]


def flag_failures(expect: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """Topic notes, concerns, safety flags and whether it finished or paused."""
    noted = {key: topics_of(record[field]) for key, field in TOPIC_LISTS.items()}
    failures = [
        f"{topic!r} not in {key}: {noted[key]}"
        for key in TOPIC_LISTS
        for topic in expect.get(key, [])
        if topic not in noted[key]
    ]
    failures += [
        f"{topic!r} is in nothing_to_add_topics"
        for topic in expect.get("never_nothing_to_add", [])
        if topic in noted["nothing_to_add_topics"]
    ]
    failures += [
        f"{t!r} is in concerns"
        for t in expect.get("never_concerns", [])
        if t in noted["concerns_topics"]
    ]
    for key in ("finished", "paused"):
        if key in expect and record[key] != expect[key]:
            failures.append(f"record {key} is {record[key]}, expected {expect[key]}")
    if "safety_count" in expect and len(record["safety"]) != expect["safety_count"]:
        failures.append(f"{len(record['safety'])} safety flags, expected {expect['safety_count']}")
    return failures


def topics_of(entries: list[Any]) -> list[str]:
    """Topic ids from a list of ids or of concerns (mappings with a topic)."""
    return [entry["topic"] if isinstance(entry, dict) else entry for entry in entries]


# -- the tests -------------------------------------------------------------------------------


def test_there_are_enough_conversations_for_both_frameworks() -> None:
    """The suite holds at least 32 conversations, with both frameworks well covered."""
    frameworks = [
        yaml.safe_load(path.read_text(encoding="utf-8")).get("framework") for path in FILES
    ]
    assert len(FILES) >= 32
    assert frameworks.count("carer") >= 12 and frameworks.count("adult") >= 12


def test_an_unknown_key_fails_loudly_naming_the_file() -> None:
    """A misspelt check is an error, never a check that silently passes."""
    data = {
        "framework": "carer",
        "description": "d",
        "steps": [{"say": "hi", "reply_hass": ["x"]}],
        "expect": {"finnished": True, "outcomes": [{"words": "w", "ratting": "met"}]},
    }
    with pytest.raises(ConversationFileError) as raised:
        validate("typo.yaml", data)
    message = str(raised.value)
    assert message.startswith("typo.yaml: ")
    assert all(key in message for key in ("reply_hass", "finnished", "ratting"))


def test_a_failing_expectation_is_reported(carer_script: Script) -> None:
    """The runner notices a wrong expectation (a test that cannot fail is worthless)."""
    data = {
        "framework": "carer",
        "description": "d",
        "steps": [{"say": {"button": "start"}, "reply_has": ["no such words"], "phase": "opener"}],
        "expect": {"finished": True, "outcomes": [{"words": "never said"}]},
    }
    validate("wrong.yaml", data)
    failures = play(Engine(carer_script), data).failures
    assert len(failures) == 4, failures


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_conversation(path: Path, request: pytest.FixtureRequest) -> None:
    """Play one conversation file and check every expectation it holds."""
    data = load(path)
    script: Script = request.getfixturevalue(f"{data['framework']}_script")
    failures = play(Engine(script), data).failures
    known = data.get("known_failure")
    if known and failures:
        pytest.xfail(f"{known} | " + " | ".join(failures))
    if known:
        pytest.fail(f"{path.name} passes now: remove its known_failure marker ({known!r}).")
    assert not failures, f"{path.name}: {data['description']}\n  " + "\n  ".join(failures)
