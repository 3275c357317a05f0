"""The conversation's rules, one behaviour a test (carer framework unless it says otherwise)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from outcomes_chat.dialogue.engine import MAX_INPUT_CHARS, Engine, replay
from outcomes_chat.dialogue.script import Script

from .talking import MOVE_ON, SKIP, YES, Conversation

SLEEP = "I just want a full night's sleep. I'm exhausted all the time."
CHOIR = "I'd love to get back to my choir on a Tuesday night."
BILLS = "The bills keep going up and I had to give up work to care for him."


def to_topic(carer: Conversation, topic_id: str) -> None:
    """Skip the opener and topics until the given topic is asked."""
    carer.begin()
    carer.say(SKIP)
    while carer.state["topic"] != topic_id:
        carer.say(SKIP)
    assert carer.state["phase"] == "topic"


def record_one(carer: Conversation, answer: str) -> None:
    """Answer the pending question, agree the reflection, rate it, skip the rest."""
    carer.say(answer, YES, {"button": "partly_met"}, MOVE_ON)


# -- own words and topics ------------------------------------------------------------------


def test_an_answer_to_a_topic_is_kept_verbatim_under_its_domain(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say(f"  {BILLS}  \n")
    assert f'"{BILLS}"' in carer.text
    carer.say(YES)
    outcome = carer.record["outcomes"][0]
    assert (outcome["words"], outcome["domain"]) == (BILLS, "finance")
    assert carer.events("outcome_recorded")[0]["words"] == BILLS


def test_an_unrecognised_answer_is_filed_under_the_topic(carer: Conversation) -> None:
    to_topic(carer, "planning_ahead")
    answer = "My sister in Leeds would step in for a week or two, we agreed that last year."
    carer.say(answer, YES)
    assert carer.record["outcomes"][0]["domain"] == "planning_ahead"
    assert carer.record["outcomes"][0]["words"] == answer


def test_the_rating_is_stored_with_the_scale_values(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say(BILLS, YES)
    for value in ("met", "partly_met", "not_met", "unknown"):
        carer.press(value)
        assert carer.record["outcomes"][0]["rating"] == value
        carer.say("back")


def test_not_sure_on_the_rating_is_stored_as_unknown(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say(BILLS, YES, "not sure")
    assert carer.record["outcomes"][0]["rating"] == "unknown"
    assert carer.state["phase"] == "helps"


def test_helps_barriers_and_who_could_help_keep_the_persons_words(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say(BILLS, YES, {"button": "not_met"})
    assert carer.text == "What would you like to be different? Say it in your own words."
    carer.say("Enough coming in that I can stop counting every penny.")
    carer.say("My son gives us a bit each month.")
    carer.say("The forms for benefits are too long.")
    carer.say("Maybe someone from the carers centre.")
    outcome = carer.record["outcomes"][0]
    assert outcome["wish"] == "Enough coming in that I can stop counting every penny."
    assert outcome["helps"] == "My son gives us a bit each month."
    assert outcome["barriers"] == "The forms for benefits are too long."
    assert outcome["who_could_help"] == "Maybe someone from the carers centre."
    kinds = [e["type"] for e in carer.events()]
    assert {"helps_given", "barriers_given", "who_could_help_given"} <= set(kinds)


def test_not_quite_lets_the_person_say_it_again(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say("Money.")
    carer.press("not_quite")
    assert carer.text == "Sorry. Please tell me again, in your own words."
    carer.say(BILLS)
    assert f'"{BILLS}"' in carer.text
    carer.say(YES)
    assert carer.record["outcomes"][0]["words"] == BILLS


def test_skip_moves_to_the_next_topic_and_notes_it(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say("skip")
    assert carer.state["topic"] == "choice_in_caring"
    assert carer.record["skipped_topics"][-1] == "finance"
    assert carer.events("topic_skipped")[-1] == {"type": "topic_skipped", "topic": "finance"}


def test_i_dont_know_moves_on_kindly(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say("I don't know")
    assert carer.text.startswith("That's OK. You don't have to know.")
    assert carer.state["topic"] == "choice_in_caring"
    assert carer.record["outcomes"] == []
    assert carer.record["not_sure_topics"] == ["finance"]


@pytest.mark.parametrize(
    "answer",
    ["No, money's fine thank God.", "Money's not a problem.", "no", "We're fine for money."],
)
def test_negation_records_no_outcome_and_notes_nothing_to_add(
    carer: Conversation, answer: str
) -> None:
    to_topic(carer, "finance")
    carer.say(answer)
    assert carer.record["outcomes"] == []
    assert carer.record["nothing_to_add_topics"] == ["finance"]
    assert carer.text.startswith("That's good to hear.")
    assert carer.events("topic_discussed_nothing_to_add") == [
        {"type": "topic_discussed_nothing_to_add", "topic": "finance"}
    ]


def test_a_bare_yes_gets_a_probe_in_the_persons_words(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say("yes")
    assert carer.text == "I'm sorry to hear that. What is your main worry with money?"
    assert carer.record["concerns"] == [{"topic": "finance", "words": "yes", "turn": 6}]
    carer.say(BILLS, YES)
    assert carer.record["outcomes"][0]["words"] == BILLS


def test_the_topic_question_is_asked_again_after_help_why_and_repeat(carer: Conversation) -> None:
    to_topic(carer, "finance")
    question = "Do you have any money worries just now?"
    for control, opening in (
        ("help", "You can type your answer"),
        ("why", "Caring can cost money"),
        ("repeat", "Here it is again:"),
    ):
        carer.say(control)
        assert carer.text.startswith(opening)
        assert carer.text.endswith(question)
        assert carer.state["topic"] == "finance"


def test_each_outcome_has_the_sentences_that_speak_to_its_domain(carer: Conversation) -> None:
    carer.begin()
    carer.say(f"{SLEEP} {CHOIR}")
    assert f'"{SLEEP}"' in carer.text
    carer.say(YES)
    assert carer.record["outcomes"][0]["words"] == SLEEP
    assert carer.record["outcomes"][0]["domain"] == "health_wellbeing"
    assert carer.events("mention_remembered")[0]["topic"] == "life_of_own"


def test_a_sentence_that_speaks_to_two_domains_is_one_outcome_with_both(
    carer: Conversation,
) -> None:
    carer.begin()
    answer = "I am exhausted and I never get a break."
    carer.say(answer, YES)
    outcome = carer.record["outcomes"][0]
    assert outcome["words"] == answer
    assert outcome["domains"] == ["health_wellbeing", "life_of_own"]
    assert "health_wellbeing" in carer.state["done_topics"]
    assert "life_of_own" not in carer.state["done_topics"]  # still asked: only touched on


def test_sentences_that_name_no_domain_stay_with_the_one_before(carer: Conversation) -> None:
    carer.begin()
    carer.say("I never get out. It has been two years. And the bills are a worry.")
    assert '"I never get out. It has been two years."' in carer.text
    carer.say(YES)
    assert carer.record["outcomes"][0]["domain"] == "life_of_own"
    assert carer.events("mention_remembered")[0]["topic"] == "finance"


def test_in_a_topic_the_rest_of_the_answer_belongs_to_the_topic(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say("We get by on his pension. I am so tired though.")
    assert '"We get by on his pension."' in carer.text
    carer.say(YES)
    assert carer.record["outcomes"][0]["domain"] == "finance"


# -- listening across topics ---------------------------------------------------------------


def test_an_earlier_mention_is_acknowledged_and_can_be_confirmed(carer: Conversation) -> None:
    carer.begin()
    carer.say(f"{SLEEP} {CHOIR}", YES, {"button": "not_met"}, MOVE_ON)
    assert carer.state["topic"] == "life_of_own"
    assert f'Earlier you said: "{CHOIR}"' in carer.text
    assert carer.button_values() == ["yes", "skip"]
    carer.say(YES)
    assert carer.state["phase"] == "rating"
    choir = carer.record["outcomes"][1]
    assert (choir["words"], choir["domain"], choir["turn"]) == (CHOIR, "life_of_own", 3)


def test_an_earlier_mention_can_be_said_afresh(carer: Conversation) -> None:
    carer.begin()
    carer.say(f"{SLEEP} {CHOIR}", YES, {"button": "not_met"}, MOVE_ON)
    fresh = "Going back to choir on Tuesdays. I haven't been for a year."
    carer.say(fresh, YES)
    assert carer.record["outcomes"][1]["words"] == fresh


def test_a_topic_covered_by_the_opener_is_not_asked_again(carer: Conversation) -> None:
    carer.begin()
    record_one(carer, SLEEP)
    assert carer.state["topic"] == "life_of_own"
    assert "health_wellbeing" in carer.state["done_topics"]


def test_a_mention_made_inside_another_topic_waits_for_its_own(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say(f"{BILLS} {CHOIR}")
    assert f'"{BILLS}"' in carer.text and CHOIR not in carer.text


def test_every_topic_can_be_answered_and_progress_counts_up(carer: Conversation) -> None:
    carer.begin()
    carer.say(SKIP)
    seen = []
    while carer.state["phase"] in ("topic", "remembered"):
        seen.append(carer.turn.progress.topic)
        carer.say(SKIP)
    assert seen == list(range(1, len(seen) + 1))
    assert carer.turn.progress.topic == carer.turn.progress.of == len(seen)
    assert carer.state["phase"] == "anything_else"


# -- back, pause, stop ---------------------------------------------------------------------


def test_back_undoes_the_last_step_and_keeps_the_turn_count(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say(BILLS, YES)
    turn_before = carer.state["turn"]
    carer.say("back")
    assert carer.state["phase"] == "reflect"
    assert carer.record["outcomes"] == []
    assert carer.state["turn"] == turn_before + 1
    assert carer.events("outcome_removed")[-1] == {
        "type": "outcome_removed",
        "outcome_id": "o1",
        "reason": "back",
    }
    carer.say(YES)
    assert carer.record["outcomes"][0]["words"] == BILLS


def test_back_twice_goes_two_steps_back(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say(BILLS, YES, {"button": "met"})
    carer.press("back")
    carer.press("back")
    assert carer.state["phase"] == "reflect"


def test_back_at_the_start_says_so(carer: Conversation) -> None:
    carer.start()
    carer.say("back")
    assert carer.text.startswith("We are at the start already.")
    assert carer.state["phase"] == "welcome"


def test_the_undo_stack_is_bounded(carer: Conversation) -> None:
    carer.begin()
    carer.say(SKIP)
    while carer.state["phase"] == "topic":
        carer.say(SKIP)
    assert 0 < len(carer.state["undo"]) <= 10


def test_pause_and_resume_from_saved_state(carer: Conversation, carer_script: Script) -> None:
    to_topic(carer, "finance")
    paused = carer.say("pause")
    assert paused.phase == "paused"
    assert carer.events("paused")[-1] == {"type": "paused", "reason": "asked"}
    saved = json.dumps(carer.state)

    later = Engine(carer_script)
    resumed = later.step(json.loads(saved), {"button": "resume"})
    assert resumed.phase == "topic"
    assert resumed.text == ("Welcome back. Let's carry on. Do you have any money worries just now?")
    assert [event.type for event in resumed.events] == ["resumed"]


def test_stop_offers_to_finish_or_take_a_break(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say("stop")
    assert carer.button_values() == ["finish_now", "take_a_break", "carry_on"]
    carer.press("take_a_break")
    assert carer.turn.phase == "paused"
    carer.say("hello again")
    carer.say("stop")
    carer.press("carry_on")
    assert carer.text == "We'll carry on. Do you have any money worries just now?"


def test_stop_before_consent_is_a_pause(carer: Conversation) -> None:
    carer.start()
    carer.say("stop")
    assert carer.turn.phase == "paused"
    assert carer.events("paused") == [{"type": "paused", "reason": "stop"}]


def test_consent_declined_pauses_to_talk_with_the_practitioner(carer: Conversation) -> None:
    carer.start()
    carer.press("start")
    declined = carer.press("no")
    assert declined.phase == "paused"
    assert "talk it over first with the worker who is helping you" in declined.text
    assert carer.record["consent"] is False
    assert [e["type"] for e in carer.events()] == ["consent_declined", "paused"]
    carer.press("resume")
    assert "Is that OK?" in carer.text
    carer.press("yes")
    assert carer.state["phase"] == "opener"


def test_the_consent_question_says_words_are_shared_when_the_team_may_see_them(
    carer: Conversation,
) -> None:
    carer.start()
    carer.press("start")
    assert "shared with the people in your support team" in carer.text


def test_without_agreement_to_share_the_person_is_told_only_the_worker_sees_their_words(
    carer: Conversation,
) -> None:
    carer.start(shared=False)
    carer.press("start")
    assert "Only the worker who is helping you will see it" in carer.text
    assert "shared with the people in your support team" not in carer.text
    carer.press("why")
    assert "Only the worker who is helping you will see them" in carer.text
    carer.press("yes")
    carer.say("stop")
    carer.press("finish_now")
    carer.press("confirm")
    assert carer.record["finished"] is True
    assert "Only the worker who is helping you will see it" in carer.text
    assert "with your support team" not in carer.text


# -- anything else, summary, finish --------------------------------------------------------


def finish_topics(carer: Conversation) -> None:
    while carer.state["phase"] in ("topic", "remembered"):
        carer.say(SKIP)


def test_anything_else_adds_an_outcome_then_asks_again(carer: Conversation) -> None:
    carer.begin()
    carer.say(SKIP)
    finish_topics(carer)
    assert carer.text.endswith("Is there anything else that matters to you?")
    carer.say(CHOIR, YES, {"button": "met"}, SKIP)
    assert carer.text.endswith("Is there more you want to say?")
    assert carer.record["outcomes"][0]["domain"] == "life_of_own"
    carer.say("No, that's all")
    assert carer.state["phase"] == "summary"


def test_an_unrecognised_answer_to_the_opener_asks_which_domain(carer: Conversation) -> None:
    carer.begin()
    answer = "Tom and I want to keep going to the seaside in the summer."
    carer.say(answer, YES)
    assert carer.state["phase"] == "choose_domain"
    assert carer.text == "Thank you. Which of these is it closest to?"
    assert carer.button_values()[:3] == [
        "domain:health_wellbeing",
        "domain:life_of_own",
        "domain:finance",
    ]
    assert carer.button_values()[-1] == "not_sure"
    carer.press("domain:relationship")
    outcome = carer.record["outcomes"][0]
    assert (outcome["words"], outcome["domain"]) == (answer, "relationship")
    assert carer.state["phase"] == "rating"


def test_not_sure_which_domain_leaves_it_for_the_practitioner(carer: Conversation) -> None:
    carer.begin()
    carer.say("Just to be happy.", YES, "not sure")
    assert carer.record["outcomes"][0]["domain"] is None
    assert carer.state["phase"] == "rating"


def summary_with_two(carer: Conversation) -> None:
    to_topic(carer, "finance")
    record_one(carer, BILLS)
    carer.say("stop")
    carer.press("finish_now")


def test_the_summary_can_change_an_outcome_in_new_words(carer: Conversation) -> None:
    carer.begin()
    record_one(carer, SLEEP)
    record_one(carer, CHOIR)
    carer.say("stop")
    carer.press("finish_now")
    carer.press("change")
    assert carer.button_values() == ["change:o1", "change:o2", "back"]
    carer.press("change:o2")
    assert f'It says: "{CHOIR}"' in carer.text
    new_words = "Singing with my choir again, every week."
    carer.say(new_words)
    assert carer.state["phase"] == "summary"
    changed = carer.record["outcomes"][1]
    assert changed["words"] == new_words
    assert changed["earlier_words"] == [
        {"words": CHOIR, "turn": changed["earlier_words"][0]["turn"]}
    ]
    assert carer.events("outcome_changed")[-1]["words"] == new_words


def test_the_summary_can_remove_an_outcome(carer: Conversation) -> None:
    carer.begin()
    record_one(carer, SLEEP)
    record_one(carer, CHOIR)
    carer.say("stop")
    carer.press("finish_now")
    carer.press("remove:o1")
    assert carer.text.startswith("Thank you. I have taken it out.")
    assert [o["words"] for o in carer.record["outcomes"]] == [CHOIR]
    assert carer.record["removed_outcomes"] == ["o1"]
    assert carer.events("outcome_removed")[-1]["reason"] == "person"


def test_the_summary_picks_an_outcome_by_number(carer: Conversation) -> None:
    carer.begin()
    record_one(carer, SLEEP)
    record_one(carer, CHOIR)
    carer.say("stop")
    carer.press("finish_now")
    carer.press("remove")
    carer.say("2")
    assert [o["words"] for o in carer.record["outcomes"]] == [SLEEP]


def test_a_number_that_is_not_a_plain_digit_picks_nothing(carer: Conversation) -> None:
    carer.begin()
    record_one(carer, SLEEP)
    record_one(carer, CHOIR)
    carer.say("stop")
    carer.press("finish_now")
    carer.press("remove")
    carer.say("²")
    assert carer.state["phase"] == "summary_pick"
    assert len(carer.record["outcomes"]) == 2


def test_an_empty_summary_can_still_finish(carer: Conversation) -> None:
    carer.begin()
    carer.say("stop")
    carer.press("finish_now")
    assert "haven't told me about anything" in carer.text
    carer.press("confirm")
    assert carer.record["finished"] is True


def test_a_finished_conversation_says_so_and_changes_nothing(carer: Conversation) -> None:
    carer.begin()
    carer.say("stop")
    carer.press("finish_now")
    carer.press("confirm")
    before = carer.record
    carer.say("hello?")
    assert carer.text == "This chat has ended. Thank you for taking part."
    assert carer.record == before


# -- inputs --------------------------------------------------------------------------------


@pytest.mark.parametrize("empty", ["", "   ", "\n\t ", {"text": "  "}])
def test_empty_input_re_asks_kindly_and_changes_nothing(carer: Conversation, empty: object) -> None:
    to_topic(carer, "finance")
    before = carer.state
    turn = carer.engine.step(before, empty)  # type: ignore[arg-type]
    assert turn.state == before
    assert turn.text.startswith("Take your time.")
    assert turn.text.endswith("Do you have any money worries just now?")


def test_over_long_input_is_refused_and_the_state_is_unchanged(carer: Conversation) -> None:
    to_topic(carer, "finance")
    before = carer.state
    turn = carer.engine.step(before, "money " * (MAX_INPUT_CHARS // 6 + 1))
    assert turn.state == before
    assert turn.events == ()
    assert turn.text.startswith("Sorry, that is too long")


def test_over_long_input_with_a_safety_cue_is_still_flagged(carer: Conversation) -> None:
    to_topic(carer, "finance")
    long_text = "money worries " * 200 + "and I want to end my life"
    turn = carer.engine.step(carer.state, long_text)
    assert [event.type for event in turn.events] == ["safety_flag"]
    assert carer.engine.record(turn.state)["safety"][0]["words"] == long_text


@pytest.mark.parametrize(
    "answer",
    [
        "I miss my garden 🌻🌻 so much 😢",
        "Je voudrais dormir. Ça ira.",
        "أريد أن أنام جيداً",
        "שינה טובה בלילה",
        "bell\x07 and\x00 null\x1b[31m red",
        "{words} {0} {__class__} %s <script>alert(1)</script>",
    ],
)
def test_unusual_text_is_kept_verbatim_and_never_breaks(carer: Conversation, answer: str) -> None:
    to_topic(carer, "finance")
    carer.say(answer)
    assert answer.strip() in carer.text
    carer.say(YES)
    assert carer.record["outcomes"][0]["words"] == answer.strip()


def test_a_button_that_does_not_fit_the_question_re_asks_it(carer: Conversation) -> None:
    to_topic(carer, "finance")
    before = carer.state["phase"], carer.state["topic"]
    carer.press("partly_met")
    assert carer.text.startswith("Sorry, that button is not for this question.")
    assert (carer.state["phase"], carer.state["topic"]) == before


def test_a_short_answer_with_nothing_in_it_gets_a_probe_then_moves_on_unrecorded(
    carer: Conversation,
) -> None:
    to_topic(carer, "finance")
    carer.say("Sometimes")
    assert carer.text == "What is your main worry with money?"
    carer.say("Sometimes")
    assert carer.state["topic"] == "choice_in_caring"
    assert carer.record["outcomes"] == [] and carer.record["not_sure_topics"] == ["finance"]


# -- replay, translation, language ---------------------------------------------------------


def test_replaying_the_inputs_rebuilds_the_same_state(
    carer: Conversation, carer_script: Script
) -> None:
    carer.begin()
    carer.say(f"{SLEEP} {CHOIR}", YES, {"button": "not_met"}, "Naps.", SKIP, "back", SKIP, SKIP)
    carer.say("pause", "hello", YES, {"button": "met"}, "I want to end it all", "carry_on")
    rebuilt = replay(carer_script, "en", carer.inputs)
    assert rebuilt.state == carer.state
    assert rebuilt.to_dict() == carer.turn.to_dict()


def test_every_message_goes_through_translation_but_the_persons_words_do_not(
    carer_script: Script,
) -> None:
    seen: list[tuple[str, str]] = []

    def shout(lang: str, msgid: str) -> str:
        seen.append((lang, msgid))
        # Upper case everything but the placeholders, as a translator keeps them.
        parts = re.split(r"(\{\w+\})", msgid)
        return "".join(part if part.startswith("{") else part.upper() for part in parts)

    engine = Engine(carer_script, translate=shout)
    turn = engine.start("en")
    for user_input in ({"button": "start"}, YES, "i miss my choir {words}"):
        turn = engine.step(turn.state, user_input)
    assert '"i miss my choir {words}"' in turn.text
    assert turn.text.startswith("THANK YOU. SO ONE THING")
    assert all(button.label.isupper() for button in turn.question.buttons)
    assert all(lang == "en" for lang, _ in seen)
    assert "i miss my choir {words}" not in [msgid for _, msgid in seen]


def test_changing_language_asks_the_pending_question_again(carer: Conversation) -> None:
    to_topic(carer, "finance")
    turn = carer.engine.change_language(carer.state, "en")
    assert turn.state["lang"] == "en"
    assert turn.text == "Do you have any money worries just now?"


def test_a_language_without_a_lexicon_falls_back_to_english_recognition(
    carer_script: Script,
) -> None:
    engine = Engine(carer_script)
    turn = engine.start("pl")
    for user_input in ({"button": "start"}, YES, "skip", "I want to end my life"):
        turn = engine.step(turn.state, user_input)
    assert turn.state["lang"] == "pl"
    assert turn.state["phase"] == "reflect"  # the words are still heard, after the safety reply
    assert turn.state["awaiting"] == "safety"
    assert turn.events[0].type == "safety_flag"


def test_current_says_the_pending_question_without_changing_anything(
    carer: Conversation,
) -> None:
    to_topic(carer, "finance")
    turn = carer.engine.current(carer.state)
    assert turn.state == carer.state
    assert turn.text == "Do you have any money worries just now?"


def test_a_state_from_somewhere_else_is_refused(carer_script: Script) -> None:
    with pytest.raises(ValueError, match="not a conversation state"):
        Engine(carer_script).step({"phase": "topic"}, "hello")


def test_the_turn_is_json(carer: Conversation) -> None:
    to_topic(carer, "finance")
    data = json.loads(json.dumps(carer.turn.to_dict()))
    assert data["phase"] == "topic"
    assert data["progress"] == {"topic": 3, "of": 10}
    assert data["messages"][-1]["kind"] == "question"
    # The question offers Skip among its own buttons: the tool bar does not repeat it.
    assert [b["value"] for b in data["messages"][-1]["buttons"]] == ["skip", "why"]
    assert [c["value"] for c in data["controls"]] == ["back", "pause", "repeat", "help"]


def test_a_reading_back_offers_back_once(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say("The bills keep going up.")
    asked = [b.value for b in carer.turn.messages[-1].buttons]
    controls = [c.value for c in carer.turn.controls]
    assert "back" in asked and "back" not in controls
    assert "skip" in controls


def test_the_state_stays_small_in_a_long_conversation(carer: Conversation) -> None:
    carer.begin()
    carer.say(SKIP)
    answer = "I would like more help so I can have time for myself and sleep at night. " * 3
    for _ in range(12):
        carer.say(answer, YES, {"button": "partly_met"}, "My daughter.", "He wakes up.", "Us.")
    assert len(carer.record["outcomes"]) == 12
    undo_size = len(json.dumps(carer.state["undo"]))
    assert undo_size < 4000


def test_a_dismissal_of_another_topic_is_never_reflected(carer: Conversation) -> None:
    to_topic(carer, "life_of_own")
    carer.say("no, money's fine thank God")
    assert "Have I got that right" not in carer.text
    assert carer.state["phase"] == "topic" and carer.state["topic"] == "life_of_own"
    assert carer.record["outcomes"] == []


# -- what a turn tells its caller ------------------------------------------------------------


def test_a_turn_says_when_it_changed_an_outcome(carer: Conversation) -> None:
    carer.begin()
    reflected = carer.say(SLEEP)
    assert not reflected.outcomes_changed
    recorded = carer.say(YES)
    assert recorded.outcomes_changed
    assert carer.say({"button": "met"}).outcomes_changed  # the rating is part of the outcome
    assert not carer.say("why").outcomes_changed


def test_a_turn_carries_the_risk_heard_in_it_once(carer: Conversation) -> None:
    carer.begin()
    alarmed = carer.say("I want to end it all")
    assert [note["category"] for note in alarmed.safety] == ["self_harm"]
    assert alarmed.safety[0]["words"] == "I want to end it all"
    assert carer.say({"button": "carry_on"}).safety == ()


def test_a_turn_says_when_the_conversation_is_finished(carer: Conversation) -> None:
    carer.begin()
    assert not carer.turn.finished
    carer.say("stop")
    done = carer.say({"button": "finish_now"}, {"button": "confirm"})
    assert done.finished and carer.turn.to_dict()["finished"] is True


# -- a yes or a no said with a few words more ----------------------------------------------


@pytest.mark.parametrize(
    ("reply", "all_well"),
    [
        ("aye I feel safe enough", True),
        ("yes mostly, I'm fine here", True),
        ("no I'm terrified at night", False),  # the worrying answer: reflected
        ("yes but the bus is a nightmare and I can't get out", False),  # speaks of more
    ],
)
def test_a_yes_or_no_with_words_after_it_is_read_by_what_it_means(
    adult: Conversation, reply: str, all_well: bool
) -> None:
    adult.begin()
    adult.say(SKIP)
    assert adult.state["topic"] == "feeling_safe"
    adult.say(reply)
    assert ("feeling_safe" in adult.record["nothing_to_add_topics"]) is all_well
    assert (adult.state["phase"] == "reflect") is not all_well


def test_the_answer_to_what_worries_you_stays_with_the_topic(adult: Conversation) -> None:
    adult.begin()
    adult.say(SKIP, "no")
    assert adult.state["phase"] == "concern"
    adult.say("I can't get down the stairs in the dark", YES)
    assert adult.record["outcomes"][0]["domain"] == "feeling_safe"


@pytest.mark.parametrize(
    ("setup", "typed", "phase"),
    [
        # "Move on" typed at a follow-up does what the button does: skips them all.
        (
            lambda c: (to_topic(c, "finance"), c.say(BILLS, YES, {"button": "not_met"})),
            "Move on",
            "topic",
        ),
        # "Talk to the worker with me" typed at the safety offer pauses to talk.
        (
            lambda c: (c.begin(), c.say("I want to end it all")),
            "talk to the worker with me",
            "paused",
        ),
        # "Change one" typed at the summary asks which.
        (
            lambda c: (
                c.begin(),
                c.say(SLEEP, YES, {"button": "met"}, SKIP, "stop"),
                c.press("finish_now"),
            ),
            "change one",
            "summary_change",
        ),
    ],
)
def test_a_button_label_typed_does_what_the_button_does(
    carer: Conversation, setup: Callable[[Conversation], object], typed: str, phase: str
) -> None:
    setup(carer)
    turn = carer.say(typed)
    assert turn.phase == phase


# -- found in review: what a carer would have tripped on ---------------------------------------


@pytest.mark.parametrize(
    "reply", ["yes, mostly, but not at night", "aye, except when the lads hang about outside"]
)
def test_a_yes_that_turns_on_a_but_is_an_answer(adult: Conversation, reply: str) -> None:
    adult.begin()
    adult.say(SKIP, reply)
    assert adult.state["phase"] == "reflect"
    assert "feeling_safe" not in adult.record["nothing_to_add_topics"]


def test_a_yes_to_what_feels_good_asks_what_it_is(carer: Conversation) -> None:
    to_topic(carer, "satisfaction")
    carer.say("yes")
    assert carer.text == "What is the best part of it for you?"
    carer.say("she still knows me", YES)
    assert carer.record["outcomes"][0]["domain"] == "satisfaction"


def test_the_safety_offer_typed_at_a_rating_pauses_to_talk(carer: Conversation) -> None:
    carer.begin()
    carer.say(SLEEP, YES, "some days I feel like ending it all")
    turn = carer.say("Talk to the worker with me")
    assert turn.phase == "paused"
    # Neither the disclosure nor the offer's label is taken as the rating.
    assert carer.record["outcomes"][0]["rating_words"] is None


@pytest.mark.parametrize(
    "reply", ["Well, it's hard", "good days and bad days", "fine when he sleeps, awful when not"]
)
def test_a_rating_word_inside_a_longer_thought_is_not_a_rating(
    carer: Conversation, reply: str
) -> None:
    carer.begin()
    carer.say(SLEEP, YES, reply)
    outcome = carer.record["outcomes"][0]
    assert outcome["rating"] == "unknown" and outcome["rating_words"] == reply
    assert carer.state["phase"] == "rating"


def test_words_typed_at_a_rating_are_added_never_overwritten(carer: Conversation) -> None:
    carer.begin()
    carer.say(SLEEP, YES, "skint", "dunno")
    assert carer.record["outcomes"][0]["rating_words"] == "skint\ndunno"


@pytest.mark.parametrize("reply", ["no, just sleep", "like I said, I need sleep"])
def test_a_short_answer_after_a_no_or_like_i_said_is_heard(carer: Conversation, reply: str) -> None:
    carer.begin()
    carer.say(SKIP, reply)
    assert carer.state["phase"] == "reflect"
    assert f'"{reply}"' in carer.text


def test_a_non_answer_never_replaces_the_words_read_back(carer: Conversation) -> None:
    carer.begin()
    carer.say(SLEEP, "not quite", "erm")
    assert carer.state["phase"] == "rephrase"
    assert carer.state["pending"][0]["words"] == SLEEP
    carer.say("nothing")
    assert carer.record["outcomes"] == [] and carer.state["pending"] == []


def test_every_reply_to_a_worry_question_is_kept(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say("aye", "everything", "just everything")
    concerns = [c["words"] for c in carer.record["concerns"]]
    assert concerns == ["aye", "everything", "just everything"]
    assert "finance" not in carer.record["not_sure_topics"]


def test_a_review_rating_can_be_typed(carer_script: Script) -> None:
    review = Conversation(Engine(carer_script))
    review.start(
        review_outcomes=[{"id": "a", "domain": "finance", "text": "Bills.", "rating": "not_met"}]
    )
    review.say({"button": "start"}, YES, "not sure")
    assert review.record["outcomes"][0]["rating"] == "unknown"
    assert review.state["phase"] == "review_update"


def test_a_hedged_yes_to_a_worry_question_is_a_worry(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say("aye, a wee bit")
    assert carer.state["phase"] == "concern"
    assert carer.record["concerns"][0]["words"] == "aye, a wee bit"


def test_going_back_does_not_unsay_a_worry(carer: Conversation) -> None:
    to_topic(carer, "finance")
    carer.say("yes", "back")
    assert carer.state["phase"] == "topic"
    assert [c["words"] for c in carer.record["concerns"]] == ["yes"]


def test_what_feels_good_about_caring_is_not_treated_as_a_problem(carer: Conversation) -> None:
    to_topic(carer, "satisfaction")
    carer.say("When he smiles, that's my reward", YES, {"button": "partly_met"})
    assert carer.text == "Is there something that helps, even a bit?"
    carer.say("Singing his old songs with him")
    assert carer.state["topic"] != "satisfaction"
    assert carer.record["outcomes"][0]["wish"] is None


def test_a_sentence_about_the_other_person_that_says_why_stays_with_the_need(
    carer: Conversation,
) -> None:
    carer.begin()
    opener = "Just a full night's sleep. He's up four times a night with his dementia."
    carer.say(opener)
    assert f'"{opener}"' in carer.text
    assert carer.state["mentions"] == {}


def test_the_speakers_own_need_is_the_main_domain_when_both_are_said(carer: Conversation) -> None:
    carer.begin()
    carer.say("I'm exhausted because he's up all night with his dementia", YES)
    assert carer.record["outcomes"][0]["domain"] == "health_wellbeing"


def test_no_sentence_is_offered_again_under_two_later_topics(carer: Conversation) -> None:
    to_topic(carer, "health_wellbeing")
    carer.say("I never sleep. I miss my choir. Money's tight since I gave up work.")
    offered = [c["words"] for items in carer.state["mentions"].values() for c in items]
    assert offered, "the choir and the money are remembered for their own topics"
    sentences = [s for words in offered for s in words.split(". ")]
    assert len(sentences) == len(set(sentences))
