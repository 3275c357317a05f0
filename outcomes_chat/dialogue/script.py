"""The conversation script: every sentence the assistant says, loaded from prompts/."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from outcomes_chat.dialogue.content import ContentError, content_error_at, load_document
from outcomes_chat.dialogue.frameworks import Framework, load_framework

RATINGS = ("met", "partly_met", "not_met", "unknown")

# Placeholders a template may use; a template that needs the person's words must have {words}.
ALLOWED_PLACEHOLDERS = frozenset({"words", "number", "rating"})
NEEDS_WORDS = frozenset(
    {"reflect_first", "reflect_more", "review_rating", "change_words", "summary_line", "outcome"}
    | {"summary_last_time", "summary_now_words", "summary_also_now"}
)
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


@dataclass(frozen=True)
class Topic:
    """One topic of the conversation: a question about one domain, or a few close ones."""

    id: str
    domains: tuple[str, ...]
    intro: str | None
    question: str
    kind: str  # "open", or "yes_no" when a yes or a no answers it
    concern_on: str | None  # for yes_no: the answer ("yes" or "no") that means a worry
    concern: str | None  # asked after that answer, for the person's own words
    concern_intro: str | None  # said once, when that answer is heard
    all_well_asks_more: bool  # the other answer leads to the first probe ("What is it?")
    probes: tuple[str, ...]
    why: str
    remembered: str
    reflection: str | None
    rating: str
    helps: str
    barriers: str
    who_could_help: str
    nothing_to_add: str
    no_concern: str
    wish: str
    rating_wish: str
    follow_ups: tuple[str, ...]

    @property
    def main_domain(self) -> str:
        """Where an answer is filed when its words point nowhere else."""
        return self.domains[0]


@dataclass(frozen=True)
class SignpostLine:
    """One line of signposting, e.g. Samaritans and their number."""

    id: str
    text: str
    number: str | None
    categories: tuple[str, ...]
    required: bool = False  # a local number the service must fill in for production

    @property
    def missing(self) -> bool:
        """A line with a number placeholder whose number is not filled in."""
        return self.number is not None and not self.number.strip()

    def applies_to(self, category: str) -> bool:
        """Whether this line is said for this kind of risk (and has its number filled in)."""
        return not self.missing and category in self.categories


# Tiers of risk, most urgent first; the schema of prompts/signposting.yaml names the same three.
TIERS = ("immediate", "safeguarding", "wellbeing")


@dataclass(frozen=True)
class RiskKind:
    """One kind of risk: how urgent it is, what is said first, and what the team reads."""

    tier: str  # immediate, safeguarding or wellbeing
    reply: str
    label: str  # plain words for the team's pages ("Not safe at home"), English, translated
    # Words raising it, said to a follow-up (what would be different, what helps, what gets in
    # the way, who could help), are kept as that answer: "he won't let anyone else in the
    # house" is what gets in the way. False where they never are ("I wish I was dead").
    answers_follow_ups: bool = True


@dataclass(frozen=True)
class Signposting:
    """Each kind of risk's tier and reply, what each tier adds, and the service's lines."""

    kinds: Mapping[str, RiskKind]
    tiers: Mapping[str, Mapping[str, str]]
    # What the team reads for each tier on its pages ("Urgent: may be in danger now").
    tier_labels: Mapping[str, str]
    worker_unknown: str
    practitioner: str
    lines: tuple[SignpostLine, ...]

    def kind(self, category: str) -> RiskKind:
        """The tier and reply of a kind of risk (KeyError for one the service has not set)."""
        return self.kinds[category]

    def lines_for(self, category: str) -> tuple[SignpostLine, ...]:
        """The lines said for this kind of risk, in order."""
        return tuple(line for line in self.lines if line.applies_to(category))

    def missing_required(self) -> tuple[str, ...]:
        """Ids of required lines whose local number is still empty."""
        return tuple(line.id for line in self.lines if line.required and line.missing)


@dataclass(frozen=True)
class Script:
    """Everything the engine says for one framework, plus where it came from."""

    prompts_dir: Path
    framework: Framework
    messages: Mapping[str, str]
    buttons: Mapping[str, str]
    rating_names: Mapping[str, str]
    defaults: Mapping[str, Any]
    topics: tuple[Topic, ...]
    signposting: Signposting
    acknowledgements: Mapping[str, str]
    # Said instead of the message with the same key when the person did not agree to their
    # words being shared with the team: only the worker who started the conversation sees them.
    not_shared: Mapping[str, str] = field(default_factory=dict)

    def topic(self, topic_id: str) -> Topic:
        """The topic with this id (KeyError when there is none)."""
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)

    def owner(self, domain_id: str) -> Topic | None:
        """The topic that asks about this domain, or None when it is only picked up by listening."""
        for topic in self.topics:
            if domain_id in topic.domains:
                return topic
        return None


def load_script(prompts_dir: Path, framework: str, lang: str | None = None) -> Script:
    """Load prompts/scripts/<framework>.yaml with its framework and the signposting (cached).

    Scripts are written in English and translated through the catalogues, so `lang` only
    checks early that the recogniser has a vocabulary for that language.
    """
    script = _load_script(Path(prompts_dir).resolve(), framework)
    if lang is not None:
        from outcomes_chat.dialogue.recognise import Recogniser

        Recogniser.load(script.prompts_dir, framework, lang)
    return script


@lru_cache(maxsize=16)
def _load_script(prompts_dir: Path, framework_id: str) -> Script:
    path = prompts_dir / "scripts" / f"{framework_id}.yaml"
    if not path.is_file():
        raise ContentError(f"There is no conversation script for '{framework_id}' ({path}).")
    data = load_document(path, "script")
    framework = load_framework(prompts_dir, framework_id)
    if data["framework"] != framework_id:
        raise content_error_at(
            path, ["framework"], f"this script says it is for '{data['framework']}'", "script"
        )
    _check_placeholders(path, data)
    topics = tuple(_topic(entry, data["defaults"]) for entry in data["topics"])
    _check_topics(path, topics, framework)
    _check_acknowledgements(path, prompts_dir, data["acknowledgements"])
    _check_not_shared(path, data)
    return Script(
        prompts_dir=prompts_dir,
        framework=framework,
        messages=data["messages"],
        buttons=data["buttons"],
        rating_names=data["rating_names"],
        defaults=data["defaults"],
        topics=topics,
        signposting=load_signposting(prompts_dir),
        acknowledgements=data["acknowledgements"],
        not_shared=data.get("not_shared", {}),
    )


def _check_not_shared(path: Path, data: Mapping[str, Any]) -> None:
    """Every message said instead when sharing was not agreed replaces one the script has."""
    for key in data.get("not_shared", {}):
        if key not in data["messages"]:
            problem = f"'{key}' is not one of the messages, so nothing would say it"
            raise content_error_at(path, ["not_shared", key], problem, "script")


def _check_acknowledgements(path: Path, prompts_dir: Path, said: Mapping[str, str]) -> None:
    """Every feeling any language listens for needs a line that acknowledges it."""
    for feelings_path in sorted(prompts_dir.glob("lexicon/*/feelings.yaml")):
        for entry in load_document(feelings_path, "feelings")["feelings"]:
            if entry["id"] not in said:
                shown = feelings_path.relative_to(prompts_dir.parent)
                problem = f"there is no line for the feeling '{entry['id']}' ({shown})"
                raise content_error_at(path, ["acknowledgements"], problem, "script")


def load_signposting(prompts_dir: Path) -> Signposting:
    """Load prompts/signposting.yaml: what is said when someone may not be safe."""
    path = Path(prompts_dir) / "signposting.yaml"
    data = load_document(path, "signposting")
    safety = data["safety"]
    kinds = {
        category: RiskKind(
            entry["tier"],
            entry["reply"],
            entry["label"],
            entry.get("answers_follow_ups", True),
        )
        for category, entry in safety["categories"].items()
    }
    # A tier's label is for the team's pages, never said in the conversation.
    tiers = {
        tier: {key: text for key, text in entry.items() if key != "label"}
        for tier, entry in safety["tiers"].items()
    }
    for index, entry in enumerate(data["signposting"]):
        if "{number}" in entry["text"] and "number" not in entry:
            problem = "the text has {number} but the entry has no 'number'"
            raise content_error_at(path, ["signposting", index], problem, "signposting")
        unknown = [category for category in entry["categories"] if category not in kinds]
        if unknown:
            problem = f"'{unknown[0]}' is not a kind of risk under safety.categories"
            raise content_error_at(
                path, ["signposting", index, "categories"], problem, "signposting"
            )
    lines = tuple(
        SignpostLine(
            id=entry["id"],
            text=entry["text"],
            number=entry.get("number"),
            categories=tuple(entry["categories"]),
            required=bool(entry.get("required", False)),
        )
        for entry in data["signposting"]
        if entry.get("enabled", True)
    )
    return Signposting(
        kinds=kinds,
        tiers=tiers,
        tier_labels={tier: entry["label"] for tier, entry in safety["tiers"].items()},
        worker_unknown=safety["worker_unknown"],
        practitioner=safety["practitioner"],
        lines=lines,
    )


def _topic(entry: Mapping[str, Any], defaults: Mapping[str, Any]) -> Topic:
    """A topic, with the script's defaults for what it does not say itself."""

    def pick(key: str) -> Any:
        return entry.get(key, defaults[key])

    return Topic(
        id=entry["id"],
        domains=tuple(entry["domains"]),
        intro=entry.get("intro"),
        question=entry["question"],
        kind=entry["kind"],
        concern_on=entry.get("concern_on"),
        concern=entry.get("concern"),
        concern_intro=entry.get("concern_intro"),
        all_well_asks_more=bool(entry.get("all_well_asks_more", False)),
        probes=tuple(entry["probes"]),
        why=entry["why"],
        remembered=entry["remembered"],
        reflection=entry.get("reflection"),
        rating=pick("rating"),
        helps=pick("helps"),
        barriers=pick("barriers"),
        who_could_help=pick("who_could_help"),
        nothing_to_add=pick("nothing_to_add"),
        no_concern=pick("no_concern"),
        wish=pick("wish"),
        rating_wish=pick("rating_wish"),
        follow_ups=tuple(pick("follow_ups")),
    )


def _check_topics(path: Path, topics: tuple[Topic, ...], framework: Framework) -> None:
    """Topics must name real domains, each domain in one topic, each topic id once."""
    seen_topics: set[str] = set()
    owners: dict[str, str] = {}
    for index, topic in enumerate(topics):
        where = ["topics", index]
        if topic.id in seen_topics:
            raise content_error_at(path, where, "this topic id is used twice", "script")
        seen_topics.add(topic.id)
        for domain in topic.domains:
            if domain not in framework.domain_ids:
                problem = f"'{domain}' is not a domain of the {framework.id} framework"
                raise content_error_at(path, [*where, "domains"], problem, "script")
            if domain in owners:
                problem = f"'{domain}' is already asked about in topic '{owners[domain]}'"
                raise content_error_at(path, [*where, "domains"], problem, "script")
            owners[domain] = topic.id


def _check_placeholders(path: Path, data: Mapping[str, Any]) -> None:
    """Every {placeholder} must be one the engine fills, and {words} must be where it is needed."""
    for where, key, template in _templates(data):
        names = set(_PLACEHOLDER.findall(template))
        unknown = sorted(names - ALLOWED_PLACEHOLDERS)
        if unknown:
            problem = f"'{{{unknown[0]}}}' is not a placeholder the conversation can fill"
            raise content_error_at(path, where, problem, "script")
        if (key in NEEDS_WORDS or key == "remembered") and "words" not in names:
            problem = "this text must show the person's words with {words}"
            raise content_error_at(path, where, problem, "script")


def _templates(data: Mapping[str, Any]) -> list[tuple[list[Any], str, str]]:
    """Every text in a script with its data path and key."""
    found: list[tuple[list[Any], str, str]] = []
    sections = ("messages", "not_shared", "buttons", "rating_names", "defaults", "acknowledgements")
    for section in sections:
        for key, value in data.get(section, {}).items():
            if isinstance(value, str):
                found.append(([section, key], key, value))
    for index, topic in enumerate(data["topics"]):
        for key, value in topic.items():
            texts = value if key == "probes" else [value]
            where = ["topics", index, key]
            found.extend((where, key, text) for text in texts if isinstance(text, str))
    return found
