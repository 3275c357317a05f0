"""Translations: the catalogue template is current, and prompts reach it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from outcomes_chat.i18n import LOCALES, prompt_translator, text_direction

ROOT = Path(__file__).resolve().parent.parent


def _msgids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_catalogue_template_is_current(tmp_path):
    fresh = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [
            str(pybabel),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy_gettext",
            "-k",
            "_l",
            "--no-location",
            "--omit-header",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    missing = _msgids(fresh) - _msgids(ROOT / "translations" / "messages.pot")
    assert not missing, f"run `make translations`: {sorted(missing)[:5]} ..."


def test_prompts_and_templates_are_in_the_catalogue():
    msgids = _msgids(ROOT / "translations" / "messages.pot")
    assert "To start, what matters most to you at the moment?" in msgids
    assert "Log in" in msgids
    assert "health_wellbeing" not in msgids  # ids are data, not words


def test_what_is_said_and_shown_about_a_risk_is_in_the_catalogue():
    msgids = _msgids(ROOT / "translations" / "messages.pot")
    assert "Thank you for telling me. That can be very hard to live with." in msgids
    assert "Not safe at home" in msgids
    assert "Urgent: may be in danger now" in msgids
    assert not {"self_harm", "harm_to_speaker", "immediate"} & msgids


def test_english_is_the_source_language(tmp_path):
    translate = prompt_translator(tmp_path)
    assert translate("en", "Hello.") == "Hello."
    assert "en" in LOCALES


def test_right_to_left_languages_are_known():
    assert text_direction("ar") == "rtl"
    assert text_direction("en") == "ltr"
