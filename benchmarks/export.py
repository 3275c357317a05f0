"""Batch export speed and memory: the real `outcomes-chat export` beside a plain json.dumps.

Usage: python benchmarks/export.py [--counts 1000,10000] [--formats json,csv,fhir]
                                   [--outcomes 8] [--keep DIR]

Generates synthetic agreed assessments in a fresh SQLite database (about eight outcomes
each, three actions, twenty answered questions, words varied per assessment so nothing is
served from a cache), then for each count and format runs `outcomes-chat export` in its own
process and prints assessments per second and the process's peak memory (its maximum resident
set size). Beside them, in the same run, the baseline: a process that reads the same rows in
the same batches and simply serialises each assessment's rows with json.dumps.

Targets (issue 13): JSON within 3x the baseline's time, FHIR at least 300 assessments per
second, peak memory under 250 MB at any count. PDF is left out by default (WeasyPrint takes a
large fraction of a second a page); ask for it with --formats pdf and a small --counts.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from outcomes_chat import migrate  # noqa: E402
from outcomes_chat.outcomes.models import (  # noqa: E402
    ActionStatus,
    Agency,
    Assessment,
    AssessmentStatus,
    Consent,
    ConsentPurpose,
    ConversationTurn,
    OutcomeAction,
    Person,
    PersonKind,
    PlanStage,
    RecordedOutcome,
    Revision,
    Role,
    SignOff,
    TeamMember,
    User,
)

# Words of the kind people say, varied per assessment by the number and a place.
SAYINGS = (
    "I want to get out of the house on my own, even just to the shop {n}",
    "Sleep is the big one, I'm up three times a night with him since {n}",
    "Rwy'n hoffi mynd am dro gyda'r ŵyr bob dydd Sul, {n} o weithiau",
    "Chciałabym móc wyjść z domu sama, bez łez ({n})",
    "أريد أن أرى أصدقائي كل أسبوع {n}",
    "money's tight, the bills came to {n} last month and I can't see it changing",
    "I'd like a proper break, a weekend, {n} days would do",
    "my back is bad from the lifting, the physio said {n} weeks",
    "keeping in touch with my sister in {n} matters more than anything",
    "=SUM(A1:A{n}) is what my son typed as a joke",
)
DOMAINS = ("health", "finance", "relationships", "life_balance", "emotional_wellbeing")
RATINGS = ("fine", "mostly_fine", "some_problems", "big_problems", None)
QUESTION = "What matters most to you at the moment? ({n})"
CHUNK = 250


def _outcome_values(i: int, k: int, turn: int) -> dict[str, Any]:
    n = i * 10 + k
    return {
        "words": SAYINGS[(i + k) % len(SAYINGS)].format(n=n),
        "domains": [DOMAINS[(i + k) % len(DOMAINS)]],
        "source_turn": turn,
        "rating": RATINGS[(i + k) % len(RATINGS)],
        "rating_words": f"it's been hard, maybe {n % 7} out of ten",
        "wish": None if k % 2 else f"to have {n % 5} evenings to myself",
        "helps": "my neighbour" if k % 3 == 0 else None,
        "barriers": None,
        "who_could_help": None,
        "previous_rating": None,
        "update": None,
        "removed": False,
        "note": "Agreed at the meeting" if k == 0 else None,
        "practitioner_view": None,
        "person_view": None,
        "impact": None,
        "achieved": None,
        "removed_in_review": False,
        "merged_into_id": None,
    }


def _team(db: Session) -> list[User]:
    users = [
        User(
            username=name,
            display_name=shown,
            agency=agency,
            role=role,
            password_hash="not-a-login",
        )
        for name, shown, agency, role in (
            ("lead", "Morag Campbell", Agency.SOCIAL_WORK, Role.LEAD_PROFESSIONAL),
            ("nurse", "Amir Haddad", Agency.HEALTH, Role.PRACTITIONER),
        )
    ]
    db.add_all(users)
    db.flush()
    return users


def generate(database_url: str, count: int, outcomes: int) -> None:
    """`count` agreed assessments, one person each, inserted in chunks."""
    engine = create_engine(database_url)
    agreed_at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    ids = itertools.count(1)
    with Session(engine) as db:
        lead, nurse = _team(db)
        for start in range(0, count, CHUNK):
            rows: dict[type, list[dict[str, Any]]] = {
                model: []
                for model in (
                    Person,
                    TeamMember,
                    Assessment,
                    Consent,
                    RecordedOutcome,
                    OutcomeAction,
                    Revision,
                    SignOff,
                    ConversationTurn,
                )
            }
            for i in range(start, min(start + CHUNK, count)):
                _one(rows, i, outcomes, ids, lead, nurse, agreed_at)
            for model, batch in rows.items():
                db.execute(insert(model), batch)
            db.commit()
    engine.dispose()


def _one(
    rows: dict[type, list[dict[str, Any]]],
    i: int,
    outcomes: int,
    ids: Iterator[int],
    lead: User,
    nurse: User,
    agreed_at: datetime,
) -> None:
    person_id = assessment_id = i + 1
    carer = i % 2 == 0
    rows[Person].append(
        {
            "id": person_id,
            "name": f"Person {i}",
            "case_reference": f"BENCH-{i:06d}",
            "preferred_language": "en",
            "kind": PersonKind.CARER if carer else PersonKind.SERVICE_USER,
            "cares_for_name": f"Cared-for {i}" if carer else None,
        }
    )
    rows[TeamMember] += [
        {"person_id": person_id, "user_id": lead.id, "team_role": "Social worker", "is_lead": True},
        {"person_id": person_id, "user_id": nurse.id, "team_role": "District nurse"},
    ]
    rows[Assessment].append(
        {
            "id": assessment_id,
            "person_id": person_id,
            "framework": "carer" if carer else "adult",
            "language": "en",
            "status": AssessmentStatus.FINISHED,
            "state": {},
            "stage": PlanStage.AGREED,
            "version": 1,
            "review_date": date(2027, 2, 1),
            "finished_at": agreed_at,
        }
    )
    rows[Consent] += [
        {
            "assessment_id": assessment_id,
            "purpose": purpose,
            # One person in twenty did not agree to export: they are left out and counted.
            "given": purpose != ConsentPurpose.EXPORT or i % 20 != 7,
        }
        for purpose in ConsentPurpose
    ]
    outcome_ids = []
    for k in range(outcomes):
        outcome_id = next(ids)
        outcome_ids.append(outcome_id)
        values = _outcome_values(i, k, turn=2 * k + 2)
        fields = {name: value for name, value in values.items() if name != "source_turn"}
        rows[RecordedOutcome].append(
            {
                "id": outcome_id,
                "assessment_id": assessment_id,
                "key": str(k + 1),
                "source_turn": values["source_turn"],
                **fields,
            }
        )
        rows[Revision].append(_revision(assessment_id, "outcome", outcome_id, values))
    for k in range(3):
        action_id = next(ids)
        values = {
            "outcome_id": outcome_ids[k],
            "what": f"Ask about a sitting service, {i}-{k}",
            "who": "Morag Campbell",
            "agency": Agency.SOCIAL_WORK.value,
            "due": (date(2026, 12, 1) + timedelta(days=k)).isoformat(),
            "status": ActionStatus.OPEN.value,
        }
        rows[OutcomeAction].append(
            {
                "id": action_id,
                "assessment_id": assessment_id,
                **values,
                "agency": Agency.SOCIAL_WORK,
                "status": ActionStatus.OPEN,
                "due": date.fromisoformat(values["due"]),
            }
        )
        rows[Revision].append(_revision(assessment_id, "action", action_id, values))
    rows[SignOff].append(
        {
            "assessment_id": assessment_id,
            "version": 1,
            "by_user_id": lead.id,
            "by_label": lead.display_name,
            "at": agreed_at,
            "review_date": date(2027, 2, 1),
            "not_covered": [],
        }
    )
    for seq in range(1, 22):
        question = {"text": QUESTION.format(n=f"{i}-{seq}"), "kind": "question", "buttons": []}
        rows[ConversationTurn].append(
            {
                "assessment_id": assessment_id,
                "seq": seq,
                "said_text": None if seq == 1 else SAYINGS[(i + seq) % len(SAYINGS)].format(n=seq),
                "engine_turn": seq,
                "reply": {"messages": [question], "phase": "topics", "finished": seq == 21},
                "by": "system" if seq == 1 else "person",
            }
        )


def _revision(
    assessment_id: int, subject: str, subject_id: int, values: dict[str, Any]
) -> dict[str, Any]:
    return {
        "assessment_id": assessment_id,
        "subject": subject,
        "subject_id": subject_id,
        "number": 1,
        "based_on": None,
        "plan_version": 1,
        "change": "conversation" if subject == "outcome" else "added",
        "changed": [],
        "values": values,
        "by_label": "Morag Campbell",
    }


# ------------------------------------------------------------------------- the child runs


def run_export(database_url: str, fmt: str, out: Path) -> dict[str, Any]:
    """In this process: the real `outcomes-chat export` command, timed."""
    from outcomes_chat import create_app

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": database_url, "TESTING": False})
    runner = app.test_cli_runner()
    started = time.perf_counter()
    result = runner.invoke(args=["export", "--format", fmt, "--out", str(out)])
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"export {fmt} failed: {result.output}")
    return {"seconds": seconds, "files": len(os.listdir(out))}


def run_views(database_url: str, fmt: str) -> dict[str, Any]:
    """In this process: the export's own pipeline (batched reads, the view, the format), with
    nothing written, so it sits beside the plain dump on equal terms."""
    from outcomes_chat import create_app
    from outcomes_chat.database import get_db
    from outcomes_chat.outcomes import export

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": database_url, "TESTING": False})
    with app.app_context():
        db = get_db()
        started = time.perf_counter()
        made = 0
        for assessment, rows in export.agreed_plans(db):
            if export.export_consented(assessment):
                view = export.export_view(db, assessment, rows=rows)
                made += len(export.render(view, fmt)) > 0
        return {"seconds": time.perf_counter() - started, "files": made}


def run_plain_dump(database_url: str, out: Path | None) -> dict[str, Any]:
    """In this process: the same rows, read in the same batches, each assessment's rows simply
    serialised with json.dumps (and, given a folder, written the same safe way): the floor an
    export is measured against."""
    from outcomes_chat.outcomes import export

    engine = create_engine(database_url)
    tables = (Consent, Revision, ConversationTurn, SignOff)
    started = time.perf_counter()
    made = 0
    with Session(engine) as db:
        ids = db.execute(
            select(Assessment.id)
            .order_by(Assessment.id)
            .execution_options(yield_per=export.BATCH_SIZE)
        ).scalars()
        for chunk in ids.partitions():
            grouped: dict[int, dict[str, list[dict[str, Any]]]] = {i: {} for i in chunk}
            rows = db.execute(
                select(Assessment.__table__, Person.__table__)
                .join(Person.__table__, Person.id == Assessment.person_id)
                .where(Assessment.id.in_(chunk))
            ).mappings()
            for row in rows:
                grouped[row["id"]]["assessment"] = [dict(row)]
            for model in tables:
                table = model.__table__
                query = select(table).where(table.c.assessment_id.in_(chunk))
                for row in db.execute(query).mappings():
                    grouped[row["assessment_id"]].setdefault(model.__tablename__, []).append(
                        dict(row)
                    )
            for assessment_id, data in grouped.items():
                text = json.dumps(data, default=str, ensure_ascii=False).encode()
                if out is not None:
                    export.write_atomically(out, f"plain-{assessment_id}.json", text)
                made += 1
    return {"seconds": time.perf_counter() - started, "files": made}


def child(args: argparse.Namespace) -> None:
    out = Path(args.out)
    what = args.child
    if what == "plain":
        result = run_plain_dump(args.database_url, None)
    elif what == "plain+files":
        result = run_plain_dump(args.database_url, out)
    elif what.startswith("export-"):
        result = run_export(args.database_url, what.removeprefix("export-"), out)
    else:
        result = run_views(args.database_url, what)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The export's worker processes (fhir and pdf): the largest of them.
    result["worker_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


def measure(database_url: str, what: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as out:
        completed = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                what,
                "--database-url",
                database_url,
                "--out",
                out,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if completed.returncode != 0:
        raise SystemExit(f"{what} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counts", default="1000,10000")
    parser.add_argument(
        "--formats", default=None, help="default: json, csv and fhir where available"
    )
    parser.add_argument("--outcomes", type=int, default=8)
    parser.add_argument(
        "--no-files", action="store_true", help="skip the end-to-end runs that write files"
    )
    parser.add_argument("--keep", help="keep the generated databases in this folder")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    from outcomes_chat.outcomes import export

    formats = (
        args.formats or ",".join(f for f in ("json", "csv", "fhir") if f in export.FORMATS)
    ).split(",")
    folder = Path(args.keep or tempfile.mkdtemp(prefix="export-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"{'count':>6}  {'what':<22} {'per second':>11} {'seconds':>8} {'files':>6} "
        f"{'peak MB':>8}  vs plain"
    )
    for count in (int(c) for c in args.counts.split(",")):
        database = folder / f"bench-{count}.sqlite"
        database.unlink(missing_ok=True)
        database_url = f"sqlite:///{database}"
        migrate.upgrade(database_url)
        started = time.perf_counter()
        generate(database_url, count, args.outcomes)
        print(
            f"# {count} assessments generated in {time.perf_counter() - started:.1f} s ({database})"
        )
        plain = measure(database_url, "plain")
        _line(count, "plain dump", plain, count, None)
        for fmt in formats:
            _line(count, fmt, measure(database_url, fmt), count, plain["seconds"])
        if not args.no_files:
            plain_files = measure(database_url, "plain+files")
            _line(count, "plain dump, files", plain_files, count, None)
            for fmt in formats:
                result = measure(database_url, f"export-{fmt}")
                _line(count, f"export --format {fmt}", result, count, plain_files["seconds"])
    print(
        "# targets: json within 3x of the plain dump; fhir at least 300 per second; "
        "peak memory under 250 MB at any count"
    )


def _line(
    count: int, what: str, result: dict[str, Any], assessments: int, plain: float | None
) -> None:
    rate = assessments / result["seconds"]
    ratio = f"{result['seconds'] / plain:5.2f}x" if plain else "      "
    workers = result.get("worker_peak_mb", 0) > 0
    print(
        f"{count:>6}  {what:<22} {rate:>11.0f} {result['seconds']:>8.2f} {result['files']:>6} "
        f"{result['peak_mb']:>8.1f}  {ratio}"
        + (f"  (workers: {result['worker_peak_mb']:.1f} MB each at most)" if workers else "")
    )


if __name__ == "__main__":
    main()
