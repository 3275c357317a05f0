"""Directory suggestions: time per outcome, beside a plain fuzzy lookup in the same run.

Usage: python benchmarks/directory.py [DIRECTORY.yaml]

For each real quote in the tuning part of tests/data/recognition (words of carers and
service users, each said once, so nothing is served from a cache) it times
`directory.suggest` as the review page calls it (the outcome's words and its area labels),
and beside it the plainest fuzzy lookup: rapidfuzz's extractOne of the quote against every
keyword of the directory. It prints the milliseconds per outcome of each, their ratio, and
what a review page of 40 outcomes would spend on suggestions (the aim: well under a tenth
of a second).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from outcomes_chat.config import DEFAULTS  # noqa: E402
from outcomes_chat.outcomes.directory import load_directory, suggest  # noqa: E402

PAGE = 40


def quotes() -> list[str]:
    path = ROOT / "tests" / "data" / "recognition" / "tune.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return list(dict.fromkeys(json.loads(line)["text"] for line in lines if line.strip()))


def per_outcome(work: list[str], call: Callable[[str], object]) -> float:
    start = time.perf_counter()
    for text in work:
        call(text)
    return (time.perf_counter() - start) / len(work)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(str(DEFAULTS["DIRECTORY_PATH"]))
    directory = load_directory(path)
    keywords = [keyword for entry in directory.entries for keyword, _, _ in entry.prepared]
    work = quotes()
    labels = ["My health and wellbeing", "My health"]
    ours = per_outcome(work, lambda text: suggest(directory, [text], labels))
    plain = per_outcome(
        work, lambda text: process.extractOne(text, keywords, scorer=fuzz.partial_ratio)
    )
    print(f"{len(work)} real quotes, {len(directory.entries)} services, {len(keywords)} keywords")
    print(f"suggest:            {ours * 1000:6.3f} ms per outcome")
    print(f"plain extractOne:   {plain * 1000:6.3f} ms per outcome   (ratio {ours / plain:.1f}x)")
    print(f"a page of {PAGE} outcomes: {ours * PAGE * 1000:.1f} ms on suggestions")


if __name__ == "__main__":
    main()
