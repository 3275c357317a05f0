"""Recognition: which domains an utterance speaks to, control words, safety cues, negation.

Everything is data in prompts/lexicon/<lang>/: per-framework domain cues, shared negation
patterns, control words and safety cues. Matching works on normalised word tokens
(text.words): a cue matches where its words appear in order, with at most one extra word
between two of them, inside one sentence. rapidfuzz does the fuzzy part: it forgives small
spelling slips in longer words (one cached lookup per unseen word) and in short control replies.

Whole-utterance fuzzy scoring of every cue (partial_ratio over thousands of cues) costs
milliseconds per utterance and lets three-letter cues match inside any word, so we do not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from outcomes_chat.dialogue.analysers import Analyser, analyser_for
from outcomes_chat.dialogue.analysers.en import split_sentences as split_sentences
from outcomes_chat.dialogue.content import ContentError, load_document
from outcomes_chat.dialogue.frameworks import load_framework
from outcomes_chat.dialogue.picking import Pick, PickWords, Request, Verb
from outcomes_chat.dialogue.script import TIERS, load_signposting

CONTROL_INTENTS = (
    "skip",
    "back",
    "pause",
    "repeat",
    "help",
    "why",
    "stop",
    "yes",
    "no",
    "carry_on",
    "already_said",
    "not_sure",
)

# A domain is recognised at this score (0..100). Every cue on its own clears it (unless weakened
# by a forgiven slip and extra words); hints never do: they only add to a cue of their domain.
DOMAIN_THRESHOLD = 50.0
# Weight of one cue by its number of counted words: longer cues are more specific.
_CUE_WEIGHTS = (0.60, 0.72, 0.82)
_HINT_WEIGHT = 0.25
# Each extra word standing between two words of a cue weakens the match a little.
_GAP_FACTOR = 0.93
# At most this many extra words between two consecutive words of a phrase. The trie tries the
# farthest step first on its stack, so the adjacent word is looked at first.
_MAX_GAP = 1
_STEPS = tuple(range(_MAX_GAP + 1, 0, -1))
# A negation reaches a cue this many counted words away, within its clause.
_NEGATION_REACH = 4
# A dismissal after one of these in its clause is a wish, not a dismissal ("if money was sorted").
_CONDITIONALS = frozenset({"if"})
# A word of at least this length that is not a cue word may be corrected to a cue word of at
# least _FUZZY_TARGET_LEN letters with the same first letter, at this rapidfuzz ratio: one slip
# in a long word passes ("exausted"), while "lovely" stays apart from "lonely" (83) and short
# everyday words ("cared", "found", "billy") are not bent into cue words ("card", "fund").
_FUZZY_MIN_LEN = 6
_FUZZY_TARGET_LEN = 5
_FUZZY_CUTOFF = 85.0
# Two neighbouring letters swapped ("freinds", "tierd") cost two edits, so the ratio above misses
# them; a word of at least this length that is a cue word with one such swap is read as it.
_SWAP_MIN_LEN = 5
_SWAP_FACTOR = 0.9
_WORD_CACHE_SIZE = 50_000
# Control words: the whole reply, at most this many words once courtesy is removed.
_CONTROL_MAX_WORDS = 8
_CONTROL_CUTOFF = 85.0
# Longer input is cut before analysis: a chat answer is far shorter, and this bounds the time.
_MAX_CHARS = 10_000

_CUE, _HINT, _NEG_BEFORE, _NEG_AFTER, _NEG_EITHER, _PLAIN = range(6)
_NEGATION_KINDS = {"before": _NEG_BEFORE, "after": _NEG_AFTER, "either": _NEG_EITHER}
_SAFETY, _IDIOM, _PAIR_ONE, _PAIR_OTHER, _ACTION = range(5)
# How many words before a harmful action its doer may stand ("he then grabbed"), and after
# it whom it was done to ("hit me", "pushed my mum").
_ROLE_REACH = 3
_FEELING, _WISH = 7, 8
# A feeling cue right after one of these is not said ("not worried", "no fear of that").
_NOT_FELT = frozenset({"not", "no", "never", "nothing", "nae", "without"})
# Words that put the speaker in a clause: "he keeps me up" is about the carer's own sleep.
_FIRST_PERSON = frozenset({"i", "me", "my", "myself", "mine", "we", "us", "our"})
# How many words before a cue a word such as "her" or "he" claims it for the other person.
_OTHERS_REACH = 3
# Control phrases said one after another ("aye that's it") read as one reply of that intent.
_MAX_SEGMENTS = 3


@dataclass(frozen=True)
class DomainScore:
    """A domain an utterance speaks to, with how strongly (0..100)."""

    id: str
    score: float


@dataclass(frozen=True)
class SafetyHit:
    """A cue of risk found in an utterance."""

    category: str
    cue: str


@dataclass(frozen=True)
class _Phrase:
    """One cue, hint, negation pattern, safety cue or idiom, as words to match."""

    kind: int
    label: str  # domain id, safety category, or "" for negations and idioms
    words: tuple[str, ...]
    text: str  # as written in the lexicon, for SafetyHit.cue
    order: int  # position of its domain or category, for deterministic ties


_Node = tuple[dict[str, "_Node"], list[_Phrase]]


@dataclass(frozen=True)
class _Match:
    """Where a phrase matched in a token stream (end inclusive)."""

    phrase: _Phrase
    start: int
    end: int
    gaps: int
    fuzz: float


@dataclass
class _Stream:
    """Tokens of an utterance with, for each, its sentence, clause and fuzzy-match factor."""

    tokens: list[str] = field(default_factory=list)
    sentence: list[int] = field(default_factory=list)
    clause: list[int] = field(default_factory=list)
    fuzz: list[float] = field(default_factory=list)
    origin: list[int] = field(default_factory=list)  # position of each token in the full stream


@dataclass
class _Analysis:
    """Everything the public methods need about one utterance, computed once."""

    spans: list[tuple[int, int]]
    full: _Stream
    content: _Stream
    domain_matches: list[_Match]  # surviving cue/hint matches (not negated, not covered)
    negated: bool
    scores: dict[str, float]
    dropped: list[_Match]  # mentions a dismissal in reach took away ("money's fine")
    feelings: tuple[str, ...]  # feelings said, in text order, each once
    negations: list[_Match]  # dismissals found ("fine", "no worries about")


@dataclass(frozen=True)
class Roles:
    """Who does a harmful action to whom: "he hit me" harms the speaker, "I hit him" the other."""

    speaker: frozenset[str]
    others: frozenset[str]  # he, she, him, her...
    persons: frozenset[str]  # people named: mum, husband, son...
    intransitive: frozenset[tuple[str, ...]]  # actions that need no one after them
    said_of_others: Mapping[str, str]  # e.g. self_harm said of "he" is third_party
    by_other: str  # the kind of risk when someone else does it to the speaker
    by_speaker: str  # the kind of risk when the speaker does it to someone else
    tasks: frozenset[str] = frozenset()  # caring tasks: "lifting him" makes him no doer


@dataclass(frozen=True)
class AboutOthers:
    """Cues of the speaker's own life that, after "her" or "he", speak of another's."""

    domain: str
    sources: frozenset[str]
    words: frozenset[str]


class _PhraseIndex:
    """Phrases in a word trie, matched in order with at most one extra word between two words.

    Walking a trie from each token visits shared beginnings once, so the cost per token stays
    small however many phrases start with "he" or "no". With within_clause, the extra word may
    not stand across a clause boundary: in "it's just me, all the time" the cue "me time" is not
    said. Safety cues keep the generous reading.
    """

    def __init__(self, phrases: Iterable[_Phrase], within_clause: bool = False) -> None:
        self._within_clause = within_clause
        self._root: _Node = ({}, [])
        for phrase in sorted(phrases, key=lambda p: (p.order, p.text)):
            node = self._root
            for word_ in phrase.words:
                node = node[0].setdefault(word_, ({}, []))
            node[1].append(phrase)

    def find(self, stream: _Stream) -> list[_Match]:
        """Every phrase occurrence in the stream, inside one sentence, in text order."""
        tokens, sentence, factor = stream.tokens, stream.sentence, stream.fuzz
        clause = stream.clause if self._within_clause else sentence
        children = self._root[0]
        limit = len(tokens)
        found: list[_Match] = []
        for start, token in enumerate(tokens):
            node = children.get(token)
            if node is None:
                continue
            here = sentence[start]
            best: dict[int, _Match] = {}
            # (node, position of its word, gaps so far, weakest fuzzy factor so far)
            stack = [(node, start, 0, factor[start])]
            while stack:
                node, position, gaps, weakest = stack.pop()
                for phrase in node[1]:
                    known = best.get(id(phrase))
                    if known is None or gaps < known.gaps:
                        best[id(phrase)] = _Match(phrase, start, position, gaps, weakest)
                if not node[0]:
                    continue
                for step in _STEPS:
                    nxt = position + step
                    if (
                        nxt < limit
                        and sentence[nxt] == here
                        and (step == 1 or clause[nxt] == clause[position])
                    ):
                        child = node[0].get(tokens[nxt])
                        if child is not None:
                            stack.append((child, nxt, gaps + step - 1, min(weakest, factor[nxt])))
            found.extend(sorted(best.values(), key=lambda m: (m.end, m.phrase.order)))
        return found


class Recogniser:
    """Reads an utterance against one framework's lexicon in one language."""

    def __init__(
        self,
        framework: str,
        lang: str,
        domain_ids: Sequence[str],
        domain_phrases: Sequence[_Phrase],
        safety_phrases: Sequence[_Phrase],
        control: dict[str, str],
        control_raw: dict[str, str],
        courtesy: Sequence[tuple[str, ...]],
        answers: Iterable[str],
        plain_phrases: Sequence[_Phrase] = (),
        feeling_phrases: Sequence[_Phrase] = (),
        ratings: dict[str, str] | None = None,
        about_others: AboutOthers | None = None,
        wish_phrases: Sequence[_Phrase] = (),
        analyser: Analyser | None = None,
        roles: Roles | None = None,
        urgency: Mapping[str, int] | None = None,
        pick_words: PickWords | None = None,
    ) -> None:
        self.analyser = analyser or analyser_for(lang)
        self.pick_words = pick_words or PickWords()
        self.framework = framework
        self.lang = lang
        self.domain_ids = tuple(domain_ids)
        self._order = {domain_id: index for index, domain_id in enumerate(self.domain_ids)}
        self._domain_index = _PhraseIndex(domain_phrases, within_clause=True)
        self._safety_index = _PhraseIndex(safety_phrases)
        self._plain_index = (
            _PhraseIndex(plain_phrases, within_clause=True) if plain_phrases else None
        )
        self._control = control
        self._control_keys = sorted(control)
        self._control_raw = control_raw
        self._courtesy = sorted(courtesy, key=len, reverse=True)
        self._courtesy_words = frozenset(w for phrase in courtesy for w in phrase)
        self._answers = frozenset(answers)
        self._answer_keys = sorted(self._answers)
        vocabulary: set[str] = set(self.analyser.fillers)
        for phrase in (
            *domain_phrases,
            *safety_phrases,
            *plain_phrases,
            *feeling_phrases,
            *wish_phrases,
        ):
            vocabulary.update(phrase.words)
        for key in (*control, *self._answers, *(ratings or {})):
            vocabulary.update(key.split())
        for words_ in courtesy:
            vocabulary.update(words_)
        self._known = frozenset(vocabulary)
        self._fuzzy_targets: dict[str, list[str]] = {}
        self._anagrams: dict[str, list[str]] = {}
        for known in sorted(vocabulary):
            if len(known) >= _FUZZY_TARGET_LEN and known.isascii() and known.isalpha():
                self._fuzzy_targets.setdefault(known[0], []).append(known)
                self._anagrams.setdefault("".join(sorted(known)), []).append(known)
        self._feeling_index = (
            _PhraseIndex(feeling_phrases, within_clause=True) if feeling_phrases else None
        )
        self._ratings = dict(ratings or {})
        self._roles = roles
        self._urgency = dict(urgency or {})  # kind of risk -> 0 most urgent
        self._wish_index = _PhraseIndex(wish_phrases) if wish_phrases else None
        self._about_others = about_others
        self._words: dict[str, tuple[str, float]] = {}
        self._last: tuple[str, _Analysis] | None = None

    @classmethod
    def load(cls, prompts_dir: Path, framework: str, lang: str) -> Recogniser:
        """The recogniser for one framework and language, built once and then shared."""
        return _load(Path(prompts_dir).resolve(), framework, lang)

    # -- public reading ---------------------------------------------------------------------

    def domains(self, text: str) -> list[DomainScore]:
        """Domains the text speaks to, best first; [] when none; negated mentions excluded."""
        scores = self._analyse(text).scores
        order = self._order
        ranked = sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))
        return [DomainScore(domain_id, score) for domain_id, score in ranked]

    def domain_sentences(self, text: str) -> dict[str, list[str]]:
        """For each recognised domain, the verbatim sentences that speak to it, in text order."""
        analysis = self._analyse(text)
        by_cue: dict[str, set[int]] = {domain_id: set() for domain_id in analysis.scores}
        for match in analysis.domain_matches:
            if match.phrase.label in by_cue and match.phrase.kind == _CUE:
                by_cue[match.phrase.label].add(analysis.content.sentence[match.start])
        result: dict[str, list[str]] = {}
        for score in self.domains(text):
            # A sentence with only a weak hint ("him") is not that domain's words.
            indexes = sorted(by_cue[score.id])
            result[score.id] = [text[slice(*analysis.spans[index])] for index in indexes]
        return result

    def control(self, text: str) -> str | None:
        """One of skip, back, pause, repeat, help, why, stop, yes, no, not_sure, or None."""
        if not isinstance(text, str):
            return None
        raw = text.strip()
        if raw in self._control_raw:  # replies with no letters, like "👍"
            return self._control_raw[raw]
        key = self._short_reply(text)
        if not key:
            return None
        intent = self._control.get(key)
        if intent is not None or len(key) < 3:
            return intent
        # A slip in a short reply ("skp", "go bak") still steers.
        best = process.extractOne(
            key,
            self._control_keys,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=_CONTROL_CUTOFF,
        )
        return self._control[best[0]] if best else None

    def safety(self, text: str) -> SafetyHit | None:
        """The first cue of risk in the text (idioms like "my feet are killing me" excluded).

        A cue is a phrase ("end it all") or a pair of concepts said in one sentence (a fall and
        hours on the floor; tablets and saving them up): either way, the earliest wins.
        """
        full = self._analyse(text).full
        matches = self._safety_index.find(full)
        idioms = [m for m in matches if m.phrase.kind == _IDIOM]

        def plain(match: _Match) -> bool:
            # A cue that ends inside an idiom is the idiom ("we can't go on holiday"); one that
            # goes on past it is not ("desperate to die" is more than "desperate to").
            return not any(i.start <= match.end <= i.end for i in idioms)

        hits = [m for m in matches if m.phrase.kind == _SAFETY and plain(m)]
        sides = [m for m in matches if m.phrase.kind in (_PAIR_ONE, _PAIR_OTHER) and plain(m)]
        hits.extend(_pairs_said(sides, full))
        if self._roles is not None:
            actions = [m for m in matches if m.phrase.kind == _ACTION and plain(m)]
            hits.extend(_who_harms_whom(actions, full, self._roles))
        if not hits:
            return None
        if self._roles is not None:
            hits = [_said_of_whom(hit, full, self._roles) for hit in hits]
        # Several risks in one answer: the most urgent is answered, then the earliest.
        urgency = self._urgency
        first = min(
            hits,
            key=lambda m: (
                urgency.get(m.phrase.label, 0),
                m.start,
                -(m.end - m.start),
                m.phrase.order,
            ),
        )
        return SafetyHit(first.phrase.label, first.phrase.text)

    def is_negated(self, text: str) -> bool:
        """True when the text says the topic is not a concern ("No, money's fine")."""
        return self._analyse(text).negated

    def feelings(self, text: str) -> tuple[str, ...]:
        """The feelings the text speaks of (grief, fear...), in order, each once."""
        return self._analyse(text).feelings

    def dismisses(self, text: str, domains: Iterable[str] = ()) -> bool:
        """True when the text says there is nothing to add about these domains.

        Narrow on purpose: a whole short reply ("all good thanks"), or a dismissal bound in its
        clause to these domains' words ("money's fine") with nothing else spoken of. An answer
        that carries a feeling or names another concern is never a dismissal.
        """
        analysis = self._analyse(text)
        if analysis.feelings or analysis.domain_matches:
            return False
        if self.reply_intent(text) == "no" or self._is_dismissal(analysis.full.tokens):
            return True
        if self._only_dismissal(analysis):
            return True
        wanted = set(domains)
        return any(m.phrase.label in wanted for m in analysis.dropped)

    def has_content(self, text: str) -> bool:
        """True when the text says something beyond control words, courtesy and small words."""
        analysis = self._analyse(text)
        if analysis.domain_matches or analysis.dropped or analysis.feelings:
            return True
        if self.reply_intent(text) is not None:
            return False
        meaningful = [t for t in analysis.content.tokens if t not in self._courtesy_words]
        return len(meaningful) >= _CONTENT_MIN_WORDS

    def reply_intent(self, text: str) -> str | None:
        """A control intent for the reply as a whole, as control() does, and also for

        - control phrases said one after another with one intent ("aye that's it");
        - a first clause that steers, followed by nothing that speaks to a domain
          ("I have to stop now, mum's shouting for me"; "no, that's all thanks");
        - "I already said that" anywhere in a short reply.
        """
        whole = self.control(text)
        if whole is not None:
            return whole
        analysis = self._analyse(text)
        tokens = self._strip_courtesy(list(analysis.full.tokens))
        joined = _segmented_intent(tokens, self._control)
        if joined is not None:
            return joined
        clauses = _clause_texts(analysis.full)
        if len(clauses) < 2 or len(analysis.full.tokens) > _CONTROL_MAX_WORDS * 3:
            return None
        intents = [self.control(clause) for clause in clauses]
        analysis = self._analyse(text)  # control() read each clause since
        if "already_said" in intents:
            # "like I said, I need sleep" is an answer; "I already said that" alone is not.
            # "naw, I meant the caring, I already said that" is a no to what was read back.
            if intents[0] in ("yes", "no"):
                return intents[0]
            others = [c for c, i in zip(clauses, intents, strict=True) if i != "already_said"]
            said_more = analysis.feelings or any(self._says_anything(c) for c in others)
            return None if said_more else "already_said"
        first = intents[0]
        if first is None or analysis.feelings:
            return None
        cues = [m for m in analysis.domain_matches if m.phrase.kind == _CUE]
        if first in _STEERING and not cues:
            return first
        # "no, that's all thanks" steers; "no, just sleep" and "yes please, a break" answer.
        rest = [c for c, i in zip(clauses[1:], intents[1:], strict=True) if i != first]
        if all(self._is_dismissal(c.split()) or not self._says_anything(c) for c in rest):
            return first
        return None

    def is_wish(self, text: str) -> bool:
        """True when the text says what the person wants ("I'd love to get back to choir")."""
        if self._wish_index is None:
            return False
        return bool(self._wish_index.find(self._analyse(text).full))

    @property
    def about_others(self) -> AboutOthers | None:
        """The framework's rule for cues said of another person, if it has one."""
        return self._about_others

    def has_contrast(self, text: str) -> bool:
        """True when the text turns on a "but", "except" or "apart from"."""
        return self.analyser.contrast.search(text) is not None

    def leading_answer(self, text: str) -> str | None:
        """ "yes" or "no" when the reply opens with one ("aye I feel safe enough", "no never")."""
        tokens = self._analyse(text).full.tokens
        for size in range(min(len(tokens), 3), 0, -1):
            intent = self._control.get(" ".join(tokens[:size]))
            if intent in ("yes", "no"):
                return intent
        return None

    def summary_request(self, text: str) -> Request | None:
        """A typed request at the summary to take out or change one of the list ("take out the
        one about the doctor", "change number 2"), with the words naming which; else None."""
        tokens = self._strip_courtesy(self.analyser.words(text[:_MAX_CHARS]))
        return self.pick_words.request(tokens)

    def outcome_named(self, naming: str | Sequence[str], listed: Sequence[tuple[str, str]]) -> Pick:
        """Which of the listed (id, the person's words) is named: by its place ("number 2",
        "the second one") or by words from it ("the doctor one"). Naming given as text may
        start with a verb ("remove the doctor one")."""
        if isinstance(naming, str):
            tokens = self._strip_courtesy(self.analyser.words(naming[:_MAX_CHARS]))
            naming = self.pick_words.naming(tokens)
        analysed = [(outcome_id, self.analyser.words(words)) for outcome_id, words in listed]
        small = self.analyser.fillers | self._courtesy_words
        return self.pick_words.which(naming, analysed, small)

    def rating(self, text: str) -> str | None:
        """The rating a typed reply starts with ("partly, she still needs me"), or None.

        A one-word rating counts only when its clause ends with it: "good days and bad days"
        and "fine when he sleeps, awful when he doesn't" are words to keep, not "going well".
        """
        full = self._analyse(text).full
        said = full.tokens
        where = list(zip(full.sentence, full.clause, strict=True))
        starts = [0]
        # After a leading yes ("aye, going well") or courtesy ("erm, partly").
        while starts[-1] < len(said) and (
            said[starts[-1]] in self._courtesy_words or self._control.get(said[starts[-1]]) == "yes"
        ):
            starts.append(starts[-1] + 1)
        for start in starts:
            for size in range(min(len(said) - start, _RATING_MAX_WORDS), 0, -1):
                end = start + size
                rating = self._ratings.get(" ".join(said[start:end]))
                whole_clause = end == len(said) or where[end] != where[end - 1]
                if rating is not None and (size > 1 or whole_clause):
                    return rating
        return None

    def _only_dismissal(self, analysis: _Analysis) -> bool:
        """A short reply whose every word is a dismissal, courtesy or a small word ("I am fine,
        thank you"), unlike "fine" lost in a long answer about something else."""
        content = analysis.content
        if not analysis.negations or len(content.tokens) > _CONTROL_MAX_WORDS:
            return False
        covered: set[int] = set()
        for negation in analysis.negations:
            covered.update(range(negation.start, negation.end + 1))
        return all(
            index in covered or token in self._courtesy_words
            for index, token in enumerate(content.tokens)
        )

    def _says_anything(self, clause: str) -> bool:
        """A clause with a word beyond courtesy and small words ("just sleep", "a break")."""
        return any(
            t not in self.analyser.fillers and t not in self._courtesy_words for t in clause.split()
        )

    # -- analysis ---------------------------------------------------------------------------

    def _analyse(self, text: str) -> _Analysis:
        """Tokenise and match once per utterance: the engine asks several questions of it."""
        if not isinstance(text, str):
            text = ""
        # One remembered utterance: the recogniser is shared between threads, and swapping a
        # tuple is atomic, so the worst a race can do is compute the same analysis twice.
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        analysis = self._compute(text[:_MAX_CHARS])
        self._last = (text, analysis)
        return analysis

    def _compute(self, text: str) -> _Analysis:
        """Tokens per sentence and clause, phrase matches, negation, and domain scores."""
        spans = self.analyser.sentence_spans(text)
        fillers = self.analyser.fillers
        full, content = _Stream(), _Stream()
        read = self._read_word
        for sentence_index, (start, end) in enumerate(spans):
            for clause_index, raw_tokens in enumerate(self.analyser.clause_tokens(text[start:end])):
                for raw in raw_tokens:
                    canonical, factor = read(raw)
                    streams = (full,) if canonical in fillers else (full, content)
                    if canonical not in fillers:
                        content.origin.append(len(full.tokens))
                    for stream in streams:
                        stream.tokens.append(canonical)
                        stream.sentence.append(sentence_index)
                        stream.clause.append(clause_index)
                        stream.fuzz.append(factor)
        matches = self._domain_index.find(content)
        negations = [
            m for m in matches if m.phrase.kind >= _NEG_BEFORE and not _hypothetical(m, content)
        ]
        mentions = _uncovered([m for m in matches if m.phrase.kind <= _HINT], content)
        if self._plain_index is not None:
            # "sort of" is neither about sorting nor the dismissal "sorted".
            plain = self._plain_index.find(full)
            mentions = _not_plain(mentions, plain, content)
            negations = _not_plain(negations, plain, content)
        kept = _unnegated(mentions, negations, content)
        dropped = [m for m in mentions if m not in kept]
        if self._about_others is not None:
            kept = _whose(kept, self._about_others, full, content)
            dropped = _whose(dropped, self._about_others, full, content)
        negated = len(kept) < len(mentions) or (bool(negations) and not kept)
        if not negated and len(full.tokens) <= _CONTROL_MAX_WORDS:
            negated = self._is_dismissal(full.tokens)
        feelings = self._felt(content, full)
        return _Analysis(
            spans, full, content, kept, negated, _score(kept), dropped, feelings, negations
        )

    def _felt(self, content: _Stream, full: _Stream) -> tuple[str, ...]:
        """The feelings said, each once, in text order; a cue right after "not" is not said."""
        if self._feeling_index is None:
            return ()
        said: dict[str, None] = {}
        for match in self._feeling_index.find(content):
            before = content.origin[match.start] - 1
            if before >= 0 and full.tokens[before] in _NOT_FELT:
                continue
            said.setdefault(match.phrase.label, None)
        return tuple(said)

    def _read_word(self, raw: str) -> tuple[str, float]:
        """The matching form of a raw token, with a factor below 1 when a slip was forgiven.

        A word is stemmed and, when it is long, not a cue word and looks misspelt ('exausted'),
        corrected to the nearest cue word. Results are cached per word: a service's
        vocabulary is finite, so after a while almost every word is a dictionary hit.
        """
        cached = self._words.get(raw)
        if cached is not None:
            return cached
        token = self.analyser.word(raw)
        result = (token, 1.0)
        if (
            token not in self._known
            and len(token) >= _FUZZY_MIN_LEN
            and token.isascii()
            and token.isalpha()
        ):
            best = process.extractOne(
                token,
                self._fuzzy_targets.get(token[0], ()),
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=_FUZZY_CUTOFF,
            )
            if best is not None:
                result = (best[0], best[1] / 100.0)
        if (
            result[1] == 1.0
            and token not in self._known
            and len(token) >= _SWAP_MIN_LEN
            and token.isascii()
            and token.isalpha()
        ):
            swapped = _one_swap(token, self._anagrams.get("".join(sorted(token)), ()))
            if swapped is not None:
                result = (swapped, _SWAP_FACTOR)
        if len(self._words) >= _WORD_CACHE_SIZE:
            self._words.clear()
        self._words[raw] = result
        return result

    def _short_reply(self, text: str) -> str:
        """The reply as one normalised string without courtesy words, or '' if not short."""
        tokens = self._analyse(text).full.tokens
        if len(tokens) > _CONTROL_MAX_WORDS + 4:
            return ""
        tokens = self._strip_courtesy(tokens)
        # "no no no" and "yes yes" are the same reply.
        tokens = [t for i, t in enumerate(tokens) if i == 0 or t != tokens[i - 1]]
        if len(tokens) > _CONTROL_MAX_WORDS:
            return ""
        return " ".join(tokens)

    def _strip_courtesy(self, tokens: list[str]) -> list[str]:
        """Remove courtesy words at either end ("can we skip please" -> "skip")."""
        changed = True
        while changed and tokens:
            changed = False
            for words_ in self._courtesy:
                size = len(words_)
                if len(tokens) > size and tuple(tokens[:size]) == words_:
                    tokens, changed = tokens[size:], True
                elif len(tokens) > size and tuple(tokens[-size:]) == words_:
                    tokens, changed = tokens[:-size], True
        return tokens

    def _is_dismissal(self, tokens: list[str]) -> bool:
        """A whole reply like "nothing really" or "all good thanks"."""
        key = " ".join(self._strip_courtesy(list(tokens)))
        if not key:
            return False
        if key in self._answers:
            return True
        if len(key) < 4:
            return False
        best = process.extractOne(
            key, self._answer_keys, scorer=fuzz.ratio, processor=None, score_cutoff=90.0
        )
        return best is not None


_STEERING = frozenset({"stop", "pause", "skip", "back", "carry_on"})
# An answer with fewer words than this beyond small words, and no cue, says nothing to reflect.
_CONTENT_MIN_WORDS = 3
_RATING_MAX_WORDS = 4


def _segmented_intent(tokens: list[str], control: dict[str, str]) -> str | None:
    """The one intent of a reply made of a few control phrases in a row ("aye that's it")."""
    intents: set[str] = set()
    position, segments = 0, 0
    while position < len(tokens):
        for end in range(len(tokens), position, -1):
            intent = control.get(" ".join(tokens[position:end]))
            if intent is not None:
                intents.add(intent)
                position, segments = end, segments + 1
                break
        else:
            return None
        if segments > _MAX_SEGMENTS or len(intents) > 1:
            return None
    return intents.pop() if segments > 1 and len(intents) == 1 else None


def _clause_texts(full: _Stream) -> list[str]:
    """Each clause of the utterance as its normalised words joined by spaces."""
    clauses: dict[tuple[int, int], list[str]] = {}
    for token, sentence, clause in zip(full.tokens, full.sentence, full.clause, strict=True):
        clauses.setdefault((sentence, clause), []).append(token)
    return [" ".join(tokens) for tokens in clauses.values()]


def _whose(
    matches: list[_Match], others: AboutOthers, full: _Stream, content: _Stream
) -> list[_Match]:
    """Cues of the speaker's own life said of someone else ("her garden") go to their domain."""
    result: list[_Match] = []
    for match in matches:
        if match.phrase.label in others.sources and _said_of_other(match, others, full, content):
            phrase = match.phrase
            moved = _Phrase(phrase.kind, others.domain, phrase.words, phrase.text, phrase.order)
            match = _Match(moved, match.start, match.end, match.gaps, match.fuzz)
        result.append(match)
    return result


def _said_of_other(match: _Match, others: AboutOthers, full: _Stream, content: _Stream) -> bool:
    """True when "her", "he"... stands just before the cue in its clause, and no "me" or "my"."""
    start, end = content.origin[match.start], content.origin[match.end]
    if any(token in _FIRST_PERSON for token in full.tokens[start : end + 1]):
        return False
    where = (full.sentence[start], full.clause[start])
    position = start - 1
    while (
        position >= 0
        and start - position <= _OTHERS_REACH
        and (full.sentence[position], full.clause[position]) == where
    ):
        token = full.tokens[position]
        if token in _FIRST_PERSON:
            return False
        if token in others.words:
            return True
        position -= 1
    return False


def _said_of_whom(hit: _Match, full: _Stream, roles: Roles) -> _Match:
    """A risk to oneself said of someone else ("he had been suicidal") is theirs."""
    other_kind = roles.said_of_others.get(hit.phrase.label)
    if other_kind is None or _party(full, hit.start - 1, -1, roles, hit.start) != "other":
        return hit
    if any(token in roles.speaker for token in full.tokens[hit.start : hit.end + 1]):
        return hit  # "they'd manage fine without me" is the speaker's own
    phrase = hit.phrase
    moved = _Phrase(phrase.kind, other_kind, phrase.words, phrase.text, phrase.order)
    return _Match(moved, hit.start, hit.end, hit.gaps, hit.fuzz)


def _who_harms_whom(actions: list[_Match], full: _Stream, roles: Roles) -> list[_Match]:
    """A harmful action as a hit for whoever it harms, when who did it to whom is said.

    The doer is the nearest person word before the action in its clause, the one harmed the
    first person word after it: "he grabbed my arm" harms the speaker; "I shook him", "I hit my
    husband" and "my brother hit my mum" harm someone the speaker cares for. An action done
    to oneself or to nobody ("I hit my head", "he pushed the trolley") is not risk; one that
    needs no object ("him lashing out") takes its doer alone.
    """
    hits: list[_Match] = []
    for action in actions:
        doer = _party(full, action.start - 1, -1, roles, action.start)
        if doer is not None and _done_to_in_a_task(full, action.start, roles):
            continue  # "lifting him has hurt my back": the strain of the task, not a blow
        harmed = _party(full, action.end + 1, 1, roles, action.start)
        if action.phrase.words in roles.intransitive and doer is not None:
            harmed = "speaker" if doer == "other" else "other"
        if doer == "other" and harmed == "speaker":
            category = roles.by_other
        elif doer == "speaker" and harmed in ("other", "someone"):
            category = roles.by_speaker
        elif doer in ("other", "someone") and harmed == "someone":
            category = roles.by_speaker  # someone named, harmed by another
        else:
            continue
        phrase = action.phrase
        said = _Phrase(_SAFETY, category, phrase.words, phrase.text, phrase.order)
        hits.append(_Match(said, action.start, action.end, action.gaps, action.fuzz))
    return hits


def _done_to_in_a_task(full: _Stream, action: int, roles: Roles) -> bool:
    """True when the nearest person before the action is the one a caring task is done to."""
    where = (full.sentence[action], full.clause[action])
    position = action - 1
    while position >= 0 and (full.sentence[position], full.clause[position]) == where:
        token = full.tokens[position]
        if token in roles.speaker or token in roles.persons or token in roles.others:
            before = full.tokens[position - 1] if position > 0 else ""
            return (
                before in roles.tasks
                and (full.sentence[position - 1], full.clause[position - 1]) == where
            )
        position -= 1
    return False


def _party(full: _Stream, position: int, step: int, roles: Roles, anchor: int) -> str | None:
    """Who stands nearest from position, within reach and clause: "speaker" (I, me, my
    own arm), "someone" (a person named: "my mum", "her husband", "dad") or "other" (he,
    she, him, her)."""
    where = (full.sentence[anchor], full.clause[anchor])
    for _ in range(_ROLE_REACH):
        if not 0 <= position < len(full.tokens):
            return None
        if (full.sentence[position], full.clause[position]) != where:
            return None
        token = full.tokens[position]
        after = full.tokens[position + 1] if position + 1 < len(full.tokens) else ""
        if token in roles.speaker:
            return "someone" if step > 0 and after in roles.persons else "speaker"
        if token in roles.persons:
            return "someone"
        if token in roles.others:
            return "someone" if step > 0 and after in roles.persons else "other"
        position += step
    return None


def _pairs_said(matches: list[_Match], full: _Stream) -> list[_Match]:
    """One match per concept pair whose two sides stand in one sentence, at its second side.

    A pair's sides share a label "<category>#<n>"; the match returned carries the category.
    """
    sides: dict[tuple[str, int], dict[int, _Match]] = {}
    for match in matches:
        key = (match.phrase.label, full.sentence[match.start])
        sides.setdefault(key, {}).setdefault(match.phrase.kind, match)
    said: list[_Match] = []
    for (label, _sentence), found in sides.items():
        if len(found) == 2:
            one, other = found[_PAIR_ONE], found[_PAIR_OTHER]
            category = label.partition("#")[0]
            text = f"{one.phrase.text} + {other.phrase.text}"
            # Placed where its second concept is said: "he takes my money and won't let me
            # go out" is first of all about the money.
            pair = _Phrase(_SAFETY, category, other.phrase.words, text, other.phrase.order)
            said.append(_Match(pair, other.start, max(one.end, other.end), 0, 1.0))
    return said


def _one_swap(token: str, candidates: Iterable[str]) -> str | None:
    """The first candidate that is token with two neighbouring letters swapped, if any."""
    for candidate in candidates:
        differ = [i for i, (a, b) in enumerate(zip(token, candidate, strict=True)) if a != b]
        if (
            len(differ) == 2
            and differ[1] == differ[0] + 1
            and token[differ[0]] == candidate[differ[1]]
            and token[differ[1]] == candidate[differ[0]]
        ):
            return candidate
    return None


def _uncovered(matches: list[_Match], content: _Stream) -> list[_Match]:
    """Drop a mention inside a longer cue ("health" inside "his health" is about him)."""
    longer: dict[int, list[_Match]] = {}
    for match in matches:
        if match.phrase.kind == _CUE and len(match.phrase.words) > 1:
            longer.setdefault(content.sentence[match.start], []).append(match)
    return [
        m
        for m in matches
        if not any(
            len(c.phrase.words) > len(m.phrase.words) and c.start <= m.start and m.end <= c.end
            for c in longer.get(content.sentence[m.start], ())
        )
    ]


def _not_plain(mentions: list[_Match], plain: list[_Match], content: _Stream) -> list[_Match]:
    """Drop a mention (or negation) whose words belong to an everyday phrase that is never a
    cue: "of course" is not about a course, "sort of" not the dismissal "sorted". Plain phrases
    are matched on every word (small words included), so their positions are those of the full
    stream."""
    if not plain:
        return mentions
    origin = content.origin
    return [
        m
        for m in mentions
        if not any(p.start <= origin[m.start] and origin[m.end] <= p.end for p in plain)
    ]


def _hypothetical(negation: _Match, content: _Stream) -> bool:
    """True when an "if" opens the dismissal's clause before it: "if the pain was under control
    I could do more" wishes for what is not so, and dismisses nothing."""
    clause, tokens = content.clause, content.tokens
    here = clause[negation.start]
    position = negation.start - 1
    while position >= 0 and clause[position] == here:
        if tokens[position] in _CONDITIONALS:
            return True
        position -= 1
    return False


def _unnegated(mentions: list[_Match], negations: list[_Match], content: _Stream) -> list[_Match]:
    """The mentions no negation in reach dismisses ("money's fine" dismisses "money")."""
    by_sentence: dict[int, list[_Match]] = {}
    for negation in negations:
        by_sentence.setdefault(content.sentence[negation.start], []).append(negation)
    return [
        m
        for m in mentions
        if not any(
            _dismisses(n, m, content.clause) for n in by_sentence.get(content.sentence[m.start], ())
        )
    ]


def _dismisses(negation: _Match, mention: _Match, clause: list[int]) -> bool:
    """True when a negation in the same sentence reaches this mention."""
    if negation.start <= mention.end and mention.start <= negation.end:
        return True
    if clause[negation.start] != clause[mention.start]:
        return False
    kind = negation.phrase.kind
    ahead = mention.start - negation.end - 1  # words from the negation on to the mention
    behind = negation.start - mention.end - 1  # words from the mention on to the negation
    if kind != _NEG_AFTER and 0 <= ahead <= _NEGATION_REACH:
        return True
    return kind != _NEG_BEFORE and 0 <= behind <= _NEGATION_REACH


def _score(matches: list[_Match]) -> dict[str, float]:
    """Noisy-or of evidence weights per domain, as 0..100, kept when over the threshold.

    Cues of one domain that overlap in the text ("be his daughter", "daughter again") are one
    piece of evidence, weighed as the longer phrase they make together: noisy-or assumes
    independent evidence, and two cues sharing words are not. A cue said twice, or written both
    as cue and hint, counts once, at its best.
    """
    by_label: dict[str, list[_Match]] = {}
    for match in matches:
        by_label.setdefault(match.phrase.label, []).append(match)
    scores: dict[str, float] = {}
    for label, found in by_label.items():
        cues = sorted((m for m in found if m.phrase.kind == _CUE), key=lambda m: (m.start, m.end))
        # Hints ("him", "the system") only strengthen a domain that a cue already speaks to.
        if not cues:
            continue
        missing = 1.0
        counted: set[tuple[str, ...]] = set()
        for group in _overlapping(cues):
            said = {m.phrase.words for m in group}
            if said <= counted:
                continue
            counted |= said
            missing *= 1.0 - _group_weight(group)
        hints: dict[tuple[str, ...], float] = {}
        for match in found:
            if match.phrase.kind == _HINT and match.phrase.words not in counted:
                weight = _HINT_WEIGHT * match.fuzz * _GAP_FACTOR**match.gaps
                hints[match.phrase.words] = max(weight, hints.get(match.phrase.words, 0.0))
        for weight in hints.values():
            missing *= 1.0 - weight
        score = round(100.0 * (1.0 - missing), 1)
        if score >= DOMAIN_THRESHOLD:
            scores[label] = score
    return scores


def _overlapping(cues: list[_Match]) -> list[list[_Match]]:
    """Cue matches (sorted by start) grouped where they share or chain through words."""
    groups: list[list[_Match]] = []
    end = -1
    for match in cues:
        if groups and match.start <= end:
            groups[-1].append(match)
            end = max(end, match.end)
        else:
            groups.append([match])
            end = match.end
    return groups


def _group_weight(group: list[_Match]) -> float:
    """Weight of overlapping cues: as one cue as long as the words they cover together."""
    best = max(_cue_weight(len(m.phrase.words), m.fuzz, m.gaps) for m in group)
    if len(group) == 1:
        return best
    gaps = min(m.gaps for m in group)
    covered = max(group[-1].end, *(m.end for m in group)) - group[0].start + 1 - gaps
    size = max(covered, *(len(m.phrase.words) for m in group))
    return max(best, _cue_weight(size, min(m.fuzz for m in group), gaps))


def _cue_weight(size: int, fuzz_factor: float, gaps: int) -> float:
    """A cue of this many counted words, weakened by forgiven slips and extra words."""
    return _CUE_WEIGHTS[min(size, len(_CUE_WEIGHTS)) - 1] * fuzz_factor * _GAP_FACTOR**gaps


# -- loading -------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _load(prompts_dir: Path, framework: str, lang: str) -> Recogniser:
    """Read, validate and index the lexicons once per (prompts dir, framework, language)."""
    folder = prompts_dir / "lexicon" / lang
    analyser = analyser_for(lang)
    words = analyser.words
    domain_ids = load_framework(prompts_dir, framework).domain_ids
    lexicon_path = folder / f"{framework}.yaml"
    lexicon = _document(prompts_dir, lexicon_path, "lexicon")
    _check_header(prompts_dir, lexicon_path, lexicon, lang, framework)
    domain_phrases = list(_domain_phrases(prompts_dir, lexicon_path, lexicon, domain_ids, analyser))

    negation_path = folder / "negation.yaml"
    negation = _document(prompts_dir, negation_path, "negation")
    _check_header(prompts_dir, negation_path, negation, lang)
    placed: dict[tuple[str, ...], str] = {}
    for group in negation["patterns"]:
        kind = _NEGATION_KINDS[group["id"]]
        for text in group["phrases"]:
            tokens = _content_words(text, analyser)
            _require_words(prompts_dir, negation_path, "pattern", group["id"], text, tokens)
            other = placed.setdefault(tokens, group["id"])
            if other != group["id"]:
                # "I'm fine" reads as "fine": one reading cannot be both before and after.
                raise ContentError(
                    f"{_where(prompts_dir, negation_path, 'patterns', group['id'])}: "
                    f"'{text}' reads as '{' '.join(tokens)}', which is already under '{other}'."
                )
            domain_phrases.append(_Phrase(kind, "", tokens, text, len(domain_ids)))
    answers = {" ".join(words(text)) for text in negation.get("answers", [])} - {""}
    plain_phrases: list[_Phrase] = []
    for text in negation.get("plain", []):
        tokens = tuple(words(text))
        _require_words(prompts_dir, negation_path, "plain", text, text, tokens)
        plain_phrases.append(_Phrase(_PLAIN, "", tokens, text, len(domain_ids)))

    safety_path = folder / "safety.yaml"
    safety = _document(prompts_dir, safety_path, "safety")
    _check_header(prompts_dir, safety_path, safety, lang)
    safety_phrases: list[_Phrase] = []
    # The kinds of risk are the service's taxonomy (signposting.yaml); the file's order breaks
    # ties between cues that match at the same place.
    kinds = load_signposting(prompts_dir).kinds
    for order, group in enumerate(safety["categories"]):
        if group["id"] not in kinds:
            raise ContentError(
                f"{_where(prompts_dir, safety_path, 'categories', group['id'])}: "
                f"'{group['id']}' is not a kind of risk in prompts/signposting.yaml "
                f"(they are: {', '.join(kinds)})."
            )
        for text in group["cues"]:
            tokens = tuple(words(text))
            _require_words(prompts_dir, safety_path, "categorie", group["id"], text, tokens)
            safety_phrases.append(_Phrase(_SAFETY, group["id"], tokens, text, order))
        for number, pair in enumerate(group.get("pairs", [])):
            label = f"{group['id']}#{number}"
            for kind, side in ((_PAIR_ONE, "one"), (_PAIR_OTHER, "other")):
                for text in pair[side]:
                    tokens = tuple(words(text))
                    _require_words(prompts_dir, safety_path, "categorie", group["id"], text, tokens)
                    safety_phrases.append(_Phrase(kind, label, tokens, text, order))
    roles = None
    if "roles" in safety:
        data = safety["roles"]
        said_of_others = data.get("said_of_others", {})
        named = [data["by_other"], data["by_speaker"], *said_of_others, *said_of_others.values()]
        for category in named:
            if category not in kinds:
                raise ContentError(
                    f"{_shown(prompts_dir, safety_path)}: roles names '{category}', which is "
                    "not a kind of risk in prompts/signposting.yaml."
                )
        roles = Roles(
            frozenset(w for text in data["speaker"] for w in words(text)),
            frozenset(w for text in data["others"] for w in words(text)),
            frozenset(w for text in data.get("persons", []) for w in words(text)),
            frozenset(tuple(words(text)) for text in data.get("intransitive", [])),
            dict(data.get("said_of_others", {})),
            data["by_other"],
            data["by_speaker"],
            frozenset(w for text in data.get("tasks", []) for w in words(text)),
        )
        for text in (*data["actions"], *data.get("intransitive", [])):
            tokens = tuple(words(text))
            _require_words(prompts_dir, safety_path, "role", "actions", text, tokens)
            safety_phrases.append(_Phrase(_ACTION, "", tokens, text, len(kinds)))
    for text in safety.get("idioms", []):
        tokens = tuple(words(text))
        _require_words(prompts_dir, safety_path, "idiom", text, text, tokens)
        safety_phrases.append(_Phrase(_IDIOM, "", tokens, text, len(kinds)))

    control_path = folder / "control.yaml"
    control_doc = _document(prompts_dir, control_path, "control")
    _check_header(prompts_dir, control_path, control_doc, lang)
    control, control_raw = _control_phrases(prompts_dir, control_path, control_doc, analyser)
    courtesy = [tuple(words(text)) for text in control_doc.get("courtesy", [])]
    ratings = _rating_phrases(prompts_dir, control_path, control_doc, analyser)
    pick_words = _pick_words(prompts_dir, control_path, control_doc, analyser)
    feeling_phrases = _feeling_phrases(
        prompts_dir, folder / "feelings.yaml", lang, len(domain_ids), analyser
    )
    wish_phrases = [p for p in feeling_phrases if p.kind == _WISH]
    feeling_phrases = [p for p in feeling_phrases if p.kind == _FEELING]
    about_others = _about_others(prompts_dir, lexicon_path, lexicon, domain_ids, analyser)

    return Recogniser(
        framework,
        lang,
        domain_ids,
        domain_phrases,
        safety_phrases,
        control,
        control_raw,
        [c for c in courtesy if c],
        answers,
        plain_phrases,
        feeling_phrases,
        ratings,
        about_others,
        wish_phrases,
        analyser,
        roles,
        {category: TIERS.index(kind.tier) for category, kind in kinds.items()},
        pick_words,
    )


def _pick_words(
    prompts_dir: Path, path: Path, data: dict[str, Any], analyser: Analyser
) -> PickWords:
    """The words for naming one of the summary's list (`summary_requests`), analysed."""
    section = data.get("summary_requests")
    if section is None:
        return PickWords()

    def single(key: str) -> list[str]:
        found = []
        for text in section[key]:
            tokens = analyser.words(text)
            if len(tokens) != 1:
                raise ContentError(
                    f"{_shown(prompts_dir, path)}: summary_requests.{key}: '{text}' should be "
                    "one word."
                )
            found.append(tokens[0])
        return found

    verbs = []
    for action in ("remove", "change"):
        for text in section[action]:
            head, _, tail = text.partition("...")
            head_words, tail_words = tuple(analyser.words(head)), tuple(analyser.words(tail))
            if not head_words or ("..." in text and not tail_words):
                raise ContentError(
                    f"{_shown(prompts_dir, path)}: summary_requests.{action}: '{text}' needs "
                    "words before (and around) '...'."
                )
            verbs.append(Verb(action, head_words, tail_words))
    fillers = [word for text in section["fillers"] for word in analyser.words(text)]
    return PickWords.build(
        verbs,
        single("pointers"),
        fillers,
        single("ordinals"),
        single("cardinals"),
        single("numbered"),
        single("last"),
    )


def _rating_phrases(
    prompts_dir: Path, path: Path, data: dict[str, Any], analyser: Analyser
) -> dict[str, str]:
    """Normalised typed rating -> rating value; a phrase may stand under one rating only."""
    ratings: dict[str, str] = {}
    for rating, phrases in data.get("ratings", {}).items():
        for text in phrases:
            key = " ".join(analyser.words(text))
            _require_words(prompts_dir, path, "rating", rating, text, tuple(key.split()))
            other = ratings.setdefault(key, rating)
            if other != rating:
                raise ContentError(
                    f"{_shown(prompts_dir, path)}: ratings.{rating}: '{text}' is already "
                    f"under '{other}'; a typed rating may mean one rating only."
                )
    return ratings


def _feeling_phrases(
    prompts_dir: Path, path: Path, lang: str, order: int, analyser: Analyser
) -> list[_Phrase]:
    """Feeling cues of a language; a language without feelings.yaml has none yet."""
    if not path.is_file():
        return []
    data = _document(prompts_dir, path, "feelings")
    _check_header(prompts_dir, path, data, lang)
    phrases: list[_Phrase] = []
    seen: set[str] = set()
    for group in data["feelings"]:
        if group["id"] in seen:
            raise ContentError(
                f"{_where(prompts_dir, path, 'feelings', group['id'])}: "
                f"the feeling '{group['id']}' is listed twice."
            )
        seen.add(group["id"])
        for text in group["cues"]:
            tokens = _content_words(text, analyser)
            _require_words(prompts_dir, path, "feeling", group["id"], text, tokens)
            if len(tokens) == 1 < len(analyser.words(text)):
                # "so alone" would read as "alone", which "leave me alone" says too.
                raise ContentError(
                    f"{_where(prompts_dir, path, 'feelings', group['id'])}: '{text}' has a "
                    f"small word that matching ignores, so it reads as '{' '.join(tokens)}'."
                )
            phrases.append(_Phrase(_FEELING, group["id"], tokens, text, order))
    for text in data.get("wishes", []):
        tokens = tuple(analyser.words(text))
        _require_words(prompts_dir, path, "wishe", text, text, tokens)
        phrases.append(_Phrase(_WISH, "", tokens, text, order))
    return phrases


def _about_others(
    prompts_dir: Path,
    path: Path,
    lexicon: dict[str, Any],
    domain_ids: Sequence[str],
    analyser: Analyser,
) -> AboutOthers | None:
    """The lexicon's rule for cues said of another person, its domains checked."""
    data = lexicon.get("about_others")
    if data is None:
        return None
    for domain_id in (data["domain"], *data["from"]):
        if domain_id not in domain_ids:
            raise ContentError(
                f"{_shown(prompts_dir, path)}: about_others names '{domain_id}', which is not "
                f"a domain of the framework '{lexicon['framework']}'."
            )
    return AboutOthers(
        data["domain"],
        frozenset(data["from"]),
        frozenset(word for text in data["words"] for word in analyser.words(text)),
    )


def _document(prompts_dir: Path, path: Path, schema_name: str) -> Any:
    """Load one lexicon file through the validating loader, or say which file is missing."""
    if not path.is_file():
        raise ContentError(f"{_shown(prompts_dir, path)}: the file is missing.")
    return load_document(path, schema_name)


def _check_header(
    prompts_dir: Path, path: Path, data: dict[str, Any], lang: str, framework: str | None = None
) -> None:
    """The language (and framework) a file declares must match where it sits."""
    shown = _shown(prompts_dir, path)
    if data["lang"] != lang:
        raise ContentError(f"{shown}: it says lang '{data['lang']}' but sits in lexicon/{lang}/.")
    if framework is not None and data["framework"] != framework:
        raise ContentError(
            f"{shown}: it says framework '{data['framework']}' but is named {framework}.yaml."
        )


def _domain_phrases(
    prompts_dir: Path,
    path: Path,
    lexicon: dict[str, Any],
    domain_ids: Sequence[str],
    analyser: Analyser,
) -> Iterable[_Phrase]:
    """Cue and hint phrases of a framework lexicon, each domain id checked against it."""
    seen: set[str] = set()
    for entry in lexicon["domains"]:
        domain_id = entry["id"]
        if domain_id not in domain_ids:
            raise ContentError(
                f"{_where(prompts_dir, path, 'domains', domain_id)}: '{domain_id}' is not a "
                f"domain of the framework '{lexicon['framework']}' "
                f"(its domains are: {', '.join(domain_ids)})."
            )
        if domain_id in seen:
            raise ContentError(
                f"{_where(prompts_dir, path, 'domains', domain_id)}: "
                f"the domain '{domain_id}' is listed twice."
            )
        seen.add(domain_id)
        order = domain_ids.index(domain_id)
        for kind, key in ((_CUE, "cues"), (_HINT, "hints")):
            for text in entry.get(key, []):
                tokens = _content_words(text, analyser)
                _require_words(prompts_dir, path, "domain", domain_id, text, tokens)
                yield _Phrase(kind, domain_id, tokens, text, order)


def _control_phrases(
    prompts_dir: Path, path: Path, data: dict[str, Any], analyser: Analyser
) -> tuple[dict[str, str], dict[str, str]]:
    """Normalised control phrase -> intent, and raw phrase -> intent for emoji-only phrases."""
    control: dict[str, str] = {}
    control_raw: dict[str, str] = {}
    owner: dict[str, str] = {}
    for entry in data["intents"]:
        intent = entry["id"]
        if intent in owner.values():
            raise ContentError(
                f"{_where(prompts_dir, path, 'intents', intent)}: "
                f"the intent '{intent}' is listed twice."
            )
        for text in entry["phrases"]:
            key = " ".join(analyser.words(text))
            target = control if key else control_raw
            key = key or text.strip()
            if key in target and target[key] != intent:
                raise ContentError(
                    f"{_where(prompts_dir, path, 'intents', intent)}: the phrase '{text}' "
                    f"also stands under '{target[key]}'; a phrase may have one intent only."
                )
            target[key] = intent
            owner[key] = intent
    return control, control_raw


def _content_words(text: str, analyser: Analyser) -> tuple[str, ...]:
    """The words of a phrase that count: small filler words are ignored in domain matching."""
    return tuple(word for word in analyser.words(text) if word not in analyser.fillers)


def _require_words(
    prompts_dir: Path, path: Path, kind: str, entry: str, text: str, tokens: Sequence[str]
) -> None:
    """A phrase made only of punctuation or filler words would match nothing, or everything."""
    if not tokens:
        raise ContentError(
            f"{_where(prompts_dir, path, kind + 's', entry)}: the phrase '{text}' has no "
            "words that count (only punctuation or small words like 'the', 'my')."
        )


def _shown(prompts_dir: Path, path: Path) -> str:
    """Name the file as a content author knows it, e.g. prompts/lexicon/en/carer.yaml."""
    try:
        return path.resolve().relative_to(prompts_dir.parent).as_posix()
    except ValueError:
        return path.as_posix()


def _where(prompts_dir: Path, path: Path, list_key: str, entry_id: str) -> str:
    """'<file>, line N (domain "x")' for the entry with this id in a list of the file."""
    shown = _shown(prompts_dir, path)
    label = f'{list_key.removesuffix("s")} "{entry_id}"'
    line = _entry_line(path, entry_id)
    return f"{shown}, line {line} ({label})" if line else f"{shown} ({label})"


def _entry_line(path: Path, entry_id: str) -> int | None:
    """The line where an entry with this id starts, found through the YAML node tree."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if (
                    getattr(key, "value", None) == "id"
                    and getattr(value, "value", None) == entry_id
                ):
                    return node.start_mark.line + 1
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.ScalarNode) and node.value == entry_id:
            return node.start_mark.line + 1
    return None


class Recognisers:
    """The recognisers one engine hears with: one per language with a lexicon, read up front.

    An engine is given these rather than reading files while it takes a step. A language
    without a lexicon yet is heard with the fallback one, whose safety cues are also always
    listened for.
    """

    def __init__(self, by_lang: Mapping[str, Recogniser], fallback_lang: str) -> None:
        if fallback_lang not in by_lang:
            raise ContentError(f"There is no lexicon for the fallback language '{fallback_lang}'.")
        self._by_lang = dict(by_lang)
        self.fallback = self._by_lang[fallback_lang]

    @classmethod
    def load(cls, prompts_dir: Path, framework: str, fallback_lang: str) -> Recognisers:
        """Every language in prompts/lexicon/ that has this framework's lexicon."""
        folder = Path(prompts_dir).resolve() / "lexicon"
        langs = sorted(
            path.parent.name for path in folder.glob(f"*/{framework}.yaml") if path.is_file()
        )
        return cls(
            {lang: Recogniser.load(prompts_dir, framework, lang) for lang in langs}, fallback_lang
        )

    def for_lang(self, lang: str) -> Recogniser:
        """The recogniser for this language, or the fallback one."""
        return self._by_lang.get(lang, self.fallback)

    @property
    def langs(self) -> tuple[str, ...]:
        """The languages with a lexicon of their own."""
        return tuple(self._by_lang)
