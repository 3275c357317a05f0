"""The recognition benchmark's pure helpers, on a few utterances written for this test."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "recognition.py"
_spec = importlib.util.spec_from_file_location("recognition_benchmark", BENCH)
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench
_spec.loader.exec_module(bench)

QUOTES = [
    {
        "framework": "carer",
        "text": "I never get a single evening off from looking after my dad. I am worn out.",
        "domains": ["life_of_own", "health_wellbeing"],
    },
    {
        "framework": "carer",
        "text": "Money has been tight ever since I gave up my job to care for him.",
        "domains": ["finance"],
    },
    {
        "framework": "adult",
        "text": "The carers come at a different time every day and nobody phones to say.",
        "domains": ["reliability"],
    },
    {
        "framework": "adult",
        "text": "I would love to get down to the shops on my own again.",
        "domains": ["things_to_do", "mobility"],
    },
    {"framework": "adult", "text": "That is all from me for now.", "domains": []},
]


def test_top1_counts_the_first_prediction_against_any_label() -> None:
    predictions = [
        ["health_wellbeing", "finance"],  # second label, ranked first: a hit
        ["life_of_own", "finance"],  # the right domain only second: a miss
        ["reliability"],  # a hit
        [],  # nothing returned: a miss
        ["things_to_do"],  # no labels: not counted
    ]
    assert bench.top1(QUOTES, predictions) == (2, 4)
    assert bench.top1(QUOTES, predictions, "carer") == (1, 2)
    assert bench.top1(QUOTES, predictions, "adult") == (1, 2)
    assert bench.top1(QUOTES, predictions, "nobody") == (0, 0)


def test_quote_sentences_are_split_and_each_kept_once() -> None:
    sentences = bench.quote_sentences([*QUOTES, QUOTES[0]])
    texts = [text for _, text in sentences]
    assert len(texts) == len(set(texts)) == 6
    assert ("carer", "I am worn out.") in sentences
    assert ("adult", "That is all from me for now.") in sentences


def test_novel_utterances_never_repeat_and_are_never_a_quote_sentence() -> None:
    sentences = bench.quote_sentences(QUOTES)
    originals = {text for _, text in sentences}
    frameworks = {text: framework for framework, text in sentences}
    many = bench.novel_utterances(sentences, 1_000)
    texts = [text for _, text in many]
    assert texts
    assert len(texts) == len(set(texts))
    assert not originals & set(texts)
    for framework, text in many:
        # The head and the tail both come from sentences of the utterance's framework.
        assert any(text.startswith(o.split()[0]) and frameworks[o] == framework for o in originals)
    assert bench.novel_utterances(sentences, 1_000) == many  # deterministic
    assert bench.novel_utterances(sentences, 2) == many[:2]


def test_novel_utterances_from_many_sentences_fill_the_pool() -> None:
    sentences = [
        ("adult", f"On day {n} I went {n} miles to see friend number {n} at home.")
        for n in range(60)
    ]
    pool = bench.novel_utterances(sentences, 2_000)
    texts = [text for _, text in pool]
    assert len(pool) == 2_000
    assert len(set(texts)) == 2_000
    assert not {text for _, text in sentences} & set(texts)
