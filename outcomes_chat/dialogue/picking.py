"""Which one of the summary's list the person means: by its place, or by words from it.

"Take out the one about the doctor", "the doctor one", "the one that says too much",
"number 2", "the second one". The words are data (prompts/lexicon/<lang>/control.yaml,
`summary_requests`); this module reads the analysed words the recogniser hands it.

Words are compared word by word with rapidfuzz, never as whole strings: a partial_ratio over
the whole text lets "care" match inside "scared" (100), and a named word should be a word the
person can see in the list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

# A typed word meets a word of the list at this rapidfuzz ratio (0-100) of their analysed
# forms: one slip passes ("docter" 83, "slep" 89, "mony" 89), a different everyday word does
# not ("walk"/"talk" 75, "work"/"word" 75, "care"/"scared" 75, "dog"/"doctor" 44).
WORD_MATCH = 80.0
# Words shorter than this must be typed as they stand in the list: "son" is not "sun".
FUZZY_MIN_LEN = 4
# One of the list is named when the typed words meet its words this well on average: at least
# half of them are in it ("the doctor being rude" names "the doctor never listens" too).
NAMED = 50.0
# Two of the list named within this many points of each other are named about equally, and the
# person is asked which: "doctor" in two of them is 100 and 100. One more word found in one
# settles it ("doctor appointment": 100 against 50).
TIE_MARGIN = 15.0

_PLACE = re.compile(r"^(\d{1,3})(?:st|nd|rd|th)?$")


@dataclass(frozen=True)
class Request:
    """A typed request at the summary: what to do, and the words naming which one."""

    action: str  # "remove" or "change"
    naming: tuple[str, ...]

    def points(self, pick_words: PickWords) -> bool:
        """Whether the words after the verb start by pointing at one of the list ("it", "the
        one", "this bit", "number"), give or take filler words before the pointer."""
        for word in self.naming:
            if word in pick_words.pointers:
                return True
            if word not in pick_words.fillers:
                return False
        return False


@dataclass(frozen=True)
class Pick:
    """Which of the list the words name: one, several about equally, or none."""

    ids: tuple[str, ...] = ()
    by_place: bool = False  # named by its number or place, not by its words
    named: bool = True  # False when the words held nothing to name one by


@dataclass(frozen=True)
class Verb:
    action: str
    head: tuple[str, ...]
    tail: tuple[str, ...] = ()  # "take ... out": the naming words stand between


@dataclass(frozen=True)
class PickWords:
    """The words of one language for naming one of the list (all in analysed form)."""

    verbs: tuple[Verb, ...] = ()
    pointers: frozenset[str] = frozenset()
    fillers: frozenset[str] = frozenset()
    ordinals: Mapping[str, int] | None = None
    cardinals: Mapping[str, int] | None = None
    numbered: frozenset[str] = frozenset()
    last: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        verbs: Iterable[Verb],
        pointers: Iterable[str],
        fillers: Iterable[str],
        ordinals: Sequence[str],
        cardinals: Sequence[str],
        numbered: Iterable[str],
        last: Iterable[str],
    ) -> PickWords:
        return cls(
            verbs=tuple(sorted(verbs, key=lambda v: len(v.head) + len(v.tail), reverse=True)),
            pointers=frozenset(pointers),
            fillers=frozenset(fillers),
            ordinals={word: place for place, word in enumerate(ordinals, start=1)},
            cardinals={word: place for place, word in enumerate(cardinals, start=1)},
            numbered=frozenset(numbered),
            last=frozenset(last),
        )

    def request(self, tokens: Sequence[str]) -> Request | None:
        """The request the words start with ("take out ...", "take ... out"), if any."""
        for verb in self.verbs:
            size, tail = len(verb.head), len(verb.tail)
            if tuple(tokens[:size]) != verb.head or len(tokens) < size + tail:
                continue
            if tail and tuple(tokens[len(tokens) - tail :]) != verb.tail:
                continue
            return Request(verb.action, tuple(tokens[size : len(tokens) - tail]))
        return None

    def naming(self, tokens: Sequence[str]) -> tuple[str, ...]:
        """The words naming one, with any verb before them left out ("remove the cat one")."""
        request = self.request(tokens)
        return request.naming if request else tuple(tokens)

    def which(
        self,
        naming: Sequence[str],
        listed: Sequence[tuple[str, Sequence[str]]],
        small_words: frozenset[str] = frozenset(),
    ) -> Pick:
        """Which of the listed (id, analysed words) the naming words name."""
        place = self.place(naming, len(listed), small_words)
        if place is not None:
            inside = 0 < place <= len(listed)
            return Pick((listed[place - 1][0],) if inside else (), by_place=True)
        wanted = self.content(naming, small_words)
        if not wanted:
            return Pick(named=False)
        scores = [
            (named_by(wanted, self.content(words, small_words)), outcome_id)
            for outcome_id, words in listed
        ]
        best = max((score for score, _ in scores), default=0.0)
        if best < NAMED:
            return Pick()
        return Pick(tuple(outcome_id for score, outcome_id in scores if score >= best - TIE_MARGIN))

    def place(self, naming: Sequence[str], size: int, small_words: frozenset[str]) -> int | None:
        """The place in the list said by number or as a word (1 is the first), when nothing
        else is said: "2", "number 2", "number two", "the second one", "the last one"."""
        found: int | None = None
        rest: list[str] = []
        for index, word in enumerate(naming):
            before = naming[index - 1] if index else ""
            digits = _PLACE.match(word)
            if found is None and digits:
                found = int(digits.group(1))
            elif found is None and self.ordinals and word in self.ordinals:
                found = self.ordinals[word]
            elif found is None and word in self.last:
                found = size
            elif (
                found is None
                and self.cardinals
                and word in self.cardinals
                and before in self.numbered
            ):
                found = self.cardinals[word]
            else:
                rest.append(word)
        if found is None or self.content(rest, small_words):
            return None
        return found

    def content(self, words: Iterable[str], small_words: frozenset[str]) -> tuple[str, ...]:
        """The words that name something: pointers, fillers and small words left out."""
        left_out = self.pointers | self.fillers | self.numbered | small_words
        return tuple(word for word in words if word not in left_out)


def named_by(wanted: Sequence[str], words: Sequence[str]) -> float:
    """How well the typed words name these words (0-100): the mean, over the typed words, of
    how well each meets its closest word here (0 below WORD_MATCH)."""
    if not wanted:
        return 0.0
    return sum(_meets(word, words) for word in wanted) / len(wanted)


def _meets(word: str, words: Sequence[str]) -> float:
    best = 0.0
    for other in words:
        if other == word:
            return 100.0
        if min(len(word), len(other)) < FUZZY_MIN_LEN:
            continue
        best = max(best, fuzz.ratio(word, other, score_cutoff=WORD_MATCH))
    return best
