"""The opening: welcome, consent, and the opener 'what matters most to you'."""

from __future__ import annotations

from typing import TYPE_CHECKING

from outcomes_chat.dialogue.flow import anywhere, hearing, review, topics
from outcomes_chat.dialogue.turn import Message

if TYPE_CHECKING:
    from outcomes_chat.dialogue.step import Step


def on_welcome(step: Step, text: str, intent: str | None) -> None:
    if text and intent is None and _an_answer_already(step, text):
        # People often start talking at "Hello": their words wait for consent, then are heard.
        step.state.said_first = text
        step.lead.append(step.message("kept_for_later"))
    step.enter("consent")


def _an_answer_already(step: Step, text: str) -> bool:
    """True when words said at the welcome tell of a life, not just "go on then"."""
    if not step.hear.has_content(text):
        return False
    return bool(step.hear.domain_sentences(text)) or len(step.hear.analyser.words(text)) >= 6


def on_consent(step: Step, text: str, intent: str | None) -> None:
    if intent == "yes":
        step.state.consent = True
        step.event("consent_given")
        said_first, step.state.said_first = step.state.said_first, None
        if step.state.mode == "review":
            review.next_review(step)
        elif said_first:
            step.enter("opener")
            hearing.answer(step, said_first, "opener")
        else:
            step.enter("opener")
    elif intent in ("no", "not_sure"):
        step.state.consent = False
        step.event("consent_declined")
        anywhere.pause(step, "consent")
    else:
        # "Skip" is no answer here: the person's say on sharing their words comes first.
        step.lead.append(step.message("please_choose_yes_no"))


def on_opener(step: Step, text: str, intent: str | None) -> None:
    if intent in ("skip", "no", "not_sure"):
        step.lead.append(step.message("opener_nothing"))
        topics.next_topic(step)
    elif text and intent is None:
        hearing.answer(step, text, "opener")
    else:
        step.lead.append(step.message("empty_input"))


def ask_welcome(step: Step) -> list[Message]:
    key = "welcome_review" if step.state.mode == "review" else "welcome"
    return step.asking(step.message(key), step.button("start"), step.button("why"))


def ask_consent(step: Step) -> list[Message]:
    return step.asking(
        step.message("consent"),
        step.button("yes", "consent_yes"),
        step.button("no", "consent_no"),
    )


def ask_opener(step: Step) -> list[Message]:
    return step.asking(step.message("opener"), step.button("skip"))
