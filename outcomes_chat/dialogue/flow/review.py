"""A review: outcomes agreed last time, looked at again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from outcomes_chat.dialogue.flow import follow_ups, hearing
from outcomes_chat.dialogue.script import RATINGS
from outcomes_chat.dialogue.state import Candidate, Outcome
from outcomes_chat.dialogue.turn import Message

if TYPE_CHECKING:
    from outcomes_chat.dialogue.step import Step


def next_review(step: Step) -> None:
    """Look at the next outcome agreed last time, or ask what is new. Something new said while
    one was looked at is read back first, to be confirmed as a new thing that matters."""
    state = step.state
    ids = [outcome.id for outcome in state.outcomes if outcome.review_of is not None]
    if state.current in ids:
        state.review_at = state.current
    if state.pending:
        state.current = None
        state.asked = "review"  # after it, the review goes on from where it was
        step.enter("reflect")
        return
    position = ids.index(state.review_at) + 1 if state.review_at in ids else 0
    if position < len(ids):
        state.current = ids[position]
        step.enter("review_rating")
    else:
        state.current = None
        step.enter("anything_else")


def on_review_rating(step: Step, text: str, intent: str | None) -> None:
    outcome = step.current_outcome()
    # Words typed with a rating are kept beside it; words without one are what they say now.
    typed = text and step.hear.rating(text) is not None
    rating = follow_ups.typed_rating(step, outcome, text) if typed else None
    rating = rating or ("unknown" if intent == "not_sure" else intent)
    if rating in RATINGS:
        outcome.rating = rating
        step.event("rating_given", outcome_id=outcome.id, rating=rating)
        if outcome.update is None:
            step.enter("review_update")
        else:
            next_review(step)
    elif intent == "skip":
        next_review(step)
    elif text and intent is None and not step.state.prompted:
        later = kept_said_now(step, outcome, text)
        step.state.prompted = True
        step.lead.append(step.message("kept_for_later" if later else "rating_kept"))
    elif text and intent is None:
        # Asked once already: a third time would be a form, not a conversation.
        kept_said_now(step, outcome, text)
        step.lead.append(step.message("rating_left"))
        next_review(step)
    elif not step.state.prompted:
        step.state.prompted = True
        step.lead.append(step.message("please_choose"))
    else:
        # "yes", "no" again: not a rating, and asking a third time helps no one.
        step.lead.append(step.message("moving_on"))
        next_review(step)


def on_review_update(step: Step, text: str, intent: str | None) -> None:
    outcome = step.current_outcome()
    if intent in ("skip", "no", "not_sure"):
        next_review(step)
    elif text and intent is None:
        kept_said_now(step, outcome, text)
        next_review(step)
    elif intent == "yes":
        step.lead.append(step.message("say_more"))
    else:
        step.unexpected()


def kept_said_now(step: Step, outcome: Outcome, text: str) -> bool:
    """Keep words said while an outcome is looked at again: as its update, or, when they speak
    clearly to another area and not to this outcome, as something new to read back after it.
    The words stay whole either way, and are kept in one place only. True: kept for later."""
    elsewhere = clearly_elsewhere(step, outcome, text)
    if not elsewhere:
        review_update(step, outcome, text)
        return False
    step.state.pending.append(Candidate(elsewhere, text, step.state.turn))
    step.event("mention_remembered", topic=None, domains=list(elsewhere))
    return True


def clearly_elsewhere(step: Step, outcome: Outcome, text: str) -> list[str]:
    """The areas these words speak to clearly (as a topic's answer leaves its topic: see
    hearing.CLEARLY_ELSEWHERE), when they do not speak to this outcome's at all; else [].

    Words about the person cared for ("she goes three days now", "he sleeps more") are how
    the carer's own outcome is going, not something new: they never count as elsewhere.
    """
    if not outcome.domains:
        return []  # nothing to tell them apart from
    scores = step.hear.domains(text)
    if any(score.id in outcome.domains for score in scores):
        return []
    others = step.hear.about_others
    context = others.domain if others is not None else None
    return [
        score.id
        for score in scores
        if score.score >= hearing.CLEARLY_ELSEWHERE and score.id != context
    ]


def review_update(step: Step, outcome: Outcome, text: str) -> None:
    """New words about an outcome agreed last time, kept beside the old words."""
    outcome.update = text if outcome.update is None else f"{outcome.update}\n{text}"
    outcome.update_turn = step.state.turn
    step.event("outcome_changed", outcome_id=outcome.id, update=text, turn=step.state.turn)


def ask_review_rating(step: Step) -> list[Message]:
    outcome = step.current_outcome()
    text = step.message("review_rating", words=outcome.words)
    return step.asking(text, *follow_ups.rating_buttons(step), step.button("skip"))


def ask_review_update(step: Step) -> list[Message]:
    return step.asking(step.message("review_update"), step.button("no", "no_thanks"))
