"""Recognition: domains, own-words sentences, negation, control words, safety cues."""

from __future__ import annotations

import pytest

from outcomes_chat.dialogue import DEFAULT_PROMPTS_DIR, recognise
from outcomes_chat.dialogue.recognise import (
    CONTROL_INTENTS,
    DomainScore,
    Recogniser,
    split_sentences,
)
from outcomes_chat.dialogue.script import load_signposting


@pytest.fixture(scope="module")
def carer() -> Recogniser:
    return Recogniser.load(DEFAULT_PROMPTS_DIR, "carer", "en")


@pytest.fixture(scope="module")
def adult() -> Recogniser:
    return Recogniser.load(DEFAULT_PROMPTS_DIR, "adult", "en")


def ids(scores: list[DomainScore]) -> list[str]:
    return [score.id for score in scores]


# -- domains ----------------------------------------------------------------------------------

CARER_SAYINGS = [
    ("cared_for", "I just want him to be happy and comfortable at home."),
    ("cared_for", "She loves going to the day centre on a Wednesday."),
    ("cared_for", "His dementia is getting worse and he gets very muddled."),
    ("health_wellbeing", "I'm absolutely shattered most days."),
    ("health_wellbeing", "I haven't had a proper night's sleep in months."),
    ("health_wellbeing", "My anxiety has gone through the roof since he came home."),
    ("health_wellbeing", "I'm so exausted I can barely think."),
    ("life_of_own", "I'd love some time for myself now and then."),
    ("life_of_own", "I miss going to my choir on a Thursday."),
    ("life_of_own", "I never get out of the house any more."),
    ("life_of_own", "A week of respite would make all the difference."),
    ("relationship", "I want to be his wife again, not just his nurse."),
    ("relationship", "We used to go dancing together every Saturday."),
    ("relationship", "Our marriage has really suffered."),
    ("finance", "The bills keep going up and the heating costs a fortune."),
    ("finance", "I'm not sure what benefits I can claim."),
    ("finance", "I had to give up work and we really miss the income."),
    ("choice_in_caring", "Nobody asked me if I wanted to be his carer, it was just expected."),
    ("choice_in_caring", "I don't feel I can do the personal care any more."),
    ("choice_in_caring", "My brother won't help so it's all down to me."),
    ("informed_equipped", "Nobody tells me what help is out there."),
    ("informed_equipped", "We could really do with a hoist and some grab rails."),
    ("informed_equipped", "I'd like some training in moving and handling."),
    ("satisfaction", "It's hard but it's really rewarding."),
    ("satisfaction", "I feel proud that I can look after her."),
    ("partnership", "The hospital and social services don't talk to each other."),
    ("partnership", "I keep repeating my story to every new person."),
    ("planning_ahead", "What happens to him if I'm taken ill?"),
    ("planning_ahead", "I worry about the future and what happens when I'm gone."),
    ("planning_ahead", "We need an emergency plan in case something happens to me."),
    ("valued_respected", "They never take me seriously even though I know him best."),
    ("valued_respected", "I feel invisible to the professionals."),
    ("having_a_say", "I want to have a say in the support he gets."),
    ("having_a_say", "No one ever asks me what I think."),
    ("flexible_responsive", "It took months to get anything changed when he got worse."),
    ("flexible_responsive", "The support needs to be more flexible."),
    ("practitioner_relationship", "We've had five different social workers this year."),
    ("practitioner_relationship", "I'd like one point of contact who knows us."),
    ("accessible_available", "You can never get hold of anyone at the weekend."),
    ("accessible_available", "We were told we're not eligible for any help."),
    # The domains people name in their own words rather than the label's.
    ("relationship", "I feel more like his nurse than his wife these days."),
    ("relationship", "We don't really talk any more, not like we did."),
    ("relationship", "It feels like living with a stranger now."),
    ("valued_respected", "The doctors talk over me as if I'm not there."),
    ("valued_respected", "They treat me like I'm stupid, but nobody knows her like I do."),
    ("having_a_say", "They had the review meeting without me."),
    ("having_a_say", "It was take it or leave it, nobody asked what would work for us."),
    ("practitioner_relationship", "Every few months there's a different social worker."),
    ("practitioner_relationship", "It would help to have one person to ring who knows the family."),
    ("accessible_available", "I left a message on Monday and nobody rang back."),
    ("accessible_available", "There's nothing at weekends, you're on your own."),
    ("cared_for", "I just want Dad to be safe and well and not in pain."),
    ("informed_equipped", "Nobody showed me how to use the hoist properly."),
    ("finance", "We count every penny and I worry about the rent."),
    ("life_of_own", "It would be good to meet other carers in the same boat."),
    ("health_wellbeing", "I can't switch off, I'm lying awake half the night."),
]

ADULT_SAYINGS = [
    ("feeling_safe", "I'm frightened of falling when I'm on my own."),
    ("feeling_safe", "I don't feel safe going out after dark."),
    ("things_to_do", "I'm bored stiff with nothing to do all day."),
    ("things_to_do", "I'd love to get back to volunteering at the charity shop."),
    ("seeing_people", "I'm lonely, I don't see anybody from one week to the next."),
    ("seeing_people", "I miss my friends and my grandchildren."),
    ("staying_well", "I want to keep my diabetes under control and stay healthy."),
    ("staying_well", "My mental health has been up and down."),
    ("living_as_wanted", "I want to stay in my own home as long as I can."),
    ("living_as_wanted", "I want to be independent and live my life my own way."),
    ("stigma", "People stare at me because of my wheelchair and treat me differently."),
    ("stigma", "I feel ashamed to tell anyone about my diagnosis."),
    ("listened_to", "Nobody listens to me at the surgery."),
    ("listened_to", "I want to be taken seriously when I say something is wrong."),
    ("having_a_say", "I want a say in the decisions about my care."),
    ("having_a_say", "They decided for me without asking me."),
    ("respected", "I want to be treated with dignity and respect."),
    ("respected", "Some of the staff are rude and patronising."),
    ("responded_to", "When things change it takes weeks for anyone to respond."),
    ("responded_to", "They came straight away when I needed them."),
    ("reliability", "The carers turn up late or don't turn up at all."),
    ("reliability", "It's different carers every day and I never know who's coming."),
    ("confidence", "I've lost all my confidence since the stroke."),
    ("confidence", "I've got something to look forward to now."),
    ("skills", "I'd like to learn to cook for myself."),
    ("skills", "I want to manage my own money and do my shopping."),
    ("mobility", "I can't manage the stairs and the bus is too hard."),
    ("mobility", "My mobility scooter lets me get to the shops."),
    ("symptoms", "The pain in my knees is terrible at night."),
    ("symptoms", "My anxiety stops me doing things."),
    ("respected", "The carers come straight in without a knock on the door."),
    ("respected", "I want to be treated as a person, not like a number."),
    ("living_as_wanted", "I want to live my own life, in my own place."),
    ("staying_well", "I want to keep well and stay out of hospital."),
    ("having_a_say", "I'd like to choose who comes in to help me."),
    ("seeing_people", "Some days I don't speak to anyone at all."),
]


@pytest.mark.parametrize(("expected", "saying"), CARER_SAYINGS)
def test_carer_saying_is_recognised(carer: Recogniser, expected: str, saying: str) -> None:
    assert expected in ids(carer.domains(saying))


@pytest.mark.parametrize(("expected", "saying"), ADULT_SAYINGS)
def test_adult_saying_is_recognised(adult: Recogniser, expected: str, saying: str) -> None:
    assert expected in ids(adult.domains(saying))


def test_every_domain_has_a_saying(carer: Recogniser, adult: Recogniser) -> None:
    assert {d for d, _ in CARER_SAYINGS} == set(carer.domain_ids)
    assert {d for d, _ in ADULT_SAYINGS} == set(adult.domain_ids)


@pytest.mark.parametrize(
    ("framework", "saying", "expected"),
    [
        ("carer", "I'm shattered and I never get any time to myself.",
         {"health_wellbeing", "life_of_own"}),
        ("carer", "The bills worry me and I don't know who'd look after him if I was ill.",
         {"finance", "planning_ahead"}),
        ("carer", "I gave up my job to care for Mum and now money is really tight.",
         {"finance", "life_of_own"}),
        ("adult", "I'm lonely and the pain in my hips stops me getting out.",
         {"seeing_people", "symptoms", "mobility"}),
        ("adult", "I'd like to go to a club and make some friends.",
         {"things_to_do", "seeing_people"}),
    ],
)  # fmt: skip
def test_several_domains_in_one_answer(
    carer: Recogniser, adult: Recogniser, framework: str, saying: str, expected: set[str]
) -> None:
    recogniser = carer if framework == "carer" else adult
    assert expected <= set(ids(recogniser.domains(saying)))


@pytest.mark.parametrize(
    "saying",
    [
        "Thank you, that's kind of you.",
        "I care for my husband, who is 78.",
        "We moved here in 1994 from Glasgow.",
        "Hello",
        # Everyday phrases whose words are cue words elsewhere ("course", "meaning", "rights").
        "Of course, thank you.",
        "What do you mean?",
        "Sorry, I mean the other one.",
        "That's right, yes.",
    ],
)
def test_small_talk_speaks_to_no_domain(carer: Recogniser, saying: str) -> None:
    assert carer.domains(saying) == []


@pytest.mark.parametrize(
    "saying", ["You were right about the weather.", "The remote control for the telly is broken."]
)
def test_everyday_words_are_not_a_say_in_decisions(adult: Recogniser, saying: str) -> None:
    # "rights" folds to "right", and "control" is said of many things: neither is a say.
    assert "having_a_say" not in ids(adult.domains(saying))


def test_a_cue_inside_a_plain_phrase_is_not_heard(carer: Recogniser) -> None:
    # "of course" is plain; "a training course" is still about being equipped.
    assert carer.domains("Of course I will.") == []
    assert "informed_equipped" in ids(carer.domains("I'd like to go on a training course."))


def test_an_extra_word_does_not_reach_across_a_clause(carer: Recogniser) -> None:
    # "me time" is said in the first, not in "me, every time".
    assert "life_of_own" in ids(carer.domains("I want some me time every week."))
    assert "life_of_own" not in ids(carer.domains("What about me, every time?"))


@pytest.mark.parametrize(
    ("saying", "expected"),
    [
        ("I never see my freinds any more.", "life_of_own"),
        ("im so tierd all the time", "health_wellbeing"),
        ("I feel so isloated these days.", "life_of_own"),
    ],
)
def test_two_swapped_letters_are_forgiven(carer: Recogniser, saying: str, expected: str) -> None:
    assert expected in ids(carer.domains(saying))


def test_a_swap_does_not_bend_a_real_word_too_far(carer: Recogniser) -> None:
    # "lovely" is not "lonely", and a swap must be two neighbouring letters.
    assert "life_of_own" not in ids(carer.domains("We had a lovely day."))


def test_scores_are_0_to_100_best_first(carer: Recogniser) -> None:
    scores = carer.domains("I'm exhausted, the bills are piling up and I have no time for me.")
    assert len(scores) == 3
    assert all(0 <= s.score <= 100 for s in scores)
    assert [s.score for s in scores] == sorted((s.score for s in scores), reverse=True)


def test_ties_follow_the_framework_order(carer: Recogniser) -> None:
    # One single-word cue each: equal scores, so life_of_own (3rd) comes before finance (5th).
    assert ids(carer.domains("bills, respite")) == ["life_of_own", "finance"]
    assert ids(carer.domains("respite, bills")) == ["life_of_own", "finance"]


def test_a_cue_inside_a_longer_cue_counts_once(carer: Recogniser) -> None:
    # "his health" is about the person cared for, not the carer's own health.
    assert "health_wellbeing" not in ids(carer.domains("His health is poor."))
    assert "cared_for" in ids(carer.domains("His health is poor."))
    assert "health_wellbeing" in ids(carer.domains("My health is getting worse."))


def test_overlapping_cues_are_one_longer_cue() -> None:
    # "be his daughter" and "daughter again" share a word: one three-word phrase, not two cues.
    def match(text: str, start: int, end: int, label: str = "relationship") -> recognise._Match:
        phrase = recognise._Phrase(recognise._CUE, label, tuple(text.split()), text, 0)
        return recognise._Match(phrase, start, end, 0, 1.0)

    three_words = 100 * recognise._CUE_WEIGHTS[2]
    together = [match("his daughter", 0, 1), match("daughter again", 1, 2)]
    assert recognise._score(together) == {"relationship": pytest.approx(three_words)}
    # Apart in the text, two cues are two pieces of evidence.
    apart = [match("his daughter", 0, 1), match("daughter again", 5, 6)]
    assert recognise._score(apart)["relationship"] > three_words
    # The same cue said twice counts once.
    twice = [match("his daughter", 0, 1), match("his daughter", 5, 6)]
    assert recognise._score(twice) == {"relationship": pytest.approx(72.0)}


def test_get_up_and_go_to_bed_is_not_morale(adult: Recogniser) -> None:
    assert "confidence" not in ids(adult.domains("I'd like to decide when I get up and go to bed."))
    assert "confidence" in ids(adult.domains("I've lost all my get up and go."))


def test_short_cues_match_whole_words_only(carer: Recogniser, adult: Recogniser) -> None:
    assert "finance" not in ids(carer.domains("He smokes a pipe."))  # not "pip"
    assert "mobility" not in ids(adult.domains("The abuse has to stop."))  # not "bus"
    assert "things_to_do" not in ids(adult.domains("I started again."))  # not "art"


# -- own words ----------------------------------------------------------------------------------

EXAMPLE = (
    "Honestly just getting a full night's sleep. Tom's up three or four times a night and I'm "
    "shattered. And I miss my choir."
)


def test_domain_sentences_keep_the_persons_words(carer: Recogniser) -> None:
    assert carer.domain_sentences(EXAMPLE) == {
        "health_wellbeing": [
            "Honestly just getting a full night's sleep.",
            "Tom's up three or four times a night and I'm shattered.",
        ],
        "life_of_own": ["And I miss my choir."],
    }


def test_domain_sentences_match_domains(carer: Recogniser) -> None:
    text = "  Money is tight!\n\nI'm exhausted… And he loves the day centre?  "
    sentences = carer.domain_sentences(text)
    assert list(sentences) == ids(carer.domains(text))
    for found in sentences.values():
        assert found and all(sentence in text for sentence in found)


def test_domain_sentences_empty_when_nothing_heard(carer: Recogniser) -> None:
    assert carer.domain_sentences("") == {}
    assert carer.domain_sentences("No, money's fine.") == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   \n ", []),
        ("One.", ["One."]),
        ("One. Two!  Three?", ["One.", "Two!", "Three?"]),
        ("No. Money's fine", ["No.", "Money's fine"]),
        ("Dr. Smith said 3.5 hours. Then B&Q.", ["Dr. Smith said 3.5 hours.", "Then B&Q."]),
        ('He said "stop." I did.', ['He said "stop."', "I did."]),
        ("line one\nline two", ["line one", "line two"]),
        ("Wait… what?! Really", ["Wait…", "what?!", "Really"]),
    ],
)
def test_split_sentences_is_verbatim(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected
    assert all(sentence in text for sentence in split_sentences(text))


# -- negation -----------------------------------------------------------------------------------

NOT_A_CONCERN = [
    "money's not a problem",
    "No, money's fine thank God.",
    "Money isn't an issue for us.",
    "I'm not worried about money.",
    "No worries about money at all.",
    "We have no money worries.",
    "Money doesn't worry me.",
    "Sleep is fine, I get plenty.",
    "I'm fine for money.",
    "Never had any problems with money.",
    "Money's no bother.",
    "Money's nae bother, we're comfortable.",
    "Money's sorted.",
]


@pytest.mark.parametrize("saying", NOT_A_CONCERN)
def test_a_negated_topic_gives_no_domain(carer: Recogniser, saying: str) -> None:
    assert carer.domains(saying) == []
    assert carer.is_negated(saying)


@pytest.mark.parametrize(
    "saying", ["Nothing really.", "no", "All good thanks", "Not really", "It's fine"]
)
def test_a_dismissive_reply_is_negated(carer: Recogniser, saying: str) -> None:
    assert carer.is_negated(saying)


@pytest.mark.parametrize(
    ("saying", "expected"),
    [
        ("I never have enough money.", "finance"),
        ("No sleep for weeks.", "health_wellbeing"),
        ("I don't get any time to myself.", "life_of_own"),
        ("I can't afford the heating.", "finance"),
        ("Nothing helps with the stress.", "health_wellbeing"),
        ("I'd be fine if I could only sleep.", "health_wellbeing"),
        # After "if", a dismissal is a wish: the topic is the concern.
        ("If money was sorted I could sleep at night.", "finance"),
        ("If the bills weren't a worry I'd be fine.", "finance"),
    ],
)
def test_plain_no_and_not_are_the_concern_itself(
    carer: Recogniser, saying: str, expected: str
) -> None:
    assert expected in ids(carer.domains(saying))
    assert not carer.is_negated(saying)


def test_a_wish_with_if_is_not_a_dismissal(adult: Recogniser) -> None:
    saying = "If the pain was under control I could do so much more."
    assert "symptoms" in ids(adult.domains(saying))
    assert not adult.is_negated(saying)


def test_a_plain_phrase_is_not_a_dismissal(carer: Recogniser) -> None:
    # "sort of" reads as "sort", like "sorted", but dismisses nothing.
    saying = "Money is sort of a worry."
    assert "finance" in ids(carer.domains(saying))
    assert not carer.is_negated(saying)


def test_negation_stays_in_its_clause(carer: Recogniser) -> None:
    saying = "Money's fine but I'm exhausted."
    assert ids(carer.domains(saying)) == ["health_wellbeing"]
    assert carer.is_negated(saying)


def test_a_dismissed_topic_beside_a_real_one(carer: Recogniser, adult: Recogniser) -> None:
    saying = "Money's not an issue, it's never having time to myself."
    assert ids(carer.domains(saying)) == ["life_of_own"]
    saying = "Money's not a problem for me. What I want is some company."
    assert ids(adult.domains(saying)) == ["seeing_people"]


# -- control words ------------------------------------------------------------------------------

CONTROL = [
    ("carry_on", "carry on"), ("carry_on", "Let's keep going"),
    ("already_said", "I already said that"), ("already_said", "I've already told you"),
    ("skip", "skip"), ("skip", "Skip please"), ("skip", "next"), ("skip", "pass"),
    ("skip", "can we move on"), ("skip", "I'd rather not say"), ("skip", "skp"),
    ("back", "back"), ("back", "go back"), ("back", "Can we go back?"), ("back", "undo"),
    ("back", "oops wrong button"),
    ("pause", "pause"), ("pause", "Can we take a break?"), ("pause", "later"),
    ("pause", "hang on a minute"),
    ("repeat", "say that again"), ("repeat", "Pardon?"), ("repeat", "what?"),
    ("repeat", "sorry, what did you say"),
    ("help", "help"), ("help", "I don't understand"), ("help", "what do you mean?"),
    ("why", "why?"), ("why", "why do you ask that"), ("why", "What's this for?"),
    ("why", "Why do you need to know?"),
    ("stop", "stop"), ("stop", "I want to finish"), ("stop", "end"), ("stop", "I'm done"),
    ("yes", "yes"), ("yes", "Yep"), ("yes", "that's right"), ("yes", "Correct."),
    ("yes", "ok"), ("yes", "yes please"), ("yes", "👍"), ("yes", "Yes yes"),
    ("no", "no"), ("no", "Nope"), ("no", "not quite"), ("no", "That's wrong"),
    ("no", "no thanks"), ("no", "No!"),
    # Scots and everyday forms a walkthrough found refused
    ("yes", "aye fine"), ("yes", "aye nae bother"), ("yes", "aye that's grand"),
    ("no", "naw that's it"), ("no", "naw that's me"), ("no", "nothing else"),
    ("already_said", "i telt ye already"), ("already_said", "I've telt ye"),
    ("not_sure", "not sure"), ("not_sure", "I don't know"), ("not_sure", "dunno"),
    ("not_sure", "maybe"), ("not_sure", "I'm not sure really"),
]  # fmt: skip


@pytest.mark.parametrize(("intent", "reply"), CONTROL)
def test_control_reply(carer: Recogniser, intent: str, reply: str) -> None:
    assert carer.control(reply) == intent


def test_every_intent_is_reachable() -> None:
    assert {intent for intent, _ in CONTROL} == set(CONTROL_INTENTS)


@pytest.mark.parametrize(
    "saying",
    [
        "I want to stop caring for him",
        "no sleep for weeks",
        "back pain",
        "I need to go back to work",
        "I'd like to stop worrying about money",
        "No one ever asks me what I think",
        "Next week he starts at the day centre",
        "Why does nobody listen to me when I tell them he's worse?",
        "Yes, and I miss my choir too, and my friends from church",
        "I don't know how much longer I can keep doing this on my own",
        "Maybe a few hours a week at the day centre would help",
        "Help with the shopping would make a big difference",
        "",
        "   ",
    ],
)
def test_content_is_not_a_control_word(carer: Recogniser, saying: str) -> None:
    assert carer.control(saying) is None


# -- safety -------------------------------------------------------------------------------------

RISK = [
    ("self_harm", "Some nights I think I can't go on like this."),
    ("self_harm", "I just want to end it all."),
    ("self_harm", "There's no point living any more."),
    ("self_harm", "I've thought about killing myself."),
    ("self_harm", "Sometimes I want to hurt myself."),
    ("self_harm", "Everyone would be better off without me."),
    ("self_harm", "I wish I was dead."),
    ("self_harm", "I don't want to be here anymore."),
    ("self_harm", "I've been thinking about taking an overdose."),
    ("self_harm", "I feel suicidal some days."),
    ("harm_to_cared_for", "I'm scared I'll hurt him when he gets like that."),
    ("harm_to_cared_for", "I lost my temper with her and pushed her."),
    ("harm_to_cared_for", "Some days I could kill him."),
    ("harm_to_speaker", "He hits me when he's confused."),
    ("harm_to_speaker", "I'm scared of him when he drinks."),
    ("harm_to_speaker", "My son punched me last week."),
    ("harm_to_speaker", "She gets very aggressive and grabs me."),
    ("harm_to_speaker", "He threatened me with a knife."),
    ("exploitation", "He takes my money and won't let me go out."),
    ("harm_to_speaker", "She shouts at me and calls me names all the time."),
    ("exploitation", "My nephew controls my money."),
    ("neglect", "He's not eating and nobody comes in to check."),
    ("neglect", "Mum is left alone all day with no food."),
    ("neglect", "She's got bed sores and hasn't been washed for days."),
    ("neglect", "There's no heating and the house is freezing cold."),
    ("neglect", "We're going to be evicted next week and have nowhere to go."),
    ("danger_at_home", "I had to call the police last night."),
    ("harm_to_cared_for", "I can't keep him safe at home any more."),
    ("cant_cope", "I can't cope any more."),
    ("cant_cope", "I'm at the end of my tether."),
    ("cant_cope", "I'm at breaking point."),
    ("cant_cope", "I can't take it anymore."),
    ("cant_cope", "Honestly I'm not coping at all."),
    ("cant_cope", "I'm falling apart."),
    ("cant_cope", "I cant cope"),
    # Scots "-nae" is "not".
    ("cant_cope", "I cannae cope any more."),
    ("self_harm", "I dinnae want to be here any more."),
    ("self_harm", "Some days I think I just cannae go on."),
    ("third_party", "He keeps saying he wants to die."),
    ("child_carer", "My son has to wash me before school."),
    ("substance_misuse", "He's drinking again, every day."),
]


@pytest.mark.parametrize(("category", "saying"), RISK)
def test_risk_is_caught(carer: Recogniser, category: str, saying: str) -> None:
    hit = carer.safety(saying)
    assert hit is not None
    assert hit.category == category
    assert hit.cue


def test_every_category_is_exercised() -> None:
    assert {category for category, _ in RISK} == set(load_signposting(DEFAULT_PROMPTS_DIR).kinds)


def test_risk_is_caught_in_the_adult_framework_too(adult: Recogniser) -> None:
    assert adult.safety("I want to end my life.") is not None


@pytest.mark.parametrize(
    "saying",
    [
        "I could kill for a cup of tea.",
        "My back is killing me.",
        "My feet are killing me after the shopping.",
        "I'm dying for a holiday.",
        "Her scones are to die for.",
        "He was drop dead gorgeous when we met.",
        "I read to kill time at the hospital.",
        "We can't go on holiday this year.",
        "It suddenly hit me that he didn't know who I was.",
        "I'm scared of him falling on the stairs.",
        "I haven't had enough sleep.",
        "I love him to bits.",
        "It would be lovely to get out more.",
    ],
)
def test_idioms_are_not_risk(carer: Recogniser, saying: str) -> None:
    assert carer.safety(saying) is None


# -- robustness and determinism -----------------------------------------------------------------

ODD_INPUT = [
    "",
    " ",
    "\n\t\r",
    "\x00",
    "money\x00bills\x07",
    "\x1b[31mred\x1b[0m",
    "😀😀😀 🙏",
    "مرحبا، أنا متعب جدا ولا أنام",
    "אני עייפה מאוד",
    "Café, naïve, Zoë — façade",
    "\ud800 lone surrogate",
    "\u202eevil right-to-left override",
    "a" * 2000,
    ("I'm tired and worried about money. " * 60)[:2000],
    "x " * 1000,
    "!!!???...,,,;;;",
    "١٢٣ 123 ①②③",
    "no. " * 500,
]


@pytest.mark.parametrize("text", ODD_INPUT)
@pytest.mark.parametrize("framework", ["carer", "adult"])
def test_odd_input_never_raises(framework: str, text: str) -> None:
    recogniser = Recogniser.load(DEFAULT_PROMPTS_DIR, framework, "en")
    assert isinstance(recogniser.domains(text), list)
    assert isinstance(recogniser.domain_sentences(text), dict)
    assert recogniser.control(text) in (None, *CONTROL_INTENTS)
    hit = recogniser.safety(text)
    assert hit is None or hit.category in load_signposting(DEFAULT_PROMPTS_DIR).kinds
    assert isinstance(recogniser.is_negated(text), bool)
    assert all(sentence in text for sentence in split_sentences(text))


def test_same_input_same_answer(carer: Recogniser) -> None:
    text = "I'm exhausted, the bills are piling up and I miss my choir. Can't cope."
    fresh = recognise._load.__wrapped__(DEFAULT_PROMPTS_DIR.resolve(), "carer", "en")
    for recogniser in (carer, fresh):
        assert recogniser.domains(text) == carer.domains(text)
        assert recogniser.domain_sentences(text) == carer.domain_sentences(text)
        assert recogniser.safety(text) == carer.safety(text)
        assert recogniser.control(text) == carer.control(text)
    # Interleaving other texts does not change the answer.
    first = carer.domains(text)
    carer.domains("something else entirely")
    assert carer.domains(text) == first


def test_load_is_cached_per_framework_and_language() -> None:
    first = Recogniser.load(DEFAULT_PROMPTS_DIR, "carer", "en")
    assert Recogniser.load(DEFAULT_PROMPTS_DIR / ".." / "prompts", "carer", "en") is first
    assert Recogniser.load(DEFAULT_PROMPTS_DIR, "adult", "en") is not first


# Risk said in the words people use, each entry a rule the safety check must keep: the
# category is the kind of risk answered. (Tests of rules, never evidence of accuracy: that
# is benchmarks/safety.py on real statements.)
HEARD_AS_RISK = [
    # two concepts in one sentence; the most urgent of two risks; risk said of someone else
    ("She fell in the hall and lay there for hours.", "danger_at_home"),
    ("I've been saving up my tablets in a drawer.", "self_harm"),
    ("He's been saving up his tablets in a drawer.", "third_party"),  # his risk
    ("He had been suicidal for years.", "third_party"),
    # Two risks: the more urgent is answered, though "desperate" comes first.
    ("I got so desperate that I was hurting myself.", "self_harm"),
    ("I gave him his tablets twice by mistake.", "harm_to_cared_for"),
    ("Somebody has been emptying her bank account.", "exploitation"),
    ("I left the gas on again and the pan burned.", "danger_at_home"),
    # who harms whom
    ("He grabbed my arm, I'm black and blue.", "harm_to_speaker"),
    ("Him lashing out is the worst of it.", "harm_to_speaker"),
    ("He thumped me last night.", "harm_to_speaker"),
    ("I shook him, I'm so ashamed.", "harm_to_cared_for"),
    # everyday words the issue found missed
    ("I'm no coping.", "cant_cope"),  # Scots "no" for "not"
    ("I'm scared of what I might do to him.", "harm_to_cared_for"),
    ("They'd manage fine without me.", "self_harm"),
    ("He has stopped eating and drinking.", "neglect"),
    ("My wee girl does my personal care.", "child_carer"),
    ("He checks my phone all the time.", "harm_to_speaker"),
    # risk an idiom or a role once hid
    ("I hit my husband.", "harm_to_cared_for"),
    ("My brother hit my mum.", "harm_to_cared_for"),
    ("She tried to strangle me.", "harm_to_speaker"),
    ("He bit me.", "harm_to_speaker"),
    ("I've been thinking about killing myself to get away from it all.", "self_harm"),
    ("I'm desperate to die.", "self_harm"),
    ("He pushed me to the floor.", "harm_to_speaker"),
    ("Mum fell out of bed and lay there for hours.", "danger_at_home"),
    ("My husband checks my phone every night.", "harm_to_speaker"),
    ("I give up.", "self_harm"),  # hopelessness is answered as the most urgent kind,
    # more everyday words
    ("I know I'm a burden.", "self_harm"),
    ("He's cleaned me out.", "exploitation"),
    ("I locked the doors and hid the key from him.", "harm_to_cared_for"),
    ("My friend has cuts all over her arm.", "third_party"),
    ("I'm walking on eggshells with him.", "harm_to_speaker"),
    # concept families: two ideas in one sentence, in words of their own
    ("My lass does my tablets and helps me to the toilet before school.", "child_carer"),
    ("I was 12 and doing all the cooking because my mum was poorly.", "child_carer"),
    ("We only have the heating on an hour a night, we can't afford it.", "neglect"),
    ("The carers didn't turn up on Sunday so she was left in bed.", "neglect"),
    ("My nephew has been taking her pension every week.", "exploitation"),
    ("A builder at the door said the roof needed work and she paid him thousands.", "exploitation"),
    ("She left the hob on again and the pan was burnt black.", "danger_at_home"),
    ("He got out in the middle of the night and the police brought him home.", "danger_at_home"),
    ("I gave him his insulin twice by mistake.", "harm_to_cared_for"),
    ("I'm frightened of what he'll do when he's had a drink.", "harm_to_speaker"),
    ("I've started saving up my sleeping pills.", "self_harm"),
    ("They would manage fine without me.", "self_harm"),
    ("She lets strangers in and gives them her bank details.", "danger_at_home"),
    ("He went for me when I tried to help him wash.", "harm_to_speaker"),
    ("There's mould on the walls and the cupboards are bare.", "neglect"),
    ("My son is smoking spice again.", "substance_misuse"),
    ("When I help him wash he hits me.", "harm_to_speaker"),
    ("The man who says he's her friend is using her flat.", "exploitation"),
    # self-neglect of medicines; a child doing someone else's care (found by a walkthrough)
    ("I've stopped taking my tablets, what's the point.", "neglect"),
    ("My 13 year old daughter does his medication when I'm at work.", "child_carer"),
    ("My wee lassie, she's 13, she does his meds.", "child_carer"),
    ("I gave him extra tablets by mistake.", "harm_to_cared_for"),
]

NOT_RISK = [
    # one concept alone, or an idiom
    "I fell asleep on the sofa for hours.",  # "fell" and "hours", but asleep
    "She takes her tablets every morning with her tea.",  # tablets, no second concept
    "The money from the bank holiday market was lovely.",
    # an action done to oneself or to nobody
    "I hit my head on the cupboard.",
    "He pushed the trolley round the shop.",
    "My feet hurt.",
    # harmless sayings
    "I could strangle whoever designed that form.",
    "I was desperate for the toilet.",
    "The patient transport ambulance was late again.",
    "I'm checking my phone every five minutes.",
    # everyday carer talk
    "I care for my mum.",
    "My mum is 84 years old and I care for her.",
    "I look after my husband while the kids are at school.",
    "Yes, we had a plan but it fell through.",
    "What will happen to him when I'm gone?",
    "He's still living at home with us.",
    "I wish my mum was still here, she's been gone two years.",
    "I burned the toast.",
    "We went out for a meal on Saturday night.",
    "I'm using my savings for the new boiler.",
    "I've got power of attorney for mum.",
    "He takes his tablets twice a day.",
    "He kicked off about his tea.",
    "The council won't let me have a break.",
    "Food is so expensive now.",
    "I fell asleep for hours.",
    # medicines and sayings
    "He's on a lot of drugs for his Parkinson's.",
    "She just rolls with the punches.",
    "They brought alcoholic and non-alcoholic wine.",
    # the other half of a concept pair is missing, or the words are everyday ones
    "The carers never turn up on time.",
    "She sits in the dark to watch her programmes.",
    "My daughter helps me with the shopping at weekends.",
    "I've given up smoking.",
    "I'm scared I'll fall again.",
    "I'm pissed off with the council.",
    "I took the car to the garage.",
    "I use her card to pay for her shopping.",
    "I'd love to stay in bed all day.",
    "We live near the railway line.",
    "My grandson sends money for my birthday.",
    # the strain of a caring task, not a blow
    "Lifting him has hurt my back.",
    "Helping her up the stairs hurt my shoulder.",
    # "extra" without a medicine is not an overdose
    "A wee bit better, the day centre gave her an extra day.",
    # a grown-up's care of their own medicines, and a child's age said alone
    "My daughter does his medication when I'm at work.",
    "She's 13 and loves her dancing.",
    "My husband is a big man, he's 16 stone, and I sort out all his tablets.",
    "He's 14 hours a day in his chair and I do his meds.",
    "He takes his tablets with his breakfast.",
]


@pytest.mark.parametrize(("text", "category"), HEARD_AS_RISK)
def test_risk_in_everyday_words_is_heard_as_its_kind(
    carer: Recogniser, text: str, category: str
) -> None:
    hit = carer.safety(text)
    assert hit is not None and hit.category == category


@pytest.mark.parametrize("text", NOT_RISK)
def test_everyday_talk_and_sayings_are_not_risk(carer: Recogniser, text: str) -> None:
    assert carer.safety(text) is None
