"""`outcomes-chat import`: exported files restored, all or none, with exit codes and sentences."""

from __future__ import annotations

import json

import pytest
from markupsafe import escape
from sqlalchemy import select

from outcomes_chat.extensions import socketio
from outcomes_chat.outcomes import export
from outcomes_chat.outcomes.models import Assessment, Base, Person, PersonKind, User
from outcomes_chat.outcomes.persons import add_member
from tests.conftest import PASSWORD, login
from tests.outcomes.test_import import comparable, counts

# What an instance keeps of its own when its plans are cleared: its accounts.
ACCOUNTS = ("users", "login_sessions", "login_failures")


@pytest.fixture
def exported(runner, db, tmp_path):
    """The demo's agreed plans exported as JSON files, then every record but the accounts
    cleared, as in another instance with its own accounts."""
    assert runner.invoke(args=["demo", "--password-stdin"], input=PASSWORD + "\n").exit_code == 0
    out = tmp_path / "out"
    out.mkdir()
    assert runner.invoke(args=["export", "--format", "json", "--out", str(out)]).exit_code == 0
    paths = sorted(out.iterdir())
    views = {path.name: json.loads(path.read_bytes()) for path in paths}
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in ACCOUNTS:
            db.execute(table.delete())
    db.commit()
    return paths, views


def run(runner, *args):
    return runner.invoke(args=["import", *map(str, args)])


def test_exported_files_come_back_as_they_were(runner, db, exported):
    paths, views = exported
    result = run(runner, *paths)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Imported 2 assessments:",
        "  Tom Wilson (DEMO-0002), version 1",
        "  Margaret Wilson (DEMO-0001), version 1",
    ]
    imported = db.scalars(select(Assessment).order_by(Assessment.id)).all()
    again = [export.export_view(db, assessment) for assessment in reversed(imported)]
    assert [comparable(view) for view in again] == [comparable(v) for v in views.values()]
    carer = db.scalar(select(Person).where(Person.case_reference == "DEMO-0001"))
    assert carer is not None and carer.cares_for is not None
    assert carer.cares_for.case_reference == "DEMO-0002"


def test_one_file_says_whose_plan_it_imported(runner, exported):
    paths, _views = exported
    result = run(runner, paths[1])
    assert result.exit_code == 0, result.output
    assert result.output == "Imported 1 assessment for Tom Wilson (DEMO-0002), version 1.\n"


def test_a_second_import_is_refused_and_changes_nothing(runner, db, exported):
    paths, _views = exported
    assert run(runner, paths[0]).exit_code == 0
    before = counts(db)
    again = run(runner, paths[0])
    assert again.exit_code == 2, again.output
    assert "is already here: this instance holds the plan for DEMO-0001 version 1" in again.output
    assert "Nothing was imported." in again.output
    assert counts(db) == before


def test_a_dry_run_imports_nothing(runner, db, exported):
    paths, _views = exported
    before = counts(db)
    result = run(runner, "--dry-run", *paths)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Would import 2 assessments:")
    assert counts(db) == before


def test_one_bad_file_among_several_imports_none(runner, db, exported, tmp_path):
    paths, _views = exported
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    before = counts(db)
    result = run(runner, paths[0], bad, paths[1])
    assert result.exit_code == 2
    assert counts(db) == before


def _rewrite(path, change):
    view = json.loads(path.read_bytes())
    change(view)
    path.write_text(json.dumps(view), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda v: v["outcomes"][0].pop("words"), "'words' is a required property"),
        (
            lambda v: v["assessment"].update(framework="young_carer"),
            "made with the 'young_carer' framework, which this instance does not have",
        ),
        (lambda v: v.update(schema_version="2.0"), "has export schema version '2.0'"),
        (lambda v: v["person"].update(kind="service_user"), "has another name or kind"),
    ],
)
def test_a_file_that_cannot_be_imported_exits_2_with_a_sentence(runner, db, exported, change, says):
    paths, _views = exported
    if "kind" in says:  # the person is here already, as a carer
        assert run(runner, paths[0]).exit_code == 0
    path = _rewrite(paths[0], change)
    before = counts(db)
    result = run(runner, path)
    assert result.exit_code == 2, result.output
    assert says in result.output and "Nothing was imported." in result.output
    assert isinstance(result.exception, SystemExit)
    assert counts(db) == before


def test_not_json_and_a_missing_file_exit_2(runner, db, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": ')
    result = run(runner, broken)
    assert result.exit_code == 2
    assert "broken.json is not an export this instance can read: the file is not JSON" in (
        result.output
    )
    missing = run(runner, tmp_path / "nowhere.json")
    assert missing.exit_code == 2 and "Could not read" in missing.output
    assert isinstance(missing.exception, SystemExit)
    assert db.scalars(select(Person)).all() == []


def test_a_file_far_larger_than_any_export_is_refused_unread(runner, db, tmp_path, monkeypatch):
    from outcomes_chat.outcomes import import_plans

    monkeypatch.setattr(import_plans, "MAX_FILE_BYTES", 1000)
    big = tmp_path / "big.json"
    big.write_text('{"schema_version": "1.1", "padding": "' + "x" * 1000 + '"}')
    result = run(runner, big)
    assert result.exit_code == 2
    assert "big.json is not an export this instance can read: the file is larger than" in (
        result.output
    )
    assert db.scalars(select(Person)).all() == []


def test_no_file_is_a_usage_error(runner):
    assert run(runner).exit_code == 2


def test_the_accounts_are_not_touched(runner, db, exported):
    paths, _views = exported
    users = db.scalars(select(User.username).order_by(User.username)).all()
    assert run(runner, *paths).exit_code == 0
    assert db.scalars(select(User.username).order_by(User.username)).all() == users
    person = db.scalar(select(Person).where(Person.kind == PersonKind.CARER))
    assert person is not None and person.team == []


def test_an_imported_plan_opens_replays_its_transcript_and_can_be_reviewed(
    app, runner, client, db, exported
):
    paths, views = exported
    assert run(runner, paths[0]).exit_code == 0
    assessment = db.scalars(select(Assessment)).one()
    morag = db.scalars(select(User).where(User.username == "morag")).one()
    add_member(db, assessment.person, morag, "Social worker")
    db.commit()
    login(client, "morag")
    words = views[paths[0].name]["outcomes"][0]["words"]
    for page in (
        f"/persons/{assessment.person_id}",
        f"/conversations/{assessment.id}",
        f"/assessments/{assessment.id}/review",
        f"/assessments/{assessment.id}/copy",
        f"/assessments/{assessment.id}/change",
    ):
        response = client.get(page)
        assert response.status_code == 200, page
    assert str(escape(words)) in client.get(f"/assessments/{assessment.id}/review").get_data(
        as_text=True
    )
    sio = socketio.test_client(app, namespace="/chat", flask_test_client=client)
    joined = sio.emit(
        "join", {"assessment_id": assessment.id, "last_seq": 0}, namespace="/chat", callback=True
    )
    assert joined["ok"] and joined["answering"] is False
    said = [turn["said"] for turn in joined["turns"] if turn["said"]]
    conversation = views[paths[0].name]["conversation"]
    assert [s.get("text") or s.get("label") for s in said] == [a["answer"] for a in conversation]
    assert joined["turns"][-1]["reply"]["finished"] is True
    sio.disconnect(namespace="/chat")
    # The plan can be reviewed here, as an agreed plan made here can.
    started = client.post(
        f"/assessments/{assessment.id}/review/start-review",
        data={"language": "en", "consent_record": "y", "consent_share": "y"},
    )
    assert started.status_code == 302, started.get_data(as_text=True)
    review_of = db.scalar(select(Assessment).where(Assessment.review_of_id == assessment.id))
    assert review_of is not None
    assert {o.review_of_id for o in review_of.outcomes} == {o.id for o in assessment.outcomes}
