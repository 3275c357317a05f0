"""After an outcome is recorded: how it is going, what they would like, what helps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from outcomes_chat.dialogue.flow import hearing, review, topics
from outcomes_chat.dialogue.script import RATINGS, Topic
from outcomes_chat.dialogue.state import Outcome
from outcomes_chat.dialogue.turn import Button, Message

if TYPE_CHECKING:
    from outcomes_chat.dialogue.step import Step

# After something that is going well, asking what gets in the way jars.
_NOT_WHEN_GOING_WELL = frozenset({"barriers", "who_could_help"})

_PROBLEM_RATINGS = frozenset({"not_met", "partly_met"})


def on_rating(step: Step, text: str, intent: str | None) -> None:
    outcome = step.current_outcome()
    rating = typed_rating(step, outcome, text) if text else None
    rating = rating or ("unknown" if intent == "not_sure" else intent)
    if rating in RATINGS:
        outcome.rating = rating
        step.event("rating_given", outcome_id=outcome.id, rating=rating)
        next_follow_up(step)
    elif intent == "skip":
        next_follow_up(step)
    elif text and intent is None and not step.state.prompted:
        step.state.prompted = True
        step.lead.append(step.message("rating_kept"))
    elif text and intent is None:
        # Asked once already: a third time would be a form, not a conversation.
        step.lead.append(step.message("rating_left"))
        next_follow_up(step)
    elif not step.state.prompted:
        step.state.prompted = True
        step.lead.append(step.message("please_choose"))
    else:
        # "no", "yes" again: it is not a rating, and asking a third time helps no one.
        step.lead.append(step.message("moving_on"))
        next_follow_up(step)


def typed_rating(step: Step, outcome: Outcome, text: str) -> str | None:
    """A rating typed in words; whatever was typed is kept beside it, verbatim."""
    rating = step.hear.rating(text)
    if rating is None and step.hear.reply_intent(text) is not None:
        return None  # "skip", "back": steering, not words about the outcome
    # Each reply is kept whole; a second one is added below the first, never over it.
    earlier = outcome.rating_words
    outcome.rating_words = text if earlier is None else f"{earlier}\n{text}"
    step.event("rating_words_given", outcome_id=outcome.id, words=text)
    return rating


def on_helps(step: Step, text: str, intent: str | None) -> None:
    follow_up_answer(step, "helps", text, intent)


def on_barriers(step: Step, text: str, intent: str | None) -> None:
    follow_up_answer(step, "barriers", text, intent)


def on_who_could_help(step: Step, text: str, intent: str | None) -> None:
    follow_up_answer(step, "who_could_help", text, intent)


def on_wish(step: Step, text: str, intent: str | None) -> None:
    follow_up_answer(step, "wish", text, intent)


def follow_up_answer(step: Step, name: str, text: str, intent: str | None) -> None:
    """Keep what helps, what gets in the way or who could help, in their words; or move on."""
    if intent == "skip_rest":
        after_outcome(step)
    elif intent in ("skip", "no", "not_sure"):
        next_follow_up(step)
    elif text and intent is None:
        outcome = step.current_outcome()
        hearing.acknowledge(step, text)
        setattr(outcome, name, text)
        if name == "wish":
            outcome.wish_turn = step.state.turn
        step.event(f"{name}_given", outcome_id=outcome.id, words=text)
        next_follow_up(step)
    elif intent == "yes":
        step.lead.append(step.message("say_more"))
    else:
        step.unexpected()


def follow_ups(step: Step) -> tuple[str, ...]:
    topic = outcome_topic(step)
    return topic.follow_ups if topic else tuple(step.script.defaults["follow_ups"])


def outcome_topic(step: Step) -> Topic | None:
    """The topic whose wording fits the current outcome: the one that asks about its domain."""
    outcome = step.state.outcome(step.state.current)
    if outcome is None or not outcome.domains:
        return None
    return step.script.owner(outcome.domains[0])


def next_follow_up(step: Step) -> None:
    """The next of rating, wish, helps, barriers, who could help; then what comes next."""
    order = ("rating", *fitting_follow_ups(step))
    position = order.index(step.state.phase) if step.state.phase in order else -1
    if position + 1 < len(order):
        step.enter(order[position + 1])
    else:
        after_outcome(step)


def fitting_follow_ups(step: Step) -> tuple[str, ...]:
    """Follow-ups that fit what was said: what they would like instead after a problem
    that is not going well, and nothing about what gets in the way of what goes well."""
    outcome = step.current_outcome()
    asked = follow_ups(step)
    if outcome.rating == "met":
        asked = tuple(name for name in asked if name not in _NOT_WHEN_GOING_WELL)
    if outcome.rating not in _PROBLEM_RATINGS or step.hear.is_wish(outcome.words):
        asked = tuple(name for name in asked if name != "wish")
    return asked


def after_outcome(step: Step) -> None:
    """Reflect the next thing heard, or go back to where the answer came from."""
    state = step.state
    state.current = None
    if state.pending:
        state.phase = "reflect"
        return
    step.lead.append(step.message("moving_on"))
    if state.asked == "opener":
        topics.next_topic(step)
    elif state.asked == "topic":
        after_topic_answer(step)
    elif state.asked == "summary":
        step.enter("summary")
    elif state.asked == "review":
        review.next_review(step)
    else:
        step.enter("anything_else")


def after_topic_answer(step: Step) -> None:
    topic = step.require_topic()
    state = step.state
    if state.mentions.get(topic.id):
        step.enter("remembered")
    elif _answered_about_another(step, topic) and topic.id not in state.reasked_topics:
        # "How are you keeping?" answered about the son: his words are kept for his topic,
        # and the question about the speaker is asked once more rather than lost.
        state.reasked_topics.append(topic.id)
        step.lead.append(step.message("back_to_topic"))
        state.phase = "topic"
        state.prompted = False
    else:
        topics.finish_topic(step)


def _answered_about_another(step: Step, topic: Topic) -> bool:
    """Whether an open question about the speaker's own life was answered only about the
    other person (their words recorded for the other's domain, none for this topic's)."""
    others = step.hear.about_others
    outcomes = step.state.outcomes
    if others is None or topic.kind != "open" or others.domain in topic.domains or not outcomes:
        return False
    if any(set(outcome.domains) & set(topic.domains) for outcome in outcomes):
        return False
    latest = outcomes[-1].turn
    return all(o.domains[:1] == [others.domain] for o in outcomes if o.turn == latest)


def ask_rating(step: Step) -> list[Message]:
    topic = outcome_topic(step)
    wish = step.hear.is_wish(step.current_outcome().words)
    if topic is not None:
        template = topic.rating_wish if wish else topic.rating
    else:
        template = step.script.defaults["rating_wish" if wish else "rating"]
    return step.asking(step.say(template), *rating_buttons(step))


def rating_buttons(step: Step) -> list[Button]:
    return [step.button(value) for value in RATINGS]


def ask_helps(step: Step) -> list[Message]:
    return ask_follow_up(step, "helps")


def ask_barriers(step: Step) -> list[Message]:
    return ask_follow_up(step, "barriers")


def ask_who_could_help(step: Step) -> list[Message]:
    return ask_follow_up(step, "who_could_help")


def ask_wish(step: Step) -> list[Message]:
    return ask_follow_up(step, "wish")


def ask_follow_up(step: Step, name: str) -> list[Message]:
    topic = outcome_topic(step)
    template = getattr(topic, name) if topic else step.script.defaults[name]
    going_well = step.current_outcome().rating == "met"
    if name == "helps" and template == step.script.defaults["helps"] and going_well:
        template = step.script.defaults["helps_going_well"]
    return step.asking(step.say(template), step.button("skip"), step.button("skip_rest"))
