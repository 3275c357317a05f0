"""One conversation engine per framework, built once per app from prompts/ and the catalogues."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from ..dialogue.content import ContentError
from ..dialogue.engine import Engine
from ..dialogue.script import load_script, load_signposting
from ..i18n import LOCALES, prompt_translator


def frameworks() -> tuple[str, ...]:
    """The frameworks the service has a conversation script for (prompts/scripts/*.yaml)."""
    scripts = Path(current_app.config["PROMPTS_DIR"]) / "scripts"
    return tuple(sorted(path.stem for path in scripts.glob("*.yaml")))


def engine_for(framework: str) -> Engine:
    """The engine for a framework, loaded and validated on first use."""
    engines: dict[str, Engine] = current_app.extensions.setdefault("engines", {})
    if framework not in engines:
        prompts = Path(current_app.config["PROMPTS_DIR"])
        if current_app.config.get("PRODUCTION"):
            refuse_missing_numbers(prompts)
        translate = prompt_translator(Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"]))
        engines[framework] = Engine(load_script(prompts, framework), translate=translate)
    return engines[framework]


def refuse_missing_numbers(prompts: Path) -> None:
    """In production, every local number the signposting marks required must be filled in."""
    missing = load_signposting(prompts).missing_required()
    if missing:
        raise ContentError(
            "prompts/signposting.yaml: put in the service's local number for "
            f"{', '.join(missing)} before running in production (OUTCOMES_ENV=production): "
            "people told of a risk are given these numbers."
        )


def load_engines() -> None:
    """Load and check every framework's content in every language now, not on a first turn."""
    for framework in frameworks():
        engine = engine_for(framework)
        for language in sorted(LOCALES):
            engine.start(language)
