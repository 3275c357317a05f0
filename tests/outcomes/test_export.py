"""Exports to case files: the view of one agreed version, its JSON (against the schema) and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select

from outcomes_chat.outcomes import export, review
from outcomes_chat.outcomes.errors import (
    ExportRefused,
    NoExportConsent,
    NotSignedOff,
    UnknownVersion,
)
from outcomes_chat.outcomes.models import Consent, ConsentPurpose, Revision
from tests.outcomes.conftest import hold_conversation

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "docs" / "export-schema.json").read_text(encoding="utf-8")
)
TODAY = date(2026, 12, 2)
# A person may answer in any language: their words go out exactly as they wrote them.
WORDS = {
    "welsh": "Rwy'n hoffi mynd am dro gyda'r ŵyr bob dydd Sul",
    "polish": "Chciałabym móc wyjść z domu sama, bez łez",
    "arabic": "أريد أن أرى أصدقائي كل أسبوع",
}


def validate(view: dict) -> None:
    jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(view)
    # jsonschema checks "date-time" only with rfc3339-validator, not installed: check here.
    times = [view["assessment"]["agreed_at"], *(c["recorded_at"] for c in view["consents"])]
    for value in filter(None, times):
        assert "T" in value and datetime.fromisoformat(value).tzinfo is not None, value


def allow_export(assessment, given: bool = True) -> None:
    """Set the person's answer to the export consent asked when the conversation started."""
    (consent,) = [c for c in assessment.consents if c.purpose == ConsentPurpose.EXPORT]
    consent.given = given


def agree(db, assessment, lead, framework, review_in_days: int = 90):
    seen = review.plan_fingerprint(db, assessment)
    agreed = review.sign_off(
        db, assessment, lead, TODAY + timedelta(days=review_in_days), framework, TODAY, seen
    )
    db.commit()
    return agreed


def say_instead(db, outcome, words: str) -> None:
    """Put other words in the person's mouth, in the record and in its revisions."""
    outcome.words = words
    for revision in db.scalars(
        select(Revision).where(Revision.subject == "outcome", Revision.subject_id == outcome.id)
    ):
        revision.values = {**revision.values, "words": words}
    db.commit()


@pytest.fixture
def agreed(app, db, team, carer_framework):
    """A finished carer conversation, with export consent, signed off without actions."""
    person, lead, _nurse, _outsider = team
    assessment = hold_conversation(app, db, person, lead)
    allow_export(assessment)
    db.commit()
    agree(db, assessment, lead, carer_framework)
    return assessment


def test_a_carer_plan_without_actions_exports_its_agreed_version(db, agreed, team):
    person, lead, nurse, _outsider = team
    view = export.export_view(db, agreed)
    validate(view)
    assert view["schema_version"] == export.SCHEMA_VERSION
    assert view["assessment"] | {"agreed_at": None} == {
        "id": agreed.id,
        "framework": "carer",
        "language": "en",
        "version": 1,
        "agreed": True,
        "agreed_at": None,
        "agreed_by": lead.display_name,
        "review_date": (TODAY + timedelta(days=90)).isoformat(),
        "not_covered": list(agreed.agreed.not_covered),
        "review_of_id": None,
    }
    assert view["person"]["case_reference"] == person.case_reference
    assert view["person"]["kind"] == "carer"
    assert [(m["name"], m["lead"]) for m in view["team"]] == [
        (lead.display_name, True),
        (nurse.display_name, False),
    ]
    assert {(c["purpose"], c["given"]) for c in view["consents"]} == {
        ("record", True),
        ("share_team", True),
        ("export", True),
    }
    active = [o for o in agreed.outcomes if o.active]
    assert active
    assert [o["words"] for o in view["outcomes"]] == [o.words for o in active]
    assert [o["domains"] for o in view["outcomes"]] == [o.domains for o in active]
    assert [o["rating"] for o in view["outcomes"]] == [o.rating for o in active]
    assert view["actions"] == []


def test_a_carer_plan_with_actions_exports_them_and_the_teams_notes(db, app, team, carer_framework):
    person, lead, _nurse, _outsider = team
    assessment = hold_conversation(app, db, person, lead)
    allow_export(assessment)
    first = next(o for o in assessment.outcomes if o.active)
    review.edit_outcome(
        db, assessment, first.id, first.revision, {"note": "Seen at home"}, lead, carer_framework
    )
    action = review.add_action(
        db,
        assessment,
        first.id,
        review.ActionDetails("Ask about a sitter", "Jo Fraser", "voluntary", TODAY),
        lead,
    )
    db.commit()
    agree(db, assessment, lead, carer_framework)
    view = export.export_view(db, assessment)
    validate(view)
    assert view["actions"] == [
        {
            "id": action.id,
            "outcome_id": first.id,
            "what": "Ask about a sitter",
            "who": "Jo Fraser",
            "agency": "voluntary",
            "due": TODAY.isoformat(),
            "status": "open",
        }
    ]
    assert view["outcomes"][0]["note"] == "Seen at home"


def test_a_later_change_does_not_alter_the_agreed_version(db, agreed, team, carer_framework):
    _person, lead, _nurse, _outsider = team
    before = export.export_view(db, agreed)
    review.start_new_version(db, agreed, lead)
    outcome = next(o for o in agreed.outcomes if o.active)
    review.edit_outcome(
        db, agreed, outcome.id, outcome.revision, {"note": "changed later"}, lead, carer_framework
    )
    review.add_action(db, agreed, outcome.id, review.ActionDetails("Later", "Amir", "health"), lead)
    db.commit()
    assert export.export_view(db, agreed) == before
    draft = export.export_view(db, agreed, version=2)
    validate(draft)
    assert draft["assessment"]["agreed"] is False and draft["assessment"]["agreed_at"] is None
    assert draft["outcomes"][0]["note"] == "changed later" and len(draft["actions"]) == 1


def test_export_is_refused_without_the_persons_consent(db, app, team, carer_framework):
    person, lead, _nurse, _outsider = team
    assessment = hold_conversation(app, db, person, lead)
    allow_export(assessment, given=False)
    db.commit()
    agree(db, assessment, lead, carer_framework)
    with pytest.raises(NoExportConsent) as refused:
        export.export_view(db, assessment)
    assert isinstance(refused.value, ExportRefused) and refused.value.code == "no_export_consent"
    with pytest.raises(NoExportConsent):
        export.export_view(db, assessment, version=1)
    allow_export(assessment)
    assessment.consents.append(Consent(purpose=ConsentPurpose.EXPORT, given=False))
    db.commit()
    with pytest.raises(NoExportConsent):
        export.export_view(db, assessment)


def test_a_plan_never_signed_off_is_exported_only_when_a_version_is_asked_for(db, app, team):
    person, lead, _nurse, _outsider = team
    assessment = hold_conversation(app, db, person, lead)
    allow_export(assessment)
    db.commit()
    with pytest.raises(NotSignedOff) as refused:
        export.export_view(db, assessment)
    assert refused.value.code == "not_signed_off"
    view = export.export_view(db, assessment, version=1)
    validate(view)
    assert view["assessment"]["agreed"] is False
    with pytest.raises(UnknownVersion):
        export.export_view(db, assessment, version=2)


@pytest.mark.parametrize("language", sorted(WORDS))
def test_words_in_any_language_survive_json_and_csv_byte_for_byte(db, agreed, language):
    words = WORDS[language]
    say_instead(db, next(o for o in agreed.outcomes if o.active), words)
    view = export.export_view(db, agreed)
    validate(view)
    as_json = export.to_json(view)
    assert words.encode("utf-8") in as_json
    assert json.loads(as_json.decode("utf-8"))["outcomes"][0]["words"] == words
    as_csv = export.to_csv(view)
    assert words.encode("utf-8") in as_csv
    rows = list(csv.DictReader(io.StringIO(as_csv.decode("utf-8"), newline="")))
    assert rows[0]["words"] == words


def test_csv_has_the_documented_columns_and_one_row_per_outcome(db, agreed):
    view = export.export_view(db, agreed)
    text = export.to_csv(view).decode("utf-8")
    assert not text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames or ()) == export.CSV_COLUMNS
    rows = list(reader)
    assert [row["words"] for row in rows] == [o["words"] for o in view["outcomes"]]
    assert [int(row["outcome_id"]) for row in rows] == [o["id"] for o in view["outcomes"]]
    assert {row["case_reference"] for row in rows} == {view["person"]["case_reference"]}
    documented = (Path(__file__).parents[2] / "docs" / "export.md").read_text(encoding="utf-8")
    for column in export.CSV_COLUMNS:
        assert f"`{column}`" in documented


@pytest.mark.parametrize(
    "words",
    [
        '=HYPERLINK("http://x")',
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\tlead",
        "\rcr",
        " =1+1",
        "\n=1+1",
        "\uff1dSUM(A1)",
    ],
)
def test_csv_neutralises_what_a_spreadsheet_would_run(db, agreed, words):
    say_instead(db, next(o for o in agreed.outcomes if o.active), words)
    view = export.export_view(db, agreed)
    assert view["outcomes"][0]["words"] == words
    rows = list(csv.DictReader(io.StringIO(export.to_csv(view).decode("utf-8"), newline="")))
    assert rows[0]["words"] == "'" + words
    assert export.neutralise("plain words") == "plain words"
    assert export.neutralise(" plain words - with a dash") == " plain words - with a dash"


def test_a_file_name_is_stable_and_safe(db, agreed):
    view = export.export_view(db, agreed)
    view["person"]["case_reference"] = "../CASE/1"
    assert export.file_name(view, "json") == f"_CASE_1-{agreed.id}-v1.json"


def test_the_conversation_goes_out_verbatim_beside_the_questions_answered(db, agreed):
    from outcomes_chat.outcomes.models import ConversationTurn

    turns = db.scalars(
        select(ConversationTurn)
        .where(ConversationTurn.assessment_id == agreed.id)
        .order_by(ConversationTurn.seq)
    ).all()
    conversation = export.export_view(db, agreed)["conversation"]
    typed = [t for t in turns if t.said_text is not None]
    assert [a["answer"] for a in conversation if a["answered_with"] == "words"] == [
        t.said_text for t in typed
    ]
    first = conversation[0]
    opening = next(m["text"] for m in turns[0].reply["messages"] if m["kind"] == "question")
    assert (first["seq"], first["question"]) == (turns[1].seq, opening)
    # Each answer is paired with the question asked in the turn just before it.
    by_seq = {t.seq: t for t in turns}
    for answer in conversation[1:]:
        before = by_seq[answer["seq"] - 1].reply["messages"]
        asked = [m["text"] for m in before if m["kind"] == "question"]
        if asked:
            assert answer["question"] == asked[0]


def _write_marker(number: int, folder: Path) -> int:
    """A job for made_in_order: write a file named after the number; number 6 fails."""
    import time

    if number == 6:
        raise OSError(28, "No space left on device")
    time.sleep(0.01 * (number % 3))  # so workers finish out of order
    (folder / f"{number}.done").write_text("x")
    return number


@pytest.mark.parametrize("jobs", [1, 3])
def test_a_run_that_stops_early_accounts_for_every_file_written(tmp_path, jobs):
    from functools import partial

    handed_out, made_anyway = [], []
    plans = export.made_in_order(
        ((n, n) for n in range(40)),
        partial(_write_marker, folder=tmp_path),
        jobs,
        made_anyway=made_anyway.append,
    )
    with pytest.raises(OSError, match="No space left"):
        for meta, made in plans:
            assert meta == made
            handed_out.append(meta)
    on_disk = sorted(int(p.stem) for p in tmp_path.glob("*.done"))
    assert handed_out == list(range(6))  # in order, up to the failure
    assert sorted(handed_out + made_anyway) == on_disk


def test_closing_a_run_part_way_lets_the_workers_finish_and_says_so(tmp_path):
    from contextlib import closing
    from functools import partial

    handed_out, made_anyway = [], []
    plans = export.made_in_order(
        ((n, n) for n in range(7, 40)),
        partial(_write_marker, folder=tmp_path),
        2,
        made_anyway=made_anyway.append,
    )
    with closing(plans):
        for meta, _made in plans:
            handed_out.append(meta)
            if len(handed_out) == 3:
                break
    on_disk = sorted(int(p.stem) for p in tmp_path.glob("*.done"))
    assert handed_out == [7, 8, 9]
    assert sorted(handed_out + made_anyway) == on_disk
    assert len(on_disk) < 33  # what had not started was cancelled


def test_a_later_answer_in_another_conversation_stands_for_every_plan(db, app, team, agreed):
    person, lead, _nurse, _outsider = team
    later = hold_conversation(app, db, person, lead, finish=False)
    allow_export(later, given=False)
    db.commit()
    with pytest.raises(NoExportConsent):
        export.export_view(db, agreed)
    assert [a.id for a, rows in export.agreed_plans(db) if export.export_consented(a, rows)] == []
    allow_export(later, given=True)
    db.commit()
    assert export.export_view(db, agreed)["assessment"]["id"] == agreed.id
