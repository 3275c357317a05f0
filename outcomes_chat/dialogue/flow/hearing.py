"""Hearing an answer in the person's exact words: what it speaks to; reflect, record."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from outcomes_chat.dialogue.flow import closing, follow_ups, topics
from outcomes_chat.dialogue.script import Topic
from outcomes_chat.dialogue.state import Candidate, Outcome
from outcomes_chat.dialogue.turn import Button, Message

if TYPE_CHECKING:
    from outcomes_chat.dialogue.step import Step

# While a topic is asked, a sentence goes to another domain only when that domain scores at
# least this (one cue matched cleanly): a slip-forgiven word or a hint does not pull it away.
CLEARLY_ELSEWHERE = 60.0


def answer(step: Step, text: str, asked: str) -> None:
    """Hear an answer: reflect what speaks to here, remember what speaks to later topics."""
    state = step.state
    state.asked = asked
    topic = step.current_topic() if asked == "topic" else None
    acknowledge(step, text)
    if not step.hear.has_content(text):
        too_little(step, text, topic)
        return
    by_domain = step.hear.domain_sentences(text)
    if not by_domain and step.hear.dismisses(text, step.script.framework.domain_ids):
        # "No, money's fine" is nothing to reflect, wherever it is said.
        if topic is None:
            heard_nothing(step, topic)
        else:
            too_little(step, text, topic)
        return
    if by_domain:
        heard = candidates(step, text, by_domain, topic)
    else:
        heard = [Candidate([topic.main_domain] if topic else [], text, state.turn)]
    here, later = partition(step, heard, topic)
    if not here:
        here = [later.pop(0)[1]]
    offered: list[Candidate] = list(here)
    for owner, candidate in later:
        if any(candidate.words in kept.words for kept in offered):
            continue  # nothing is reflected now and offered again, or offered twice
        offered.append(candidate)
        state.mentions.setdefault(owner.id, []).append(candidate)
        step.event("mention_remembered", topic=owner.id, domains=list(candidate.domains))
    state.pending = here
    state.prompted = False
    state.phase = "reflect"


def acknowledge(step: Step, text: str) -> None:
    """A short, kind line when the person speaks of a feeling (grief, fear, exhaustion)."""
    line = feeling_line(step, text)
    if line is not None and line not in step.lead:
        step.lead.append(line)


def feeling_line(step: Step, text: str) -> str | None:
    """The script's acknowledgement of the first feeling heard in the words, if any."""
    for feeling in step.hear.feelings(text)[:1]:
        return step.say(step.script.acknowledgements[feeling])
    return None


def too_little(step: Step, text: str, topic: Topic | None) -> None:
    """A reply with nothing to reflect: "all fine" moves on; else ask once for more."""
    state = step.state
    if topic is not None and state.phase == "concern":
        topics.note_concern(step, topic, text)  # "everything": the worry in their words
    if step.hear.dismisses(text, topic.domains if topic else ()):
        if topic is not None and state.phase != "concern":
            topics.all_well(step, topic)
        elif topic is not None:
            step.lead.append(step.message("concern_noted"))
            topics.finish_topic(step)
        else:
            heard_nothing(step, topic)
    elif not state.prompted:
        state.prompted = True
        if topic is not None and state.probe < len(topic.probes) and state.phase == "topic":
            state.probe += 1
        else:
            step.lead.append(step.message("prompt_more"))
    elif topic is not None:
        if state.phase == "concern" or step.hear.feelings(text):
            if state.phase != "concern":
                topics.note_concern(step, topic, text)
            step.lead.append(step.message("concern_noted"))
            topics.finish_topic(step)
        else:
            topics.not_sure(step, topic)
    else:
        heard_nothing(step, topic)


def heard_nothing(step: Step, topic: Topic | None) -> None:
    """Nothing that matters was said in answer: note it and move on."""
    asked = step.state.asked
    if topic is not None:
        topics.nothing_to_add(step, topic)
    elif asked == "opener":
        step.lead.append(step.message("opener_nothing"))
        topics.next_topic(step)
    elif asked == "summary":
        step.enter("summary")
    else:
        closing.show_summary(step)


def candidates(
    step: Step, text: str, by_domain: Mapping[str, list[str]], topic: Topic | None
) -> list[Candidate]:
    """One candidate per domain (or domains sharing the same sentences), in exact words."""
    spans = step.hear.analyser.sentence_spans(text) or [(0, len(text))]
    sentences = [text[start:end] for start, end in spans]
    owned = {d: set(_indices(sentences, said)) for d, said in by_domain.items()}
    owned = {domain: indices for domain, indices in owned.items() if indices}
    if not owned:
        return [Candidate([topic.main_domain] if topic else [], text, step.state.turn)]
    if topic is not None and step.state.phase == "concern":
        # The answer to "what makes you feel less safe?" is about feeling safe, whatever else
        # it also speaks to: the topic comes first, the other domains stay beside it.
        owned.setdefault(topic.main_domain, set()).update(range(len(sentences)))
    elif topic is not None:
        owned = keep_to_topic(step, owned, sentences, topic)
    _explain_with_what_went_before(step, owned, len(sentences))
    unowned = set(range(len(sentences))).difference(*owned.values())
    if unowned and topic is not None:
        # The person is answering this topic's question: the rest of the answer is for it.
        owned.setdefault(topic.main_domain, set()).update(unowned)
    elif unowned:
        _lend_to_neighbours(owned, unowned)
    groups: dict[tuple[int, ...], list[str]] = {}
    for domain in _speaker_first(step, _topic_first(owned, topic), topic):
        groups.setdefault(tuple(sorted(owned[domain])), []).append(domain)
    return [
        Candidate(domains, _words(text, spans, indices), step.state.turn)
        for indices, domains in sorted(groups.items())
    ]


def _explain_with_what_went_before(step: Step, owned: dict[str, set[int]], count: int) -> None:
    """A sentence only about the other person, right after one about the speaker's own life,
    says why: "Just a night's sleep. Tam's up four times a night wi his dementia." is one
    thing that matters, read back whole (and not offered again for the other's topic)."""
    others = step.hear.about_others
    if others is None:
        return
    for index in range(1, count):
        about = {domain for domain, indices in owned.items() if index in indices}
        before = [d for d, indices in owned.items() if index - 1 in indices and d in others.sources]
        if about == {others.domain} and before:
            owned[before[0]].add(index)


def keep_to_topic(
    step: Step, owned: dict[str, set[int]], sentences: list[str], topic: Topic
) -> dict[str, set[int]]:
    """The person is answering this topic: a sentence leaves it only when clearly elsewhere."""
    for_topic = set().union(*(owned.get(domain, set()) for domain in topic.domains))
    kept: dict[str, set[int]] = {}
    for domain, indices in owned.items():
        if domain in topic.domains:
            kept.setdefault(domain, set()).update(indices)
            continue
        for index in indices:
            scores = {score.id: score.score for score in step.hear.domains(sentences[index])}
            if index in for_topic or scores.get(domain, 0.0) < CLEARLY_ELSEWHERE:
                kept.setdefault(topic.main_domain, set()).add(index)
            else:
                kept.setdefault(domain, set()).add(index)
    return kept


def partition(
    step: Step, candidates: list[Candidate], topic: Topic | None
) -> tuple[list[Candidate], list[tuple[Topic, Candidate]]]:
    """Split candidates into those to reflect now and those for a later topic."""
    here: list[Candidate] = []
    later: list[tuple[Topic, Candidate]] = []
    for candidate in candidates:
        owner = later_owner(step, candidate, topic)
        if owner is None:
            here.append(candidate)
        else:
            later.append((owner, candidate))
    return here, later


def later_owner(step: Step, candidate: Candidate, topic: Topic | None) -> Topic | None:
    """The topic still to come that these words belong to, or None to reflect them now."""
    if step.state.mode == "review" or step.state.asked not in ("opener", "topic"):
        return None
    if topic is not None and set(candidate.domains) & set(topic.domains):
        return None
    for domain in candidate.domains:
        owner = step.script.owner(domain)
        if owner is not None and owner.id not in step.state.done_topics and owner != topic:
            return owner
    return None


def on_reflect(step: Step, text: str, intent: str | None) -> None:
    if intent == "yes":
        record_outcome(step, step.state.pending.pop(0))
    elif intent in ("no", "not_quite", "not_sure"):
        step.state.phase = "rephrase"
    elif intent == "skip":
        let_go(step)
    elif text and intent is None:
        rephrased(step, text)
    else:
        step.unexpected()


def let_go(step: Step) -> None:
    """Drop what was read back, unrecorded, and go on to what comes next."""
    step.state.pending.pop(0)
    follow_ups.after_outcome(step)


def on_rephrase(step: Step, text: str, intent: str | None) -> None:
    if intent == "yes":
        record_outcome(step, step.state.pending.pop(0))
    elif intent in ("skip", "no", "not_sure"):
        let_go(step)
    elif text and intent is None:
        rephrased(step, text)
    else:
        step.unexpected()


def rephrased(step: Step, text: str) -> None:
    """The person said it again in their words: reflect the new words. A reply with nothing
    in it ("nothing", "I don't know how to say it") never replaces what they said."""
    if step.hear.dismisses(text):
        let_go(step)
        return
    if not step.hear.has_content(text):
        step.state.phase = "rephrase"
        return
    candidate = step.state.pending[0]
    heard = [score.id for score in step.hear.domains(text)]
    if heard and not set(heard) & set(candidate.domains):
        candidate.domains = heard[:1]
    candidate.words = text
    candidate.turn = step.state.turn
    step.state.phase = "reflect"


def record_outcome(step: Step, candidate: Candidate) -> None:
    """The person agreed: keep their words as an outcome, then ask how it is going."""
    state = step.state
    outcome = Outcome(
        id=f"o{state.next_outcome}",
        domains=list(candidate.domains),
        words=candidate.words,
        turn=candidate.turn,
    )
    state.next_outcome += 1
    state.outcomes.append(outcome)
    state.current = outcome.id
    step.event(
        "outcome_recorded",
        outcome_id=outcome.id,
        domain=outcome.domains[0] if outcome.domains else None,
        domains=list(outcome.domains),
        words=outcome.words,
        turn=outcome.turn,
    )
    cover_topics(step, outcome.domains)
    step.enter("rating" if outcome.domains else "choose_domain")


def cover_topics(step: Step, domains: list[str]) -> None:
    """The topic of an outcome's main domain needs no asking now (unless more is waiting).

    Only the main domain counts: a topic wrongly thought covered would never be asked,
    while asking one that was touched on costs a question.
    """
    owner = step.script.owner(domains[0]) if domains else None
    state = step.state
    if owner is None or owner.id == state.topic or state.mode == "review":
        return
    if owner.id not in state.done_topics and not state.mentions.get(owner.id):
        state.done_topics.append(owner.id)


def on_choose_domain(step: Step, text: str, intent: str | None) -> None:
    outcome = step.current_outcome()
    chosen = _after_prefix(intent, "domain:")
    if chosen in step.script.framework.domain_ids:
        outcome.domains = [chosen]
        step.event("outcome_changed", outcome_id=outcome.id, domains=[chosen])
        cover_topics(step, outcome.domains)
        step.enter("rating")
    elif intent in ("not_sure", "skip"):
        step.enter("rating")
    elif text and intent is None and (heard := step.hear.domains(text)):
        outcome.domains = [heard[0].id]
        step.event("outcome_changed", outcome_id=outcome.id, domains=list(outcome.domains))
        step.enter("rating")
    else:
        step.lead.append(step.message("please_choose"))


def ask_reflect(step: Step) -> list[Message]:
    state = step.state
    candidate = state.pending[0]
    topic = step.current_topic()
    if topic is not None and topic.reflection and state.asked == "topic":
        template = topic.reflection
    else:
        said_before = any(o.turn is not None for o in state.outcomes)
        template = step.script.messages["reflect_more" if said_before else "reflect_first"]
    text = step.say(template, words=candidate.words)
    return step.asking(text, step.button("yes"), step.button("not_quite"), step.button("back"))


def ask_rephrase(step: Step) -> list[Message]:
    return step.asking(step.message("rephrase"), step.button("skip"))


def ask_choose_domain(step: Step) -> list[Message]:
    framework = step.script.framework
    buttons = [
        Button(f"domain:{t.main_domain}", step.say(framework.domain(t.main_domain).plain_label))
        for t in step.script.topics
    ]
    return step.asking(step.message("choose_domain"), *buttons, step.button("not_sure"))


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


def _speaker_first(step: Step, domains: list[str], topic: Topic | None) -> list[str]:
    """Outside a topic, the speaker's own need comes before the other person's when both are
    said: "just a night's sleep, he's up all night wi his dementia" is about the speaker."""
    others = step.hear.about_others
    if others is None or topic is not None or not others.sources & set(domains):
        return domains
    return sorted(domains, key=lambda domain: domain == others.domain)


def _words(text: str, spans: list[tuple[int, int]], indices: Sequence[int]) -> str:
    """The person's exact words for these sentences: neighbouring sentences keep their spacing;
    where a sentence between them went elsewhere, " … " marks the gap, so words read back
    never run together as if said one after the other."""
    if len(indices) == len(spans):
        return text
    runs: list[list[int]] = []
    for index in indices:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return " … ".join(text[spans[run[0]][0] : spans[run[-1]][1]] for run in runs)


def _after_prefix(value: str | None, prefix: str) -> str | None:
    if value and value.startswith(prefix):
        return value[len(prefix) :]
    return None
