"""Demo plans: conversations held through the real engine and services, then agreed, so a new
user sees reviews, change over time and the team's work straight after `make run`.

The words are the kind carers and people who use services say; they are demo data, shown only
where the demo team is seeded (never in production).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..dialogue.engine import Engine
from ..dialogue.frameworks import Framework
from . import over_time, review
from .conversations import Said, Sender, start_conversation, take_turn
from .models import Assessment, ConsentPurpose, Person, User

CONSENTS = {
    ConsentPurpose.RECORD: True,
    ConsentPurpose.SHARE_TEAM: True,
    ConsentPurpose.EXPORT: True,
}
# The button a person would press in each phase, when it is offered.
PREFERRED = {
    "welcome": "start",
    "consent": "yes",
    "reflect": "yes",
    "rephrase": "yes",
    "anything_else": "no",
    "summary": "confirm",
    "safety": "carry_on",
}
OPEN_PHASES = frozenset({"opener", "topic"})
MAX_TURNS = 120


@dataclass
class Script:
    """What one person says: what matters, in order; details by phase; ratings in order."""

    outcomes: list[str]
    details: dict[str, list[str]] = field(default_factory=dict)
    ratings: list[str] = field(default_factory=list)

    def answer(self, reply: Mapping[str, Any]) -> Said:
        phase = str(reply.get("phase", ""))
        buttons = [
            button["value"]
            for message in reply.get("messages", [])
            for button in message.get("buttons", [])
        ]
        if phase in OPEN_PHASES and self.outcomes:
            return Said(text=self.outcomes.pop(0))
        if self.details.get(phase):
            return Said(text=self.details[phase].pop(0))
        if phase in ("rating", "review_rating") and self.ratings:
            wanted = self.ratings.pop(0)
            if wanted in buttons:
                return Said(button=wanted)
        for choice in (PREFERRED.get(phase), "carry_on", "skip", "no"):
            if choice in buttons:
                return Said(button=choice)
        return Said(button=buttons[0]) if buttons else Said(text="No, that's all.")


def hold(db: Session, engine: Engine, assessment: Assessment, script: Script, by: User) -> None:
    """Answer a conversation to its end, as the person on the practitioner's tablet."""
    sender = Sender(user=by, via_handover=True)
    reply: Mapping[str, Any] = {"phase": "welcome", "messages": [{"buttons": [{"value": "start"}]}]}
    for number in range(MAX_TURNS):
        if reply.get("finished"):
            return
        said = script.answer(reply)
        stored = take_turn(
            db,
            engine,
            assessment,
            f"demo-{assessment.id}-{number}",
            said,
            assessment.last_seq,
            sender,
        )
        reply = stored.turn.reply
    raise RuntimeError("the demo conversation did not finish")


def agree(
    db: Session,
    assessment: Assessment,
    lead: User,
    framework: Framework,
    actions: Sequence[tuple[int, review.ActionDetails]],
    by: User,
    today: date,
    review_in_days: int,
) -> None:
    """Add the team's actions (to the outcomes by position) and sign the plan off."""
    outcomes = [outcome for outcome in assessment.outcomes if outcome.active]
    for position, details in actions:
        if position < len(outcomes):
            review.add_action(db, assessment, outcomes[position].id, details, by, today)
    if assessment.stage.value == "in_conversation":
        review.send_for_review(db, assessment, lead)
    seen = review.plan_fingerprint(db, assessment)
    # A demo conversation's risk stays open for the team to clear: the lead has seen it.
    review.sign_off(
        db,
        assessment,
        lead,
        today + timedelta(days=review_in_days),
        framework,
        today,
        seen,
        flags_seen=[flag.id for flag in review.open_flags(db, assessment, lead)],
    )


def seed_plans(
    db: Session,
    engine_for: Callable[[str], Engine],
    framework_for: Callable[[str], Framework],
    carer: Person,
    adult: Person,
    team: Mapping[str, User],
    today: date,
) -> None:
    """An agreed carer plan, and an agreed adult plan with a review conversation under way."""
    lead, nurse, support = team["morag"], team["amir"], team["jo"]
    carer_plan = start_conversation(db, engine_for("carer"), carer, lead, "carer", "en", CONSENTS)
    hold(db, engine_for("carer"), carer_plan, _carer_script(), lead)
    agree(
        db,
        carer_plan,
        lead,
        framework_for("carer"),
        [
            (
                0,
                review.ActionDetails(
                    "Arrange two nights of respite a month",
                    "Morag Campbell",
                    "social_work",
                    today + timedelta(days=21),
                ),
            ),
            (
                1,
                review.ActionDetails(
                    "Ask the choir about a lift on Tuesdays",
                    "Jo Fraser",
                    "voluntary",
                    today + timedelta(days=14),
                ),
            ),
            (
                2,
                review.ActionDetails(
                    "Book a benefits check with the advice service",
                    "Jo Fraser",
                    "voluntary",
                    today + timedelta(days=10),
                ),
            ),
        ],
        support,
        today,
        review_in_days=20,
    )
    adult_plan = start_conversation(db, engine_for("adult"), adult, lead, "adult", "en", CONSENTS)
    hold(db, engine_for("adult"), adult_plan, _adult_script(), lead)
    agree(
        db,
        adult_plan,
        lead,
        framework_for("adult"),
        [
            (
                0,
                review.ActionDetails(
                    "Refer to the falls service", "Amir Khan", "health", today + timedelta(days=7)
                ),
            ),
            (1, review.ActionDetails("Find a walking group near home", "Jo Fraser", "voluntary")),
        ],
        nurse,
        today,
        review_in_days=90,
    )
    reviewing = over_time.start_review(db, engine_for("adult"), adult_plan, lead, "en", CONSENTS)
    script = Script(
        outcomes=[],
        ratings=["partly_met", "met"],
        details={
            "review_update": [
                "I've not fallen since the rail went in, but I'm still wary on the stairs."
            ]
        },
    )
    for number in range(4):
        said = script.answer(_latest(db, reviewing))
        take_turn(
            db,
            engine_for("adult"),
            reviewing,
            f"demo-r-{number}",
            said,
            reviewing.last_seq,
            Sender(user=lead, via_handover=True),
        )


def _latest(db: Session, assessment: Assessment) -> Mapping[str, Any]:
    from .conversations import turns_after

    return turns_after(db, assessment, assessment.last_seq - 1)[-1].reply


def _carer_script() -> Script:
    return Script(
        outcomes=[
            "Getting a full night's sleep. I'm up three times a night with Tom.",
            "Going back to choir on Tuesdays, it was the one thing that was mine.",
            "Money's tight since I gave up work, I'd like to stop worrying about the bills.",
        ],
        details={
            "helps": ["My daughter has him on a Sunday afternoon and I get a sleep then."],
            "barriers": ["He gets muddled at night and doesn't know where he is."],
            "who_could_help": ["Maybe the carers centre."],
            "wish": ["Just to sleep through once or twice a week."],
        },
        ratings=["not_met", "partly_met", "not_met"],
    )


def _adult_script() -> Script:
    return Script(
        outcomes=[
            "Not falling again. I was on the kitchen floor for an hour in March.",
            "Getting out for a walk, I used to go every day with the dog.",
        ],
        details={
            "helps": ["The new rail by the stairs."],
            "barriers": ["I'm scared to go out on my own now."],
            "who_could_help": ["Maybe someone to walk with at first."],
        },
        ratings=["partly_met", "not_met"],
    )
