"""Any sequence of text, buttons and control words keeps the engine sound."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcomes_chat.dialogue.engine import Engine, replay
from outcomes_chat.dialogue.script import Script
from outcomes_chat.dialogue.state import UNDO_DEPTH, State

BUTTONS = [
    "start", "why", "yes", "no", "not_quite", "not_sure", "back", "skip", "pause", "repeat",
    "help", "stop", "resume", "met", "partly_met", "not_met", "unknown", "practitioner",
    "carry_on", "finish_now", "take_a_break", "confirm", "change", "remove", "change:o1",
    "remove:o2", "domain:finance", "domain:nonsense", "",
]  # fmt: skip
WORDS = [
    "skip", "go back", "pause", "repeat that", "help", "why do you ask", "stop", "yes", "no",
    "I don't know", "money's fine", "I just want some sleep", "I miss my choir",
    "I can't cope", "1", "2", "Bills. Sleep. Choir.", "",
]  # fmt: skip

# Where a sequence starts: from the welcome, at the opener, or deep in a topic with a mention.
PREFIXES = [
    [],
    [{"button": "start"}, {"button": "yes"}],
    [
        {"button": "start"},
        {"button": "yes"},
        "I just want some sleep. And I miss my choir.",
        {"button": "yes"},
        {"button": "met"},
    ],
]

inputs = st.one_of(
    st.text(max_size=60),
    st.sampled_from(WORDS),
    st.sampled_from(BUTTONS).map(lambda value: {"button": value}),
    st.text(max_size=20).map(lambda value: {"button": value}),
)


def check(engine: Engine, sequence: list[object], review: bool) -> None:
    earlier = (
        [{"id": 1, "domain": "finance", "text": "Bills.", "rating": "met"}] if review else None
    )
    turn = engine.start("en", review_outcomes=earlier)
    for user_input in sequence:
        stored = json.loads(json.dumps(turn.state))
        given = json.loads(json.dumps(stored))
        turn = engine.step(stored, user_input)  # type: ignore[arg-type]
        assert stored == given, "the engine never changes the state it is given"
        assert json.loads(json.dumps(turn.state)) == turn.state
        assert State.from_dict(turn.state).to_dict() == turn.state
        assert len(turn.state["undo"]) <= UNDO_DEPTH
        assert turn.messages, "every turn says something"
        kept = json.loads(json.dumps(turn.state))
        record = engine.record(turn.state)
        assert turn.state == kept, "reading the record changes nothing"
        assert json.loads(json.dumps(record)) == record
        if turn.phase != "finished":
            assert turn.question is not None
        assert 0 <= turn.progress.topic <= turn.progress.of


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from(PREFIXES),
    sequence=st.lists(inputs, max_size=40),
    review=st.booleans(),
)
def test_any_inputs_keep_a_valid_json_state_carer(
    carer_script: Script, prefix: list[object], sequence: list[object], review: bool
) -> None:
    check(Engine(carer_script), prefix + sequence, review)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=st.lists(inputs, max_size=40))
def test_any_inputs_keep_a_valid_json_state_adult(
    adult_script: Script, sequence: list[object]
) -> None:
    check(Engine(adult_script), sequence, False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=st.lists(inputs, max_size=25))
def test_replay_is_deterministic(carer_script: Script, sequence: list[object]) -> None:
    first = replay(carer_script, "en", sequence)  # type: ignore[arg-type]
    second = replay(carer_script, "en", sequence)  # type: ignore[arg-type]
    assert first.to_dict() == second.to_dict()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(PREFIXES), sequence=st.lists(inputs, max_size=30))
def test_back_restores_exactly_the_step_before(
    carer_script: Script, prefix: list[object], sequence: list[object]
) -> None:
    engine = Engine(carer_script)
    turn = engine.start("en")
    for user_input in prefix + sequence:
        before = State.from_dict(turn.state)
        turn = engine.step(turn.state, user_input)  # type: ignore[arg-type]
        after = State.from_dict(turn.state)
        went_back = any(event.type == "back" for event in turn.events)
        if went_back or after.undo == before.undo or after.paused or after.phase == "finished":
            continue  # nothing was pushed, or back would not be what this state hears
        undone = State.from_dict(engine.step(turn.state, {"button": "back"}).state)
        assert undone.snapshot() == before.snapshot()
