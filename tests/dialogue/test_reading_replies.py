"""How a reply is read before the conversation acts on it: steering, dismissals, feelings,
typed ratings, wishes and whose life a cue is about (rules, not accuracy figures)."""

from __future__ import annotations

import pytest

from outcomes_chat.dialogue import DEFAULT_PROMPTS_DIR
from outcomes_chat.dialogue.recognise import Recogniser


@pytest.fixture(scope="module")
def carer() -> Recogniser:
    return Recogniser.load(DEFAULT_PROMPTS_DIR, "carer", "en")


@pytest.mark.parametrize(
    ("reply", "intent"),
    [
        ("aye that's it", "yes"),
        ("yeah that's right", "yes"),
        ("no that's all", "no"),
        ("naw", "no"),
        ("I'm done with this", "stop"),
        ("I have to stop now, mum's shouting for me", "stop"),
        ("I need to go, the door's going", "stop"),
        ("naw, I meant the caring, I already said that", "no"),
        ("like I said, I need sleep", None),
        ("I already said that", "already_said"),
        ("no, just sleep", None),
        ("yes please, a break", None),
        ("carry on", "carry_on"),
        ("no, that's all thanks", "no"),
        ("yes, we're always short at the end of the month", None),
        ("I want to stop caring for him", None),
        ("I have to go to the shops for him every day, the bills are huge", None),
    ],
)
def test_a_reply_that_steers_is_read_as_its_intent(
    carer: Recogniser, reply: str, intent: str | None
) -> None:
    assert carer.reply_intent(reply) == intent


@pytest.mark.parametrize(
    ("reply", "dismisses"),
    [
        ("No, money's fine thank God", True),
        ("I am fine, thank you.", True),
        ("all good thanks", True),
        ("fine", True),
        ("I've been feeling really low and can't be bothered with anything", False),
        ("I'm fine really, just so tired all the time", False),
        ("fine, but the bills keep going up", False),
        ("money's fine but I'm exhausted", False),
    ],
)
def test_only_a_whole_reply_or_a_bound_dismissal_closes_a_topic(
    carer: Recogniser, reply: str, dismisses: bool
) -> None:
    assert carer.dismisses(reply, ["finance"]) is dismisses


def test_a_dismissal_bound_to_another_topic_does_not_close_this_one(carer: Recogniser) -> None:
    assert carer.dismisses("Money's not a problem", ["finance"])
    assert not carer.dismisses("Money's not a problem, it's the nights", ["health_wellbeing"])


@pytest.mark.parametrize(
    ("reply", "feelings"),
    [
        ("Since Bill died I don't know what to do with myself", ("grief",)),
        ("I'm scared he'll fall again", ("fear",)),
        ("Honestly I'm knackered", ("exhaustion",)),
        ("I feel so guilty when I go out", ("guilt",)),
        ("I'm not worried about money", ()),
        ("No fear of that", ()),
    ],
)
def test_feelings_are_heard_and_a_denied_one_is_not(
    carer: Recogniser, reply: str, feelings: tuple[str, ...]
) -> None:
    assert carer.feelings(reply) == feelings


@pytest.mark.parametrize(
    ("reply", "rating"),
    [
        ("not at all", "not_met"),
        ("partly, she still needs me at night", "partly_met"),
        ("going well", "met"),
        ("some days", "partly_met"),
        ("dunno", "unknown"),
        ("he still needs me at night", None),
        ("its ok i suppose", "partly_met"),
        ("naw no great", "not_met"),
        ("that's grand", "met"),
        ("aye that's fine now", "met"),
    ],
)
def test_a_typed_rating_is_read_from_the_start_of_the_reply(
    carer: Recogniser, reply: str, rating: str | None
) -> None:
    assert carer.rating(reply) == rating


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("Her garden is everything to her", "cared_for"),
        ("He misses his hobbies", "cared_for"),
        ("I miss my hobbies", "life_of_own"),
        ("He keeps me up all night and I never get any sleep", "health_wellbeing"),
    ],
)
def test_whose_life_it_is_decides_the_domain(carer: Recogniser, text: str, domain: str) -> None:
    assert domain in [score.id for score in carer.domains(text)]


def test_her_hobbies_are_not_the_carers_life_of_her_own(carer: Recogniser) -> None:
    assert "life_of_own" not in [score.id for score in carer.domains("He misses his hobbies")]


@pytest.mark.parametrize(
    "text",
    ["Mum has no friends left", "My husband's sleep is terrible", "The wean never sleeps"],
)
def test_a_person_named_by_who_they_are_is_the_person_cared_for(
    carer: Recogniser, text: str
) -> None:
    # Named as mum, husband or wean rather than he or she: still their life, not the carer's.
    assert [score.id for score in carer.domains(text)][:1] == ["cared_for"]


def test_a_death_named_by_role_is_the_carers_own_loss(carer: Recogniser) -> None:
    # "my wife" names the person, but a bereavement is the carer's health and wellbeing.
    text = "Since my wife passed away I have not been myself"
    assert [score.id for score in carer.domains(text)][:1] == ["health_wellbeing"]


@pytest.mark.parametrize(
    ("text", "wish"),
    [
        ("I'd love to get back to my choir", True),
        ("Going back to choir on Tuesdays", True),
        ("I'm shattered", False),
    ],
)
def test_a_wish_is_told_from_a_problem(carer: Recogniser, text: str, wish: bool) -> None:
    assert carer.is_wish(text) is wish


@pytest.mark.parametrize("reply", ["dunno really", "meh", "aye", "ok then"])
def test_a_reply_without_content_has_nothing_to_reflect(carer: Recogniser, reply: str) -> None:
    assert not carer.has_content(reply)


@pytest.mark.parametrize("reply", ["Choir on a Tuesday", "We never get out any more now"])
def test_a_reply_with_content_has_something_to_reflect(carer: Recogniser, reply: str) -> None:
    assert carer.has_content(reply)
