"""The example conversation of the design, played through the engine end to end."""

from __future__ import annotations

from .talking import MOVE_ON, SKIP, YES, Conversation

OPENING = (
    "Honestly just getting a full night's sleep. Tom's up three or four times a night and "
    "I'm shattered. And I miss my choir."
)
SLEEP = (
    "Honestly just getting a full night's sleep. Tom's up three or four times a night and "
    "I'm shattered."
)
CHOIR_MENTION = "And I miss my choir."
CHOIR = "Going back to choir on Tuesdays. I haven't been for a year."
HELPS = "My daughter has him on a Sunday afternoon and I sleep then."
BARRIERS = "He gets muddled at night and doesn't know where he is."
SAFETY = "Some nights I think I can't go on like this."


def test_the_example_conversation_keeps_the_carers_own_words(carer: Conversation) -> None:
    welcome = carer.start()
    assert "what matters to you" in welcome.text
    assert carer.button_values() == ["start", "why"]

    consent = carer.press("start")
    assert "Is that OK?" in consent.text
    assert carer.button_values() == ["yes", "no"]

    opener = carer.say(YES)
    assert opener.text == "To start, what matters most to you at the moment?"

    reflected = carer.say(OPENING)
    assert f'"{SLEEP}"' in reflected.text
    assert CHOIR_MENTION not in reflected.text
    assert carer.button_values() == ["yes", "not_quite", "back"]

    rating = carer.say(YES)
    assert rating.text == "How is this going now?"  # a wish, not a problem
    assert carer.button_values() == ["met", "partly_met", "not_met", "unknown"]

    helps = carer.press("not_met")
    assert helps.text == "Is there something that helps, even a bit?"

    barriers = carer.say(HELPS)
    assert barriers.text == "And is there anything that gets in the way?"

    why = carer.say("why do you ask that")
    assert why.text == (
        "Knowing what gets in the way helps the team see where support could make a "
        "difference. And is there anything that gets in the way?"
    )

    carer.say(BARRIERS)
    acknowledged = carer.say(SKIP)  # who could help: skipped
    assert acknowledged.text.startswith(f'Thank you. Earlier you said: "{CHOIR_MENTION}"')
    assert "time for yourself" in acknowledged.text

    reflected = carer.say(CHOIR)
    assert f'So another thing that matters to you is: "{CHOIR}"' in reflected.text
    carer.say(YES)
    carer.press("not_met")
    carer.say(SKIP, SKIP, SKIP)
    assert "money" in carer.text

    carer.say("No, money's fine thank God.")
    assert carer.text.startswith("That's good to hear.")
    caring_question = carer.turn.question.text.removeprefix("That's good to hear. ")
    assert "amount of caring" in caring_question

    alarmed = carer.say(SAFETY)
    assert [m.kind for m in alarmed.messages] == ["safety", "signposting", "question"]
    assert "999" in alarmed.messages[1].text and "116 123" in alarmed.messages[1].text
    assert carer.button_values() == ["practitioner", "carry_on"]

    # Issue 9: the words that raised the concern are still heard as an answer, not asked again.
    carried_on = carer.press("carry_on")
    assert carried_on.text.startswith("We'll carry on. So another thing that matters to you is:")
    assert f'"{SAFETY}"' in carried_on.text

    record = carer.record
    assert [(o["words"], o["domain"], o["rating"]) for o in record["outcomes"]] == [
        (SLEEP, "health_wellbeing", "not_met"),
        (CHOIR, "life_of_own", "not_met"),
    ]
    sleep = record["outcomes"][0]
    assert (sleep["helps"], sleep["barriers"], sleep["who_could_help"]) == (HELPS, BARRIERS, None)
    assert sleep["turn"] == 3  # start, yes, then the third input
    assert record["nothing_to_add_topics"] == ["finance"]
    assert [(s["category"], s["words"]) for s in record["safety"]] == [("self_harm", SAFETY)]
    assert [e["type"] for e in carer.events("safety_flag")] == ["safety_flag"]
    assert "words" not in carer.events("safety_flag")[0]


def test_the_example_summary_lists_the_outcomes_and_finishes(carer: Conversation) -> None:
    carer.begin()
    carer.say(OPENING, YES, {"button": "not_met"}, HELPS, BARRIERS, SKIP)
    carer.say(CHOIR, YES, {"button": "not_met"}, MOVE_ON)
    carer.say("stop")
    summary = carer.press("finish_now")
    assert summary.messages[0].kind == "summary"
    assert f'1. "{SLEEP}" (not at all)' in summary.messages[0].text
    assert f'2. "{CHOIR}" (not at all)' in summary.messages[0].text
    assert carer.button_values() == ["confirm", "change", "remove"]

    finished = carer.press("confirm")
    assert finished.phase == "finished"
    assert "Your lead professional" in finished.text
    assert carer.record["finished"] is True
    assert carer.events("finished") == [{"type": "finished", "outcomes": 2}]
