"""The phases of a conversation and one table of what each does, checked when it is loaded.

A phase is where the conversation waits. Its row says what kind of question it asks
(open, yes_no, rating or choice; a topic's own kind is in the script), which function
handles an answer, which asks the question, which message explains "why do you ask" (None:
the topic's own `why`), whether "skip" is offered, and whether the topics count as done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from outcomes_chat.dialogue.flow import closing, follow_ups, hearing, opening, review, topics
from outcomes_chat.dialogue.turn import Message

if TYPE_CHECKING:
    from outcomes_chat.dialogue.step import Step


class Phase(StrEnum):
    """Where a conversation can wait. Stored in the state as its plain value."""

    WELCOME = "welcome"
    CONSENT = "consent"
    OPENER = "opener"
    TOPIC = "topic"
    REMEMBERED = "remembered"
    CONCERN = "concern"
    REFLECT = "reflect"
    REPHRASE = "rephrase"
    CHOOSE_DOMAIN = "choose_domain"
    RATING = "rating"
    WISH = "wish"
    HELPS = "helps"
    BARRIERS = "barriers"
    WHO_COULD_HELP = "who_could_help"
    ANYTHING_ELSE = "anything_else"
    SUMMARY = "summary"
    SUMMARY_PICK = "summary_pick"
    SUMMARY_CHANGE = "summary_change"
    SUMMARY_REMOVE = "summary_remove"
    REVIEW_RATING = "review_rating"
    REVIEW_UPDATE = "review_update"
    FINISHED = "finished"


Handler = Callable[["Step", str, "str | None"], None]
Asker = Callable[["Step"], list[Message]]


@dataclass(frozen=True)
class PhaseSpec:
    """What one phase does."""

    kind: str  # open, yes_no, rating, choice; "topic": the script says, per topic
    handle: Handler  # an answer: (step, typed text or "", intent or pressed button)
    ask: Asker  # the question it waits on
    why: str | None  # the message explaining why it is asked; None: the topic's own
    skippable: bool = True  # "skip" is offered among the controls
    topics_done: bool = False  # progress shows every topic done


PHASES: Mapping[Phase, PhaseSpec] = {
    Phase.WELCOME: PhaseSpec(
        "choice", opening.on_welcome, opening.ask_welcome, "why_welcome", False
    ),
    Phase.CONSENT: PhaseSpec(
        "yes_no", opening.on_consent, opening.ask_consent, "why_consent", False
    ),
    Phase.OPENER: PhaseSpec("open", opening.on_opener, opening.ask_opener, "why_opener"),
    Phase.TOPIC: PhaseSpec("topic", topics.on_topic, topics.ask_topic, None),
    Phase.REMEMBERED: PhaseSpec("yes_no", topics.on_remembered, topics.ask_remembered, None),
    Phase.CONCERN: PhaseSpec("open", topics.on_concern, topics.ask_concern, None),
    Phase.REFLECT: PhaseSpec("yes_no", hearing.on_reflect, hearing.ask_reflect, "why_reflect"),
    Phase.REPHRASE: PhaseSpec("open", hearing.on_rephrase, hearing.ask_rephrase, "why_reflect"),
    Phase.CHOOSE_DOMAIN: PhaseSpec(
        "choice", hearing.on_choose_domain, hearing.ask_choose_domain, "why_choose_domain"
    ),
    Phase.RATING: PhaseSpec("rating", follow_ups.on_rating, follow_ups.ask_rating, "why_rating"),
    Phase.WISH: PhaseSpec("open", follow_ups.on_wish, follow_ups.ask_wish, "why_wish"),
    Phase.HELPS: PhaseSpec("open", follow_ups.on_helps, follow_ups.ask_helps, "why_helps"),
    Phase.BARRIERS: PhaseSpec(
        "open", follow_ups.on_barriers, follow_ups.ask_barriers, "why_barriers"
    ),
    Phase.WHO_COULD_HELP: PhaseSpec(
        "open", follow_ups.on_who_could_help, follow_ups.ask_who_could_help, "why_who_could_help"
    ),
    Phase.ANYTHING_ELSE: PhaseSpec(
        "open", closing.on_anything_else, closing.ask_anything_else, "why_anything_else", True, True
    ),
    Phase.SUMMARY: PhaseSpec(
        "choice", closing.on_summary, closing.ask_summary, "why_summary", False, True
    ),
    Phase.SUMMARY_PICK: PhaseSpec(
        "choice", closing.on_summary_pick, closing.ask_summary_pick, "why_summary", False, True
    ),
    Phase.SUMMARY_CHANGE: PhaseSpec(
        "open", closing.on_summary_change, closing.ask_summary_change, "why_summary", False
    ),
    Phase.SUMMARY_REMOVE: PhaseSpec(
        "yes_no", closing.on_summary_remove, closing.ask_summary_remove, "why_summary", False, True
    ),
    Phase.REVIEW_RATING: PhaseSpec(
        "rating", review.on_review_rating, review.ask_review_rating, "why_review_rating"
    ),
    Phase.REVIEW_UPDATE: PhaseSpec(
        "open", review.on_review_update, review.ask_review_update, "why_review_update"
    ),
    Phase.FINISHED: PhaseSpec(
        "choice", closing.on_finished, closing.ask_finished, None, False, True
    ),
}


KINDS = frozenset({"open", "yes_no", "rating", "choice", "topic"})


def spec_of(phase: str) -> PhaseSpec:
    """The row of a phase stored in a state (ValueError for one this engine does not know)."""
    return PHASES[Phase(phase)]


def check_messages(messages: Mapping[str, str]) -> None:
    """Every why-text in the table is a message the script has (checked when an engine loads)."""
    unknown = sorted({spec.why for spec in PHASES.values() if spec.why} - set(messages))
    if unknown:
        raise LookupError(f"The script has no message for: {', '.join(unknown)}.")


def _require_every_phase() -> None:
    missing = [phase.value for phase in Phase if phase not in PHASES]
    if missing:
        raise LookupError(f"These phases have no row in the phase table: {', '.join(missing)}.")
    odd = [phase.value for phase, spec in PHASES.items() if spec.kind not in KINDS]
    if odd:
        raise LookupError(f"These phases have an unknown kind of question: {', '.join(odd)}.")


_require_every_phase()
