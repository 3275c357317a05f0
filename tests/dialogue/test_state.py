"""The state is a value: what goes in or comes out as JSON never changes with the engine's copy."""

from __future__ import annotations

import json

import pytest

from outcomes_chat.dialogue.engine import Engine
from outcomes_chat.dialogue.script import Script
from outcomes_chat.dialogue.state import Candidate, State


def mid_conversation(script: Script) -> dict:
    engine = Engine(script)
    turn = engine.start("en")
    for user_input in (
        {"button": "start"},
        {"button": "yes"},
        "I just want some sleep. And the bills worry me.",
        {"button": "yes"},
    ):
        turn = engine.step(turn.state, user_input)
    return turn.state


def test_a_state_read_from_json_shares_nothing_with_it(carer_script: Script) -> None:
    data = mid_conversation(carer_script)
    kept = json.loads(json.dumps(data))
    state = State.from_dict(data)
    state.done_topics.append("finance")
    state.pending.append(Candidate(domains=["sleep"], words="More sleep", turn=9))
    for items in state.mentions.values():
        items.clear()
    for outcome in state.outcomes:
        outcome.domains.append("changed")
        outcome.words = "changed"
    state.undo.append({"=": "changed"})
    assert data == kept


def test_a_state_written_to_json_shares_nothing_with_it(carer_script: Script) -> None:
    state = State.from_dict(mid_conversation(carer_script))
    data = state.to_dict()
    kept = json.loads(json.dumps(data))
    assert state.outcomes, "the conversation recorded an outcome"
    state.outcomes[0].domains.append("changed")
    state.outcomes[0].earlier_words.clear()
    state.done_topics.append("changed")
    state.undo.clear()
    assert data == kept


def test_back_restores_the_state_after_a_round_trip(carer_script: Script) -> None:
    engine = Engine(carer_script)
    before = mid_conversation(carer_script)
    assert before["phase"] == "rating"
    after = engine.step(json.loads(json.dumps(before)), {"button": "met"}).state
    assert after["phase"] != before["phase"]
    back = engine.step(json.loads(json.dumps(after)), {"button": "back"}).state
    ignored = {"turn", "undo", "safety"}
    assert {k: v for k, v in back.items() if k not in ignored} == {
        k: v for k, v in before.items() if k not in ignored
    }


@pytest.mark.parametrize("undo", [{"not": "a list"}, "text", 3])
def test_a_damaged_undo_stack_is_refused(carer_script: Script, undo: object) -> None:
    data = mid_conversation(carer_script)
    data["undo"] = undo
    with pytest.raises(ValueError, match="damaged"):
        State.from_dict(data)
