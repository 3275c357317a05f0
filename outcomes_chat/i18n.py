"""Languages we offer, how a request's language is chosen, and the Babel extractor for prompts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from flask import request, session

# The one registry of languages the interface offers; code -> name in that language.
LOCALES: dict[str, str] = {"en": "English"}
DEFAULT_LOCALE = "en"
# The locale each language's dates and numbers are written in, where it is not the language's
# own default: English the British way ("01/12/2026, 19:31"), not Babel's US default.
FORMAT_LOCALES: dict[str, str] = {"en": "en_GB"}
RTL_LOCALES = frozenset({"ar", "fa", "he", "ur"})
IDENTIFIER = re.compile(r"[a-z0-9_:.-]+")


def select_locale() -> str:
    """The request's locale: its language (see choose_language), formatted as FORMAT_LOCALES
    says, so English dates read as in the UK."""
    return format_locale(choose_language())


def choose_language() -> str:
    """Explicit choice, then the session's, then the browser's, then English."""
    chosen = request.args.get("lang")
    if chosen in LOCALES:
        session["lang"] = chosen
        return chosen
    remembered = session.get("lang")
    if remembered in LOCALES:
        return remembered
    return request.accept_languages.best_match(list(LOCALES)) or DEFAULT_LOCALE


def format_locale(language: str) -> str:
    """The locale a language's dates and numbers are written in ("en" -> "en_GB")."""
    return FORMAT_LOCALES.get(language, language)


def html_lang(locale: str) -> str:
    """A Babel locale as an HTML lang attribute: "en_GB" -> "en-GB"."""
    return locale.replace("_", "-")


def text_direction(locale: str) -> str:
    """'rtl' for right-to-left scripts, else 'ltr'."""
    return "rtl" if locale.split("_")[0] in RTL_LOCALES else "ltr"


def direction_of(text: str) -> str:
    """'rtl' or 'ltr' for a piece of the person's own words, as HTML's dir="auto" decides it:
    by the first letter with a strong direction. Written out because WeasyPrint ignores auto."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def extract_prompts(
    fileobj: Any, keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extractor: every sentence in a prompts YAML file, skipping ids and codes."""
    import yaml

    skip = set((options.get("skip_keys") or "").split())
    document = yaml.compose(fileobj.read().decode("utf-8"))
    yield from _walk(document, skip, None)


def _walk(node: Any, skip: set[str], key: str | None) -> Iterator[tuple[int, str, str, list[str]]]:
    import yaml

    if key in skip:
        return
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            yield from _walk(value_node, skip, key_node.value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item, skip, key)
    elif isinstance(node, yaml.ScalarNode) and _is_sentence(node.value):
        yield node.start_mark.line + 1, "gettext", node.value, []


def _is_sentence(value: str) -> bool:
    # Identifiers such as "health_wellbeing" or "not_met" are data, not words to translate.
    return bool(value.strip()) and not IDENTIFIER.fullmatch(value)


def prompt_translator(translations_dir: Path) -> Callable[[str, str], str]:
    """A (language, English text) -> text function over the compiled catalogues."""
    from babel.support import NullTranslations, Translations

    cache: dict[str, NullTranslations] = {}

    def translate(lang: str, message: str) -> str:
        if lang == DEFAULT_LOCALE or not message:
            return message
        if lang not in cache:
            cache[lang] = Translations.load(str(translations_dir), [lang])
        return cache[lang].gettext(message)

    return translate
