"""The English analyser: verbatim sentences and clauses, and word tokens folded for matching.

Contractions (and Scots "-nae"), typed-without-apostrophe forms and crude stemming are
English; another language brings its own module beside this one (see __init__.py).
"""

from __future__ import annotations

import re

from rapidfuzz.utils import default_process

# A sentence ends at . ! ? or … (with any closing quote or bracket) before a space or the end,
# or at a line break. "3.5" and "B&Q." inside words do not end one: a space must follow.
_BOUNDARY = re.compile(r"[.!?…]+['\"’”)\]]*(?=\s|$)|\n\s*")
# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "st", "prof", "eg", "ie", "e.g", "i.e"})
_ABBREV_BEFORE = re.compile(r"(\S+)\.$")

# A clause ends at these marks or before these words: the scope of a negation like "fine".
_CLAUSE = re.compile(
    r"[,;:()\[\]–—]|\s-\s|\b(?:but|although|though|except|however|whereas|apart from)\b",
    re.IGNORECASE,
)

# Words that turn a reply: "yes, but not at night", "aye, except the stairs".
_CONTRAST = re.compile(
    r"\b(?:but|although|though|except|apart from|unless|only when|other than|however)\b",
    re.IGNORECASE,
)

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
# One pass opens contractions: "n't" reads as "not", so "can't cope", "cannot cope" and a
# tablet's "cant cope" all meet "can not cope"; 's 'm 're 've 'd 'll carry nothing we match on,
# and dropping them makes "he's" = "he" and "Tom's" = "Tom".
# Scots "-nae" reads as "not" too: "I cannae cope" = "I can not cope", "didnae" = "did not".
_NAE = {
    "cannae": "can not",
    "couldnae": "could not",
    "wouldnae": "would not",
    "shouldnae": "should not",
    "mustnae": "must not",
    "dinnae": "do not",
    "didnae": "did not",
    "doesnae": "does not",
    "disnae": "does not",
    "isnae": "is not",
    "wasnae": "was not",
    "wisnae": "was not",
    "arenae": "are not",
    "werenae": "were not",
    "havenae": "have not",
    "hasnae": "has not",
    "hadnae": "had not",
    "willnae": "will not",
    "wullnae": "will not",
    "winnae": "will not",
}
_CONTRACTION = re.compile(
    r"\b(can'?t|cannot|won't|shan'?t|ain'?t|" + "|".join(_NAE) + r")\b"
    r"|(\w)n't\b"
    r"|\b(do|does|did|is|was|are|were|could|would|should|have|has|had|must|need)nt\b"
    r"|'(?:s|m|re|ve|d|ll)\b"
)
_WHOLE = {
    "can't": "can not",
    "cant": "can not",
    "cannot": "can not",
    "won't": "will not",
    "shan't": "shall not",
    "shant": "shall not",
    "ain't": "is not",
    "aint": "is not",
    **_NAE,
}
# Contractions typed without the apostrophe, and the generic "you" people use of themselves
# ("you have to look after yourself"), read as the plain first-person word.
WORD_MAP = {
    "im": "i",
    "ive": "i",
    "youre": "you",
    "theyre": "they",
    "thats": "that",
    "whats": "what",
    "shes": "she",
    "hes": "he",
    "lets": "let",
    "your": "my",
    "yourself": "myself",
    "anybody": "anyone",
    "somebody": "someone",
    "everybody": "everyone",
}
# "no one" and "no-one" are one word, so "no one listens" meets "nobody listens".
_NO_ONE = re.compile(r"\bno[\s-]+one\b")
_UNDOUBLE_KEEP = frozenset("lsz")
# Words whose -ing is part of the word, or whose stem would be another common word
# ("willing" is not "will", "evening" is not "even", "training" is not "train").
_KEEP_ENDING = frozenset(
    {
        "willing", "evening", "staring", "training", "morning", "during", "nothing", "something",
        "anything", "everything", "heating", "wedding", "building", "ceiling", "sibling",
        "darling", "string", "spring", "shilling", "sterling", "pudding", "outing", "bleed",
        "hundred", "indeed", "proceed", "exceed", "succeed", "sacred", "kindred", "wicked",
        "naked", "rugged", "ragged", "crooked", "beloved", "learned", "meaning",
    }
)  # fmt: skip

# Small words that say nothing about the domain; ignored in domain cues and in the text, so
# "time for myself" meets "time to myself" and "a bit of time for myself".
FILLERS = frozenset(
    {
        "a", "an", "the", "my", "i", "is", "am", "are", "was", "were", "be", "been", "just",
        "really", "very", "so", "quite", "to", "of", "and", "that", "some", "any", "um", "erm",
        "uh", "honestly", "actually", "basically", "bit",
    }
)  # fmt: skip


def split_sentences(text: str) -> list[str]:
    """Verbatim trimmed sentences of text (substrings, never rewritten)."""
    return [text[start:end] for start, end in sentence_spans(text)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each trimmed, non-empty sentence of text, in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if match.group().startswith(".") and _is_abbreviation(text[start : match.start() + 1]):
            continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, len(text), spans)
    return spans


def _is_abbreviation(piece: str) -> bool:
    """True when the full stop ending piece belongs to a short abbreviation ("Dr.", "e.g.")."""
    found = _ABBREV_BEFORE.search(piece)
    return found is not None and found.group(1).lower().strip("(\"'") in _ABBREVIATIONS


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Append the trimmed span, if anything but whitespace is left."""
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        left = start + (len(piece) - len(piece.lstrip()))
        spans.append((left, left + len(stripped)))


def split_clauses(sentence: str) -> list[str]:
    """The clauses of one sentence (not trimmed): the scope of negations like "fine"."""
    return _CLAUSE.split(sentence)


def normalise(text: str) -> str:
    """Lower case, one kind of apostrophe, contractions opened; punctuation is kept."""
    lowered = text.lower().translate(_APOSTROPHES)
    if "'" in lowered or "nt" in lowered or "nae" in lowered:
        lowered = _CONTRACTION.sub(_open_contraction, lowered)
    if "one" in lowered:
        lowered = _NO_ONE.sub("nobody", lowered)
    return lowered


def _open_contraction(match: re.Match[str]) -> str:
    whole, stem_, short = match.group(1, 2, 3)
    if whole:
        return _WHOLE[whole]
    if stem_:
        return stem_ + " not"
    if short:
        return short + " not"
    return ""


def clause_tokens(sentence: str) -> list[list[str]]:
    """The raw word tokens of each clause of a sentence (normalised, not yet stemmed)."""
    return [default_process(clause).split() for clause in split_clauses(normalise(sentence))]


def word(token: str) -> str:
    """The form a raw token is matched in: mapped ("your" -> "my") and stemmed."""
    return stem(WORD_MAP.get(token, token))


def words(text: str) -> list[str]:
    """Lower-case word tokens with contractions opened and endings folded."""
    return [word(token) for token in default_process(normalise(text)).split()]


def stem(token: str) -> str:
    """Fold plural, -ing and -ed endings, so "worries"/"worried" and "exhausting"/"exhausted" meet.

    Deliberately crude and applied the same way to cues and text: it only has to be consistent.
    Short stems are left alone so "caring" does not become "car".
    """
    if len(token) < 4 or not token.isalpha():
        return token
    if token.endswith(("ies", "ied")) and len(token) >= 5:
        return token[:-3] + "y"
    if token.endswith(("sses", "uses", "xes", "zes", "ches", "shes")):
        token = token[:-2]
    elif token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    if token in _KEEP_ENDING:
        return token
    if token.endswith("ing") and len(token) >= 7:
        token = _undouble(token[:-3])
    elif token.endswith("ed") and len(token) >= 6:
        token = _undouble(token[:-2])
    if token.endswith("e") and len(token) >= 5:
        token = token[:-1]
    return token


def _undouble(base: str) -> str:
    """'stopp' -> 'stop', 'gett' -> 'get'; keep 'fall', 'stress', 'buzz'."""
    if len(base) >= 3 and base[-1] == base[-2] and base[-1] not in _UNDOUBLE_KEEP:
        return base[:-1]
    return base


class English:
    """Text handling for English: the analyser the recogniser reads English words with."""

    fillers = FILLERS
    contrast = _CONTRAST

    def sentence_spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each trimmed sentence."""
        return sentence_spans(text)

    def clause_tokens(self, sentence: str) -> list[list[str]]:
        """The raw word tokens of each clause of a sentence."""
        return clause_tokens(sentence)

    def word(self, token: str) -> str:
        """The form a raw token is matched in."""
        return word(token)

    def words(self, text: str) -> list[str]:
        """Word tokens of a text in their matching form."""
        return words(text)


analyser = English()
