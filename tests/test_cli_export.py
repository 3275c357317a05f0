"""`outcomes-chat export`: agreed plans to a folder, with consent, stable names and exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from outcomes_chat.outcomes import export
from outcomes_chat.outcomes.models import Assessment, ConsentPurpose, Person, utcnow
from tests.outcomes.test_export import validate


@pytest.fixture
def demo(runner, db):
    """The demo: an agreed carer plan with actions, an agreed adult plan, and a review
    conversation under way (never signed off), every person consenting to export."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    return db.scalars(select(Assessment).order_by(Assessment.id)).all()


@pytest.fixture
def out(tmp_path):
    """An empty folder to export to (tmp_path also holds the app's instance folder)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def run(runner, out, *extra):
    return runner.invoke(args=["export", "--out", str(out), *extra])


def files(folder) -> list[str]:
    return sorted(os.listdir(folder))


def test_json_export_writes_each_agreed_plan_once_and_valid(runner, demo, out):
    carer, adult, _reviewing = demo
    result = run(runner, out, "--format", "json", "--status", "agreed")
    assert result.exit_code == 0, result.output
    assert files(out) == [f"DEMO-0001-{carer.id}-v1.json", f"DEMO-0002-{adult.id}-v1.json"]
    assert "Wrote 2 json files" in result.output and "Left out none." in result.output
    views = [json.loads((out / name).read_bytes()) for name in files(out)]
    for view in views:
        validate(view)
    assert views[0]["person"]["kind"] == "carer" and views[0]["actions"]
    assert [o["words"] for o in views[1]["outcomes"]] == [
        o.words for o in adult.outcomes if o.active
    ]


def test_fhir_export_writes_a_valid_bundle_per_agreed_plan(runner, demo, out):
    from fhir.resources.R4B.bundle import Bundle

    from outcomes_chat.outcomes import export_fhir

    carer, adult, _reviewing = demo
    result = run(runner, out, "--format", "fhir")
    assert result.exit_code == 0, result.output
    assert files(out) == [
        f"DEMO-0001-{carer.id}-v1.fhir.json",
        f"DEMO-0002-{adult.id}-v1.fhir.json",
    ]
    assert "Wrote 2 fhir files" in result.output and "Left out none." in result.output
    for name, assessment in zip(files(out), (carer, adult), strict=True):
        data = (out / name).read_bytes()
        Bundle.model_validate_json(data)
        bundle = json.loads(data.decode("utf-8"))
        export_fhir.check_codes(bundle)
        goals = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal"]
        assert [g["description"]["text"] for g in goals] == [
            o.words for o in assessment.outcomes if o.active
        ]


def test_pdf_export_writes_a_case_file_summary_of_each_agreed_plan(runner, demo, out):
    from tests.web.test_pdf import text_of

    carer, adult, _reviewing = demo
    result = run(runner, out, "--format", "pdf")
    assert result.exit_code == 0, result.output
    assert files(out) == [f"DEMO-0001-{carer.id}-v1.pdf", f"DEMO-0002-{adult.id}-v1.pdf"]
    assert "Wrote 2 pdf files" in result.output
    for name, assessment in zip(files(out), (carer, adult), strict=True):
        text = text_of((out / name).read_bytes())
        assert f"Case file summary: {assessment.person.name}" in text
        assert assessment.person.case_reference in text
        for outcome in assessment.outcomes:
            if outcome.active:
                assert " ".join(outcome.words.split()) in text
    assert "what it must cover" in text_of((out / files(out)[0]).read_bytes())


def test_a_rerun_replaces_the_files_rather_than_adding_to_them(runner, demo, out):
    assert run(runner, out, "--format", "json").exit_code == 0
    first = {name: (out / name).read_bytes() for name in files(out)}
    stale = next(iter(first))
    (out / stale).write_text("{}")
    again = run(runner, out, "--format", "json")
    assert again.exit_code == 0, again.output
    assert files(out) == sorted(first)
    assert {name: (out / name).read_bytes() for name in files(out)} == first


def test_people_who_did_not_consent_are_left_out_and_counted(runner, demo, db, out):
    carer, adult, reviewing = demo
    # The adult said no when their plan was reviewed: their latest answer stands for the
    # plan agreed before, which is left out although they had said yes to it then.
    (consent,) = [c for c in reviewing.consents if c.purpose == ConsentPurpose.EXPORT]
    consent.given = False
    db.commit()
    assert [c.given for c in adult.consents if c.purpose == ConsentPurpose.EXPORT] == [True]
    result = run(runner, out, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert files(out) == [f"DEMO-0001-{carer.id}-v1.csv"]
    assert "Wrote 1 csv file to" in result.output
    assert "Left out 1 assessment: the person did not consent" in result.output


def test_csv_for_one_person_has_a_row_per_outcome(runner, demo, db, out):
    carer, _adult, _reviewing = demo
    result = run(runner, out, "--format", "csv", "--person", "DEMO-0001")
    assert result.exit_code == 0, result.output
    (name,) = files(out)
    rows = list(csv.DictReader(io.StringIO((out / name).read_text("utf-8"), newline="")))
    assert [row["words"] for row in rows] == [o.words for o in carer.outcomes if o.active]
    assert any(row["actions"] for row in rows)


def test_since_leaves_out_plans_agreed_before_it(runner, demo, out):
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    result = run(runner, out, "--format", "json", "--since", tomorrow)
    assert result.exit_code == 0 and "Wrote 0 json files" in result.output
    today = utcnow().date().isoformat()
    assert "Wrote 2" in run(runner, out, "--format", "json", "--since", today).output


def test_a_dry_run_writes_nothing(runner, demo, out):
    result = run(runner, out, "--format", "json", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would write 2 json files" in result.output
    assert files(out) == []


def test_streaming_in_small_batches_exports_every_plan(db, demo):
    carer, adult, _reviewing = demo
    people = {p.case_reference: p for p in db.scalars(select(Person))}
    assert [a.id for a, _rows in export.agreed_plans(db, batch=1)] == [carer.id, adult.id]
    assert [a.id for a, _rows in export.agreed_plans(db, person=people["DEMO-0002"])] == [adult.id]


def test_a_batch_read_gives_the_same_views_as_reading_each_plan_alone(db, demo):
    batched = {
        assessment.id: export.export_view(db, assessment, rows=rows)
        for assessment, rows in export.agreed_plans(db, batch=2)
    }
    assert len(batched) == 2
    for assessment_id, view in batched.items():
        alone = export.export_view(db, db.get(Assessment, assessment_id))
        assert view == alone
        assert view["conversation"] and view["outcomes"]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--format", "xml"], "There is no export format called 'xml'"),
        (["--format", "json", "--since", "2026-13-01"], "is not a date; give it as YYYY-MM-DD"),
        (["--format", "json", "--since", "yesterday"], "is not a date"),
        (["--format", "json", "--person", "NOPE-1"], "There is no person with case reference"),
    ],
)
def test_bad_requests_exit_2_with_a_sentence_and_write_nothing(runner, demo, out, extra, says):
    result = run(runner, out, *extra)
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert files(out) == []


def test_a_missing_or_unwritable_folder_exits_2(runner, demo, tmp_path):
    missing = run(runner, tmp_path / "nowhere", "--format", "json")
    assert missing.exit_code == 2 and "There is no folder" in missing.output
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    assert run(runner, a_file, "--format", "json").exit_code == 2
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        refused = run(runner, locked, "--format", "json")
        assert refused.exit_code == 2 and "cannot be written to" in refused.output


def test_a_failed_write_exits_2_and_leaves_no_half_file(runner, demo, out, monkeypatch):
    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export.os, "fsync", no_space)
    result = run(runner, out, "--format", "json")
    assert result.exit_code == 2
    assert "Could not write DEMO-0001-" in result.output and "No space left" in result.output
    assert "0 files were written before it" in result.output
    assert files(out) == []


def test_each_file_written_is_in_the_audit_log_and_a_dry_run_logs_none(runner, demo, db, out):
    from outcomes_chat.outcomes.models import AuditEvent

    carer, adult, _reviewing = demo

    def exports() -> list[tuple[str, str | None, int | None]]:
        db.expire_all()
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "export"))
        return sorted((e.actor_label, e.object_id, e.person_id) for e in events)

    assert run(runner, out, "--format", "json", "--dry-run").exit_code == 0
    assert exports() == []
    assert run(runner, out, "--format", "csv").exit_code == 0
    logged = exports()
    assert [(object_id, person) for _actor, object_id, person in logged] == [
        (f"{carer.id} v1 csv", carer.person_id),
        (f"{adult.id} v1 csv", adult.person_id),
    ]
    assert all(actor.startswith("command line") for actor, _o, _p in logged)


def test_a_long_run_says_how_far_it_has_got(runner, demo, out, monkeypatch):
    from outcomes_chat import cli

    monkeypatch.setattr(cli, "PROGRESS_EVERY", 1)
    result = run(runner, out, "--format", "json")
    assert result.exit_code == 0, result.output
    assert "1 of 2 plans done" in result.stderr and "2 of 2 plans done" in result.stderr
    assert "plans done" not in result.stdout


@pytest.mark.parametrize("fmt", ["fhir", "pdf"])
def test_worker_processes_write_the_same_files_as_one_process(runner, demo, tmp_path, fmt):
    alone, together = tmp_path / "alone", tmp_path / "together"
    alone.mkdir()
    together.mkdir()
    assert run(runner, alone, "--format", fmt, "--jobs", "1").exit_code == 0
    result = run(runner, together, "--format", fmt, "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert f"Wrote 2 {fmt} files" in result.output
    assert files(together) == files(alone)
    if fmt == "fhir":  # a PDF carries its creation time; a bundle is the same byte for byte
        for name in files(alone):
            assert (together / name).read_bytes() == (alone / name).read_bytes()


def test_a_file_that_fails_its_checks_in_a_worker_stops_the_run_with_a_sentence(
    runner, demo, out, monkeypatch
):
    from outcomes_chat.outcomes import export_fhir

    def broken(_bundle):
        raise export_fhir.InvalidCode("Goal.lifecycleStatus: code 'done' is not allowed")

    monkeypatch.setattr(export_fhir, "check_codes", broken)
    result = run(runner, out, "--format", "fhir", "--jobs", "2")
    assert result.exit_code == 2
    assert "Could not make a fhir file" in result.output and "'done'" in result.output
    assert "Traceback" not in result.output
    assert files(out) == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_that_cannot_be_written_stops_the_run_with_its_name(
    runner, demo, out, monkeypatch, jobs
):
    def full_disk(folder, name, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "write_atomically", full_disk)
    result = run(runner, out, "--format", "fhir", "--jobs", jobs)
    assert result.exit_code == 2
    assert "Could not write DEMO-0001-" in result.output
    assert "No space left on device" in result.output and "0 files were written" in result.output
    assert "Traceback" not in result.output
