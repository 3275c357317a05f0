"""One conversation engine per framework, built once per app from prompts/ and the catalogues."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from ..dialogue.engine import Engine
from ..dialogue.script import load_script
from ..i18n import LOCALES, prompt_translator

FRAMEWORKS = ("carer", "adult")


def engine_for(framework: str) -> Engine:
    """The engine for a framework, loaded and validated on first use."""
    engines: dict[str, Engine] = current_app.extensions.setdefault("engines", {})
    if framework not in engines:
        prompts = Path(current_app.config["PROMPTS_DIR"])
        translate = prompt_translator(Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"]))
        engines[framework] = Engine(load_script(prompts, framework), translate=translate)
    return engines[framework]


def load_engines() -> None:
    """Load and check every framework's content in every language now, not on a first turn."""
    for framework in FRAMEWORKS:
        engine = engine_for(framework)
        for language in sorted(LOCALES):
            engine.start(language)
