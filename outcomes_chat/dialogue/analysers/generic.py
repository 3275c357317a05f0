"""The generic analyser, for a language with a lexicon but no analyser module of its own yet."""

from __future__ import annotations

import re
import unicodedata

# Sentence ends in many scripts: Latin, Arabic and Urdu, CJK full-width, Devanagari.
_SENTENCE_END = re.compile(r"[.!?…؟۔。！？।]+['\"’”)\]]*(?=\s|$)|[。！？]|\n\s*")
_CLAUSE = re.compile(r"[,;:()\[\]–—،؛、，；：]|\s-\s")
_WORD = re.compile(r"\w+")


class Generic:
    """Sentences and clauses at Unicode punctuation; words case-folded, never stemmed."""

    fillers: frozenset[str] = frozenset()
    # Its contrast words are unknown, so every reply may turn: a "yes" with more words is an
    # answer to reflect, never a quiet "all is well".
    contrast = re.compile(r"")

    def sentence_spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each trimmed, non-empty sentence."""
        spans: list[tuple[int, int]] = []
        start = 0
        for match in _SENTENCE_END.finditer(text):
            _add(text, start, match.end(), spans)
            start = match.end()
        _add(text, start, len(text), spans)
        return spans

    def clause_tokens(self, sentence: str) -> list[list[str]]:
        """The raw word tokens of each clause."""
        return [_WORD.findall(clause) for clause in _CLAUSE.split(sentence)]

    def word(self, token: str) -> str:
        """The token case-folded and in composed Unicode form."""
        return unicodedata.normalize("NFKC", token).casefold()

    def words(self, text: str) -> list[str]:
        """Every word of the text, case-folded."""
        return [self.word(token) for token in _WORD.findall(text)]


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        left = start + (len(piece) - len(piece.lstrip()))
        spans.append((left, left + len(stripped)))
