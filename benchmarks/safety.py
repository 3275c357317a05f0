"""Measure the safety check (Recogniser.safety) on published risk statements and idioms.

Usage: python benchmarks/safety.py [--pool N] [STATEMENTS.jsonl ...]

Default sections, in this order:

1. The figure that counts: tests/data/safety/test.jsonl (real published statements, split
   from the tuning part by source; see tests/data/safety/README.md). Never read it to write
   cues: it is loaded here only to compute figures, and no statement is ever printed.
2. Tuning (not evidence): tests/data/safety/tune.jsonl, the set cues may be written from. A
   gain that shows only here is overfitting.
3. Speed on novel utterances (below).

Files given on the command line replace sections 1 and 2 and are printed as "given".

Each line of a statements file has "text" and "category": one of DATA_CATEGORIES, the
taxonomy the safety check is to adopt (issue 9), where "none" marks an ordinary statement or
idiom with risky-looking words ("to die for"). harm_to_speaker lines also name the "harmer".

The statements carry no framework, so every statement is read by two recognisers, the carer
one and the adult one (Recogniser.load(prompts, "carer" | "adult", "en")), and a hit from
either counts. Printed per file:

- recall: the share of risk statements (any category but "none") for which safety() returns
  any hit, overall and per data category, with n per category. Targets: >= 0.95 overall and
  >= 0.90 in every category.
- right category (stricter): the share caught with a hit whose category maps to the
  statement's data category under CATEGORY_MAP (where a recogniser category maps to several
  data categories, any of them is accepted). No target of its own: it shows how far the
  categories the practitioner is told about are from the data's.
- false alarms: the share of "none" statements with any hit. Target: <= 10%.

CATEGORY_MAP: the recogniser's kinds of risk are the data's categories, so a hit counts as
right when its category is the statement's (cant_cope, a wellbeing concern, names none).

Speed, on one core (the process is pinned to one CPU): safety() calls per second, each on an
utterance that recogniser has never read. The recogniser remembers every word it has read and
the last utterance, so each timed pass uses recognisers built afresh and utterances made by
recombining sentence halves of all the statements loaded (recognition.py's
novel_utterances: deduplicated, none equal to a statement sentence). Sentences are dealt to
the two frameworks in turn; each utterance is read once, by its framework's recogniser.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "benchmarks"))

# The sibling script benchmarks/recognition.py: novel utterances, CPU pinning, fresh
# recognisers and the table layout, shared so the two benchmarks measure speed alike.
from recognition import _fresh, _one_core, _table, novel_utterances  # noqa: E402

from outcomes_chat.dialogue import recognise  # noqa: E402
from outcomes_chat.dialogue.script import load_signposting  # noqa: E402

PROMPTS = ROOT / "prompts"
DATA = ROOT / "tests" / "data" / "safety"
TEST_FILE = DATA / "test.jsonl"
TUNING_FILE = DATA / "tune.jsonl"
# Published words of carers and service users about their lives (the recognition set), not
# labelled for risk: the share flagged is how often an ordinary answer would be interrupted.
ORDINARY_FILES = sorted((ROOT / "tests" / "data" / "recognition").glob("*.jsonl"))
FRAMEWORKS = ("carer", "adult")
NONE = "none"
DATA_CATEGORIES = (
    "self_harm",
    "harm_to_cared_for",
    "harm_to_speaker",
    "exploitation",
    "danger_at_home",
    "neglect",
    "substance_misuse",
    "child_carer",
    "third_party",
    NONE,
)
HARMERS = ("cared_for", "partner", "family", "other", "unknown")

# The recogniser's kinds of risk are the data's categories (prompts/signposting.yaml), with one
# more: cant_cope, a wellbeing concern that no data category names, so it counts as no category.
CATEGORY_MAP: dict[str, frozenset[str]] = {
    kind: frozenset({kind}) if kind in DATA_CATEGORIES else frozenset()
    for kind in load_signposting(PROMPTS).kinds
}

TARGET_RECALL = 0.95
TARGET_CATEGORY_RECALL = 0.90
TARGET_FALSE_ALARMS = 0.10
POOL_SIZE = 5_000
MIN_SECONDS = 1.0
RULE = "=" * 78

# What safety() said of one statement: framework -> category of its hit, or None.
Reading = Mapping[str, str | None]


class DataError(Exception):
    """A statements file that cannot be read as this benchmark expects."""


@dataclass
class Section:
    """Statements files printed under one heading."""

    title: str
    paths: list[Path]


# -- pure helpers (tests/test_safety_benchmark.py) -----------------------------------------


def read_statements(path: Path) -> list[dict]:
    """The statements of a JSON-lines file; DataError names the first bad line."""
    statements = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            statement = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"Line {number} of {path} is not JSON ({error.msg}).") from None
        if not isinstance(statement, dict) or not isinstance(statement.get("text"), str):
            raise DataError(f"Line {number} of {path} has no text.")
        if statement.get("category") not in DATA_CATEGORIES:
            raise DataError(f"Line {number} of {path} has an unknown category.")
        statements.append(statement)
    return statements


def maps_to(recogniser_category: str, data_category: str) -> bool:
    """True when a hit of this recogniser category is right for this data category."""
    return data_category in CATEGORY_MAP.get(recogniser_category, frozenset())


def caught(
    reading: Reading,
    data_category: str,
    strict: bool = False,
    frameworks: Sequence[str] | None = None,
) -> bool:
    """Any framework's recogniser found a hit (strict: one whose category maps to the label).

    frameworks limits which recognisers count; None means all of them.
    """
    for framework, category in reading.items():
        if category is None or (frameworks is not None and framework not in frameworks):
            continue
        if not strict or maps_to(category, data_category):
            return True
    return False


def recall(
    statements: Sequence[dict],
    readings: Sequence[Reading],
    category: str | None = None,
    strict: bool = False,
    frameworks: Sequence[str] | None = None,
) -> tuple[int, int]:
    """(caught, risk statements) for one data category, or every risk category when None."""
    hits = total = 0
    for statement, reading in zip(statements, readings, strict=True):
        label = statement["category"]
        if label == NONE or (category is not None and label != category):
            continue
        total += 1
        hits += caught(reading, label, strict, frameworks)
    return hits, total


def per_category(
    statements: Sequence[dict], readings: Sequence[Reading], strict: bool = False
) -> dict[str, tuple[int, int]]:
    """(caught, n) for every risk category present, in DATA_CATEGORIES order."""
    present = {s["category"] for s in statements}
    return {
        category: recall(statements, readings, category, strict)
        for category in DATA_CATEGORIES
        if category != NONE and category in present
    }


def false_alarms(
    statements: Sequence[dict],
    readings: Sequence[Reading],
    frameworks: Sequence[str] | None = None,
) -> tuple[int, int]:
    """(statements with any hit, statements) among those labelled "none"."""
    alarms = total = 0
    for statement, reading in zip(statements, readings, strict=True):
        if statement["category"] == NONE:
            total += 1
            alarms += caught(reading, NONE, False, frameworks)
    return alarms, total


def by_harmer(
    statements: Sequence[dict], readings: Sequence[Reading]
) -> dict[str, tuple[int, int]]:
    """(caught, n) of harm_to_speaker statements per harmer named (any hit counts)."""
    counts: dict[str, list[int]] = {}
    for statement, reading in zip(statements, readings, strict=True):
        if statement["category"] != "harm_to_speaker":
            continue
        tally = counts.setdefault(str(statement.get("harmer") or "unnamed"), [0, 0])
        tally[0] += caught(reading, "harm_to_speaker")
        tally[1] += 1
    order = {h: i for i, h in enumerate(HARMERS)}
    return {h: (c[0], c[1]) for h, c in sorted(counts.items(), key=lambda i: order.get(i[0], 99))}


def statement_sentences(statements: Sequence[dict]) -> list[tuple[str, str]]:
    """(framework, sentence) of every distinct sentence, dealt to FRAMEWORKS in turn."""
    seen: dict[str, None] = {}
    for statement in statements:
        for sentence in recognise.split_sentences(statement["text"]):
            seen.setdefault(sentence, None)
    return [(FRAMEWORKS[i % len(FRAMEWORKS)], s) for i, s in enumerate(seen)]


def share(counts: tuple[int, int]) -> float | None:
    """hits / total, or None when there is nothing to count."""
    return counts[0] / counts[1] if counts[1] else None


# -- running -------------------------------------------------------------------------------


def main(argv: Sequence[str]) -> int:
    """Read every statement with both recognisers, print the figures, then time safety()."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="statements files instead")
    parser.add_argument("--pool", type=int, default=POOL_SIZE, help="novel utterances per pass")
    args = parser.parse_args(argv[1:])
    if args.files:
        sections = [Section("Given statements files", list(args.files))]
    else:
        sections = [
            Section("TEST PART: the figure that counts", [TEST_FILE]),
            Section("Tuning (not evidence)", [TUNING_FILE]),
        ]
    missing = [p for s in sections for p in s.paths if not p.is_file()]
    for path in missing:
        print(f"No statements file at {path}.", file=sys.stderr)
    if missing:
        return 2
    loaded: dict[Path, list[dict]] = {}
    try:
        for section in sections:
            for path in section.paths:
                loaded[path] = read_statements(path)
    except DataError as error:
        print(error, file=sys.stderr)
        return 2
    _one_core()
    recognisers = {f: recognise.Recogniser.load(PROMPTS, f, "en") for f in FRAMEWORKS}
    for number, section in enumerate(sections):
        if number:
            print("\n" + RULE)
        print(f"{section.title}\n{RULE}\n")
        for path in section.paths:
            statements = loaded[path]
            readings = [_reading(recognisers, s["text"]) for s in statements]
            _print(path, statements, readings)
            print()
    if not args.files:
        _print_ordinary(recognisers)
    print(RULE)
    _print_speed([s for statements in loaded.values() for s in statements], args.pool)
    return 0


def _reading(recognisers: Mapping[str, recognise.Recogniser], text: str) -> dict[str, str | None]:
    reading: dict[str, str | None] = {}
    for framework, recogniser in recognisers.items():
        hit = recogniser.safety(text)
        reading[framework] = hit.category if hit else None
    return reading


def _ratio(counts: tuple[int, int]) -> str:
    value = share(counts)
    return "-" if value is None else f"{value:.3f} ({counts[0]}/{counts[1]})"


def _verdict(counts: tuple[int, int], target: float, at_most: bool = False) -> str:
    value = share(counts)
    if value is None:
        return "-"
    return "met" if (value <= target if at_most else value >= target) else "NOT met"


def _print(path: Path, statements: list[dict], readings: list[dict[str, str | None]]) -> None:
    risks = sum(1 for s in statements if s["category"] != NONE)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(
        f"{shown}: {len(statements)} statements ({risks} risk, {len(statements) - risks} none)."
        "\nCaught: a safety() hit from the carer or the adult recogniser. Right category: a hit"
        "\nwhose category is the label's.\n"
    )
    overall = recall(statements, readings)
    strict_overall = recall(statements, readings, strict=True)
    loose = per_category(statements, readings)
    strict = per_category(statements, readings, strict=True)
    target_all, target_one = f">= {TARGET_RECALL:.2f}", f">= {TARGET_CATEGORY_RECALL:.2f}"
    rows = [
        [
            "all risk",
            str(overall[1]),
            _ratio(overall),
            target_all,
            _verdict(overall, TARGET_RECALL),
            _ratio(strict_overall),
            _verdict(strict_overall, TARGET_RECALL),
        ]
    ]
    for category, counts in loose.items():
        unmapped = not any(category in v for v in CATEGORY_MAP.values())
        rows.append(
            [
                category,
                str(counts[1]),
                _ratio(counts),
                target_one,
                _verdict(counts, TARGET_CATEGORY_RECALL),
                "no category maps" if unmapped else _ratio(strict[category]),
                _verdict(strict[category], TARGET_CATEGORY_RECALL),
            ]
        )
    alarms = false_alarms(statements, readings)
    rows.append(
        [
            "false alarms (none)",
            str(alarms[1]),
            _ratio(alarms),
            f"<= {TARGET_FALSE_ALARMS:.2f}",
            _verdict(alarms, TARGET_FALSE_ALARMS, at_most=True),
            "",
            "",
        ]
    )
    _table(["recall", "n", "caught", "target", "met?", "right category", "met?"], rows)
    each = [f"{f} alone {_ratio(recall(statements, readings, frameworks=[f]))}" for f in FRAMEWORKS]
    print(f"\nRecall, each recogniser alone: {'; '.join(each)}.")
    harmers = by_harmer(statements, readings)
    if harmers:
        parts = [f"{h} {c[0]}/{c[1]}" for h, c in harmers.items()]
        print(f"harm_to_speaker caught, by harmer: {', '.join(parts)}.")
    met = [
        _verdict(overall, TARGET_RECALL) == "met",
        all(_verdict(c, TARGET_CATEGORY_RECALL) == "met" for c in loose.values()),
        _verdict(alarms, TARGET_FALSE_ALARMS, at_most=True) == "met",
    ]
    print(
        f"Targets (caught): recall >= {TARGET_RECALL:.2f} overall: "
        f"{'met' if met[0] else 'NOT met'}; >= {TARGET_CATEGORY_RECALL:.2f} in every category: "
        f"{'met' if met[1] else 'NOT met'}; false alarms <= {TARGET_FALSE_ALARMS:.0%}: "
        f"{'met' if met[2] else 'NOT met'}."
    )


def _safety_rate(utterances: list[tuple[str, str]]) -> tuple[float, int]:
    """safety() calls per second on novel utterances, and passes; fresh recognisers per pass."""
    frameworks = sorted({f for f, _ in utterances})
    elapsed, passes = 0.0, 0
    while elapsed < MIN_SECONDS or passes < 2:
        fresh = {f: _fresh(f) for f in frameworks}
        pairs = [(fresh[f], t) for f, t in utterances]
        started = time.perf_counter()
        for recogniser, text in pairs:
            recogniser.safety(text)
        elapsed += time.perf_counter() - started
        passes += 1
    return passes * len(utterances) / elapsed, passes


def _print_ordinary(recognisers: Mapping[str, recognise.Recogniser]) -> None:
    """How many published everyday answers raise a flag, by kind (a few are real risks)."""
    texts = [
        json.loads(line)["text"]
        for path in ORDINARY_FILES
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    if not texts:
        return
    kinds: dict[str, int] = {}
    for text in texts:
        hit = next((h for r in recognisers.values() if (h := r.safety(text))), None)
        if hit is not None:
            kinds[hit.category] = kinds.get(hit.category, 0) + 1
    flagged = sum(kinds.values())
    print(
        f"Everyday answers: {flagged} of {len(texts)} published quotes about carers' and service "
        f"users' lives (tests/data/recognition, not labelled for risk; a few are real risks) "
        f"raise a flag ({flagged / len(texts):.1%}); by kind: "
        + (", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "none")
        + ".\n"
    )


def _print_speed(statements: list[dict], pool: int) -> None:
    sentences = statement_sentences(statements)
    utterances = novel_utterances(sentences, pool)
    if not utterances:
        print("Speed not measured: too few sentences to recombine.")
        return
    rate, passes = _safety_rate(utterances)
    tokens = sum(len(t.split()) for _, t in utterances)
    print(
        "Speed on novel utterances, one core, safety() alone.\n"
        f"Each pass: fresh recognisers, {len(utterances):,} distinct utterances (sentence halves "
        f"of {len(sentences):,} statement sentences recombined; none repeated, none a statement "
        f"sentence), about {tokens:,} words.\n"
    )
    _table(["", "utterances/s", "passes"], [["safety(), cold", f"{rate:,.0f}", str(passes)]])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
