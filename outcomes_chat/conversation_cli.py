"""`talk` and `classify`: try a conversation script or the recogniser from the terminal.

Neither needs an app context or a database: they run the pure `dialogue` package only, so
people who write scripts can try them without a browser.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn, TextIO

import click

from outcomes_chat.dialogue import DEFAULT_PROMPTS_DIR
from outcomes_chat.dialogue.content import ContentError
from outcomes_chat.dialogue.engine import Engine, UserInput
from outcomes_chat.dialogue.recognise import Recogniser
from outcomes_chat.dialogue.script import load_script
from outcomes_chat.dialogue.turn import Turn

_prompts_option = click.option(
    "--prompts",
    "prompts_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DEFAULT_PROMPTS_DIR,
    show_default=True,
    help="The prompts folder holding scripts, frameworks and lexicons.",
)
_framework_option = click.option(
    "--framework",
    default="carer",
    show_default=True,
    help="Which outcomes framework to use: carer, adult, or one the service added.",
)
_lang_option = click.option("--lang", default="en", show_default=True, help="Language code.")


def _fail(message: str) -> NoReturn:
    """A sentence on stderr and status 2, like click's own errors, without a traceback."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@click.command("talk")
@_framework_option
@_lang_option
@click.option(
    "--json", "as_json", is_flag=True, help="Read inputs from stdin; print the record as JSON."
)
@_prompts_option
def talk(framework: str, lang: str, as_json: bool, prompts_dir: Path) -> None:
    """Hold a whole conversation in the terminal; type a button's number to press it.

    With --json, each line of stdin is one input (a line such as {"button": "yes"} presses
    that button) and the record is printed as JSON at the end.
    """
    _check_framework(prompts_dir, framework)
    try:
        engine = Engine(load_script(prompts_dir, framework, lang))
        turn = engine.start(lang)
        while True:
            if not as_json:
                _show(turn)
            if turn.finished:
                break
            line = _next_line(sys.stdin, prompt=not as_json)
            if line is None:
                break
            turn = engine.step(turn.state, _read_line(line, turn))
    except ContentError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(engine.record(turn.state), ensure_ascii=False, indent=2))


def _check_framework(prompts_dir: Path, framework: str) -> None:
    """Refuse an unknown framework with the names of those there are."""
    known = sorted(path.stem for path in (prompts_dir / "scripts").glob("*.yaml"))
    if framework not in known:
        choices = ", ".join(known) or "none"
        raise click.BadParameter(
            f"there is no framework '{framework}'. Choose from: {choices}.",
            param_hint="'--framework'",
        )


def _next_line(stream: TextIO, *, prompt: bool) -> str | None:
    """One line of input, or None at the end; with a prompt when a person is typing."""
    if prompt:
        click.echo("> ", nl=False)
    line = stream.readline()
    return line.rstrip("\n") if line else None


def _read_line(line: str, turn: Turn) -> UserInput:
    """A number presses that button of the question; {"button": ...} presses a button by value."""
    stripped = line.strip()
    question = turn.question
    buttons = question.buttons if question else ()
    if stripped.isdigit() and 0 < int(stripped) <= len(buttons):
        return {"button": buttons[int(stripped) - 1].value}
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return line
        if isinstance(data, dict) and isinstance(data.get("button"), str):
            return {"button": data["button"]}
    return line


def _show(turn: Turn) -> None:
    """Print one turn: each message, then the buttons numbered."""
    for message in turn.messages:
        click.echo()
        click.echo(message.text)
        for number, button in enumerate(message.buttons, start=1):
            click.echo(f"  [{number}] {button.label}")
    if turn.progress.topic and turn.phase not in ("finished", "paused"):
        click.echo(f"(topic {turn.progress.topic} of {turn.progress.of})")


@click.command("classify")
@_framework_option
@_lang_option
@_prompts_option
def classify(framework: str, lang: str, prompts_dir: Path) -> None:
    """Read one utterance per line; print what the recogniser hears, as one JSON line each."""
    _check_framework(prompts_dir, framework)
    try:
        recogniser = Recogniser.load(prompts_dir.resolve(), framework, lang)
    except ContentError as exc:
        _fail(str(exc))
    for line in sys.stdin:
        text = line.rstrip("\n")
        click.echo(json.dumps(_classification(recogniser, text), ensure_ascii=False))


def _classification(recogniser: Recogniser, text: str) -> dict[str, Any]:
    return {
        "text": text,
        "domains": [
            {"id": score.id, "score": round(float(score.score), 4)}
            for score in recogniser.domains(text)
        ],
        "control": recogniser.control(text),
        "safety": recogniser.safety(text) is not None,
    }
