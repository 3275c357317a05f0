"""At the summary, one of the list is named in the person's own way: "take out the one about
the doctor", "the doctor one", "the one that says too much", "number 2", "the second one".
A request about the list is never kept as a new answer; a name that fits two is asked about;
one that fits none is said so, kindly, and never repeated a third time."""

from __future__ import annotations

import pytest

from outcomes_chat.dialogue import DEFAULT_PROMPTS_DIR
from outcomes_chat.dialogue.picking import WORD_MATCH, named_by
from outcomes_chat.dialogue.recognise import Recogniser

from .talking import MOVE_ON, YES, Conversation, words_of

DOCTOR = "I want the doctor to listen to me"
TOO_MUCH = "Caring is too much some days"
MONEY = "Money for the bills worries me"
LISTED = [("o1", DOCTOR), ("o2", TOO_MUCH), ("o3", MONEY)]


@pytest.fixture(scope="module")
def hear() -> Recogniser:
    return Recogniser.load(DEFAULT_PROMPTS_DIR, "carer", "en")


def at_summary(carer: Conversation, *answers: str) -> None:
    """Say each answer at the opener or anything-else, then finish to the summary."""
    carer.begin()
    for answer in answers:
        carer.say(answer, YES)
        if carer.state["phase"] == "choose_domain":
            carer.press("not_sure")
        carer.press("partly_met")
        carer.say(MOVE_ON)
    carer.say("stop")
    carer.press("finish_now")
    assert carer.state["phase"] == "summary"
    assert words_of(carer.record) == list(answers)


# -- naming one of the list ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "named"),
    [
        ("the doctor one", ("o1",)),
        ("the one about the doctor", ("o1",)),
        ("the one that says too much", ("o2",)),
        ("the bit about money", ("o3",)),
        ("the docter one", ("o1",)),  # one slip
        ("the mony one", ("o3",)),
        ("2", ("o2",)),
        ("number 2", ("o2",)),
        ("number two", ("o2",)),
        ("no 3", ("o3",)),
        ("the second one", ("o2",)),
        ("2nd", ("o2",)),
        ("the last one", ("o3",)),
        ("remove the first one please", ("o1",)),
        ("the one about the cat", ()),
        ("number 7", ()),
    ],
)
def test_one_of_the_list_is_named_by_its_words_or_its_place(
    hear: Recogniser, said: str, named: tuple[str, ...]
) -> None:
    assert hear.outcome_named(said, LISTED).ids == named


@pytest.mark.parametrize(
    ("typed", "listed", "meets"),
    [
        ("docter", "doctor", True),  # 83
        ("slep", "sleep", True),  # 89
        ("sleap", "sleep", True),  # 80: the threshold itself
        ("walk", "talk", False),  # 75
        ("work", "word", False),  # 75
        ("care", "scared", False),  # 75 (a partial_ratio would give 100)
        ("dog", "doctor", False),
        ("son", "sun", False),  # short words must be exact
        ("mum", "mom", False),
    ],
)
def test_a_typed_word_meets_a_listed_word_at_one_slip_not_at_another_word(
    hear: Recogniser, typed: str, listed: str, meets: bool
) -> None:
    score = named_by(hear.analyser.words(typed), hear.analyser.words(listed))
    assert (score >= WORD_MATCH) is meets


def test_words_that_fit_two_about_equally_name_both(hear: Recogniser) -> None:
    listed = [("o1", DOCTOR), ("o2", "The doctor never has time for an appointment")]
    assert hear.outcome_named("the doctor one", listed).ids == ("o1", "o2")
    # One more word found settles it.
    assert hear.outcome_named("the doctor appointment one", listed).ids == ("o2",)


@pytest.mark.parametrize(
    ("typed", "action"),
    [
        ("take out the one about the doctor", "remove"),
        ("take the doctor one out", "remove"),
        ("get rid of number 2", "remove"),
        ("can you delete the second one please", "remove"),
        ("I'd like to change the one about money", "change"),
        ("alter the bit that says too much", "change"),
        ("I need more help with the doctor", None),
        ("the doctor one", None),
    ],
)
def test_a_request_about_the_list_starts_with_its_verb(
    hear: Recogniser, typed: str, action: str | None
) -> None:
    request = hear.summary_request(typed)
    assert (request.action if request else None) == action
    assert hear.reply_intent(typed) is None  # none of these is a control word


# -- at the summary ------------------------------------------------------------------------


def test_take_out_the_one_about_the_doctor_asks_to_take_it_out_and_adds_nothing(
    carer: Conversation,
) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH)
    carer.say("take out the one about the doctor")
    assert carer.state["phase"] == "summary_remove"
    assert carer.text == f'Take out "{DOCTOR}"?'
    assert [b.label for b in carer.turn.question.buttons] == ["Yes, take it out", "No, keep it"]
    assert words_of(carer.record) == [DOCTOR, TOO_MUCH]  # nothing added, nothing gone yet
    carer.press("yes")
    assert carer.text.startswith("Thank you. I have taken it out.")
    assert carer.state["phase"] == "summary"
    assert words_of(carer.record) == [TOO_MUCH]
    assert carer.events("outcome_removed")[-1] == {
        "type": "outcome_removed",
        "outcome_id": "o1",
        "reason": "person",
    }


def test_no_at_take_it_out_keeps_it(carer: Conversation) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH)
    carer.say("get rid of the doctor one")
    carer.say("no")
    assert carer.text.startswith("OK, I have kept it.")
    assert carer.state["phase"] == "summary"
    assert words_of(carer.record) == [DOCTOR, TOO_MUCH]


def test_a_change_request_goes_straight_to_changing_that_one(carer: Conversation) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH)
    carer.say("change the one that says too much")
    assert carer.state["phase"] == "summary_change"
    assert f'It says: "{TOO_MUCH}"' in carer.text
    carer.say("Caring is too much most days")
    assert words_of(carer.record) == [DOCTOR, "Caring is too much most days"]


def test_a_request_without_a_clear_match_asks_which(carer: Conversation) -> None:
    at_summary(carer, DOCTOR, "The doctor never has time for me", TOO_MUCH)
    carer.say("take out the doctor one")
    assert carer.state["phase"] == "summary_pick"
    assert carer.text.startswith("More than one of them says that.")
    assert carer.button_values() == ["remove:o1", "remove:o2", "back"]
    assert len(carer.record["outcomes"]) == 3


def test_a_request_naming_nothing_in_the_list_asks_which(carer: Conversation) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH)
    carer.say("take out the one about the cat")
    assert carer.state["phase"] == "summary_pick"
    assert carer.text.startswith("Sorry, I can't find that one.")
    assert words_of(carer.record) == [DOCTOR, TOO_MUCH]


def test_a_request_by_number_names_that_one(carer: Conversation) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH)
    carer.say("remove number 2")
    assert carer.text == f'Take out "{TOO_MUCH}"?'


def test_words_at_the_summary_that_are_no_request_are_still_a_new_answer(
    carer: Conversation,
) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH)
    carer.say("get rid of the damp in the house")
    assert carer.state["phase"] == "reflect"
    assert "get rid of the damp in the house" in carer.text


# -- at "which one?" -----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["the doctor one", "the first one", "number 1", "1"])
def test_which_one_to_change_can_be_typed_in_words_or_numbers(
    carer: Conversation, typed: str
) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH)
    carer.press("change")
    carer.say(typed)
    assert carer.state["phase"] == "summary_change"
    assert f'It says: "{DOCTOR}"' in carer.text


def test_which_one_to_remove_in_words_asks_first(carer: Conversation) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH)
    carer.press("remove")
    carer.say("the one that says too much")
    assert carer.text == f'Take out "{TOO_MUCH}"?'
    carer.say("yes")
    assert words_of(carer.record) == [DOCTOR]


def test_words_fitting_two_at_which_one_ask_which_of_those(carer: Conversation) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH, "The doctor never has time for me")
    carer.press("change")
    carer.say("the doctor one")
    assert carer.state["phase"] == "summary_pick"
    assert carer.button_values() == ["change:o1", "change:o3", "back"]
    carer.say("the one about time")
    assert carer.state["phase"] == "summary_change"
    assert "The doctor never has time for me" in carer.text


def test_words_fitting_none_are_said_so_once_then_the_list_is_shown_again(
    carer: Conversation,
) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH)
    carer.press("remove")
    asked = carer.text
    carer.say("the cat one")
    first = carer.text
    assert first.startswith("Sorry, I can't find that one.")
    assert carer.state["phase"] == "summary_pick"
    carer.say("the dog one")
    assert carer.text.startswith("I still can't find it")
    assert carer.state["phase"] == "summary"
    assert "Here is what you told me matters to you:" in carer.text
    assert len({asked, first, carer.text}) == 3  # never the same thing three times
    assert words_of(carer.record) == [DOCTOR, TOO_MUCH]


def test_a_request_that_finds_nothing_then_a_miss_at_which_one_shows_the_list(
    carer: Conversation,
) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH)
    carer.say("take out the one about the cat")
    carer.say("the cat")
    assert carer.state["phase"] == "summary"
    assert carer.text.startswith("I still can't find it")


def test_anything_else_at_take_it_out_is_asked_about_once(carer: Conversation) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH)
    carer.say("take out the doctor one")
    carer.say("the what now")
    assert carer.state["phase"] == "summary_remove"
    assert "type yes or no" in carer.text
    carer.say("hmm, I wonder")
    assert carer.state["phase"] == "summary"
    assert carer.text.startswith("OK, I have kept it.")
    assert words_of(carer.record) == [DOCTOR, TOO_MUCH]


def test_back_after_taking_one_out_brings_it_back(carer: Conversation) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH)
    carer.say("take out the doctor one", "yes")
    assert words_of(carer.record) == [TOO_MUCH]
    carer.say("back")
    carer.say("back")
    assert carer.state["phase"] == "summary"
    assert words_of(carer.record) == [DOCTOR, TOO_MUCH]


@pytest.mark.parametrize(
    "answer",
    [
        "Changing his bed every night is hard, I can't manage it",
        "Bin day is hard, I can't get it to the kerb",
        "Drop in centre one day a week would help me",
    ],
)
def test_a_new_answer_starting_like_a_request_is_still_heard(
    carer: Conversation, answer: str
) -> None:
    at_summary(carer, DOCTOR, TOO_MUCH)
    carer.say(answer)
    assert carer.state["phase"] == "reflect"
    assert carer.state["pending"][0]["words"] == answer
