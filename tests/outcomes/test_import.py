"""Import: an exported plan version restored into another instance reads and exports as it did;
duplicates, clashes and files that are not exports are refused, changing nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from outcomes_chat import migrate
from outcomes_chat.config import PROJECT_ROOT
from outcomes_chat.database import make_engine
from outcomes_chat.outcomes import export, import_plans, review
from outcomes_chat.outcomes.errors import (
    DuplicateImport,
    ImportRefused,
    InvalidImport,
    PersonClash,
    UnknownFramework,
    UnsupportedSchemaVersion,
)
from outcomes_chat.outcomes.models import (
    AuditEvent,
    Base,
    ConversationTurn,
    Person,
    PersonKind,
    PlanStage,
)
from tests.outcomes.conftest import hold_conversation
from tests.outcomes.test_export import TODAY, WORDS, agree, allow_export, say_instead, validate

FRAMEWORKS = import_plans.known_frameworks(PROJECT_ROOT / "prompts")
BY = "test import"


@pytest.fixture(scope="session")
def other_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A second instance's database, migrated from empty, once."""
    url = f"sqlite:///{tmp_path_factory.mktemp('other') / 'other.sqlite'}"
    migrate.upgrade(url)
    return url


@pytest.fixture
def other(other_url: str) -> Iterator[Session]:
    """A session on the second instance, every table empty."""
    engine = make_engine(other_url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    session = sessionmaker(engine, expire_on_commit=False)()
    yield session
    session.close()
    engine.dispose()


def through_a_file(view: dict) -> dict:
    """The view as the export command writes it and the import command reads it."""
    return import_plans.load_view(export.to_json(view))


def comparable(view: dict) -> dict:
    """The view without what belongs to one instance: record ids (outcomes and actions by
    position instead), the reviewed assessment's id, and the team (accounts are local)."""
    view = copy.deepcopy(view)
    del view["team"]
    view["assessment"].pop("id")
    view["assessment"].pop("review_of_id")
    position = {outcome["id"]: n for n, outcome in enumerate(view["outcomes"])}
    for outcome in view["outcomes"]:
        outcome["id"] = position[outcome["id"]]
    for n, action in enumerate(view["actions"]):
        action["id"] = n
        action["outcome_id"] = position[action["outcome_id"]]
    return view


def counts(db: Session) -> dict[str, int]:
    """Rows in every table."""
    return {
        table.name: db.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def import_into(db: Session, view: dict):
    imported = import_plans.import_view(db, through_a_file(view), BY, FRAMEWORKS)
    db.commit()
    return imported


@pytest.fixture
def carer_view(app, db, team, carer_framework) -> dict:
    """An agreed carer plan with actions, in Welsh, Polish, Arabic and English, exported."""
    person, lead, _nurse, _outsider = team
    person.cares_for_name = "Tom Wilson (husband)"
    assessment = hold_conversation(app, db, person, lead)
    allow_export(assessment)
    db.commit()
    active = [o for o in assessment.outcomes if o.active]
    say_instead(db, active[0], WORDS["welsh"])
    say_instead(db, active[-1], WORDS["polish"])
    review.edit_outcome(
        db,
        assessment,
        active[0].id,
        active[0].revision,
        {"note": WORDS["arabic"]},
        lead,
        carer_framework,
    )
    for outcome, what in (
        (active[0], "Ask the carers centre about a sitter"),
        (active[-1], "Ffôn"),
    ):
        review.add_action(
            db,
            assessment,
            outcome.id,
            review.ActionDetails(what, "Łucja Nowak", "voluntary", TODAY),
            lead,
        )
    typed = db.scalars(
        select(ConversationTurn)
        .where(ConversationTurn.assessment_id == assessment.id)
        .where(ConversationTurn.said_text.is_not(None))
        .order_by(ConversationTurn.seq)
    ).first()
    assert typed is not None
    typed.said_text = WORDS["welsh"]
    db.commit()
    agree(db, assessment, lead, carer_framework)
    view = export.export_view(db, assessment)
    assert len(view["actions"]) == 2 and view["conversation"]
    return view


@pytest.fixture
def plain_view(app, db, team, carer_framework) -> dict:
    """An agreed carer plan without actions, exported."""
    person, lead, _nurse, _outsider = team
    assessment = hold_conversation(app, db, person, lead)
    allow_export(assessment)
    db.commit()
    agree(db, assessment, lead, carer_framework)
    return export.export_view(db, assessment)


@pytest.fixture
def demo_views(runner, db) -> dict[str, dict]:
    """The demo's agreed carer (DEMO-0001) and adult (DEMO-0002) plans, exported."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    views = [export.export_view(db, a, rows=rows) for a, rows in export.agreed_plans(db)]
    return {view["person"]["case_reference"]: view for view in views}


def test_a_carer_plan_comes_back_as_it_was_exported_in_every_language(carer_view, other):
    imported = import_into(other, carer_view)
    again = export.export_view(other, imported)
    validate(again)
    assert comparable(again) == comparable(carer_view)
    assert again["team"] == []
    for words in WORDS.values():
        assert words.encode("utf-8") in export.to_json(again)
    assert imported.stage == PlanStage.AGREED and review.conversation_is_over(imported)


def test_an_imported_plan_reads_as_it_did_at_its_version(carer_view, other):
    imported = import_into(other, carer_view)
    values = review.values_at_version(other, imported, imported.version)
    assert [v["words"] for _, v in sorted(values.items())] == [
        o["words"] for o in carer_view["outcomes"]
    ]
    assert {r.change for r in review.history(other, "outcome", imported.outcomes[0].id)} == {
        import_plans.IMPORTED
    }


def test_a_plan_without_actions_comes_back(plain_view, other):
    assert plain_view["actions"] == []
    imported = import_into(other, plain_view)
    assert comparable(export.export_view(other, imported)) == comparable(plain_view)


def test_an_adult_plan_comes_back_and_a_carer_is_linked_to_the_person_imported_before(
    demo_views, other
):
    adult = import_into(other, demo_views["DEMO-0002"])
    assert adult.person.kind == PersonKind.SERVICE_USER
    assert comparable(export.export_view(other, adult)) == comparable(demo_views["DEMO-0002"])
    carer = import_into(other, demo_views["DEMO-0001"])
    assert carer.person.cares_for_id == adult.person.id
    assert comparable(export.export_view(other, carer)) == comparable(demo_views["DEMO-0001"])


def test_a_carer_imported_alone_keeps_the_cared_for_persons_name(demo_views, other):
    carer = import_into(other, demo_views["DEMO-0001"])
    assert carer.person.cares_for is None
    assert carer.person.cares_for_name == demo_views["DEMO-0001"]["person"]["cares_for"]["name"]


def test_a_schema_1_0_file_without_the_conversation_is_imported(plain_view, other):
    old = copy.deepcopy(plain_view)
    old["schema_version"] = "1.0"
    del old["conversation"]
    imported = import_into(other, old)
    again = export.export_view(other, imported)
    assert again["conversation"] == []
    assert comparable(again) == comparable(plain_view) | {"conversation": []}


def test_an_import_is_audited_once_by_whoever_imported_it(plain_view, other):
    imported = import_into(other, plain_view)
    (event,) = other.scalars(select(AuditEvent)).all()
    assert (event.action, event.actor_label, event.object_id, event.person_id) == (
        "import",
        BY,
        str(imported.id),
        imported.person_id,
    )


def test_a_person_already_here_with_the_same_name_and_kind_is_attached_to(plain_view, other):
    here = Person(name="Margaret Wilson", case_reference="CASE-1", kind=PersonKind.CARER)
    other.add(here)
    other.commit()
    imported = import_into(other, plain_view)
    assert imported.person_id == here.id
    assert other.scalar(select(func.count()).select_from(Person)) == 1


# --------------------------------------------------------------------------------- refusals


def test_a_second_import_of_the_same_file_is_refused_and_changes_nothing(plain_view, other):
    import_into(other, plain_view)
    before = counts(other)
    with pytest.raises(DuplicateImport) as refused:
        import_into(other, plain_view)
    other.rollback()
    assert refused.value.detail == "CASE-1 version 1"
    assert counts(other) == before


def test_importing_into_the_instance_that_exported_it_is_refused(db, plain_view):
    before = counts(db)
    with pytest.raises(DuplicateImport):
        import_into(db, plain_view)
    db.rollback()
    assert counts(db) == before


@pytest.mark.parametrize(("name", "kind"), [("Someone Else", "carer"), (None, "service_user")])
def test_a_case_reference_held_by_another_person_is_refused(plain_view, other, name, kind):
    other.add(
        Person(
            name=name or plain_view["person"]["name"],
            case_reference="CASE-1",
            kind=PersonKind(kind),
        )
    )
    other.commit()
    before = counts(other)
    with pytest.raises(PersonClash) as refused:
        import_into(other, plain_view)
    other.rollback()
    assert refused.value.detail == "CASE-1"
    assert counts(other) == before


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"{not json", "the file is not JSON"),
        (b"[]", "does not hold an exported assessment"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_json_is_refused(data, says):
    with pytest.raises(InvalidImport) as refused:
        import_plans.load_view(data)
    assert says in refused.value.detail


def test_a_file_the_schema_refuses_is_refused_naming_the_field(plain_view, other):
    broken = copy.deepcopy(plain_view)
    del broken["outcomes"][0]["words"]
    with pytest.raises(InvalidImport) as refused:
        import_into(other, broken)
    assert refused.value.detail == "outcomes[0]: 'words' is a required property"
    assert counts(other) == dict.fromkeys(counts(other), 0)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda v: v["actions"].append({**v["outcomes"][0], "id": 9}), "actions[0]"),
        (
            lambda v: v["actions"].append(
                {
                    "id": 1,
                    "outcome_id": 999,
                    "what": "x",
                    "who": "y",
                    "agency": "health",
                    "due": None,
                    "status": "open",
                }
            ),
            "actions[0].outcome_id: not one of the file's outcomes",
        ),
        (lambda v: v["person"].update(case_reference="R" * 65), "person.case_reference: longer"),
        (lambda v: v["person"].update(case_reference=" "), "person.case_reference: empty"),
        (lambda v: v["assessment"].update(agreed_at="yesterday"), "assessment.agreed_at"),
        (lambda v: v["assessment"].update(agreed=False), "only an agreed"),
        (lambda v: v["conversation"].reverse(), "conversation[1].seq: not after"),
        (lambda v: v["outcomes"].append(dict(v["outcomes"][0])), "the same id or key"),
        # Blank where a case file needs a value (FHIR refuses an empty string, for one):
        (lambda v: v["person"].update(name=""), "person.name: '' should be non-empty"),
        (lambda v: v["assessment"].update(language=""), "assessment.language"),
        (
            lambda v: v["actions"].append(
                {
                    "id": 1,
                    "outcome_id": v["outcomes"][0]["id"],
                    "what": "",
                    "who": "Jo",
                    "agency": "health",
                    "due": None,
                    "status": "open",
                }
            ),
            "actions[0].what",
        ),
    ],
)
def test_values_this_instance_could_not_store_are_refused(plain_view, other, change, says):
    broken = copy.deepcopy(plain_view)
    change(broken)
    with pytest.raises(InvalidImport) as refused:
        import_into(other, broken)
    assert says in refused.value.detail
    assert counts(other) == dict.fromkeys(counts(other), 0)


@pytest.mark.parametrize("version", ["2.0", "1.9", "one", 1.1, None])
def test_another_schema_version_is_refused(plain_view, other, version):
    view = {**plain_view, "schema_version": version}
    with pytest.raises(UnsupportedSchemaVersion) as refused:
        import_plans.import_view(other, view, BY, FRAMEWORKS)
    assert isinstance(refused.value, ImportRefused)


def test_a_framework_this_instance_does_not_have_is_refused(plain_view, other):
    view = copy.deepcopy(plain_view)
    view["assessment"]["framework"] = "young_carer"
    with pytest.raises(UnknownFramework) as refused:
        import_into(other, view)
    assert refused.value.detail == "young_carer"
    assert counts(other) == dict.fromkeys(counts(other), 0)


def test_the_packaged_schema_is_the_documented_one():
    documented = PROJECT_ROOT / "docs" / "export-schema.json"
    packaged = Path(import_plans.__file__).with_name(import_plans.SCHEMA_FILE)
    assert packaged.read_bytes() == documented.read_bytes(), (
        f"copy {packaged} to {documented}: the package's schema is the one in force"
    )
    assert import_plans.export_schema() == json.loads(documented.read_text("utf-8"))
    assert import_plans.export_schema()["properties"]["schema_version"]["const"] == (
        export.SCHEMA_VERSION
    )
