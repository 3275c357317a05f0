"""Import: an exported assessment version restored into this instance, read-only.

The file is what `outcomes-chat export --format json` writes (export.export_view as JSON),
checked against the export schema (export-schema.json in this package; docs/export-schema.json
is its documented copy). Schema 1.0 and 1.1 files are read; 1.0 had no conversation.

What comes back: the person (or the person already here with that case reference, name and
kind), the assessment as an agreed, finished plan at the exported version, its consents,
outcomes, actions and sign-off, a first revision of each outcome and action at that version
(so it reads and exports as it did), and the conversation's answers beside their questions.
What does not: accounts and team membership (they belong to an instance), review comments,
safety flags and noted concerns, and any history before the exported version.

Everything is staged in the caller's session and nothing is written on a refusal; the caller
commits. A plan version already here (same person, framework, version and sign-off time) is
refused, so importing a file twice changes nothing the second time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from sqlalchemy import select
from sqlalchemy.orm import Session

from .audit import record_audit
from .errors import (
    DuplicateImport,
    InvalidImport,
    PersonClash,
    UnknownFramework,
    UnsupportedSchemaVersion,
)
from .export import OUTCOME_COLUMNS, SCHEMA_VERSION
from .models import (
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
    SignOff,
)
from .review import record_revision

SCHEMA_FILE = "export-schema.json"
# The revision change, the turns' client ids and the pressed buttons' value say "imported".
IMPORTED = "imported"
# The minimal engine state of an imported, finished conversation: nothing replays it.
IMPORTED_STATE = {"phase": "finished", "finished": True, "imported": True}
# The longest value each column takes (the schema has no lengths; PostgreSQL enforces them).
LIMITS = {
    ("person", "name"): 200,
    ("person", "preferred_name"): 120,
    ("person", "case_reference"): 64,
    ("person", "preferred_language"): 16,
    ("assessment", "language"): 16,
    ("assessment", "agreed_by"): 120,
}
OUTCOME_LIMITS = {"key": 40, "rating": 20, "previous_rating": 20, "impact": 40}
# The exported outcome fields a record stores: the CSV's columns and the review's look back.
OUTCOME_FIELDS = (*OUTCOME_COLUMNS, "previous_rating", "update")
MAX_MESSAGE = 200
# Far above any one plan's export (answers are at most 2,000 characters each); a larger file
# is not an export, and reading it whole would only use up memory.
MAX_FILE_BYTES = 20 * 1024 * 1024


@cache
def export_schema() -> dict[str, Any]:
    """The export schema this instance writes and reads (package data)."""
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def known_frameworks(prompts_dir: Path) -> frozenset[str]:
    """The frameworks this instance holds conversations in (prompts/frameworks/*.yaml)."""
    return frozenset(path.stem for path in (Path(prompts_dir) / "frameworks").glob("*.yaml"))


def read_view(path: Path) -> dict[str, Any]:
    """The exported view in a file, read no further than MAX_FILE_BYTES; OSError if unreadable."""
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InvalidImport(
            f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, "
            "far larger than any one exported plan"
        )
    return load_view(data)


def load_view(data: bytes) -> dict[str, Any]:
    """The exported view in a file's bytes; refuses what is not one JSON object."""
    try:
        view = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise InvalidImport("the file is not UTF-8 text") from error
    except json.JSONDecodeError as error:
        raise InvalidImport(
            f"the file is not JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from error
    if not isinstance(view, dict):
        raise InvalidImport("the file does not hold an exported assessment (a JSON object)")
    return view


def _path(parts: Sequence[object]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "the file"


def _short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def check_view(view: Mapping[str, Any]) -> dict[str, Any]:
    """The view as schema 1.1, checked: refuses another schema version, anything the schema
    does not allow (naming the field), and values this instance could not store."""
    version = view.get("schema_version")
    found = re.fullmatch(r"(\d+)\.(\d+)", version) if isinstance(version, str) else None
    ours = [int(part) for part in SCHEMA_VERSION.split(".")]
    if found is None or int(found[1]) != ours[0] or int(found[2]) > ours[1]:
        raise UnsupportedSchemaVersion(repr(version))
    checked = dict(view)
    if int(found[2]) == 0:
        checked.setdefault("conversation", [])  # 1.1 added the conversation
    checked["schema_version"] = SCHEMA_VERSION
    validator = jsonschema.Draft202012Validator(
        export_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    error = best_match(validator.iter_errors(checked))
    if error is not None:
        raise InvalidImport(f"{_path(error.absolute_path)}: {_short(error.message)}")
    _check_values(checked)
    return checked


def _refuse(path: Sequence[object], message: str) -> None:
    raise InvalidImport(f"{_path(path)}: {message}")


def _check_length(path: Sequence[object], value: object, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        _refuse(path, f"longer than {limit} characters")


def _check_values(view: Mapping[str, Any]) -> None:
    assessment, person = view["assessment"], view["person"]
    if not assessment["agreed"] or assessment["agreed_at"] is None:
        _refuse(["assessment", "agreed"], "only an agreed (signed-off) version can be imported")
    if assessment["review_date"] is None:
        _refuse(["assessment", "review_date"], "an agreed version has a review date")
    if not person["case_reference"].strip():
        _refuse(["person", "case_reference"], "empty")
    for (part, name), limit in LIMITS.items():
        _check_length([part, name], view[part][name], limit)
    if person["cares_for"] is not None:
        _check_length(["person", "cares_for", "name"], person["cares_for"]["name"], 200)
    _check_time(["assessment", "agreed_at"], assessment["agreed_at"])
    _check_date(["assessment", "review_date"], assessment["review_date"])
    for number, consent in enumerate(view["consents"]):
        _check_time(["consents", number, "recorded_at"], consent["recorded_at"])
    ids: set[int] = set()
    keys: set[str] = set()
    for number, outcome in enumerate(view["outcomes"]):
        for name, limit in OUTCOME_LIMITS.items():
            _check_length(["outcomes", number, name], outcome[name], limit)
        if outcome["id"] in ids or outcome["key"] in keys:
            _refuse(["outcomes", number], "the same id or key as an outcome before it")
        ids.add(outcome["id"])
        keys.add(outcome["key"])
    action_ids: set[int] = set()
    for number, action in enumerate(view["actions"]):
        if action["outcome_id"] not in ids:
            _refuse(["actions", number, "outcome_id"], "not one of the file's outcomes")
        if action["id"] in action_ids:
            _refuse(["actions", number, "id"], "the same id as an action before it")
        action_ids.add(action["id"])
        _check_length(["actions", number, "who"], action["who"], 200)
        _check_date(["actions", number, "due"], action["due"])
    seq = 0
    for number, answer in enumerate(view["conversation"]):
        if answer["seq"] <= seq:
            _refuse(["conversation", number, "seq"], "not after the answer before it")
        seq = answer["seq"]
        _check_length(["conversation", number, "by"], answer["by"], 20)
        if answer["answered_with"] == "button":
            _check_length(["conversation", number, "answer"], answer["answer"], 200)
        _check_time(["conversation", number, "at"], answer["at"])


def _check_time(path: Sequence[object], value: str) -> None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or "T" not in value or parsed.tzinfo is None:
        _refuse(path, f"{value!r} is not a date and time with a time zone")


def _check_date(path: Sequence[object], value: str | None) -> None:
    if value is None:
        return
    try:
        date.fromisoformat(value)
    except ValueError:
        _refuse(path, f"{value!r} is not a date (YYYY-MM-DD)")


# ------------------------------------------------------------------------------- import


def _person(db: Session, data: Mapping[str, Any]) -> Person:
    """The person already here with this case reference, name and kind, or a new one."""
    reference = data["case_reference"].strip()
    found = db.scalar(select(Person).where(Person.case_reference == reference))
    if found is not None:
        if found.name != data["name"] or found.kind.value != data["kind"]:
            raise PersonClash(reference)
        return found
    person = Person(
        name=data["name"],
        preferred_name=data["preferred_name"],
        case_reference=reference,
        kind=PersonKind(data["kind"]),
        preferred_language=data["preferred_language"],
    )
    cares_for = data["cares_for"]
    if person.kind == PersonKind.CARER and cares_for is not None:
        linked = None
        if cares_for["case_reference"]:
            linked = db.scalar(
                select(Person).where(Person.case_reference == cares_for["case_reference"])
            )
        # Linked only when the cared-for person here is the one named: else the name is kept.
        if linked is not None and linked.name == cares_for["name"]:
            person.cares_for = linked
        else:
            person.cares_for_name = cares_for["name"]
    db.add(person)
    return person


def _check_not_here(db: Session, person: Person, data: Mapping[str, Any], at: datetime) -> None:
    if person.id is None:
        return
    held = db.scalars(
        select(SignOff)
        .join(Assessment)
        .where(
            Assessment.person_id == person.id,
            Assessment.framework == data["framework"],
            SignOff.version == data["version"],
        )
    )
    if any(sign_off.at == at for sign_off in held):
        raise DuplicateImport(f"{person.case_reference} version {data['version']}")


def _reply(question: str | None, finished: bool) -> dict[str, Any]:
    """An imported turn's reply: only the question the next answer answered."""
    messages = [{"text": question, "kind": "question", "buttons": []}] if question else []
    return {
        "messages": messages,
        "events": [],
        "progress": {"topic": 0, "of": 0},
        "phase": "finished" if finished else IMPORTED,
        "controls": [],
        "finished": finished,
    }


def _turns(answers: Sequence[Mapping[str, Any]], agreed_at: datetime) -> list[ConversationTurn]:
    """The answers as turns at their sequence numbers; each question goes into the reply of the
    turn before its answer (a placeholder turn where the file has none), as the export reads."""
    by_seq = {answer["seq"]: answer for answer in answers}
    asked = {a["seq"] - 1: a["question"] for a in answers if a["question"] and a["seq"] > 1}
    seqs = sorted({*by_seq, *asked}) or [1]
    turns = []
    for seq in seqs:
        answer = by_seq.get(seq)
        reply = _reply(asked.get(seq), seq == seqs[-1])
        if answer is None:
            turns.append(
                ConversationTurn(seq=seq, engine_turn=0, reply=reply, by="system", at=agreed_at)
            )
            continue
        words = answer["answered_with"] == "words"
        turns.append(
            ConversationTurn(
                seq=seq,
                client_id=f"{IMPORTED}-{seq}",
                said_text=answer["answer"] if words else None,
                said_button=None if words else IMPORTED,
                said_label=None if words else answer["answer"],
                engine_turn=0,
                reply=reply,
                by=answer["by"],
                at=datetime.fromisoformat(answer["at"]),
            )
        )
    # A placeholder's time is that of the answer after it, so the transcript stays in order.
    for turn, following in pairwise(turns):
        if turn.by == "system":
            turn.at = following.at
    return turns


def import_view(
    db: Session, view: Mapping[str, Any], by_label: str, frameworks: Collection[str]
) -> Assessment:
    """Restore one exported assessment version (checked as check_view does) as an agreed,
    finished, read-only plan; `by_label` says who imported it, `frameworks` are the ones this
    instance knows. Stages everything and commits nothing; a refusal stages nothing."""
    checked = check_view(view)
    data, agreed_at = (
        checked["assessment"],
        datetime.fromisoformat(checked["assessment"]["agreed_at"]),
    )
    if data["framework"] not in frameworks:
        raise UnknownFramework(data["framework"])
    with db.no_autoflush:
        person = _person(db, checked["person"])
        _check_not_here(db, person, data, agreed_at)
    answers = checked["conversation"]
    turns = _turns(answers, agreed_at)
    times = [turn.at for turn in turns if turn.at is not None]
    assessment = Assessment(
        person=person,
        framework=data["framework"],
        language=data["language"],
        status=AssessmentStatus.FINISHED,
        state=dict(IMPORTED_STATE),
        phase="finished",
        last_seq=turns[-1].seq,
        started_at=min([*times, agreed_at]),
        updated_at=agreed_at,
        finished_at=max(times) if answers else agreed_at,
        stage=PlanStage.AGREED,
        version=data["version"],
        review_date=date.fromisoformat(data["review_date"]),
    )
    for consent in checked["consents"]:
        assessment.consents.append(
            Consent(
                purpose=ConsentPurpose(consent["purpose"]),
                given=consent["given"],
                recorded_at=datetime.fromisoformat(consent["recorded_at"]),
            )
        )
    db.add(assessment)
    db.flush()
    for turn in turns:
        turn.assessment_id = assessment.id
        db.add(turn)
    outcomes: dict[int, RecordedOutcome] = {}
    for item in checked["outcomes"]:
        outcome = RecordedOutcome(
            key=item["key"],
            domains=list(item["domains"]),
            **{name: item[name] for name in OUTCOME_FIELDS},
        )
        assessment.outcomes.append(outcome)
        db.flush()
        record_revision(db, assessment, outcome, IMPORTED, by_label)
        outcomes[item["id"]] = outcome
    for item in checked["actions"]:
        action = OutcomeAction(
            outcome=outcomes[item["outcome_id"]],
            what=item["what"],
            who=item["who"],
            agency=Agency(item["agency"]),
            due=date.fromisoformat(item["due"]) if item["due"] else None,
            status=ActionStatus(item["status"]),
            created_at=agreed_at,
        )
        assessment.actions.append(action)
        db.flush()
        record_revision(db, assessment, action, IMPORTED, by_label)
    assessment.sign_offs.append(
        SignOff(
            version=data["version"],
            by_label=data["agreed_by"] or "",
            at=agreed_at,
            review_date=date.fromisoformat(data["review_date"]),
            not_covered=list(data["not_covered"]),
        )
    )
    db.flush()
    record_audit(db, by_label, "import", "assessment", assessment.id, person.id)
    return assessment
