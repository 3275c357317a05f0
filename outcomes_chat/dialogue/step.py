"""One step of one conversation: reads an input, moves the state, collects what to say.

The phases themselves live in flow/, one module per group, as functions of the Step; the
phase table (phases.py) says which function handles and asks each phase. The Step holds
what they share: the state, the recogniser, the wording, and what is said in this step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from outcomes_chat.dialogue.flow import anywhere, closing
from outcomes_chat.dialogue.phases import PhaseSpec, spec_of
from outcomes_chat.dialogue.recognise import Recognisers, SafetyHit
from outcomes_chat.dialogue.script import Script, Topic
from outcomes_chat.dialogue.state import Outcome, State, to_plain
from outcomes_chat.dialogue.turn import Button, Event, Message, Progress, Turn
from outcomes_chat.dialogue.utterance import Utterance
from outcomes_chat.dialogue.wording import Translate, Wording

MAX_INPUT_CHARS = 2000

_DIGRESSIONS = frozenset({"help", "why", "repeat"})
# Where words that raised a concern are still heard as the answer to an open question (or kept
# from the welcome for the first one), to be
# read back and confirmed. At a reading back, a rating or the summary they are never stored as
# that answer: the question is asked again after the safety reply.
_HEARD_DESPITE_RISK = frozenset(
    {"welcome", "opener", "topic", "concern", "remembered", "anything_else"}
)
# Follow-up questions keep such words as their answer when the kind of risk allows it
# (RiskKind.answers_follow_ups).
_FOLLOW_UPS = frozenset({"wish", "helps", "barriers", "who_could_help"})
# Intents a phase handler reads as an answer; the others steer (back, pause, stop...).
_ANSWERS = frozenset({"yes", "no", "not_sure", "skip"})


class Step:
    """One step of one conversation: reads an input, moves the state, collects what to say."""

    def __init__(
        self, script: Script, translate: Translate, recognisers: Recognisers, state: State
    ) -> None:
        self.script = script
        self.state = state
        self.say = Wording(translate, state.lang)
        self.hear = recognisers.for_lang(state.lang)
        # Risk said in the fallback language is heard too: people mix languages, and a missed
        # cue costs far more than a false alarm.
        self.safety_ears = tuple(dict.fromkeys([self.hear, recognisers.fallback]))
        self.lead: list[str] = []  # short lines said just before the next question
        self.messages: list[Message] = []  # messages said before the question, on their own
        self.events: list[Event] = []
        self.fresh = False  # the question is asked for the first time: say its intro
        self.went_back = False
        self.outcomes_before: list[Any] | None = None
        self.safety_before = len(state.safety)
        self.concerns_before = len(state.concerns)

    def note_before(self) -> None:
        """Remember the outcomes as they were, to tell the caller whether this step changed any."""
        self.outcomes_before = to_plain(self.state.outcomes)

    def refusal(self, text: str) -> str | None:
        """Why this text is not taken in: empty, or too long (unless it has a safety cue)."""
        if not text:
            return "empty_input"
        if len(text) > MAX_INPUT_CHARS and self.safety_hit(text) is None:
            return "too_long"
        return None

    def refuse(self, reason: str) -> Turn:
        """Answer kindly and leave the state as it was."""
        self.lead.append(self.message(reason))
        return self.turn()

    def handle(self, utterance: Utterance) -> None:
        """Route one accepted input: safety first, then pauses, offers, controls, the phase."""
        state = self.state
        text = utterance.text
        hit = self.safety_hit(text) if text else None
        if hit is not None:
            answering_an_offer = state.awaiting is not None
            anywhere.safety(self, hit.category, text)
            if not state.finished and not answering_an_offer:
                self.understand_despite_risk(text, hit.category)
            return
        if state.finished:
            closing.on_finished(self, "", None)
            return
        if state.paused is not None:
            anywhere.resume(self)
            return
        # At a rating the typed words are kept beside the rating, so they stay text there.
        typed = text and (state.awaiting is not None or self.spec.kind != "rating")
        pressed = utterance.button or (self.typed_button(text) if typed else None)
        if pressed is not None:
            text = ""
        intent = pressed or (self.hear.reply_intent(text) if text else None)
        if state.awaiting and anywhere.on_offer(self, state.awaiting, intent):
            return
        state.awaiting = None
        if text and self.spec.kind == "rating" and self.hear.rating(text):
            intent = None  # "not at all" and "not sure" are ratings here, with their words
        if intent in _DIGRESSIONS:
            anywhere.digress(self, intent)
        elif intent == "back":
            anywhere.back(self)
        elif intent == "pause":
            anywhere.pause(self, "asked")
        elif intent == "stop":
            anywhere.stop(self)
        elif intent == "carry_on":
            self.lead.append(self.message("carry_on"))
        elif intent == "already_said":
            anywhere.already_said(self)
        else:
            self.spec.handle(self, text, intent)

    def pending_offer(self) -> str:
        """The offer to stop and talk of the latest risk that has one (a wellbeing note has none;
        a note from before tiers is taken as immediate)."""
        tiers = self.script.signposting.tiers
        for note in reversed(self.state.safety):
            tier = tiers.get(note.tier or "immediate", {})
            if "offer" in tier:
                return tier["offer"]
        return tiers["immediate"]["offer"]

    def understand_despite_risk(self, text: str, category: str) -> None:
        """The words that raised a concern, said to an open question, are still its answer:
        read back to be confirmed (or kept, at a follow-up), so nothing is lost or asked twice.
        The safety reply speaks first; any offer to stop waits before what comes next.
        """
        phase = self.state.phase
        kept_at_follow_up = (
            phase in _FOLLOW_UPS and self.script.signposting.kind(category).answers_follow_ups
        )
        if phase not in _HEARD_DESPITE_RISK and not kept_at_follow_up:
            return  # a reading back, a rating or the summary is asked again after the offer
        intent = self.hear.reply_intent(text)
        if intent is None or intent in _ANSWERS:
            offer, self.state.awaiting = self.state.awaiting, None
            self.spec.handle(self, text, intent)
            self.state.awaiting = offer
        self.lead.clear()  # the safety reply is what is said now

    def typed_button(self, text: str) -> str | None:
        """The button whose label the person typed ("Move on", "That's right"), if any:
        anything a button does can be typed."""
        said = self._label_key(text)
        for message in self.question():
            for button in message.buttons:
                if self._label_key(button.label) == said:
                    return button.value
        return None

    def _label_key(self, label: str) -> str:
        return " ".join(self.hear.analyser.words(label))

    def safety_hit(self, text: str) -> SafetyHit | None:
        """A cue of risk in the person's language or the fallback one."""
        for ear in self.safety_ears:
            hit = ear.safety(text)
            if hit is not None:
                return hit
        return None

    @property
    def spec(self) -> PhaseSpec:
        """What the phase the conversation waits in does."""
        return spec_of(self.state.phase)

    def enter(self, phase: str) -> None:
        """Move to a phase whose question is asked for the first time."""
        self.state.phase = phase
        self.state.prompted = False
        self.fresh = True

    def unexpected(self) -> None:
        self.lead.append(self.message("unexpected_button"))

    def event(self, kind: str, **data: Any) -> None:
        self.events.append(Event(kind, data))

    def message(self, key: str, **values: str) -> str:
        """A message from the script's messages, translated and filled in.

        When the person did not agree to share with the team, a message the script words
        differently for that (its `not_shared` section) is said instead.
        """
        template = None if self.state.shared else self.script.not_shared.get(key)
        return self.say(template or self.script.messages[key], **values)

    def button(self, value: str, label_key: str | None = None, **values: str) -> Button:
        return Button(value, self.say(self.script.buttons[label_key or value], **values))

    def current_topic(self) -> Topic | None:
        topic_id = self.state.topic
        return self.script.topic(topic_id) if topic_id else None

    def require_topic(self) -> Topic:
        topic = self.current_topic()
        if topic is None:
            raise ValueError("The conversation state has a topic phase but no topic.")
        return topic

    def current_outcome(self) -> Outcome:
        outcome = self.state.outcome(self.state.current)
        if outcome is None:
            raise ValueError("The conversation state points at an outcome it does not hold.")
        return outcome

    def turn(self) -> Turn:
        """Everything said in this step, ending with the pending question."""
        messages = [*self.messages, *self.question()]
        if self.lead:
            first = messages[0] if messages else Message("", kind="info")
            text = " ".join([*self.lead, first.text]).strip()
            messages[:1] = [Message(text, first.buttons, first.kind)]
        state = self.state
        phase = "paused" if state.paused is not None else state.phase
        return Turn(
            messages=tuple(messages),
            state=state.to_dict(),
            events=tuple(self.events),
            progress=self.progress(),
            phase=phase,
            controls=self.controls(offered=messages[-1].buttons if messages else ()),
            outcomes_changed=self.outcomes_changed(),
            safety=tuple(to_plain(note) for note in state.safety[self.safety_before :]),
            concerns=tuple(to_plain(note) for note in state.concerns[self.concerns_before :]),
            finished=state.finished,
        )

    def outcomes_changed(self) -> bool:
        """Whether this step recorded, changed or removed an outcome (a review's start does)."""
        if self.outcomes_before is None:
            return self.fresh and bool(self.state.outcomes)
        return to_plain(self.state.outcomes) != self.outcomes_before

    def controls(self, offered: Sequence[Button] = ()) -> tuple[Button, ...]:
        """The buttons that work at any time, for a page's tool bar: those the question does
        not offer already among its own buttons (one Skip, not two)."""
        if self.state.phase == "finished" or self.state.paused is not None:
            return ()
        values: tuple[str, ...] = ("back", "skip", "pause", "repeat", "help")
        if not self.spec.skippable:
            values = tuple(value for value in values if value != "skip")
        answers = {button.value for button in offered}
        return tuple(self.button(value) for value in values if value not in answers)

    def progress(self) -> Progress:
        state = self.state
        if state.mode == "review":
            reviewed = [o for o in state.outcomes if o.review_of is not None]
            ids = [o.id for o in reviewed]
            # While something new said in the review is heard, the one looked at last counts.
            at = state.current if state.current in ids else state.review_at
            done = ids.index(at) + 1 if at in ids else 0
            if self.spec.topics_done:
                done = len(ids)
            return Progress(done, len(ids))
        total = len(self.script.topics)
        done = len(state.done_topics)
        if state.topic and state.topic not in state.done_topics:
            done += 1
        if self.spec.topics_done:
            done = total
        return Progress(min(done, total), total)

    def question(self) -> list[Message]:
        """The question the conversation waits on, as it stands in the state."""
        state = self.state
        if state.finished:
            return []
        if state.paused is not None:
            text = anywhere.paused_text(self, state.paused)
            return [Message(text, (self.button("resume"),), kind="question")]
        if state.awaiting == "safety":
            offer = self.say(self.pending_offer())
            return self.asking(offer, self.button("practitioner"), self.button("carry_on"))
        if state.awaiting == "stop":
            buttons = (self.button(value) for value in ("finish_now", "take_a_break", "carry_on"))
            return self.asking(self.message("stop_offer"), *buttons)
        return self.spec.ask(self)

    def asking(self, text: str, *buttons: Button) -> list[Message]:
        return [Message(text, tuple(buttons), kind="question")]
