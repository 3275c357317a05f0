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

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from outcomes_chat.dialogue.phases import check_messages
from outcomes_chat.dialogue.recognise import Recognisers
from outcomes_chat.dialogue.script import RATINGS, Script
from outcomes_chat.dialogue.state import Outcome, State, to_plain
from outcomes_chat.dialogue.step import MAX_INPUT_CHARS, Step
from outcomes_chat.dialogue.turn import Turn
from outcomes_chat.dialogue.utterance import UserInput, read_input
from outcomes_chat.dialogue.wording import Translate, no_translation

__all__ = ["FALLBACK_LANG", "MAX_INPUT_CHARS", "Engine", "UserInput", "replay"]

# Recognition falls back to this language when there is no lexicon for the person's own,
# and its safety cues are always listened for too.
FALLBACK_LANG = "en"


class Engine:
    """Runs one framework's conversation script; holds no per-conversation data."""

    def __init__(
        self,
        script: Script,
        translate: Translate | None = None,
        recognisers: Recognisers | None = None,
    ) -> None:
        check_messages(script.messages)
        self.script = script
        self.translate = translate or no_translation
        self.recognisers = recognisers or Recognisers.load(
            script.prompts_dir, script.framework.id, FALLBACK_LANG
        )

    def _step(self, state: State) -> Step:
        return Step(self.script, self.translate, self.recognisers, state)

    def start(
        self,
        lang: str,
        *,
        review_outcomes: Sequence[Mapping[str, Any]] | None = None,
        worker: str | None = None,
        shared: bool = True,
    ) -> Turn:
        """Begin a conversation; with review_outcomes, a review of earlier agreed outcomes.

        `worker` is the name of the worker who will hear of any safeguarding concern today;
        `shared` says whether the person agreed that the team around them sees their words.
        """
        state = State(framework=self.script.framework.id, lang=lang, worker=worker, shared=shared)
        if review_outcomes:
            state.mode = "review"
            state.outcomes = [_review_outcome(n, item) for n, item in enumerate(review_outcomes)]
        run = self._step(state)
        run.fresh = True
        return run.turn()

    def step(self, state: Mapping[str, Any], user_input: UserInput) -> Turn:
        """Take one input and return what to say, the new state and what happened."""
        current = State.from_dict(dict(state))
        utterance = read_input(user_input)
        run = self._step(current)
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
        return self._step(State.from_dict(dict(state))).turn()

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
    worker: str | None = None,
    shared: bool = True,
) -> Turn:
    """Rebuild a conversation from its turn log: start, then every input in order."""
    engine = Engine(script, translate)
    turn = engine.start(lang, review_outcomes=review_outcomes, worker=worker, shared=shared)
    for user_input in inputs:
        turn = engine.step(turn.state, user_input)
    return turn


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
    """One outcome for the record; `domain` is the main one of `domains`.

    An outcome looked at again in a review and not rated now has no rating (None): "not
    sure" would read as worse than how it was agreed, when the question was skipped.
    """
    looked_back = outcome.review_of is not None
    return {
        "id": outcome.id,
        "domain": outcome.domains[0] if outcome.domains else None,
        **to_plain(outcome),
        "rating": outcome.rating or (None if looked_back else "unknown"),
    }
