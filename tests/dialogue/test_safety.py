"""A safety cue interrupts the conversation in every phase, flags it, then carries on."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from outcomes_chat.dialogue.engine import Engine
from outcomes_chat.dialogue.recognise import Recogniser
from outcomes_chat.dialogue.script import Script

from .talking import SKIP, START, YES, Conversation

CUE = "Some days I think I can't go on like this."
BILLS = "The bills keep going up and I had to give up work to care for him."
SLEEP = "I just want a full night's sleep. I'm exhausted all the time."
CHOIR = "I'd love to get back to my choir on a Tuesday night."


def at_topic(c: Conversation) -> None:
    c.begin()
    c.say(SKIP, SKIP, SKIP)


def at_reflect(c: Conversation) -> None:
    at_topic(c)
    c.say(BILLS)


def at_rating(c: Conversation) -> None:
    at_reflect(c)
    c.say(YES)


def at_summary(c: Conversation) -> None:
    at_rating(c)
    c.say("stop")
    c.press("finish_now")


def at_remembered(c: Conversation) -> None:
    c.begin()
    c.say(f"{SLEEP} {CHOIR}", YES, {"button": "met"}, SKIP)


def skip_to(c: Conversation, phase: str) -> None:
    """Skip follow-up questions until this one is asked."""
    for _ in range(5):
        if c.state["phase"] == phase:
            return
        c.say(SKIP)


def at_anything_else(c: Conversation) -> None:
    c.begin()
    c.say(SKIP)
    while c.state["phase"] == "topic":
        c.say(SKIP)


def at_summary_pick(c: Conversation) -> None:
    c.begin()
    c.say(SLEEP, YES, {"button": "met"}, SKIP)
    c.say(CHOIR, YES, {"button": "met"}, SKIP)
    c.say("stop")
    c.press("finish_now")
    c.press("remove")


def at_review(c: Conversation) -> None:
    c.start(review_outcomes=[{"id": 7, "domain": "finance", "text": BILLS, "rating": "not_met"}])
    c.press("start")
    c.press("yes")


PHASES: dict[str, Callable[[Conversation], object]] = {
    "welcome": lambda c: c.start(),
    "consent": lambda c: (c.start(), c.press("start")),
    "opener": lambda c: c.begin(),
    "topic": at_topic,
    "remembered": at_remembered,
    "reflect": at_reflect,
    "rephrase": lambda c: (at_reflect(c), c.press("not_quite")),
    "rating": at_rating,
    "helps": lambda c: (at_rating(c), c.press("met")),
    "wish": lambda c: (at_rating(c), c.press("not_met")),
    "barriers": lambda c: (at_rating(c), c.press("not_met"), skip_to(c, "barriers")),
    "who_could_help": lambda c: (at_rating(c), c.press("not_met"), skip_to(c, "who_could_help")),
    "anything_else": at_anything_else,
    "summary": at_summary,
    "summary_pick": at_summary_pick,
    "summary_change": lambda c: (at_summary(c), c.press("change")),
    "summary_remove": lambda c: (at_summary_pick(c), c.say("the choir one")),
    "review_rating": at_review,
    "review_update": lambda c: (at_review(c), c.press("partly_met")),
}


HEARD_AS_AN_ANSWER = frozenset({"welcome", "opener", "topic", "remembered", "anything_else"})


def heard_without_risk(carer_script: Script, phase: str) -> Conversation:
    """The same conversation with safety cues switched off: how the words would be heard."""
    twin = Conversation(Engine(carer_script))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Recogniser, "safety", lambda self, text: None)
        PHASES[phase](twin)
        twin.say(CUE)
    return twin


@pytest.mark.parametrize("phase", sorted(PHASES))
def test_a_safety_cue_interrupts_every_phase_and_its_words_are_still_heard(
    carer: Conversation, carer_script: Script, phase: str
) -> None:
    twin = heard_without_risk(carer_script, phase)
    PHASES[phase](carer)
    assert carer.state["phase"] == phase
    pending = carer.turn.question.text if carer.turn.question else ""
    outcomes_before = carer.record["outcomes"]

    alarmed = carer.say(CUE)

    assert [m.kind for m in alarmed.messages] == ["safety", "signposting", "question"]
    assert "116 123" in alarmed.messages[1].text
    assert carer.button_values() == ["practitioner", "carry_on"]
    flag = alarmed.events[0].to_dict()
    assert flag == {
        "type": "safety_flag",
        "category": flag["category"],
        "tier": "immediate",
        "turn": carer.state["turn"],
        "phase": phase,
    }
    assert carer.record["safety"][-1]["words"] == CUE

    carried_on = carer.press("carry_on")
    assert carried_on.text.startswith("We'll carry on.")
    if phase in HEARD_AS_AN_ANSWER:
        # Said to an open question (or at the welcome, kept for the first), the words are still
        # its answer, read back to confirm.
        assert carer.record["outcomes"] == twin.record["outcomes"]
        assert carer.state["phase"] == twin.state["phase"]
        assert carer.state["pending"] == twin.state["pending"]
        assert carer.state["said_first"] == twin.state["said_first"]
    else:
        # Never stored as a reading back, rating, follow-up or summary: asked again.
        assert carer.record["outcomes"] == outcomes_before
        assert carer.state["phase"] == phase
        assert pending.split(". ")[-1] in carried_on.text


def test_talking_to_the_practitioner_pauses_and_keeps_the_flag(carer: Conversation) -> None:
    at_rating(carer)
    carer.say(CUE)
    paused = carer.press("practitioner")
    assert paused.phase == "paused"
    assert "talk to the worker who is helping you" in paused.text
    assert carer.events("paused")[-1] == {"type": "paused", "reason": "safety"}
    resumed = carer.press("resume")
    assert resumed.text == "Welcome back. Let's carry on. How are things with this now?"
    assert carer.record["outcomes"][0]["rating_words"] is None  # a disclosure is not a rating
    assert len(carer.record["safety"]) == 1


def test_back_never_undoes_a_safety_flag(carer: Conversation) -> None:
    at_rating(carer)
    carer.say(CUE, {"button": "carry_on"}, "back", "back")
    assert len(carer.record["safety"]) == 1


def test_an_answer_instead_of_the_offer_is_taken_as_the_answer(carer: Conversation) -> None:
    at_topic(carer)
    carer.say(CUE)
    carer.say(BILLS)
    assert carer.state["phase"] == "reflect"
    assert carer.state["awaiting"] is None


def test_a_safety_cue_while_paused_is_heard(carer: Conversation) -> None:
    at_topic(carer)
    carer.say("pause")
    carer.say(CUE)
    assert carer.state["paused"] is None
    assert carer.button_values() == ["practitioner", "carry_on"]
    carer.press("carry_on")
    assert carer.text.endswith("Have I got that right?")
    assert carer.state["pending"][0]["words"] == CUE


def test_a_safety_cue_after_finishing_is_still_flagged(carer: Conversation) -> None:
    at_summary(carer)
    carer.press("confirm")
    carer.say(CUE)
    assert len(carer.record["safety"]) == 1
    assert carer.events("safety_flag")


@pytest.mark.parametrize(
    "words",
    [
        "I want to kill myself",
        "He hits me when he is angry",
        "I can't cope any more",
        "I'm frightened he will hurt her",
    ],
)
def test_different_risks_all_interrupt(carer: Conversation, words: str) -> None:
    at_topic(carer)
    alarmed = carer.say(words)
    assert alarmed.events[0].type == "safety_flag"
    assert alarmed.messages[0].kind == "safety"


# -- each tier answers its kind of risk ----------------------------------------------------------


def test_an_immediate_risk_gives_crisis_lines_and_the_offer_to_stop(carer: Conversation) -> None:
    at_topic(carer)
    alarmed = carer.say("I want to end my life")
    assert carer.record["safety"][-1]["tier"] == "immediate"
    assert "999" in alarmed.messages[1].text and "116 123" in alarmed.messages[1].text
    assert carer.button_values() == ["practitioner", "carry_on"]


def test_a_safeguarding_concern_gives_its_own_line_and_names_the_worker(
    carer_script: Script,
) -> None:
    carer = Conversation(Engine(carer_script))
    carer.start(worker="Amir Khan")
    carer.say(START, YES, SKIP, SKIP, SKIP)
    alarmed = carer.say("He hits me when he's had a drink")
    lines = alarmed.messages[1].text
    assert carer.record["safety"][-1]["category"] == "harm_to_speaker"
    assert "0800 027 1234" in lines and "116 123" not in lines
    assert "I will make sure Amir Khan knows about this today." in lines
    assert carer.button_values() == ["practitioner", "carry_on"]


def test_a_wellbeing_concern_is_noted_and_the_conversation_carries_on(
    carer: Conversation,
) -> None:
    at_topic(carer)
    noted = carer.say("I can't cope any more with the bills")
    assert carer.record["safety"][-1]["tier"] == "wellbeing"
    assert "note this for your support team" in noted.messages[1].text
    assert carer.state["awaiting"] is None
    assert carer.state["phase"] == "reflect"  # the words go on to be read back at once
    assert "999" not in noted.text


def test_a_wellbeing_concern_said_at_an_offer_keeps_the_offer(carer: Conversation) -> None:
    carer.begin()
    carer.say("I want to end it all")
    turn = carer.say("I can't cope")
    assert [note["tier"] for note in carer.record["safety"]] == ["immediate", "wellbeing"]
    assert carer.button_values() == ["practitioner", "carry_on"]
    assert "stop and talk" in turn.messages[-1].text


def test_thoughts_of_suicide_at_a_follow_up_are_never_stored_as_its_answer(
    carer: Conversation,
) -> None:
    at_rating(carer)
    carer.press("not_met")
    carer.say("Honestly I wish I was dead")
    carer.press("carry_on")
    assert carer.state["phase"] == "wish"
    assert carer.record["outcomes"][0]["wish"] is None


HURT = "He grabbed my arm and I'm black and blue"


def test_other_risk_at_a_follow_up_is_kept_as_its_answer_and_not_asked_again(
    carer: Conversation,
) -> None:
    at_rating(carer)
    carer.press("not_met")
    skip_to(carer, "barriers")
    alarmed = carer.say(HURT)
    assert carer.record["safety"][-1]["tier"] == "safeguarding"
    assert carer.record["outcomes"][0]["barriers"] == HURT
    assert carer.button_values() == ["practitioner", "carry_on"]
    assert "gets in the way" not in alarmed.text
    carried_on = carer.press("carry_on")
    assert carer.state["phase"] == "who_could_help"
    assert "gets in the way" not in carried_on.text
    assert carer.record["outcomes"][0]["barriers"] == HURT


def test_a_feeling_said_with_a_risk_is_acknowledged_before_the_signposting(
    carer: Conversation,
) -> None:
    at_topic(carer)
    alarmed = carer.say("I'm that knackered I could shake him sometimes, I'm no a bad person")
    assert alarmed.messages[0].kind == "safety"
    assert alarmed.messages[0].text.startswith("That sounds so tiring. Thank you for telling me.")


def test_a_reply_that_already_says_the_feeling_does_not_say_it_twice(
    carer: Conversation,
) -> None:
    at_topic(carer)
    alarmed = carer.say("I feel so low, I can't go on")
    assert alarmed.messages[0].text.count("That sounds really hard") == 1
