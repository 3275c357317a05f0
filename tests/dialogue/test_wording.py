"""Placeholders are filled after translation, and never from the person's words."""

from __future__ import annotations

from outcomes_chat.dialogue.wording import Wording, fill


def test_fill_puts_values_in_placeholders() -> None:
    assert fill('So: "{words}" ({rating})', {"words": "Sleep", "rating": "partly"}) == (
        'So: "Sleep" (partly)'
    )


def test_fill_never_reads_the_values_as_templates() -> None:
    assert fill("{words}", {"words": "{rating} {0} {{x}}"}) == "{rating} {0} {{x}}"


def test_fill_leaves_unknown_and_odd_placeholders_alone_without_raising() -> None:
    assert (
        fill("{name} {words.__class__} {0} {", {"words": "x"}) == "{name} {words.__class__} {0} {"
    )
    assert fill("{{literal}} {words}", {"words": "x"}) == "{literal} x"


def test_wording_translates_before_filling() -> None:
    say = Wording(lambda lang, msgid: f"[{lang}] {msgid}", "cy")
    assert say("Earlier you said: {words}", words="{words}") == "[cy] Earlier you said: {words}"
