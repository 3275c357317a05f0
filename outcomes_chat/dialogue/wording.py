"""Turn script text into what is said: translate first, then fill placeholders safely."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

Translate = Callable[[str, str], str]

_TOKEN = re.compile(r"\{\{|\}\}|\{(\w+)\}")


def no_translation(lang: str, msgid: str) -> str:
    """The default translation: the English text as written in the script."""
    return msgid


def fill(template: str, values: Mapping[str, str]) -> str:
    """Put values into {name} placeholders; values are inserted as they are, never re-read.

    Unlike str.format this never raises and allows no attribute or index lookups, so a
    faulty translation cannot break a turn and a person's words cannot act as a template.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)[0]
        return values.get(name, match.group(0))

    return _TOKEN.sub(replace, template)


class Wording:
    """Says script text in one language."""

    def __init__(self, translate: Translate, lang: str) -> None:
        self._translate = translate
        self.lang = lang

    def __call__(self, msgid: str, **values: str) -> str:
        """Translate one script text, then fill in its placeholders."""
        return fill(self._translate(self.lang, msgid), values)
