"""One topic per domain: its question, yes/no answers, worries, earlier mentions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from outcomes_chat.dialogue.flow import hearing
from outcomes_chat.dialogue.script import Topic
from outcomes_chat.dialogue.state import Concern
from outcomes_chat.dialogue.turn import Message

if TYPE_CHECKING:
    from outcomes_chat.dialogue.step import Step

# A yes or no said with more words than this is an answer in its own right, to reflect.
ALL_WELL_MAX_WORDS = 10


def on_topic(step: Step, text: str, intent: str | None) -> None:
    topic = step.require_topic()
    if intent == "skip":
        skip_topic(step, topic)
    elif intent == "not_sure":
        not_sure(step, topic)
    elif intent in ("yes", "no") and topic.kind == "yes_no":
        yes_or_no(step, topic, intent, text)
    elif intent == "no":
        nothing_to_add(step, topic)
    elif intent == "yes":
        probe_or_move_on(step, topic)
    elif text and intent is None and says_all_is_well(step, topic, text):
        all_well(step, topic)
    elif text and intent is None and hedged_worry(step, topic, text):
        yes_or_no(step, topic, topic.concern_on or "", text)
    elif text and intent is None:
        hearing.answer(step, text, "topic")
    else:
        step.unexpected()


def says_all_is_well(step: Step, topic: Topic, text: str) -> bool:
    """ "Money's fine", or a short yes or no that means all is well said with a few words more
    ("aye I feel safe enough", "no never, folk are decent"): no worry, no feeling, nothing
    about anything else. The worrying answer with words after it is an answer to reflect."""
    if step.hear.dismisses(text, topic.domains):
        return True
    if topic.kind != "yes_no" or topic.all_well_asks_more:
        return False
    opening = step.hear.leading_answer(text)
    if opening is None or opening == topic.concern_on or step.hear.feelings(text):
        return False
    if step.hear.has_contrast(text):
        return False  # "yes, but not at night": the "but" is the answer
    elsewhere = [d.id for d in step.hear.domains(text) if d.id not in topic.domains]
    return not elsewhere and len(text.split()) <= ALL_WELL_MAX_WORDS


def hedged_worry(step: Step, topic: Topic, text: str) -> bool:
    """ "Aye, a wee bit" to "any money worries?": the worrying answer, with nothing to reflect."""
    return (
        topic.kind == "yes_no"
        and step.hear.leading_answer(text) == topic.concern_on
        and not step.hear.has_content(text)
    )


def yes_or_no(step: Step, topic: Topic, answer: str, text: str) -> None:
    """A yes or no to a yes/no question: a worry is asked about, all being well moves on."""
    if answer != topic.concern_on and topic.all_well_asks_more:
        probe_or_move_on(step, topic)
        return
    if answer != topic.concern_on:
        all_well(step, topic)
        return
    words = text or step.say(step.script.buttons.get(answer, answer))
    note_concern(step, topic, words)
    if topic.concern_intro:
        step.lead.append(step.say(topic.concern_intro))
    step.enter("concern")


def note_concern(step: Step, topic: Topic, words: str) -> None:
    """A worry said without detail, kept in the person's words for the team."""
    state = step.state
    state.concerns.append(Concern(topic.id, words, state.turn))
    step.event("concern_noted", topic=topic.id, words=words, turn=state.turn)


def on_concern(step: Step, text: str, intent: str | None) -> None:
    """The answer to "what worries you": reflected as an outcome, or noted for the team."""
    if intent in ("skip", "no", "not_sure"):
        step.lead.append(step.message("concern_noted"))
        finish_topic(step)
    elif text and intent is None:
        hearing.answer(step, text, "topic")
    else:
        step.lead.append(step.message("prompt_more"))


def all_well(step: Step, topic: Topic) -> None:
    """The person says all is well here: nothing to add, said kindly."""
    note_topic(step, "nothing_to_add_topics", "topic_discussed_nothing_to_add", topic)
    step.lead.append(step.say(topic.no_concern))
    finish_topic(step)


def on_remembered(step: Step, text: str, intent: str | None) -> None:
    topic = step.require_topic()
    state = step.state
    if intent == "yes":
        candidate = state.mentions[topic.id].pop(0)
        state.asked = "topic"
        hearing.record_outcome(step, candidate)
    elif intent == "skip":
        skip_topic(step, topic)
    elif intent in ("no", "not_quite", "not_sure"):
        state.mentions.pop(topic.id, None)
        step.enter("topic")
    elif text and intent is None:
        state.mentions.pop(topic.id, None)
        state.phase = "topic"  # an answer here replaces what was heard earlier
        hearing.answer(step, text, "topic")
    else:
        step.unexpected()


def next_topic(step: Step) -> None:
    """Go to the next topic: first any the person has already spoken about, in order."""
    state = step.state
    remaining = [t for t in step.script.topics if t.id not in state.done_topics]
    spoken_of = [t for t in remaining if state.mentions.get(t.id)]
    state.asked = None
    state.probe = 0
    if not remaining:
        state.topic = None
        step.enter("anything_else")
        return
    following = (spoken_of or remaining)[0]
    state.topic = following.id
    step.enter("remembered" if following in spoken_of else "topic")


def finish_topic(step: Step) -> None:
    """This topic is done; go on to the next."""
    topic = step.state.topic
    if topic and topic not in step.state.done_topics:
        step.state.done_topics.append(topic)
    step.state.mentions.pop(topic or "", None)
    next_topic(step)


def skip_topic(step: Step, topic: Topic) -> None:
    note_topic(step, "skipped_topics", "topic_skipped", topic)
    step.lead.append(step.message("skipped"))
    finish_topic(step)


def not_sure(step: Step, topic: Topic) -> None:
    note_topic(step, "not_sure_topics", "topic_not_sure", topic)
    step.lead.append(step.message("not_sure"))
    finish_topic(step)


def nothing_to_add(step: Step, topic: Topic) -> None:
    note_topic(step, "nothing_to_add_topics", "topic_discussed_nothing_to_add", topic)
    step.lead.append(step.say(topic.nothing_to_add))
    finish_topic(step)


def note_topic(step: Step, field_name: str, event: str, topic: Topic) -> None:
    notes: list[str] = getattr(step.state, field_name)
    if topic.id not in notes:
        notes.append(topic.id)
    step.event(event, topic=topic.id)


def probe_or_move_on(step: Step, topic: Topic) -> None:
    """A bare "yes" or a very short answer: ask the next probe, or move on kindly."""
    if step.state.probe < len(topic.probes):
        step.state.probe += 1
        step.state.phase = "topic"
    else:
        not_sure(step, topic)


def ask_topic(step: Step) -> list[Message]:
    topic = step.require_topic()
    probe = step.state.probe
    text = step.say(topic.probes[probe - 1] if probe else topic.question)
    if step.fresh and not probe and topic.intro:
        text = f"{step.say(topic.intro)} {text}"
    return step.asking(text, step.button("skip"), step.button("why", "why_question"))


def ask_remembered(step: Step) -> list[Message]:
    topic = step.require_topic()
    words = step.state.mentions[topic.id][0].words
    text = step.say(topic.remembered, words=words)
    return step.asking(text, step.button("yes", "that_is_it"), step.button("skip"))


def ask_concern(step: Step) -> list[Message]:
    topic = step.require_topic()
    return step.asking(step.say(topic.concern or topic.probes[0]), step.button("skip"))
