"""A whole conversation with the adult framework, every topic, recorded in their own words."""

from __future__ import annotations

from .talking import MOVE_ON, SKIP, YES, Conversation

HOME = "I want to stay in my own home."
FALLING = "I'm scared of falling when I'm on my own at night."
CLUB = "I used to go to the bowling club every Thursday and I miss it."
RELIABILITY = "The carers never turn up on time and nobody listens to me."


def test_a_whole_adult_conversation(adult: Conversation) -> None:
    adult.begin()
    assert adult.turn.progress.to_dict() == {"topic": 0, "of": 7}

    adult.say(HOME, YES, {"button": "met"}, "My son does the garden.")  # going well: one follow-up
    adult.say(FALLING)
    assert adult.text.startswith("That sounds scary.")
    adult.say(YES, {"button": "not_met"}, "To feel steady on my feet.", SKIP)
    adult.say("The stairs.", "A pendant alarm?")
    adult.say(CLUB)
    assert f'"{CLUB}"' in adult.text
    adult.say(YES, {"button": "partly_met"}, SKIP, MOVE_ON)
    adult.say("I am fine, thank you.")  # seeing people: nothing to add
    adult.say("I don't know")  # staying well
    while adult.state["topic"] != "services":
        adult.say(SKIP)
    adult.say(RELIABILITY, YES, {"button": "not_met"}, MOVE_ON)
    assert adult.state["phase"] == "anything_else"
    adult.say("no")
    assert adult.state["phase"] == "summary"
    adult.press("confirm")

    record = adult.record
    assert [(o["words"], o["domain"], o["rating"]) for o in record["outcomes"]] == [
        (HOME, "living_as_wanted", "met"),
        (FALLING, "feeling_safe", "not_met"),
        (CLUB, "things_to_do", "partly_met"),
        (RELIABILITY, "reliability", "not_met"),
    ]
    assert record["outcomes"][0]["helps"] == "My son does the garden."
    assert record["outcomes"][1]["barriers"] == "The stairs."
    assert record["outcomes"][1]["who_could_help"] == "A pendant alarm?"
    assert "listened_to" in record["outcomes"][3]["domains"]
    assert record["nothing_to_add_topics"] == ["seeing_people"]
    assert record["not_sure_topics"] == ["staying_well"]
    assert record["finished"] is True and record["framework"] == "adult"
    assert [e["type"] for e in adult.events("outcome_recorded")] == ["outcome_recorded"] * 4
    assert adult.events("rating_given")[1] == {
        "type": "rating_given",
        "outcome_id": "o2",
        "rating": "not_met",
    }
