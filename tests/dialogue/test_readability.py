"""Every line the person sees is easy to read (benchmarks/readability.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from outcomes_chat.dialogue import DEFAULT_PROMPTS_DIR

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import readability

# Syllable counts of everyday and long words, from a dictionary for people, not from the code.
KNOWN_SYLLABLES = {
    "the": 1, "cat": 1, "fine": 1, "lead": 1, "make": 1, "water": 2, "money": 2, "caring": 2,
    "partly": 2, "people": 2, "little": 2, "tired": 2, "worried": 2, "support": 2, "someone": 2,
    "happened": 2, "sometimes": 2, "every": 3, "idea": 3, "area": 3, "anything": 3,
    "beautiful": 3, "equipment": 3, "frightening": 3, "yesterday": 3, "conversation": 4,
    "practitioner": 4, "professional": 4, "information": 4, "dementia": 4,
}  # fmt: skip


def test_the_syllable_counter_agrees_with_a_known_list() -> None:
    wrong = {
        word: readability.syllables(word)
        for word, count in KNOWN_SYLLABLES.items()
        if readability.syllables(word) != count
    }
    assert wrong == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 6 words, 1 sentence, 6 syllables: 206.835 - 1.015 * 6 - 84.6 * 1
        ("The cat sat on the mat.", 116.145),
        # 5 words, 1 sentence, 25 syllables (4 + 5 + 4 + 7 + 5)
        ("Practitioner coordination necessitates interdisciplinary communication.", -221.24),
        # 9 words, 2 sentences, 10 syllables ("tired" has two)
        ("Tom is up at night. I am so tired.", 206.835 - 1.015 * 4.5 - 84.6 * 10 / 9),
    ],
)
def test_reading_ease_follows_the_flesch_formula(text: str, expected: float) -> None:
    assert readability.flesch_reading_ease(text) == pytest.approx(expected, abs=0.01)


def test_every_line_the_person_sees_is_easy_to_read() -> None:
    lines = readability.lines(DEFAULT_PROMPTS_DIR)
    hard = [f"{line.where}: {line.text}" for line in lines if not line.plain]
    assert len(lines) > 200
    assert hard == []


def test_a_hard_line_is_caught() -> None:
    line = readability.Line("test", "Interdisciplinary coordination necessitates documentation.")
    assert not line.plain
    assert not readability.Line("test", "Reconfiguration").plain
