"""Review mode: walk the outcomes agreed last time, so the person does not repeat their story."""

from __future__ import annotations

import pytest

from .talking import MOVE_ON, SKIP, YES, Conversation

EARLIER = [
    {"id": 41, "domain": "health_wellbeing", "text": "A full night's sleep.", "rating": "not_met"},
    {"id": 42, "domain": "life_of_own", "text": "Going back to choir.", "rating": "partly_met"},
]


@pytest.fixture
def review(carer: Conversation) -> Conversation:
    carer.start(review_outcomes=EARLIER)
    return carer


def test_review_welcomes_back_and_asks_consent(review: Conversation) -> None:
    assert review.text.startswith("Hello again.")
    review.press("start")
    assert "Is that OK?" in review.text


def test_review_asks_how_each_earlier_outcome_is_now(review: Conversation) -> None:
    review.say({"button": "start"}, YES)
    assert review.text == 'Last time you said "A full night\'s sleep." mattered. How is that now?'
    assert review.button_values() == ["met", "partly_met", "not_met", "unknown", "skip"]
    assert review.turn.progress.to_dict() == {"topic": 1, "of": 2}

    review.press("partly_met")
    assert review.text == "Would you like to say anything more about it, in your own words?"
    review.say("My daughter comes on Sundays now, so I sleep then.")
    assert review.text.startswith('Last time you said "Going back to choir." mattered.')
    review.press("met")
    review.press("no")
    assert review.text == "Is there anything new that matters to you now?"

    first, second = review.record["outcomes"]
    assert (first["review_of"], first["previous_rating"], first["rating"]) == (
        "41",
        "not_met",
        "partly_met",
    )
    assert first["words"] == "A full night's sleep."
    assert first["update"] == "My daughter comes on Sundays now, so I sleep then."
    assert (second["rating"], second["update"]) == ("met", None)
    assert review.record["mode"] == "review"


def test_review_takes_words_typed_instead_of_a_rating(review: Conversation) -> None:
    review.say({"button": "start"}, YES)
    review.say("It's a bit better, he sleeps more now.")
    assert review.state["phase"] == "review_rating"
    review.press("partly_met")
    assert review.state["current"] == "r2"
    assert review.record["outcomes"][0]["update"] == "It's a bit better, he sleeps more now."


def test_review_can_skip_an_outcome_and_add_a_new_one(review: Conversation) -> None:
    review.say({"button": "start"}, YES, SKIP, SKIP)
    assert review.state["phase"] == "anything_else"
    new = "I need help with the forms for carer's allowance."
    review.say(new, YES, {"button": "not_met"}, MOVE_ON)
    assert review.text.endswith("Is there more you want to say?")
    review.say("no")
    assert review.state["phase"] == "summary"
    assert [o["words"] for o in review.record["outcomes"]][-1] == new
    assert review.record["outcomes"][0]["rating"] is None  # skipped: not asked, not "not sure"
    review.press("confirm")
    assert review.record["finished"] is True


def test_review_summary_shows_old_and_new_words_apart(review: Conversation) -> None:
    """What they said last time and what they say now are each quoted whole, and labelled:
    never glued into one quote as if said at once."""
    review.say({"button": "start"}, YES, {"button": "met"}, "Much better now.")
    review.press("not_met")
    review.say("no", "no")
    lines = review.turn.messages[0].text.splitlines()
    assert lines[1:] == [
        '1. Last time: "A full night\'s sleep." (not at all)',
        'Now: "Much better now." (going well)',
        '2. Last time: "Going back to choir." (partly)',
        "Now: not at all",
    ]


def test_review_summary_keeps_each_thing_said_now_verbatim(carer: Conversation) -> None:
    """Glued, "i dinnae sleep either." and "better, she goes three days now" read as one."""
    talk = carer
    earlier = [{"id": 7, "domain": "health_wellbeing", "text": "i dinnae sleep either."}]
    talk.start(review_outcomes=earlier)
    talk.say({"button": "start"}, YES, {"button": "partly_met"})
    talk.say("better, she goes three days now", "no")
    summary = talk.turn.messages[0].text
    assert "either. better" not in summary
    assert 'Last time: "i dinnae sleep either."' in summary
    assert 'Now: "better, she goes three days now" (partly)' in summary


def test_review_summary_shows_words_typed_with_the_rating_and_after_it(
    review: Conversation,
) -> None:
    review.say({"button": "start"}, YES, "partly, he sleeps more", "Sundays help too.")
    review.say(SKIP, "no")
    lines = review.turn.messages[0].text.splitlines()
    assert lines[2:4] == ['Now: "partly, he sleeps more" (partly)', 'And: "Sundays help too."']


def test_a_skipped_review_rating_is_not_given_not_not_sure(review: Conversation) -> None:
    """ "When agreed: Going well, Now: Not sure" reads as worse: a skip is recorded as no rating."""
    review.say({"button": "start"}, YES, SKIP, {"button": "unknown"}, "no", "no")
    first, second = review.record["outcomes"]
    assert (first["previous_rating"], first["rating"]) == ("not_met", None)
    assert second["rating"] == "unknown"  # "Not sure" pressed is kept as said
    lines = review.turn.messages[0].text.splitlines()
    assert lines[2] == "Now: not asked"
    assert lines[4] == "Now: not sure"


def test_a_new_problem_typed_at_how_is_that_now_waits_for_this_outcome(
    carer: Conversation,
) -> None:
    """Said instead of a rating, it is kept for after this outcome's review, then read back."""
    carer.start(
        review_outcomes=[{"id": 5, "domain": "choice_in_caring", "text": "too much caring"}]
    )
    carer.say({"button": "start"}, YES, "i had a fall last week and hurt my wrist")
    assert carer.state["phase"] == "review_rating"
    assert "come back to what you said" in carer.text
    carer.press("not_met")
    assert carer.state["phase"] == "review_update"
    carer.press("no")
    assert carer.state["phase"] == "reflect"
    assert '"i had a fall last week and hurt my wrist"' in carer.text
    carer.say(YES, {"button": "partly_met"}, MOVE_ON)
    assert carer.state["phase"] == "anything_else"
    reviewed, new = carer.record["outcomes"]
    assert (reviewed["update"], reviewed["rating_words"], reviewed["rating"]) == (
        None,
        None,
        "not_met",
    )
    assert (new["words"], new["domain"]) == (
        "i had a fall last week and hurt my wrist",
        "health_wellbeing",
    )
    assert carer.turn.progress.to_dict() == {"topic": 1, "of": 1}
