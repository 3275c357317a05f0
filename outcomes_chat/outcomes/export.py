"""Exports to case files: one assessment version as a plain dict, as JSON and as CSV.

An export is a view of one version of a plan, the signed-off (agreed) one unless another is
asked for, and only ever of a person who agreed to their plan being copied to their case file
(ConsentPurpose.EXPORT). The person's words go out verbatim, in whatever language they used.
The JSON follows docs/export-schema.json; the CSV columns are documented in docs/export.md;
HL7 FHIR (a Bundle built from the same view) is in export_fhir.py.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import multiprocessing
import os
import re
import tempfile
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row, func, select
from sqlalchemy.orm import Session, joinedload, object_session, selectinload
from sqlalchemy.sql import Select

from .audit import record_audit
from .errors import NoExportConsent, NotSignedOff, UnknownVersion
from .models import (
    Assessment,
    Consent,
    ConsentPurpose,
    ConversationTurn,
    Person,
    Revision,
    SignOff,
    TeamMember,
)
from .review import latest_values

# Bump the minor part for added fields, the major part for anything a reader would trip on;
# docs/export-schema.json says which it describes.
SCHEMA_VERSION = "1.1"
FORMATS = ("json", "csv", "fhir")
# Assessments read from the database at a time by a batch export.
BATCH_SIZE = 200
# Renderings a worker process may have queued ahead of the writer (memory stays flat).
QUEUED_PER_WORKER = 4

Meta = TypeVar("Meta")
Job = TypeVar("Job")
Made = TypeVar("Made")

# The outcome's own columns, as the JSON names them.
OUTCOME_COLUMNS = (
    "words",
    "rating",
    "rating_words",
    "wish",
    "helps",
    "barriers",
    "who_could_help",
    "note",
    "practitioner_view",
    "person_view",
    "impact",
    "achieved",
)
CSV_COLUMNS = (
    "schema_version",
    "case_reference",
    "person_name",
    "person_kind",
    "assessment_id",
    "framework",
    "language",
    "version",
    "agreed_at",
    "agreed_by",
    "review_date",
    "outcome_id",
    "outcome_key",
    "domains",
    *OUTCOME_COLUMNS,
    "actions",
)
# A spreadsheet reads a cell starting with one of these as a formula (or as the start of one),
# full-width forms included (some spreadsheets fold them to the ASCII signs).
FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Characters a spreadsheet may skip before a formula sign: " =1+1" can still run.
FORMULA_LEAD = " \t\r\n\u3000"


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def latest_export_answers(db: Session, person_ids: Iterable[int]) -> dict[int, bool]:
    """Each person's latest answer to being copied to their case file, whichever of their
    conversations it was asked in, by person id (absent where never asked)."""
    rows = db.execute(
        select(Assessment.person_id, Consent.given)
        .join(Consent, Consent.assessment_id == Assessment.id)
        .where(Assessment.person_id.in_(list(person_ids)), Consent.purpose == ConsentPurpose.EXPORT)
        .order_by(Consent.recorded_at, Consent.id)
    )
    return {person_id: given for person_id, given in rows}


def export_consented(assessment: Assessment, rows: PlanRows | None = None) -> bool:
    """Whether the person agrees to their plans being copied to their case file. Consent is
    the person's, not the plan's: their latest answer, in this conversation or a later one
    (a review, say), stands for every plan of theirs, so a "no" is respected everywhere."""
    if rows is not None:
        return rows.export_consent
    db = object_session(assessment)
    if db is None:  # a plan not stored (yet): only its own answers are known
        answers = [c.given for c in assessment.consents if c.purpose == ConsentPurpose.EXPORT]
        return bool(answers) and answers[-1]
    return latest_export_answers(db, [assessment.person_id]).get(assessment.person_id, False)


def check_exportable(
    assessment: Assessment, version: int | None = None, rows: PlanRows | None = None
) -> tuple[int, SignOff | None]:
    """The version to export and its sign-off; refuses what may not or cannot be exported."""
    if not export_consented(assessment, rows):
        raise NoExportConsent(str(assessment.id))
    if version is None:
        agreed = assessment.agreed
        if agreed is None:
            raise NotSignedOff(str(assessment.id))
        return agreed.version, agreed
    if not 1 <= version <= assessment.version:
        raise UnknownVersion(str(version))
    return version, next((s for s in assessment.sign_offs if s.version == version), None)


def _outcome(outcome_id: int, key: str, values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": outcome_id,
        "key": key,
        "words": values.get("words") or "",
        "domains": list(values.get("domains") or []),
        "rating": values.get("rating"),
        "rating_words": values.get("rating_words"),
        "wish": values.get("wish"),
        "helps": values.get("helps"),
        "barriers": values.get("barriers"),
        "who_could_help": values.get("who_could_help"),
        "previous_rating": values.get("previous_rating"),
        "update": values.get("update"),
        "note": values.get("note"),
        "practitioner_view": values.get("practitioner_view"),
        "person_view": values.get("person_view"),
        "impact": values.get("impact"),
        "achieved": values.get("achieved"),
    }


def _is_active(values: Mapping[str, Any]) -> bool:
    return not (
        values.get("removed") or values.get("removed_in_review") or values.get("merged_into_id")
    )


def _question(reply: Mapping[str, Any]) -> str | None:
    return next((m["text"] for m in reply.get("messages", []) if m.get("kind") == "question"), None)


@dataclass(frozen=True)
class PlanRows:
    """The rows an export view is made from besides the assessment itself: its revisions as
    (subject, plan version, subject id, values) in revision order, and its conversation turns
    in order. A batch export reads them for a whole batch of plans at once."""

    revisions: list[tuple[str, int, int, dict[str, Any]]] = field(default_factory=list)
    turns: list[Row[Any]] = field(default_factory=list)
    # The person's latest answer to export consent (see export_consented).
    export_consent: bool = False


_TURN_COLUMNS = (
    ConversationTurn.assessment_id,
    ConversationTurn.seq,
    ConversationTurn.said_text,
    ConversationTurn.said_label,
    ConversationTurn.said_button,
    ConversationTurn.reply,
    ConversationTurn.by,
    ConversationTurn.at,
)


def plan_rows(db: Session, assessment_ids: Sequence[int]) -> dict[int, PlanRows]:
    """The revisions and turns of these assessments, in two queries, by assessment id."""
    found = {assessment_id: PlanRows() for assessment_id in assessment_ids}
    revisions = db.execute(
        select(
            Revision.assessment_id,
            Revision.subject,
            Revision.plan_version,
            Revision.subject_id,
            Revision.values,
        )
        .where(Revision.assessment_id.in_(assessment_ids))
        .order_by(Revision.assessment_id, Revision.number)
    )
    for assessment_id, *revision in revisions:
        found[assessment_id].revisions.append(tuple(revision))  # type: ignore[arg-type]
    turns = db.execute(
        select(*_TURN_COLUMNS)
        .where(ConversationTurn.assessment_id.in_(assessment_ids))
        .order_by(ConversationTurn.assessment_id, ConversationTurn.seq)
    )
    for turn in turns:
        found[turn.assessment_id].turns.append(turn)
    return found


def conversation_answers(turns: Iterable[Row[Any]]) -> list[dict[str, Any]]:
    """Each answer the conversation took, verbatim, beside the question it answered (the one
    asked in the turn before). A pressed button is recorded by the label the person saw."""
    answers = []
    asked: str | None = None
    for turn in turns:
        answer = (
            turn.said_text if turn.said_text is not None else (turn.said_label or turn.said_button)
        )
        if answer is not None:
            answers.append(
                {
                    "seq": turn.seq,
                    "question": asked,
                    "answer": answer,
                    "answered_with": "words" if turn.said_text is not None else "button",
                    "by": turn.by,
                    "at": _iso(turn.at),
                }
            )
        asked = _question(turn.reply) or asked
    return answers


def export_view(
    db: Session,
    assessment: Assessment,
    version: int | None = None,
    rows: PlanRows | None = None,
) -> dict[str, Any]:
    """One version of an assessment as plain JSON values: the agreed one unless asked.

    Refuses (ExportRefused) a person who did not consent to export, a plan never signed off
    when no version is asked for, and a version the plan never had. `rows` are the plan's
    revisions and turns where the caller read them already (a batch export does).
    """
    version, agreed = check_exportable(assessment, version, rows)
    if rows is None:
        rows = plan_rows(db, [assessment.id])[assessment.id]
    person = assessment.person
    keys = {outcome.id: outcome.key for outcome in assessment.outcomes}
    outcome_values = latest_values(rows.revisions, version)
    outcomes = [
        _outcome(outcome_id, keys.get(outcome_id, ""), values)
        for outcome_id, values in sorted(outcome_values.items())
        if _is_active(values)
    ]
    exported = {outcome["id"] for outcome in outcomes}
    actions = [
        {
            "id": action_id,
            "outcome_id": values["outcome_id"],
            "what": values["what"],
            "who": values["who"],
            "agency": values["agency"],
            "due": values.get("due"),
            "status": values["status"],
        }
        for action_id, values in sorted(latest_values(rows.revisions, version, "action").items())
        if values.get("outcome_id") in exported
    ]
    cares_for = person.cares_for
    return {
        "schema_version": SCHEMA_VERSION,
        "assessment": {
            "id": assessment.id,
            "framework": assessment.framework,
            "language": assessment.language,
            "version": version,
            "agreed": agreed is not None,
            "agreed_at": _iso(agreed.at) if agreed else None,
            "agreed_by": agreed.by_label if agreed else None,
            "review_date": _iso(agreed.review_date) if agreed else None,
            "not_covered": list(agreed.not_covered) if agreed else [],
            "review_of_id": assessment.review_of_id,
        },
        "person": {
            "name": person.name,
            "preferred_name": person.preferred_name,
            "case_reference": person.case_reference,
            "kind": person.kind.value,
            "preferred_language": person.preferred_language,
            "cares_for": (
                {"name": cares_for.name, "case_reference": cares_for.case_reference}
                if cares_for is not None
                else ({"name": person.cares_for_name, "case_reference": None})
                if person.cares_for_name
                else None
            ),
        },
        "team": [
            {
                "name": member.user.display_name,
                "agency": member.user.agency.value,
                "role": member.team_role,
                "lead": member.is_lead,
            }
            for member in person.team
        ],
        "consents": [
            {
                "purpose": consent.purpose.value,
                "given": consent.given,
                "recorded_at": _iso(consent.recorded_at),
            }
            for consent in assessment.consents
        ],
        "outcomes": outcomes,
        "actions": actions,
        "conversation": conversation_answers(rows.turns),
    }


def to_json(view: Mapping[str, Any]) -> bytes:
    """The view as UTF-8 JSON, every character as the person wrote it (no \\u escapes)."""
    # Compact: with an indent, json falls back from its C encoder to pure Python, several
    # times slower on a batch of thousands; case-management systems read it, not people.
    return (json.dumps(view, ensure_ascii=False) + "\n").encode("utf-8")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would read as a formula gets a leading apostrophe."""
    starts_oddly = cell[:1] in ("\t", "\r") or cell.lstrip(FORMULA_LEAD).startswith(FORMULA_STARTS)
    return "'" + cell if starts_oddly else cell


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(str(value))


def _action_text(action: Mapping[str, Any]) -> str:
    due = f", due {action['due']}" if action.get("due") else ""
    return f"{action['what']} ({action['who']}, {action['agency']}{due}, {action['status']})"


def csv_rows(view: Mapping[str, Any]) -> Iterable[list[str]]:
    """One row per outcome, in CSV_COLUMNS order, every cell neutralised."""
    assessment, person = view["assessment"], view["person"]
    for outcome in view["outcomes"]:
        actions = [a for a in view["actions"] if a["outcome_id"] == outcome["id"]]
        row: dict[str, object] = {
            "schema_version": view["schema_version"],
            "case_reference": person["case_reference"],
            "person_name": person["name"],
            "person_kind": person["kind"],
            "assessment_id": assessment["id"],
            "framework": assessment["framework"],
            "language": assessment["language"],
            "version": assessment["version"],
            "agreed_at": assessment["agreed_at"],
            "agreed_by": assessment["agreed_by"],
            "review_date": assessment["review_date"],
            "outcome_id": outcome["id"],
            "outcome_key": outcome["key"],
            "domains": ";".join(outcome["domains"]),
            **{name: outcome[name] for name in OUTCOME_COLUMNS},
            "actions": "\n".join(_action_text(action) for action in actions),
        }
        yield [_cell(row[column]) for column in CSV_COLUMNS]


def to_csv(view: Mapping[str, Any]) -> bytes:
    """The view as UTF-8 CSV (no byte-order mark): a header row, then one row per outcome."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(view))
    return buffer.getvalue().encode("utf-8")


def prepare(fmt: str) -> None:
    """Pay a format's one-time costs (imports, building validators) now: a batch export calls
    this before it forks its workers, so they inherit what was built."""
    if fmt == "fhir":
        from .export_fhir import warm_up

        warm_up()


def render(view: Mapping[str, Any], fmt: str) -> bytes:
    """The view in one of FORMATS."""
    if fmt == "json":
        return to_json(view)
    if fmt == "csv":
        return to_csv(view)
    if fmt == "fhir":
        from .export_fhir import to_fhir  # fhir.resources is slow to import: only when asked

        return to_fhir(view)
    raise ValueError(f"unknown export format {fmt!r}")


def file_name(view: Mapping[str, Any], fmt: str) -> str:
    """A stable name, so exporting the same version again replaces the file."""
    reference = re.sub(r"[^A-Za-z0-9._-]", "_", view["person"]["case_reference"]).lstrip(".")
    assessment = view["assessment"]
    extension = "fhir.json" if fmt == "fhir" else fmt
    return f"{reference or 'person'}-{assessment['id']}-v{assessment['version']}.{extension}"


# ----------------------------------------------------------------------------- batch exports


def _agreed_ids(since: date | None, person: Person | None) -> Select[Any]:
    signed = select(SignOff.assessment_id)
    if since is not None:
        signed = signed.where(SignOff.at >= datetime.combine(since, time.min, UTC))
    query = select(Assessment.id).where(Assessment.id.in_(signed))
    if person is not None:
        query = query.where(Assessment.person_id == person.id)
    return query


def count_agreed(db: Session, since: date | None = None, person: Person | None = None) -> int:
    """How many assessments agreed_plans will hand out (for progress on long runs)."""
    return db.scalar(select(func.count()).select_from(_agreed_ids(since, person).subquery())) or 0


def agreed_plans(
    db: Session, since: date | None = None, person: Person | None = None, batch: int = BATCH_SIZE
) -> Iterator[tuple[Assessment, PlanRows]]:
    """Assessments with a signed-off version (since a day, for a person), oldest first, each
    with its revisions and turns for export_view.

    Streams: ids come from the database `batch` at a time, and each batch is loaded (in a
    handful of queries, whatever its size), handed out and let go (expunged), so memory stays
    flat whatever the count. The caller must be done with each batch's assessments before
    asking for the next.
    """
    query = _agreed_ids(since, person).order_by(Assessment.id)
    ids = db.execute(query.execution_options(yield_per=batch)).scalars()
    for chunk in ids.partitions():
        loaded = db.scalars(
            select(Assessment)
            .where(Assessment.id.in_(chunk))
            .order_by(Assessment.id)
            .options(
                selectinload(Assessment.consents),
                selectinload(Assessment.sign_offs),
                selectinload(Assessment.outcomes),
                joinedload(Assessment.person).joinedload(Person.cares_for),
                joinedload(Assessment.person).selectinload(Person.team).joinedload(TeamMember.user),
            )
        ).all()
        rows = plan_rows(db, chunk)
        consents = latest_export_answers(db, {assessment.person_id for assessment in loaded})
        for assessment in loaded:
            consent = consents.get(assessment.person_id, False)
            yield assessment, replace(rows[assessment.id], export_consent=consent)
        db.expunge_all()


def write_atomically(folder: Path, name: str, data: bytes) -> Path:
    """Write a file in a temporary file beside it, then move it into place: a reader sees the
    old file or the new one, never half of one. Readable by its owner only (0600)."""
    target = folder / name
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return target


class ExportAudit:
    """The audit rows of a batch export, one per file, written in their own transactions
    every `every` files: the export's long read goes on undisturbed, the log keeps up with
    the files, and a run that fails part way still records what it wrote. Use it as a
    context manager, so the last rows are written however the run ends."""

    def __init__(
        self, bind: Engine | Connection, actor_label: str, every: int = BATCH_SIZE
    ) -> None:
        self._bind = bind
        self._actor_label = actor_label
        self._every = every
        self._pending: list[tuple[str, int]] = []

    def exported(self, assessment_id: int, person_id: int, version: int, fmt: str) -> None:
        """Note that this version of the assessment was written as `fmt`."""
        self._pending.append((f"{assessment_id} v{version} {fmt}", person_id))
        if len(self._pending) >= self._every:
            self.flush()

    def flush(self) -> None:
        """Write the rows noted so far."""
        if not self._pending:
            return
        with Session(self._bind) as session:
            for exported, person_id in self._pending:
                record_audit(
                    session, self._actor_label, "export", "assessment", exported, person_id
                )
            session.commit()
        self._pending.clear()

    def __enter__(self) -> ExportAudit:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.flush()


def made_in_order(
    items: Iterable[tuple[Meta, Job]],
    make: Callable[[Job], Made],
    jobs: int = 1,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    made_anyway: Callable[[Meta], None] | None = None,
) -> Generator[tuple[Meta, Made], None, None]:
    """Each (meta, job) with what `make` made of the job, in the order given.

    With more than one job the making (FHIR validation, PDF layout, writing the file: the
    heavy part of a batch) runs in that many forked worker processes while this one goes on
    reading, with a bounded number of jobs queued, so memory stays flat. `make` must be a
    module-level function (or a partial of one); `initializer(*initargs)` runs once in each
    worker (for an app context, say). An exception raised by `make` comes out here, at its
    item. When the run stops early (that exception, an interrupt, or the caller closing this
    generator), the jobs not started are cancelled, those under way are let finish, and
    `made_anyway(meta)` hears of each that was made after all, though never handed out: its
    file exists, so the caller can still account for it.
    """
    if jobs <= 1:
        for meta, job in items:
            yield meta, make(job)
        return
    # Forked, the workers start at once with everything already imported, and the initializer's
    # arguments (an app, say) are inherited rather than pickled.
    context = multiprocessing.get_context("fork")
    # What exists now stays out of the collector's way in every worker: collections there
    # would walk (and so copy, page by page) the whole inherited heap.
    gc.freeze()
    queued: deque[tuple[Meta, Future[Made]]] = deque()
    pool = ProcessPoolExecutor(jobs, context, initializer, initargs)
    try:
        for meta, job in items:
            queued.append((meta, pool.submit(make, job)))
            if len(queued) >= jobs * QUEUED_PER_WORKER:
                done, future = queued.popleft()
                yield done, future.result()
        while queued:
            done, future = queued.popleft()
            yield done, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for meta, future in queued:
            if made_anyway and not future.cancelled() and future.exception() is None:
                made_anyway(meta)
