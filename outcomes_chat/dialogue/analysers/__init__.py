"""Per-language text analysers: sentences, clauses and the form words are matched in.

A language's analyser is the module in this package named after its code (`en.py`), with
a module-level `analyser`. A language with a lexicon in prompts/lexicon/<code>/ but no
module of its own is read by the generic analyser: Unicode sentence and clause marks, case
folded, no stemming. So a language can start as data alone and gain code when it needs it.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from typing import Protocol

from outcomes_chat.dialogue.analysers.generic import Generic

_CODE = re.compile(r"^[a-z]{2,3}$")


class Analyser(Protocol):
    """What recognition needs from a language's text handling."""

    @property
    def contrast(self) -> re.Pattern[str]:
        """Words that turn a reply ("yes, but..."): what follows them is the answer."""
        ...

    @property
    def fillers(self) -> frozenset[str]:
        """Small words that say nothing about a domain; ignored in cue matching."""
        ...

    def sentence_spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each trimmed, non-empty sentence, so the words stay verbatim."""
        ...

    def clause_tokens(self, sentence: str) -> list[list[str]]:
        """The raw word tokens of each clause of one sentence."""
        ...

    def word(self, token: str) -> str:
        """The form a raw token is matched in."""
        ...

    def words(self, text: str) -> list[str]:
        """The word tokens of a text in their matching form."""
        ...


@lru_cache(maxsize=32)
def analyser_for(lang: str) -> Analyser:
    """The analyser of a language ("en", "pt_BR" uses "pt"), or the generic one."""
    code = lang.split("_")[0].lower()
    if _CODE.match(code):
        try:
            module = importlib.import_module(f"{__name__}.{code}")
        except ModuleNotFoundError:
            module = None
        if module is not None and hasattr(module, "analyser"):
            found: Analyser = module.analyser
            return found
    return Generic()
