"""FHIR export time per assessment, validation included, on a synthetic export view.

Usage: python benchmarks/fhir_export.py [--outcomes 8] [--actions 3] [--answers 30] [--runs 300]

Builds one export view (docs/export-schema.json) of a carer with the given numbers of
outcomes, actions and conversation answers, then times export_fhir.to_fhir on it (build, R4B
validation, code checks and JSON) and prints milliseconds per assessment and assessments per
second on one core. The batch target is 300 assessments a second.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from outcomes_chat.outcomes import export_fhir  # noqa: E402

TARGET = 300
RATINGS = ("met", "partly_met", "not_met", "unknown")
STATUSES = ("open", "in_progress", "done", "dropped")


def synthetic_view(outcomes: int = 8, actions: int = 3, answers: int = 30) -> dict[str, Any]:
    """An agreed carer plan, shaped as export.export_view returns it."""
    return {
        "schema_version": "1.1",
        "assessment": {
            "id": 4711,
            "framework": "carer",
            "language": "en",
            "version": 2,
            "agreed": True,
            "agreed_at": "2026-12-02T10:15:00+00:00",
            "agreed_by": "Morag Campbell",
            "review_date": "2027-03-02",
            "not_covered": ["emergency arrangements"],
            "review_of_id": None,
        },
        "person": {
            "name": "Margaret Wilson",
            "preferred_name": "Peggy",
            "case_reference": "CASE-0001",
            "kind": "carer",
            "preferred_language": "en",
            "cares_for": {"name": "Tom Wilson", "case_reference": "CASE-0002"},
        },
        "team": [
            {
                "name": "Morag Campbell",
                "agency": "social_work",
                "role": "Social worker",
                "lead": True,
            },
            {"name": "Amir Khan", "agency": "health", "role": "Nurse", "lead": False},
            {"name": "Jo Fraser", "agency": "voluntary", "role": "Carer support", "lead": False},
        ],
        "consents": [
            {"purpose": p, "given": True, "recorded_at": "2026-11-20T09:00:00+00:00"}
            for p in ("record", "share_team", "export")
        ],
        "outcomes": [
            {
                "id": 100 + n,
                "key": f"o{n}",
                "words": f"Getting a full night's sleep, outcome {n}. Rwy'n hoffi'r ŵyr.",
                "domains": ["health_wellbeing", "life_of_own"],
                "rating": RATINGS[n % 4],
                "rating_words": "Not really",
                "wish": None,
                "helps": "My daughter has him on a Sunday",
                "barriers": "He gets muddled at night",
                "who_could_help": "The carers centre",
                "previous_rating": None,
                "update": None,
                "note": "Seen at home",
                "practitioner_view": None,
                "person_view": None,
                "impact": None,
                "achieved": None,
            }
            for n in range(outcomes)
        ],
        "actions": [
            {
                "id": 500 + n,
                "outcome_id": 100 + n % max(outcomes, 1),
                "what": "Arrange two nights of respite a month",
                "who": "Jo Fraser",
                "agency": "voluntary",
                "due": "2026-12-23" if n % 2 == 0 else None,
                "status": STATUSES[n % 4],
            }
            for n in range(actions)
        ],
        "conversation": [
            {
                "seq": 2 * n + 2,
                "question": "What matters to you at the moment?",
                "answer": f"Answer {n}: Chciałabym móc wyjść z domu sama",
                "answered_with": "words",
                "by": "person",
                "at": "2026-11-20T09:05:00+00:00",
            }
            for n in range(answers)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outcomes", type=int, default=8)
    parser.add_argument("--actions", type=int, default=3)
    parser.add_argument("--answers", type=int, default=30)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    view = synthetic_view(args.outcomes, args.actions, args.answers)
    export_fhir.to_fhir(view)  # warm up (imports, pydantic's first use)
    parts = {
        "build": lambda: export_fhir.to_fhir_bundle(view),
        "to_fhir (build, validate, check codes, JSON)": lambda: export_fhir.to_fhir(view),
    }
    for name, call in parts.items():
        start = time.process_time()
        for _ in range(args.runs):
            call()
        each = (time.process_time() - start) / args.runs
        print(f"{name}: {each * 1000:.2f} ms per assessment, {1 / each:.0f} a second")
    print(f"target: {TARGET} a second across the batch")


if __name__ == "__main__":
    main()
