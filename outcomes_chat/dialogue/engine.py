"""The conversation engine: a pure function of (script, state, input) -> Turn.

Inputs. `step(state, user_input)` takes either free text (a `str`) or a pressed button as
`{"button": value}`, where `value` is the `value` of a `Button` the engine offered. A
mapping `{"text": "..."}` is free text too. Buttons carry plain values:

    start why yes no not_quite not_sure back skip pause repeat help stop resume
    met partly_met not_met unknown            (how it is going now)
    practitioner carry_on                     (after a safety reply)
    skip_rest                                 (skip the remaining follow-up questions)
    finish_now take_a_break                   (after "stop")
    confirm change remove change:<outcome id> remove:<outcome id>   (summary)
    domain:<domain id>                        (which domain an answer is closest to)

Typed control words ("skip", "go back", "why do you ask") are recognised per language by
the recogniser and mean the same as the buttons. A button that does not fit the question
re-asks it; a typed number is just text (the terminal's `talk` maps numbers to buttons).
While paused, any input resumes and asks the pending question again.

Text is stripped of surrounding white space. Empty text, or text longer than
MAX_INPUT_CHARS, is answered kindly and the state is returned unchanged (a long text with a
safety cue is still flagged: safety comes first).

Outputs. A `Turn` holds the messages to show (plain text, never HTML: the page escapes
it), the new state (a JSON-ready dict to store with the assessment), events, progress and
the phase. `record(state)` is the truth about what was said; events tell what changed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from outcomes_chat.dialogue.recognise import Recogniser, SafetyHit
from outcomes_chat.dialogue.script import RATINGS, Script, Topic
from outcomes_chat.dialogue.state import (
    Candidate,
    Concern,
    Outcome,
    SafetyNote,
    Said,
    State,
    to_plain,
)
from outcomes_chat.dialogue.text import sentence_spans
from outcomes_chat.dialogue.turn import Button, Event, Message, Progress, Turn
from outcomes_chat.dialogue.wording import Translate, Wording, no_translation

MAX_INPUT_CHARS = 2000

# Recognition falls back to this language when there is no lexicon for the person's own,
# and its safety cues are always listened for too: people mix languages, and a missed
# cue costs far more than a false alarm.
FALLBACK_LANG = "en"

# While a topic is asked, a sentence goes to another domain only when that domain scores at
# least this (one cue matched cleanly): a slip-forgiven word or a hint does not pull it away.
CLEARLY_ELSEWHERE = 60.0

UserInput = str | Mapping[str, Any]

_DIGRESSIONS = frozenset({"help", "why", "repeat"})
# Phases where "skip" has nothing to skip: offering it would only puzzle people.
_NOTHING_TO_SKIP = frozenset({"welcome", "consent", "summary", "summary_pick", "summary_change"})
_WORD = re.compile(r"\w+")
# A clause ends at punctuation in most scripts; used to hear "No, money's fine" as a no.
_CLAUSE_END = re.compile(r"[,;:.!?،、，。！？]")

_WHY_BY_PHASE = {
    "welcome": "why_welcome",
    "consent": "why_consent",
    "opener": "why_opener",
    "reflect": "why_reflect",
    "rephrase": "why_reflect",
    "choose_domain": "why_choose_domain",
    "rating": "why_rating",
    "helps": "why_helps",
    "wish": "why_wish",
    "barriers": "why_barriers",
    "who_could_help": "why_who_could_help",
    "anything_else": "why_anything_else",
    "summary": "why_summary",
    "summary_pick": "why_summary",
    "summary_change": "why_summary",
    "review_rating": "why_review_rating",
    "review_update": "why_review_update",
}

_PAUSED_TEXT = {"consent": "consent_declined"}
_RATING_PHASES = frozenset({"rating", "review_rating"})
_FOLLOW_UP_PHASES = frozenset({"wish", "helps", "barriers", "who_could_help"})
# After something that is going well, asking what gets in the way jars.
_NOT_WHEN_GOING_WELL = frozenset({"barriers", "who_could_help"})
_PROBLEM_RATINGS = frozenset({"not_met", "partly_met"})


@dataclass(frozen=True)
class Utterance:
    """One input: free text (trimmed) or a pressed button's value."""

    text: str
    button: str | None


def read_input(user_input: UserInput) -> Utterance:
    """Read free text, {"text": ...} or {"button": value} into an Utterance."""
    if isinstance(user_input, Mapping):
        if "button" in user_input:
            return Utterance(text="", button=str(user_input["button"]))
        user_input = user_input.get("text", "")
    if not isinstance(user_input, str):
        raise TypeError("An input is a string of text or a mapping {'button': value}.")
    return Utterance(text=user_input.strip(), button=None)


class Engine:
    """Runs one framework's conversation script; holds no per-conversation data."""

    def __init__(self, script: Script, translate: Translate | None = None) -> None:
        self.script = script
        self.translate = translate or no_translation

    def start(
        self, lang: str, *, review_outcomes: Sequence[Mapping[str, Any]] | None = None
    ) -> Turn:
        """Begin a conversation; with review_outcomes, a review of earlier agreed outcomes."""
        state = State(framework=self.script.framework.id, lang=lang)
        if review_outcomes:
            state.mode = "review"
            state.outcomes = [_review_outcome(n, item) for n, item in enumerate(review_outcomes)]
        run = _Step(self.script, self.translate, state)
        run.fresh = True
        return run.turn()

    def step(self, state: Mapping[str, Any], user_input: UserInput) -> Turn:
        """Take one input and return what to say, the new state and what happened."""
        current = State.from_dict(dict(state))
        utterance = read_input(user_input)
        run = _Step(self.script, self.translate, current)
        if utterance.button is None:
            refusal = run.refusal(utterance.text)
            if refusal:
                return run.refuse(refusal)
        before = current.snapshot()
        run.note_before()
        current.turn += 1
        run.handle(utterance)
        if not run.went_back:
            current.remember_for_back(before)
        return run.turn()

    def current(self, state: Mapping[str, Any]) -> Turn:
        """Say the pending question again without changing anything (e.g. on reconnect)."""
        return _Step(self.script, self.translate, State.from_dict(dict(state))).turn()

    def change_language(self, state: Mapping[str, Any], lang: str) -> Turn:
        """Carry on in another language, asking the pending question again in it."""
        data = dict(state)
        data["lang"] = lang
        return self.current(data)

    def record(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """What was said that matters, so far: outcomes in the person's words, flags, notes."""
        return _record(State.from_dict(dict(state)))


def replay(
    script: Script,
    lang: str,
    inputs: Iterable[UserInput],
    *,
    translate: Translate | None = None,
    review_outcomes: Sequence[Mapping[str, Any]] | None = None,
) -> Turn:
    """Rebuild a conversation from its turn log: start, then every input in order."""
    engine = Engine(script, translate)
    turn = engine.start(lang, review_outcomes=review_outcomes)
    for user_input in inputs:
        turn = engine.step(turn.state, user_input)
    return turn


def _recogniser(script: Script, lang: str) -> Recogniser:
    """The recogniser for a language, or the fallback one when it has no lexicon yet."""
    return _recogniser_for(script.prompts_dir, script.framework.id, lang)


@functools.lru_cache(maxsize=64)
def _recogniser_for(prompts_dir: Path, framework: str, lang: str) -> Recogniser:
    # Content is read once per process: no file system look-up on every turn.
    if not (prompts_dir / "lexicon" / lang).is_dir():
        lang = FALLBACK_LANG
    return Recogniser.load(prompts_dir, framework, lang)


def _review_outcome(index: int, item: Mapping[str, Any]) -> Outcome:
    """An outcome agreed last time, to be looked at again."""
    domain = item.get("domain")
    rating = item.get("rating")
    return Outcome(
        id=f"r{index + 1}",
        domains=[str(domain)] if domain else [],
        words=str(item.get("text", "")).strip(),
        turn=None,
        review_of=str(item.get("id", f"r{index + 1}")),
        previous_rating=rating if rating in RATINGS else None,
    )


def _record(state: State) -> dict[str, Any]:
    return {
        "framework": state.framework,
        "lang": state.lang,
        "mode": state.mode,
        "consent": state.consent,
        "finished": state.finished,
        "paused": state.paused is not None,
        "outcomes": [_outcome_record(outcome) for outcome in state.outcomes],
        "removed_outcomes": list(state.removed),
        "safety": [to_plain(note) for note in state.safety],
        "concerns": [to_plain(concern) for concern in state.concerns],
        "skipped_topics": list(state.skipped_topics),
        "nothing_to_add_topics": list(state.nothing_to_add_topics),
        "not_sure_topics": list(state.not_sure_topics),
        "heard_for_later": [
            {"topic": topic, "domains": list(c.domains), "words": c.words, "turn": c.turn}
            for topic, candidates in state.mentions.items()
            for c in candidates
        ],
    }


def _outcome_record(outcome: Outcome) -> dict[str, Any]:
    """One outcome for the record; `domain` is the main one of `domains`."""
    return {
        "id": outcome.id,
        "domain": outcome.domains[0] if outcome.domains else None,
        **to_plain(outcome),
        "rating": outcome.rating or "unknown",
    }


class _Step:
    """One step of one conversation: reads an input, moves the state, collects what to say."""

    def __init__(self, script: Script, translate: Translate, state: State) -> None:
        self.script = script
        self.state = state
        self.say = Wording(translate, state.lang)
        self.hear = _recogniser(script, state.lang)
        self.safety_ears = tuple(dict.fromkeys([self.hear, _recogniser(script, FALLBACK_LANG)]))
        self.lead: list[str] = []  # short lines said just before the next question
        self.messages: list[Message] = []  # messages said before the question, on their own
        self.events: list[Event] = []
        self.fresh = False  # the question is asked for the first time: say its intro
        self.went_back = False
        self.outcomes_before: list[Any] | None = None
        self.safety_before = len(state.safety)

    def note_before(self) -> None:
        """Remember the outcomes as they were, to tell the caller whether this step changed any."""
        self.outcomes_before = to_plain(self.state.outcomes)

    # -- reading one input ------------------------------------------------------------------

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
            self.safety(hit.category, text)
            return
        if state.phase == "finished":
            self.lead.append(self.message("finished_already"))
            return
        if state.paused is not None:
            self.resume()
            return
        intent = utterance.button or (self.hear.reply_intent(text) if text else None)
        if state.awaiting and self.on_offer(state.awaiting, intent):
            return
        state.awaiting = None
        if text and state.phase in _RATING_PHASES and self.hear.rating(text):
            intent = None  # "not at all" and "not sure" are ratings here, with their words
        if intent in _DIGRESSIONS:
            self.digress(intent)
        elif intent == "back":
            self.back()
        elif intent == "pause":
            self.pause("asked")
        elif intent == "stop":
            self.stop()
        elif intent == "carry_on":
            self.lead.append(self.message("carry_on"))
        elif intent == "already_said":
            self.already_said()
        else:
            handler = getattr(self, f"on_{state.phase}")
            handler(text if utterance.button is None else "", intent)

    def safety_hit(self, text: str) -> SafetyHit | None:
        """A cue of risk in the person's language or the fallback one."""
        for ear in self.safety_ears:
            hit = ear.safety(text)
            if hit is not None:
                return hit
        return None

    # -- anywhere ---------------------------------------------------------------------------

    def safety(self, category: str, text: str) -> None:
        """Stop the script: calm reply, signposting, offer to pause; keep the words and flag."""
        state = self.state
        state.safety.append(SafetyNote(category, state.turn, state.phase, state.topic, text))
        self.event("safety_flag", category=category, turn=state.turn, phase=state.phase)
        if state.paused is not None:
            state.paused = None
            self.event("resumed")
        signposting = self.script.signposting
        self.messages.append(Message(self.say(signposting.reply_for(category)), kind="safety"))
        lines = [
            self.say(line.text, number=line.number or "")
            for line in signposting.lines
            if line.applies_to(category)
        ]
        if lines:
            self.messages.append(Message("\n".join(lines), kind="signposting"))
        state.awaiting = "safety"

    def on_offer(self, offer: str, intent: str | None) -> bool:
        """Answer to the safety offer or the stop offer; False when the input is something else."""
        state = self.state
        if offer == "safety" and intent in ("practitioner", "yes"):
            state.awaiting = None
            self.pause("safety")
        elif offer == "stop" and intent in ("finish_now", "yes"):
            state.awaiting = None
            self.show_summary()
        elif offer == "stop" and intent in ("take_a_break", "pause"):
            state.awaiting = None
            self.pause("stop")
        elif intent in ("carry_on", "no", "resume"):
            state.awaiting = None
            self.lead.append(self.message("carry_on"))
        else:
            return False
        return True

    def digress(self, intent: str) -> None:
        """Help, why or repeat: explain, then the pending question is asked again."""
        if intent == "help":
            self.lead.append(self.message("help"))
        elif intent == "why":
            self.lead.append(self.why())
        else:
            self.lead.append(self.message("repeat"))

    def already_said(self) -> None:
        """ "I already said that": never reflected; move on from what was asked."""
        state = self.state
        self.lead.append(self.message("already_said"))
        if state.phase == "remembered":
            self.on_remembered("", "yes")  # what they said earlier is their answer here
        elif state.phase in ("topic", "concern"):
            self.finish_topic()
        elif state.phase in ("reflect", "rephrase") and state.pending:
            state.pending.pop(0)
            self.after_outcome()
        elif state.phase in _FOLLOW_UP_PHASES:
            self.next_follow_up()
        elif state.phase == "anything_else":
            self.show_summary()

    def why(self) -> str:
        """Why the pending question is asked."""
        topic = self.current_topic()
        if self.state.phase in ("topic", "remembered", "concern") and topic is not None:
            return self.say(topic.why)
        return self.message(_WHY_BY_PHASE.get(self.state.phase, "why_general"))

    def back(self) -> None:
        """Undo the last step; what was said stays in the turn log."""
        self.went_back = True
        before = {outcome.id for outcome in self.state.outcomes}
        if not self.state.go_back():
            self.lead.append(self.message("back_at_start"))
            return
        after = {outcome.id for outcome in self.state.outcomes}
        self.event("back", phase=self.state.phase)
        for outcome_id in sorted(before - after):
            self.event("outcome_removed", outcome_id=outcome_id, reason="back")
        self.lead.append(self.message("back"))

    def stop(self) -> None:
        """Offer to finish now or take a break; before consent there is nothing to finish."""
        if self.state.consent:
            self.state.awaiting = "stop"
        else:
            self.pause("stop")

    def pause(self, reason: str) -> None:
        """Stop for now; the pending question waits for the person to come back."""
        self.state.paused = reason
        self.event("paused", reason=reason)

    def resume(self) -> None:
        """Come back after a pause and ask the pending question again."""
        self.state.paused = None
        self.event("resumed")
        self.lead.append(self.message("resumed"))

    # -- welcome and consent ----------------------------------------------------------------

    def on_welcome(self, text: str, intent: str | None) -> None:
        self.enter("consent")

    def on_consent(self, text: str, intent: str | None) -> None:
        if intent == "yes":
            self.state.consent = True
            self.event("consent_given")
            if self.state.mode == "review":
                self.next_review()
            else:
                self.enter("opener")
        elif intent in ("no", "not_sure"):
            self.state.consent = False
            self.event("consent_declined")
            self.pause("consent")
        else:
            self.lead.append(self.message("please_choose"))

    # -- what matters and the topics --------------------------------------------------------

    def on_opener(self, text: str, intent: str | None) -> None:
        if intent in ("skip", "no", "not_sure"):
            self.lead.append(self.message("opener_nothing"))
            self.next_topic()
        elif text and intent is None:
            self.answer(text, "opener")
        else:
            self.lead.append(self.message("empty_input"))

    def on_topic(self, text: str, intent: str | None) -> None:
        topic = self.require_topic()
        if intent == "skip":
            self.skip_topic(topic)
        elif intent == "not_sure":
            self.not_sure(topic)
        elif intent in ("yes", "no") and topic.kind == "yes_no":
            self.yes_or_no(topic, intent, text)
        elif intent == "no":
            self.nothing_to_add(topic)
        elif intent == "yes":
            self.probe_or_move_on(topic)
        elif text and intent is None and self.hear.dismisses(text, topic.domains):
            self.all_well(topic)
        elif text and intent is None:
            self.answer(text, "topic")
        else:
            self.unexpected()

    def yes_or_no(self, topic: Topic, answer: str, text: str) -> None:
        """A yes or no to a yes/no question: a worry is asked about, all being well moves on."""
        if answer != topic.concern_on:
            self.all_well(topic)
            return
        state = self.state
        words = text or self.say(self.script.buttons[answer])
        state.concerns.append(Concern(topic.id, words, state.turn))
        self.event("concern_noted", topic=topic.id, words=words, turn=state.turn)
        self.enter("concern")

    def on_concern(self, text: str, intent: str | None) -> None:
        """The answer to "what worries you": reflected as an outcome, or noted for the team."""
        if intent in ("skip", "no", "not_sure"):
            self.lead.append(self.message("concern_noted"))
            self.finish_topic()
        elif text and intent is None:
            self.answer(text, "topic")
        else:
            self.lead.append(self.message("prompt_more"))

    def all_well(self, topic: Topic) -> None:
        """The person says all is well here: nothing to add, said kindly."""
        self.note_topic("nothing_to_add_topics", "topic_discussed_nothing_to_add", topic)
        self.lead.append(self.say(topic.no_concern))
        self.finish_topic()

    def on_remembered(self, text: str, intent: str | None) -> None:
        topic = self.require_topic()
        state = self.state
        if intent == "yes":
            candidate = state.mentions[topic.id].pop(0)
            state.asked = "topic"
            self.record_outcome(candidate)
        elif intent == "skip":
            self.skip_topic(topic)
        elif intent in ("no", "not_quite", "not_sure"):
            state.mentions.pop(topic.id, None)
            self.enter("topic")
        elif text and intent is None:
            state.mentions.pop(topic.id, None)
            state.phase = "topic"  # an answer here replaces what was heard earlier
            self.answer(text, "topic")
        else:
            self.unexpected()

    def next_topic(self) -> None:
        """Go to the next topic: first any the person has already spoken about, in order."""
        state = self.state
        remaining = [t for t in self.script.topics if t.id not in state.done_topics]
        spoken_of = [t for t in remaining if state.mentions.get(t.id)]
        state.asked = None
        state.probe = 0
        if not remaining:
            state.topic = None
            self.enter("anything_else")
            return
        following = (spoken_of or remaining)[0]
        state.topic = following.id
        self.enter("remembered" if following in spoken_of else "topic")

    def finish_topic(self) -> None:
        """This topic is done; go on to the next."""
        topic = self.state.topic
        if topic and topic not in self.state.done_topics:
            self.state.done_topics.append(topic)
        self.state.mentions.pop(topic or "", None)
        self.next_topic()

    def skip_topic(self, topic: Topic) -> None:
        self.note_topic("skipped_topics", "topic_skipped", topic)
        self.lead.append(self.message("skipped"))
        self.finish_topic()

    def not_sure(self, topic: Topic) -> None:
        self.note_topic("not_sure_topics", "topic_not_sure", topic)
        self.lead.append(self.message("not_sure"))
        self.finish_topic()

    def nothing_to_add(self, topic: Topic) -> None:
        self.note_topic("nothing_to_add_topics", "topic_discussed_nothing_to_add", topic)
        self.lead.append(self.say(topic.nothing_to_add))
        self.finish_topic()

    def note_topic(self, field_name: str, event: str, topic: Topic) -> None:
        notes: list[str] = getattr(self.state, field_name)
        if topic.id not in notes:
            notes.append(topic.id)
        self.event(event, topic=topic.id)

    def probe_or_move_on(self, topic: Topic) -> None:
        """A bare "yes" or a very short answer: ask the next probe, or move on kindly."""
        if self.state.probe < len(topic.probes):
            self.state.probe += 1
            self.state.phase = "topic"
        else:
            self.not_sure(topic)

    # -- hearing an answer ------------------------------------------------------------------

    def answer(self, text: str, asked: str) -> None:
        """Hear an answer: reflect what speaks to here, remember what speaks to later topics."""
        state = self.state
        state.asked = asked
        topic = self.current_topic() if asked == "topic" else None
        self.acknowledge(text)
        if not self.hear.has_content(text):
            self.too_little(text, topic)
            return
        by_domain = self.hear.domain_sentences(text)
        if not by_domain and self.hear.dismisses(text, self.script.framework.domain_ids):
            # "No, money's fine" is nothing to reflect, wherever it is said.
            if topic is None:
                self.heard_nothing(topic)
            else:
                self.too_little(text, topic)
            return
        if by_domain:
            candidates = self.candidates(text, by_domain, topic)
        else:
            candidates = [Candidate([topic.main_domain] if topic else [], text, state.turn)]
        here, later = self.partition(candidates, topic)
        if not here:
            here = [later.pop(0)[1]]
        for owner, candidate in later:
            if any(candidate.words in kept.words for kept in here):
                continue  # nothing is both reflected now and offered again later
            state.mentions.setdefault(owner.id, []).append(candidate)
            self.event("mention_remembered", topic=owner.id, domains=list(candidate.domains))
        state.pending = here
        state.prompted = False
        state.phase = "reflect"

    def acknowledge(self, text: str) -> None:
        """A short, kind line when the person speaks of a feeling (grief, fear, exhaustion)."""
        for feeling in self.hear.feelings(text)[:1]:
            line = self.say(self.script.acknowledgements[feeling])
            if line not in self.lead:
                self.lead.append(line)

    def too_little(self, text: str, topic: Topic | None) -> None:
        """A reply with nothing to reflect: "all fine" moves on; else ask once for more."""
        state = self.state
        if self.hear.dismisses(text, topic.domains if topic else ()):
            if topic is not None:
                self.all_well(topic)
            else:
                self.heard_nothing(topic)
        elif not state.prompted:
            state.prompted = True
            if topic is not None and state.probe < len(topic.probes) and state.phase == "topic":
                state.probe += 1
            else:
                self.lead.append(self.message("prompt_more"))
        elif topic is not None:
            if self.hear.feelings(text):
                state.concerns.append(Concern(topic.id, text, state.turn))
                self.event("concern_noted", topic=topic.id, words=text, turn=state.turn)
                self.lead.append(self.message("concern_noted"))
                self.finish_topic()
            else:
                self.not_sure(topic)
        else:
            self.heard_nothing(topic)

    def heard_nothing(self, topic: Topic | None) -> None:
        """Nothing that matters was said in answer: note it and move on."""
        asked = self.state.asked
        if topic is not None:
            self.nothing_to_add(topic)
        elif asked == "opener":
            self.lead.append(self.message("opener_nothing"))
            self.next_topic()
        elif asked == "summary":
            self.enter("summary")
        else:
            self.show_summary()

    def candidates(
        self, text: str, by_domain: Mapping[str, list[str]], topic: Topic | None
    ) -> list[Candidate]:
        """One candidate per domain (or domains sharing the same sentences), in exact words."""
        spans = sentence_spans(text) or [(0, len(text))]
        sentences = [text[start:end] for start, end in spans]
        owned = {d: set(_indices(sentences, said)) for d, said in by_domain.items()}
        owned = {domain: indices for domain, indices in owned.items() if indices}
        if not owned:
            return [Candidate([topic.main_domain] if topic else [], text, self.state.turn)]
        if topic is not None:
            owned = self.keep_to_topic(owned, sentences, topic)
        unowned = set(range(len(sentences))).difference(*owned.values())
        if unowned and topic is not None:
            # The person is answering this topic's question: the rest of the answer is for it.
            owned.setdefault(topic.main_domain, set()).update(unowned)
        elif unowned:
            _lend_to_neighbours(owned, unowned)
        groups: dict[tuple[int, ...], list[str]] = {}
        for domain in _topic_first(owned, topic):
            groups.setdefault(tuple(sorted(owned[domain])), []).append(domain)
        return [
            Candidate(domains, _words(text, spans, indices), self.state.turn)
            for indices, domains in sorted(groups.items())
        ]

    def keep_to_topic(
        self, owned: dict[str, set[int]], sentences: list[str], topic: Topic
    ) -> dict[str, set[int]]:
        """The person is answering this topic: a sentence leaves it only when clearly elsewhere."""
        for_topic = set().union(*(owned.get(domain, set()) for domain in topic.domains))
        kept: dict[str, set[int]] = {}
        for domain, indices in owned.items():
            if domain in topic.domains:
                kept.setdefault(domain, set()).update(indices)
                continue
            for index in indices:
                scores = {score.id: score.score for score in self.hear.domains(sentences[index])}
                if index in for_topic or scores.get(domain, 0.0) < CLEARLY_ELSEWHERE:
                    kept.setdefault(topic.main_domain, set()).add(index)
                else:
                    kept.setdefault(domain, set()).add(index)
        return kept

    def partition(
        self, candidates: list[Candidate], topic: Topic | None
    ) -> tuple[list[Candidate], list[tuple[Topic, Candidate]]]:
        """Split candidates into those to reflect now and those for a later topic."""
        here: list[Candidate] = []
        later: list[tuple[Topic, Candidate]] = []
        for candidate in candidates:
            owner = self.later_owner(candidate, topic)
            if owner is None:
                here.append(candidate)
            else:
                later.append((owner, candidate))
        return here, later

    def later_owner(self, candidate: Candidate, topic: Topic | None) -> Topic | None:
        """The topic still to come that these words belong to, or None to reflect them now."""
        if self.state.mode == "review" or self.state.asked not in ("opener", "topic"):
            return None
        if topic is not None and set(candidate.domains) & set(topic.domains):
            return None
        for domain in candidate.domains:
            owner = self.script.owner(domain)
            if owner is not None and owner.id not in self.state.done_topics and owner != topic:
                return owner
        return None

    # -- reflect, confirm, record -----------------------------------------------------------

    def on_reflect(self, text: str, intent: str | None) -> None:
        if intent == "yes":
            self.record_outcome(self.state.pending.pop(0))
        elif intent in ("no", "not_quite", "not_sure"):
            self.state.phase = "rephrase"
        elif intent == "skip":
            self.state.pending.pop(0)
            self.after_outcome()
        elif text and intent is None:
            self.rephrased(text)
        else:
            self.unexpected()

    def on_rephrase(self, text: str, intent: str | None) -> None:
        if intent == "yes":
            self.record_outcome(self.state.pending.pop(0))
        elif intent in ("skip", "no", "not_sure"):
            self.state.pending.pop(0)
            self.after_outcome()
        elif text and intent is None:
            self.rephrased(text)
        else:
            self.unexpected()

    def rephrased(self, text: str) -> None:
        """The person said it again in their words: reflect the new words."""
        candidate = self.state.pending[0]
        heard = [score.id for score in self.hear.domains(text)]
        if heard and not set(heard) & set(candidate.domains):
            candidate.domains = heard[:1]
        candidate.words = text
        candidate.turn = self.state.turn
        self.state.phase = "reflect"

    def record_outcome(self, candidate: Candidate) -> None:
        """The person agreed: keep their words as an outcome, then ask how it is going."""
        state = self.state
        outcome = Outcome(
            id=f"o{state.next_outcome}",
            domains=list(candidate.domains),
            words=candidate.words,
            turn=candidate.turn,
        )
        state.next_outcome += 1
        state.outcomes.append(outcome)
        state.current = outcome.id
        self.event(
            "outcome_recorded",
            outcome_id=outcome.id,
            domain=outcome.domains[0] if outcome.domains else None,
            domains=list(outcome.domains),
            words=outcome.words,
            turn=outcome.turn,
        )
        self.cover_topics(outcome.domains)
        self.enter("rating" if outcome.domains else "choose_domain")

    def cover_topics(self, domains: list[str]) -> None:
        """The topic of an outcome's main domain needs no asking now (unless more is waiting).

        Only the main domain counts: a topic wrongly thought covered would never be asked,
        while asking one that was touched on costs a question.
        """
        owner = self.script.owner(domains[0]) if domains else None
        state = self.state
        if owner is None or owner.id == state.topic or state.mode == "review":
            return
        if owner.id not in state.done_topics and not state.mentions.get(owner.id):
            state.done_topics.append(owner.id)

    def on_choose_domain(self, text: str, intent: str | None) -> None:
        outcome = self.current_outcome()
        chosen = _after_prefix(intent, "domain:")
        if chosen in self.script.framework.domain_ids:
            outcome.domains = [chosen]
            self.event("outcome_changed", outcome_id=outcome.id, domains=[chosen])
            self.cover_topics(outcome.domains)
            self.enter("rating")
        elif intent in ("not_sure", "skip"):
            self.enter("rating")
        elif text and intent is None and (heard := self.hear.domains(text)):
            outcome.domains = [heard[0].id]
            self.event("outcome_changed", outcome_id=outcome.id, domains=list(outcome.domains))
            self.enter("rating")
        else:
            self.lead.append(self.message("please_choose"))

    # -- how it is going, what helps --------------------------------------------------------

    def on_rating(self, text: str, intent: str | None) -> None:
        outcome = self.current_outcome()
        rating = self.typed_rating(outcome, text) if text else None
        rating = rating or ("unknown" if intent == "not_sure" else intent)
        if rating in RATINGS:
            outcome.rating = rating
            self.event("rating_given", outcome_id=outcome.id, rating=rating)
            self.next_follow_up()
        elif intent == "skip":
            self.next_follow_up()
        elif text and intent is None:
            self.lead.append(self.message("rating_kept"))
        else:
            self.lead.append(self.message("please_choose"))

    def typed_rating(self, outcome: Outcome, text: str) -> str | None:
        """A rating typed in words; whatever was typed is kept beside it, verbatim."""
        rating = self.hear.rating(text)
        if rating is None and self.hear.reply_intent(text) is not None:
            return None  # "skip", "back": steering, not words about the outcome
        outcome.rating_words = text
        self.event("rating_words_given", outcome_id=outcome.id, words=text)
        return rating

    def on_helps(self, text: str, intent: str | None) -> None:
        self.follow_up_answer("helps", text, intent)

    def on_barriers(self, text: str, intent: str | None) -> None:
        self.follow_up_answer("barriers", text, intent)

    def on_who_could_help(self, text: str, intent: str | None) -> None:
        self.follow_up_answer("who_could_help", text, intent)

    def on_wish(self, text: str, intent: str | None) -> None:
        self.follow_up_answer("wish", text, intent)

    def follow_up_answer(self, name: str, text: str, intent: str | None) -> None:
        """Keep what helps, what gets in the way or who could help, in their words; or move on."""
        if intent == "skip_rest":
            self.after_outcome()
        elif intent in ("skip", "no", "not_sure"):
            self.next_follow_up()
        elif text and intent is None:
            outcome = self.current_outcome()
            self.acknowledge(text)
            setattr(outcome, name, text)
            if name == "wish":
                outcome.wish_turn = self.state.turn
            self.event(f"{name}_given", outcome_id=outcome.id, words=text)
            self.next_follow_up()
        elif intent == "yes":
            self.lead.append(self.message("say_more"))
        else:
            self.unexpected()

    def follow_ups(self) -> tuple[str, ...]:
        topic = self.outcome_topic()
        return topic.follow_ups if topic else tuple(self.script.defaults["follow_ups"])

    def outcome_topic(self) -> Topic | None:
        """The topic whose wording fits the current outcome: the one that asks about its domain."""
        outcome = self.state.outcome(self.state.current)
        if outcome is None or not outcome.domains:
            return None
        return self.script.owner(outcome.domains[0])

    def next_follow_up(self) -> None:
        """The next of rating, wish, helps, barriers, who could help; then what comes next."""
        order = ("rating", *self.fitting_follow_ups())
        position = order.index(self.state.phase) if self.state.phase in order else -1
        if position + 1 < len(order):
            self.enter(order[position + 1])
        else:
            self.after_outcome()

    def fitting_follow_ups(self) -> tuple[str, ...]:
        """Follow-ups that fit what was said: what they would like instead after a problem
        that is not going well, and nothing about what gets in the way of what goes well."""
        outcome = self.current_outcome()
        asked = self.follow_ups()
        if outcome.rating == "met":
            asked = tuple(name for name in asked if name not in _NOT_WHEN_GOING_WELL)
        if outcome.rating in _PROBLEM_RATINGS and not self.hear.is_wish(outcome.words):
            asked = ("wish", *asked)
        return asked

    def after_outcome(self) -> None:
        """Reflect the next thing heard, or go back to where the answer came from."""
        state = self.state
        state.current = None
        if state.pending:
            state.phase = "reflect"
            return
        self.lead.append(self.message("moving_on"))
        if state.asked == "opener":
            self.next_topic()
        elif state.asked == "topic":
            self.after_topic_answer()
        elif state.asked == "summary":
            self.enter("summary")
        else:
            self.enter("anything_else")

    def after_topic_answer(self) -> None:
        topic = self.require_topic()
        if self.state.mentions.get(topic.id):
            self.enter("remembered")
        else:
            self.finish_topic()

    # -- anything else, summary, finish -----------------------------------------------------

    def on_anything_else(self, text: str, intent: str | None) -> None:
        if intent in ("no", "skip", "not_sure"):
            self.show_summary()
        elif intent == "yes":
            self.lead.append(self.message("say_more"))
        elif text and intent is None:
            self.answer(text, "anything_else")
        else:
            self.unexpected()

    def show_summary(self) -> None:
        self.state.topic = None
        self.state.asked = None
        self.enter("summary")

    def on_summary(self, text: str, intent: str | None) -> None:
        state = self.state
        action, chosen = _split_action(intent)
        if intent in ("confirm", "yes"):
            self.finish()
        elif action in ("change", "remove") and state.outcome(chosen):
            self.picked(action, chosen)
        elif intent in ("change", "remove", "no") and state.outcomes:
            state.pick = "change" if intent == "no" else intent
            if len(state.outcomes) == 1:
                self.picked(state.pick, state.outcomes[0].id)
            else:
                self.enter("summary_pick")
        elif text and intent is None:
            self.answer(text, "summary")
        else:
            self.lead.append(self.message("please_choose"))

    def on_summary_pick(self, text: str, intent: str | None) -> None:
        state = self.state
        action, chosen = _split_action(intent)
        if text.isdecimal() and 0 < int(text) <= len(state.outcomes):
            action, chosen = state.pick, state.outcomes[int(text) - 1].id
        if action in ("change", "remove") and state.outcome(chosen):
            self.picked(action, chosen)
        elif intent in ("skip", "no", "not_sure"):
            self.enter("summary")
        else:
            self.lead.append(self.message("please_choose"))

    def picked(self, action: str | None, outcome_id: str | None) -> None:
        state = self.state
        state.pick = None
        if action == "change":
            state.current = outcome_id
            self.enter("summary_change")
            return
        state.outcomes = [outcome for outcome in state.outcomes if outcome.id != outcome_id]
        state.removed.append(str(outcome_id))
        self.event("outcome_removed", outcome_id=outcome_id, reason="person")
        self.lead.append(self.message("removed"))
        self.enter("summary")

    def on_summary_change(self, text: str, intent: str | None) -> None:
        state = self.state
        outcome = self.current_outcome()
        if text and intent is None:
            outcome.earlier_words.append(Said(outcome.words, outcome.turn))
            outcome.words = text
            outcome.turn = state.turn
            self.event("outcome_changed", outcome_id=outcome.id, words=text, turn=state.turn)
            self.lead.append(self.message("changed"))
            state.current = None
            self.enter("summary")
        elif intent in ("skip", "no", "not_sure"):
            state.current = None
            self.enter("summary")
        else:
            self.unexpected()

    def finish(self) -> None:
        state = self.state
        state.phase = "finished"
        state.finished = True
        self.event("finished", outcomes=len(state.outcomes))
        self.messages.append(Message(self.message("finish"), kind="info"))

    # -- review -----------------------------------------------------------------------------

    def next_review(self) -> None:
        """Look at the next outcome agreed last time, or ask what is new."""
        state = self.state
        ids = [outcome.id for outcome in state.outcomes if outcome.review_of is not None]
        position = ids.index(state.current) + 1 if state.current in ids else 0
        if position < len(ids):
            state.current = ids[position]
            self.enter("review_rating")
        else:
            state.current = None
            self.enter("anything_else")

    def on_review_rating(self, text: str, intent: str | None) -> None:
        outcome = self.current_outcome()
        rating = "unknown" if intent == "not_sure" else intent
        if rating in RATINGS:
            outcome.rating = rating
            self.event("rating_given", outcome_id=outcome.id, rating=rating)
            if outcome.update is None:
                self.enter("review_update")
            else:
                self.next_review()
        elif intent == "skip":
            self.next_review()
        elif text and intent is None:
            self.review_update(outcome, text)
            self.lead.append(self.message("moving_on"))
        else:
            self.lead.append(self.message("please_choose"))

    def on_review_update(self, text: str, intent: str | None) -> None:
        outcome = self.current_outcome()
        if intent in ("skip", "no", "not_sure"):
            self.next_review()
        elif text and intent is None:
            self.review_update(outcome, text)
            self.next_review()
        elif intent == "yes":
            self.lead.append(self.message("say_more"))
        else:
            self.unexpected()

    def review_update(self, outcome: Outcome, text: str) -> None:
        """New words about an outcome agreed last time, kept beside the old words."""
        outcome.update = text
        outcome.update_turn = self.state.turn
        self.event("outcome_changed", outcome_id=outcome.id, update=text, turn=self.state.turn)

    # -- moving and asking ------------------------------------------------------------------

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
        """A message from the script's messages, translated and filled in."""
        return self.say(self.script.messages[key], **values)

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
            controls=self.controls(),
            outcomes_changed=self.outcomes_changed(),
            safety=tuple(to_plain(note) for note in state.safety[self.safety_before :]),
            finished=state.finished,
        )

    def outcomes_changed(self) -> bool:
        """Whether this step recorded, changed or removed an outcome (a review's start does)."""
        if self.outcomes_before is None:
            return self.fresh and bool(self.state.outcomes)
        return to_plain(self.state.outcomes) != self.outcomes_before

    def controls(self) -> tuple[Button, ...]:
        """The buttons that work at any time, for a page's tool bar."""
        if self.state.phase == "finished" or self.state.paused is not None:
            return ()
        values: tuple[str, ...] = ("back", "skip", "pause", "repeat", "help")
        if self.state.phase in _NOTHING_TO_SKIP:
            values = tuple(value for value in values if value != "skip")
        return tuple(self.button(value) for value in values)

    def progress(self) -> Progress:
        state = self.state
        if state.mode == "review":
            reviewed = [o for o in state.outcomes if o.review_of is not None]
            ids = [o.id for o in reviewed]
            done = ids.index(state.current) + 1 if state.current in ids else 0
            if state.phase in ("anything_else", "summary", "finished"):
                done = len(ids)
            return Progress(done, len(ids))
        total = len(self.script.topics)
        done = len(state.done_topics)
        if state.topic and state.topic not in state.done_topics:
            done += 1
        if state.phase in ("anything_else", "summary", "summary_pick", "finished"):
            done = total
        return Progress(min(done, total), total)

    # -- the pending question ---------------------------------------------------------------

    def question(self) -> list[Message]:
        """The question the conversation waits on, as it stands in the state."""
        state = self.state
        if state.phase == "finished":
            return []
        if state.paused is not None:
            text = self.paused_text(state.paused)
            return [Message(text, (self.button("resume"),), kind="question")]
        if state.awaiting == "safety":
            offer = self.say(self.script.signposting.offer)
            return self.asking(offer, self.button("practitioner"), self.button("carry_on"))
        if state.awaiting == "stop":
            buttons = (self.button(value) for value in ("finish_now", "take_a_break", "carry_on"))
            return self.asking(self.message("stop_offer"), *buttons)
        ask = getattr(self, f"ask_{state.phase}")
        return ask()

    def paused_text(self, reason: str) -> str:
        if reason == "safety":
            return self.say(self.script.signposting.practitioner)
        return self.message(_PAUSED_TEXT.get(reason, "paused"))

    def asking(self, text: str, *buttons: Button) -> list[Message]:
        return [Message(text, tuple(buttons), kind="question")]

    def ask_welcome(self) -> list[Message]:
        key = "welcome_review" if self.state.mode == "review" else "welcome"
        return self.asking(self.message(key), self.button("start"), self.button("why"))

    def ask_consent(self) -> list[Message]:
        return self.asking(
            self.message("consent"),
            self.button("yes", "consent_yes"),
            self.button("no", "consent_no"),
        )

    def ask_opener(self) -> list[Message]:
        return self.asking(self.message("opener"), self.button("skip"))

    def ask_topic(self) -> list[Message]:
        topic = self.require_topic()
        probe = self.state.probe
        text = self.say(topic.probes[probe - 1] if probe else topic.question)
        if self.fresh and not probe and topic.intro:
            text = f"{self.say(topic.intro)} {text}"
        return self.asking(text, self.button("skip"), self.button("why", "why_question"))

    def ask_remembered(self) -> list[Message]:
        topic = self.require_topic()
        words = self.state.mentions[topic.id][0].words
        text = self.say(topic.remembered, words=words)
        return self.asking(text, self.button("yes", "that_is_it"), self.button("skip"))

    def ask_reflect(self) -> list[Message]:
        state = self.state
        candidate = state.pending[0]
        topic = self.current_topic()
        if topic is not None and topic.reflection and state.asked == "topic":
            template = topic.reflection
        else:
            said_before = any(o.turn is not None for o in state.outcomes)
            template = self.script.messages["reflect_more" if said_before else "reflect_first"]
        text = self.say(template, words=candidate.words)
        return self.asking(text, self.button("yes"), self.button("not_quite"), self.button("back"))

    def ask_rephrase(self) -> list[Message]:
        return self.asking(self.message("rephrase"), self.button("skip"))

    def ask_choose_domain(self) -> list[Message]:
        framework = self.script.framework
        buttons = [
            Button(f"domain:{t.main_domain}", self.say(framework.domain(t.main_domain).plain_label))
            for t in self.script.topics
        ]
        return self.asking(self.message("choose_domain"), *buttons, self.button("not_sure"))

    def ask_rating(self) -> list[Message]:
        topic = self.outcome_topic()
        wish = self.hear.is_wish(self.current_outcome().words)
        if topic is not None:
            template = topic.rating_wish if wish else topic.rating
        else:
            template = self.script.defaults["rating_wish" if wish else "rating"]
        return self.asking(self.say(template), *self.rating_buttons())

    def rating_buttons(self) -> list[Button]:
        return [self.button(value) for value in RATINGS]

    def ask_helps(self) -> list[Message]:
        return self.ask_follow_up("helps")

    def ask_barriers(self) -> list[Message]:
        return self.ask_follow_up("barriers")

    def ask_who_could_help(self) -> list[Message]:
        return self.ask_follow_up("who_could_help")

    def ask_wish(self) -> list[Message]:
        return self.ask_follow_up("wish")

    def ask_follow_up(self, name: str) -> list[Message]:
        topic = self.outcome_topic()
        template = getattr(topic, name) if topic else self.script.defaults[name]
        return self.asking(self.say(template), self.button("skip"), self.button("skip_rest"))

    def ask_concern(self) -> list[Message]:
        topic = self.require_topic()
        return self.asking(self.say(topic.concern or topic.probes[0]), self.button("skip"))

    def ask_anything_else(self) -> list[Message]:
        if self.state.asked == "anything_else":
            key = "anything_else_again"
        else:
            key = "review_new" if self.state.mode == "review" else "anything_else"
        return self.asking(self.message(key), self.button("no", "nothing_more"))

    def ask_summary(self) -> list[Message]:
        outcomes = self.state.outcomes
        if not outcomes:
            return self.asking(self.message("summary_empty"), self.button("confirm"))
        lines = [self.message("summary_intro")]
        for number, outcome in enumerate(outcomes, start=1):
            rating = self.say(self.script.rating_names[outcome.rating or "unknown"])
            words = outcome.words if outcome.update is None else f"{outcome.words} {outcome.update}"
            line = self.message("summary_line", number=str(number), words=words, rating=rating)
            lines.append(line)
        buttons = [self.button("confirm"), self.button("change"), self.button("remove")]
        return [
            Message("\n".join(lines), kind="summary"),
            *self.asking(self.message("summary_outro"), *buttons),
        ]

    def ask_summary_pick(self) -> list[Message]:
        state = self.state
        key = "pick_remove" if state.pick == "remove" else "pick_change"
        buttons = [
            self.button_for_outcome(f"{state.pick}:{outcome.id}", number, outcome)
            for number, outcome in enumerate(state.outcomes, start=1)
        ]
        return self.asking(self.message(key), *buttons, self.button("back"))

    def button_for_outcome(self, value: str, number: int, outcome: Outcome) -> Button:
        words = outcome.words if len(outcome.words) <= 40 else outcome.words[:39] + "…"
        return self.button(value, "outcome", number=str(number), words=words)

    def ask_summary_change(self) -> list[Message]:
        words = self.current_outcome().words
        return self.asking(self.message("change_words", words=words), self.button("skip"))

    def ask_review_rating(self) -> list[Message]:
        outcome = self.current_outcome()
        text = self.message("review_rating", words=outcome.words)
        return self.asking(text, *self.rating_buttons(), self.button("skip"))

    def ask_review_update(self) -> list[Message]:
        return self.asking(self.message("review_update"), self.button("no", "no_thanks"))


def _indices(sentences: list[str], said: Iterable[str]) -> list[int]:
    """Where each of these sentences sits in the answer."""
    return [sentences.index(sentence) for sentence in said if sentence in sentences]


def _lend_to_neighbours(owned: dict[str, set[int]], unowned: set[int]) -> None:
    """A sentence that names no domain goes with the one before it (or the first after it)."""
    claimed = sorted(set().union(*owned.values()))
    for index in sorted(unowned):
        earlier = [i for i in claimed if i < index]
        neighbour = earlier[-1] if earlier else claimed[0]
        for indices in owned.values():
            if neighbour in indices:
                indices.add(index)


def _topic_first(domains: Iterable[str], topic: Topic | None) -> list[str]:
    """The domains with the current topic's own first, else in the recogniser's order."""
    ordered = list(domains)
    if topic is None:
        return ordered
    return sorted(ordered, key=lambda domain: domain not in topic.domains)


def _words(text: str, spans: list[tuple[int, int]], indices: Sequence[int]) -> str:
    """The person's exact words for these sentences: neighbouring sentences keep their spacing."""
    if len(indices) == len(spans):
        return text
    runs: list[list[int]] = []
    for index in indices:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return " ".join(text[spans[run[0]][0] : spans[run[-1]][1]] for run in runs)


def _after_prefix(value: str | None, prefix: str) -> str | None:
    if value and value.startswith(prefix):
        return value[len(prefix) :]
    return None


def _split_action(value: str | None) -> tuple[str | None, str | None]:
    """Split a button value such as change:o2 into ("change", "o2")."""
    if value and ":" in value:
        action, _, target = value.partition(":")
        return action, target
    return None, None
