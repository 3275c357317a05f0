"""The phase table: every phase has one row, and what a row names exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from outcomes_chat.dialogue import recognise
from outcomes_chat.dialogue.engine import FALLBACK_LANG, Engine
from outcomes_chat.dialogue.phases import PHASES, Phase, check_messages, spec_of
from outcomes_chat.dialogue.recognise import Recognisers
from outcomes_chat.dialogue.script import Script


def test_every_phase_has_a_row() -> None:
    assert set(PHASES) == set(Phase)


def test_a_stored_phase_reads_as_its_row() -> None:
    assert spec_of("topic") is PHASES[Phase.TOPIC]
    with pytest.raises(ValueError):
        spec_of("no_such_phase")


def test_a_why_text_the_script_lacks_is_refused(carer_script: Script) -> None:
    messages = dict(carer_script.messages)
    del messages["why_rating"]
    with pytest.raises(LookupError, match="why_rating"):
        check_messages(messages)


def test_skip_is_not_offered_where_there_is_nothing_to_skip() -> None:
    assert not spec_of("consent").skippable and spec_of("topic").skippable


def test_the_engine_reads_no_lexicon_while_it_takes_a_step(
    carer_script: Script, prompts_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = Engine(carer_script, recognisers=Recognisers.load(prompts_dir, "carer", FALLBACK_LANG))

    def refuse(*_args: object) -> None:
        raise AssertionError("a lexicon was read during a step")

    monkeypatch.setattr(recognise, "_load", refuse)
    turn = engine.start("en")
    for said in ({"button": "start"}, {"button": "yes"}, "I never get a night's sleep."):
        turn = engine.step(turn.state, said)
    assert turn.phase == "reflect"


def test_a_language_without_a_lexicon_is_heard_with_the_fallback(
    prompts_dir: Path,
) -> None:
    recognisers = Recognisers.load(prompts_dir, "carer", FALLBACK_LANG)
    assert recognisers.for_lang("xx") is recognisers.fallback
    assert "en" in recognisers.langs


def test_every_phase_says_what_kind_of_question_it_asks() -> None:
    assert {spec.kind for spec in PHASES.values()} <= {
        "open",
        "yes_no",
        "rating",
        "choice",
        "topic",
    }
    assert spec_of("rating").kind == spec_of("review_rating").kind == "rating"
    assert spec_of("consent").kind == "yes_no"
