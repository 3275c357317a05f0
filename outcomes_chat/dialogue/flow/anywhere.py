"""What works at any point of a conversation: safety, offers, digressions, back, pause."""

from __future__ import annotations

from typing import TYPE_CHECKING

from outcomes_chat.dialogue.flow import closing, follow_ups, hearing, topics
from outcomes_chat.dialogue.state import SafetyNote
from outcomes_chat.dialogue.turn import Message

if TYPE_CHECKING:
    from outcomes_chat.dialogue.step import Step

_FOLLOW_UP_PHASES = frozenset({"wish", "helps", "barriers", "who_could_help"})

_PAUSED_TEXT = {"consent": "consent_declined"}


def safety(step: Step, category: str, text: str) -> None:
    """Risk heard: the reply its tier needs, that kind's signposting, and a flag with the words.

    Immediate and safeguarding risks offer to stop and talk now; a wellbeing concern is
    acknowledged, noted for the team, and the conversation carries on.
    """
    state = step.state
    signposting = step.script.signposting
    kind = signposting.kind(category)
    state.safety.append(SafetyNote(category, state.turn, state.phase, state.topic, text, kind.tier))
    step.event("safety_flag", category=category, tier=kind.tier, turn=state.turn, phase=state.phase)
    if state.paused is not None:
        state.paused = None
        step.event("resumed")
    step.messages.append(Message(_acknowledged(step, text, step.say(kind.reply)), kind="safety"))
    lines = [
        step.say(line.text, number=line.number or "") for line in signposting.lines_for(category)
    ]
    tier = signposting.tiers[kind.tier]
    if "promise" in tier:
        worker = state.worker or step.say(signposting.worker_unknown)
        lines.append(step.say(tier["promise"], worker=worker))
    if "note" in tier:
        lines.append(step.say(tier["note"]))
    if lines:
        step.messages.append(Message("\n".join(lines), kind="signposting"))
    if "offer" in tier and not state.finished:
        state.awaiting = "safety"


def _acknowledged(step: Step, text: str, reply: str) -> str:
    """The reply, after a short word for a feeling said with the risk ("I'm that knackered I
    could shake him"): the person is heard before they are signposted."""
    line = hearing.feeling_line(step, text)
    if line is not None and line.rstrip(".") not in reply:
        return f"{line} {reply}"
    return reply


def on_offer(step: Step, offer: str, intent: str | None) -> bool:
    """Answer to the safety offer or the stop offer; False when the input is something else."""
    state = step.state
    if offer == "safety" and intent in ("practitioner", "yes"):
        state.awaiting = None
        pause(step, "safety")
    elif offer == "stop" and intent in ("finish_now", "yes"):
        state.awaiting = None
        closing.show_summary(step)
    elif offer == "stop" and intent in ("take_a_break", "pause"):
        state.awaiting = None
        pause(step, "stop")
    elif intent in ("carry_on", "no", "resume"):
        state.awaiting = None
        step.lead.append(step.message("carry_on"))
    else:
        return False
    return True


def digress(step: Step, intent: str) -> None:
    """Help, why or repeat: explain, then the pending question is asked again."""
    if intent == "help":
        step.lead.append(step.message("help"))
    elif intent == "why":
        step.lead.append(why(step))
    else:
        step.lead.append(step.message("repeat"))


def already_said(step: Step) -> None:
    """ "I already said that": never reflected; move on from what was asked."""
    state = step.state
    step.lead.append(step.message("already_said"))
    if state.phase == "remembered":
        topics.on_remembered(step, "", "yes")  # what they said earlier is their answer here
    elif state.phase in ("topic", "concern"):
        topics.finish_topic(step)
    elif state.phase in ("reflect", "rephrase") and state.pending:
        hearing.let_go(step)
    elif state.phase in _FOLLOW_UP_PHASES:
        follow_ups.next_follow_up(step)
    elif state.phase == "anything_else":
        closing.show_summary(step)


def why(step: Step) -> str:
    """Why the pending question is asked."""
    topic = step.current_topic()
    why = step.spec.why
    if why is None and topic is not None:
        return step.say(topic.why)
    return step.message(why or "why_general")


def back(step: Step) -> None:
    """Undo the last step; what was said stays in the turn log."""
    step.went_back = True
    before = {outcome.id for outcome in step.state.outcomes}
    if not step.state.go_back():
        step.lead.append(step.message("back_at_start"))
        return
    after = {outcome.id for outcome in step.state.outcomes}
    step.event("back", phase=step.state.phase)
    for outcome_id in sorted(before - after):
        step.event("outcome_removed", outcome_id=outcome_id, reason="back")
    step.lead.append(step.message("back"))


def stop(step: Step) -> None:
    """Offer to finish now or take a break; before consent there is nothing to finish."""
    if step.state.consent:
        step.state.awaiting = "stop"
    else:
        pause(step, "stop")


def pause(step: Step, reason: str) -> None:
    """Stop for now; the pending question waits for the person to come back."""
    step.state.paused = reason
    step.event("paused", reason=reason)


def resume(step: Step) -> None:
    """Come back after a pause and ask the pending question again."""
    step.state.paused = None
    step.event("resumed")
    step.lead.append(step.message("resumed"))


def paused_text(step: Step, reason: str) -> str:
    if reason == "safety":
        return step.say(step.script.signposting.practitioner)
    return step.message(_PAUSED_TEXT.get(reason, "paused"))
