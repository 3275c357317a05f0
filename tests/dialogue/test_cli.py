"""The talk and classify commands, run through click's test runner (no app needed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from outcomes_chat.conversation_cli import classify, talk

BILLS = "The bills keep going up and I had to give up work to care for him."


def test_talk_json_reads_inputs_and_prints_the_record() -> None:
    lines = [
        "1",  # Start
        '{"button": "yes"}',  # consent
        "skip",  # opener
        "skip",  # health
        "skip",  # life of own
        BILLS,
        "yes",
        "3",  # Not at all
        "To not be scared of the post.",  # what they would like instead
        "My son helps.",
        "skip",
        "skip",
    ]
    result = CliRunner().invoke(
        talk, ["--framework", "carer", "--lang", "en", "--json"], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    outcome = record["outcomes"][0]
    assert (outcome["words"], outcome["domain"], outcome["rating"]) == (BILLS, "finance", "not_met")
    assert outcome["wish"] == "To not be scared of the post."
    assert outcome["helps"] == "My son helps."
    assert record["safety"] == [] and record["finished"] is False


def test_talk_json_records_safety_events() -> None:
    lines = ["1", "1", "I want to end my life", "2"]
    result = CliRunner().invoke(talk, ["--framework", "adult", "--json"], input="\n".join(lines))
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["safety"][0]["category"] == "self_harm"
    assert record["framework"] == "adult"


def test_talk_shows_messages_and_numbered_buttons() -> None:
    result = CliRunner().invoke(talk, ["--framework", "adult"], input="1\n1\n")
    assert result.exit_code == 0, result.output
    assert "[1] Start" in result.output
    assert "[1] Yes, that's OK" in result.output
    assert "what matters most to you" in result.output


def test_talk_ends_when_the_conversation_finishes() -> None:
    lines = ["1", "1", "stop", "1", "1", "this line is never read"]
    result = CliRunner().invoke(talk, ["--json"], input="\n".join(lines))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["finished"] is True


def test_classify_prints_one_json_line_per_utterance() -> None:
    utterances = ["I just want a full night's sleep", "skip", "I can't go on", "the weather"]
    result = CliRunner().invoke(
        classify, ["--framework", "carer", "--lang", "en"], input="\n".join(utterances) + "\n"
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [row["text"] for row in rows] == utterances
    assert rows[0]["domains"][0]["id"] == "health_wellbeing"
    assert rows[1]["control"] == "skip" and rows[1]["domains"] == []
    assert rows[2]["safety"] is True
    assert rows[3] == {"text": "the weather", "domains": [], "control": None, "safety": False}


def test_an_unknown_framework_exits_2_with_a_sentence() -> None:
    result = CliRunner().invoke(classify, ["--framework", "martian"], input="")
    assert result.exit_code == 2
    assert "there is no framework 'martian'. Choose from: adult, carer." in result.output


def test_a_content_error_exits_2_without_a_traceback(prompts_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "prompts"
    shutil.copytree(prompts_dir, broken)
    script = broken / "scripts" / "carer.yaml"
    script.write_text(script.read_text().replace("  opener:", "  opener: [", 1))
    result = CliRunner().invoke(talk, ["--prompts", str(broken), "--json"], input="")
    assert result.exit_code == 2
    assert "prompts/scripts/carer.yaml, line" in result.output
    assert "Traceback" not in result.output
