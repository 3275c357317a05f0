"""Anything else, the summary the person can change, and the end."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from outcomes_chat.dialogue.flow import hearing
from outcomes_chat.dialogue.picking import Pick
from outcomes_chat.dialogue.state import Outcome, Said, State
from outcomes_chat.dialogue.turn import Button, Message

if TYPE_CHECKING:
    from outcomes_chat.dialogue.step import Step


def on_anything_else(step: Step, text: str, intent: str | None) -> None:
    if intent in ("no", "skip", "not_sure"):
        show_summary(step)
    elif intent == "yes":
        step.lead.append(step.message("say_more"))
    elif text and intent is None:
        hearing.answer(step, text, "anything_else")
    else:
        step.unexpected()


def show_summary(step: Step) -> None:
    step.state.topic = None
    step.state.asked = None
    step.enter("summary")


def on_summary(step: Step, text: str, intent: str | None) -> None:
    state = step.state
    action, chosen = _split_action(intent)
    if intent in ("confirm", "yes"):
        finish(step)
    elif action in ("change", "remove") and state.outcome(chosen):
        picked(step, action, chosen)
    elif intent in ("change", "remove", "no") and state.outcomes:
        state.pick = "change" if intent == "no" else intent
        if len(state.outcomes) == 1:
            picked(step, state.pick, state.outcomes[0].id)
        else:
            step.enter("summary_pick")
    elif text and intent is None and typed_request(step, text):
        return
    elif text and intent is None:
        hearing.answer(step, text, "summary")
    else:
        step.lead.append(step.message("please_choose"))


def typed_request(step: Step, text: str) -> bool:
    """ "Take out the one about the doctor", "change number 2": a request about the list,
    never a new answer. False when the words after the verb neither point at the list nor
    name one of it ("get rid of the damp" is something that matters)."""
    state = step.state
    request = step.hear.summary_request(text)
    if request is None or not state.outcomes:
        return False
    pick = step.hear.outcome_named(request.naming, _listed(state))
    found_nothing = pick.named and not pick.ids and not pick.by_place
    if found_nothing and not request.points(step.hear.pick_words):
        return False
    if not pick.named and len(state.outcomes) == 1:
        pick = replace(pick, ids=(state.outcomes[0].id,), named=True)
    state.pick = request.action
    take_pick(step, pick, check=True)
    return True


def on_summary_pick(step: Step, text: str, intent: str | None) -> None:
    state = step.state
    action, chosen = _split_action(intent)
    if text.isdecimal() and 0 < int(text) <= len(state.outcomes):
        action, chosen = state.pick, state.outcomes[int(text) - 1].id
    if action in ("change", "remove") and state.outcome(chosen):
        picked(step, action, chosen)
    elif intent in ("skip", "no", "not_sure"):
        state.pick_among = []
        step.enter("summary")
    elif text and intent is None:
        request = step.hear.summary_request(text)
        if request is not None:
            state.pick = request.action  # "change the doctor one", asked which to remove
        pick = step.hear.outcome_named(text, _listed(state))
        take_pick(step, pick, check=not pick.by_place)
    else:
        step.lead.append(step.message("please_choose"))


def take_pick(step: Step, pick: Pick, check: bool) -> None:
    """Act on the one the person named in words: change it, or ask before taking it out
    (`check`); several named about equally: ask which; none: say so, once, then show the list
    again as it was."""
    state = step.state
    if len(pick.ids) == 1 and state.pick == "remove" and check:
        state.pick, state.pick_among = None, []
        state.current = pick.ids[0]
        step.enter("summary_remove")
    elif len(pick.ids) == 1:
        picked(step, state.pick, pick.ids[0])
    elif pick.ids:
        state.pick_among = list(pick.ids)
        step.lead.append(step.message("pick_several"))
        step.enter("summary_pick")
    elif not pick.named and state.phase == "summary":
        step.enter("summary_pick")  # "take one out": which one?
    elif state.phase == "summary_pick" and state.prompted:
        state.pick, state.pick_among = None, []
        step.lead.append(step.message("pick_none_again"))
        step.enter("summary")
    else:
        step.lead.append(step.message("pick_none"))
        if state.phase != "summary_pick":
            step.enter("summary_pick")
        state.prompted = True


def _listed(state: State) -> list[tuple[str, str]]:
    return [(outcome.id, outcome.words) for outcome in state.outcomes]


def picked(step: Step, action: str | None, outcome_id: str | None) -> None:
    state = step.state
    state.pick = None
    state.pick_among = []
    if action == "change":
        state.current = outcome_id
        step.enter("summary_change")
        return
    state.outcomes = [outcome for outcome in state.outcomes if outcome.id != outcome_id]
    state.removed.append(str(outcome_id))
    step.event("outcome_removed", outcome_id=outcome_id, reason="person")
    step.lead.append(step.message("removed"))
    step.enter("summary")


def on_summary_remove(step: Step, text: str, intent: str | None) -> None:
    """ "Take out "..."?": yes takes it out; no keeps it; anything else is asked about once."""
    state = step.state
    if intent == "yes":
        outcome_id, state.current = state.current, None
        picked(step, "remove", outcome_id)
    elif intent in ("no", "skip", "not_sure") or state.prompted:
        state.current = None
        step.lead.append(step.message("kept"))
        step.enter("summary")
    else:
        state.prompted = True
        step.lead.append(step.message("please_choose_yes_no"))


def on_summary_change(step: Step, text: str, intent: str | None) -> None:
    state = step.state
    outcome = step.current_outcome()
    if text and intent is None:
        outcome.earlier_words.append(Said(outcome.words, outcome.turn))
        outcome.words = text
        outcome.turn = state.turn
        step.event("outcome_changed", outcome_id=outcome.id, words=text, turn=state.turn)
        step.lead.append(step.message("changed"))
        state.current = None
        step.enter("summary")
    elif intent in ("skip", "no", "not_sure"):
        state.current = None
        step.enter("summary")
    else:
        step.unexpected()


def finish(step: Step) -> None:
    state = step.state
    state.phase = "finished"
    state.finished = True
    step.event("finished", outcomes=len(state.outcomes))
    step.messages.append(Message(step.message("finish"), kind="info"))


def ask_anything_else(step: Step) -> list[Message]:
    if step.state.asked == "anything_else":
        key = "anything_else_again"
    else:
        key = "review_new" if step.state.mode == "review" else "anything_else"
    return step.asking(step.message(key), step.button("no", "nothing_more"))


def ask_summary(step: Step) -> list[Message]:
    outcomes = step.state.outcomes
    if not outcomes:
        return step.asking(step.message("summary_empty"), step.button("confirm"))
    lines = [step.message("summary_intro")]
    for number, outcome in enumerate(outcomes, start=1):
        if outcome.review_of is not None:
            lines.extend(review_lines(step, number, outcome))
            continue
        rating = step.say(step.script.rating_names[outcome.rating or "unknown"])
        line = step.message("summary_line", number=str(number), words=outcome.words, rating=rating)
        lines.append(line)
    buttons = [step.button("confirm"), step.button("change"), step.button("remove")]
    return [
        Message("\n".join(lines), kind="summary"),
        *step.asking(step.message("summary_outro"), *buttons),
    ]


def review_lines(step: Step, number: int, outcome: Outcome) -> list[str]:
    """An outcome looked at again: what was said last time and what is said now, each quoted
    whole in the person's words and labelled, never run together as if said at once."""
    then = step.message(
        "summary_last_time",
        number=str(number),
        words=outcome.words,
        rating=rating_name(step, outcome.previous_rating),
    )
    rating = rating_name(step, outcome.rating)
    # Typed with the rating, and said after it: each kept whole, each shown once.
    said = list(dict.fromkeys(w for w in (outcome.rating_words, outcome.update) if w))
    if not said:
        return [then, step.message("summary_now", rating=rating)]
    now = step.message("summary_now_words", words=said[0], rating=rating)
    return [then, now, *(step.message("summary_also_now", words=words) for words in said[1:])]


def rating_name(step: Step, rating: str | None) -> str:
    """How a rating reads in the summary; one not given reads as not asked, never "not sure"."""
    if rating is None:
        return step.message("rating_not_asked")
    return step.say(step.script.rating_names[rating])


def ask_summary_pick(step: Step) -> list[Message]:
    state = step.state
    key = "pick_remove" if state.pick == "remove" else "pick_change"
    among = set(state.pick_among)
    buttons = [
        button_for_outcome(step, f"{state.pick}:{outcome.id}", number, outcome)
        for number, outcome in enumerate(state.outcomes, start=1)
        if not among or outcome.id in among
    ]
    return step.asking(step.message(key), *buttons, step.button("back"))


def button_for_outcome(step: Step, value: str, number: int, outcome: Outcome) -> Button:
    words = outcome.words if len(outcome.words) <= 40 else outcome.words[:39] + "…"
    return step.button(value, "outcome", number=str(number), words=words)


def ask_summary_remove(step: Step) -> list[Message]:
    words = step.current_outcome().words
    yes, keep = step.button("yes", "take_out"), step.button("no", "keep")
    return step.asking(step.message("remove_check", words=words), yes, keep)


def ask_summary_change(step: Step) -> list[Message]:
    words = step.current_outcome().words
    return step.asking(step.message("change_words", words=words), step.button("skip"))


def _split_action(value: str | None) -> tuple[str | None, str | None]:
    """Split a button value such as change:o2 into ("change", "o2")."""
    if value and ":" in value:
        action, _, target = value.partition(":")
        return action, target
    return None, None


def on_finished(step: Step, text: str, intent: str | None) -> None:
    """A finished conversation takes no more answers."""
    step.lead.append(step.message("finished_already"))


def ask_finished(step: Step) -> list[Message]:
    """Nothing more is asked."""
    return []
