"""HL7 FHIR export: a Bundle per export view that validates, resolves and keeps people's words."""

from __future__ import annotations

import copy
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from outcomes_chat.outcomes import export, export_fhir
from outcomes_chat.outcomes.models import Assessment, ConversationTurn
from tests.outcomes.conftest import hold_conversation
from tests.outcomes.test_export import WORDS, agree, allow_export, say_instead

WORDS_AND_ENGLISH = {**WORDS, "english": "I'd like a full night's sleep once a week"}


@pytest.fixture
def agreed(app, db, team, carer_framework):
    """A finished carer conversation (no one cared for recorded), with export consent, signed
    off without actions: as test_export's fixture of the same name."""
    person, lead, _nurse, _outsider = team
    assessment = hold_conversation(app, db, person, lead)
    allow_export(assessment)
    db.commit()
    agree(db, assessment, lead, carer_framework)
    return assessment


@pytest.fixture
def demo(runner, db):
    """The demo: an agreed carer plan with actions (caring for Tom, recorded too), an agreed
    adult plan with actions, and a review under way; everyone consented to export."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    carer, adult, _reviewing = db.scalars(select(Assessment).order_by(Assessment.id)).all()
    return carer, adult


def parsed(view) -> dict:
    """to_fhir's bytes, re-parsed with the R4B Bundle model and as plain JSON."""
    data = export_fhir.to_fhir(view)
    Bundle.model_validate_json(data)
    return json.loads(data.decode("utf-8"))


def of_kind(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def resolve(bundle: dict, reference: dict) -> dict:
    (found,) = [e["resource"] for e in bundle["entry"] if e["fullUrl"] == reference["reference"]]
    return found


def references(node) -> list[str]:
    if isinstance(node, list):
        return [r for item in node for r in references(item)]
    if isinstance(node, dict):
        own = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return own + [r for value in node.values() for r in references(value)]
    return []


def test_a_carer_is_a_related_person_beside_the_patient_they_care_for(db, demo):
    carer, adult = demo
    bundle = parsed(export.export_view(db, carer))
    (related,) = of_kind(bundle, "RelatedPerson")
    assert related["relationship"][0]["coding"][0]["code"] == "CAREGIVER"
    cared_for = resolve(bundle, related["patient"])
    assert cared_for["identifier"][0]["value"] == adult.person.case_reference
    assert cared_for["name"] == [{"text": "Tom Wilson"}]
    # The carer is the subject of their own plan: a Patient, linked to the RelatedPerson.
    (plan,) = of_kind(bundle, "CarePlan")
    subject = resolve(bundle, plan["subject"])
    assert subject["identifier"][0]["value"] == carer.person.case_reference
    assert resolve(bundle, subject["link"][0]["other"]) is related
    for goal in of_kind(bundle, "Goal"):
        assert resolve(bundle, goal["expressedBy"]) is related
        assert resolve(bundle, goal["subject"]) is subject


def test_a_carer_with_no_one_recorded_points_at_a_patient_whose_name_is_absent(db, agreed):
    bundle = parsed(export.export_view(db, agreed))
    (related,) = of_kind(bundle, "RelatedPerson")
    cared_for = resolve(bundle, related["patient"])
    assert cared_for["name"][0]["extension"][0]["valueCode"] == "unknown"
    assert "identifier" not in cared_for


def test_a_service_user_is_one_patient_who_expressed_their_goals(db, demo):
    _carer, adult = demo
    bundle = parsed(export.export_view(db, adult))
    (patient,) = of_kind(bundle, "Patient")
    assert not of_kind(bundle, "RelatedPerson")
    assert patient["identifier"][0]["value"] == adult.person.case_reference
    goals = of_kind(bundle, "Goal")
    assert [g["description"]["text"] for g in goals] == [
        o.words for o in adult.outcomes if o.active
    ]
    assert {resolve(bundle, g["expressedBy"])["id"] for g in goals} == {patient["id"]}


def a_view(request, db, which: str) -> dict:
    """One of the plans, as an export view (the demo and the team fixture cannot share a test:
    both make a user called morag)."""
    if which.startswith("carer without"):
        return export.export_view(db, request.getfixturevalue("agreed"))
    carer, adult = request.getfixturevalue("demo")
    view = export.export_view(db, carer if which.startswith("carer") else adult)
    return view if which.endswith("with actions") else {**view, "actions": []}


@pytest.mark.parametrize(
    "which",
    ["carer with actions", "carer without actions", "adult with actions", "adult without actions"],
)
def test_every_bundle_validates_and_every_reference_resolves(request, db, which):
    view = a_view(request, db, which)
    bundle = parsed(view)
    export_fhir.check_codes(bundle)
    full_urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(full_urls)) == len(full_urls), which
    assert all(
        url == f"urn:uuid:{e['resource']['id']}"
        for url, e in zip(full_urls, bundle["entry"], strict=True)
    )
    for reference in references(bundle["entry"]):
        assert reference in full_urls, (which, reference)
    (plan,) = of_kind(bundle, "CarePlan")
    assert len(plan.get("activity", [])) == len(view["actions"]), which
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "Practitioner", "PractitionerRole", "CareTeam", "Goal"} <= kinds
    assert {"QuestionnaireResponse", "CarePlan", "Consent", "Provenance"} <= kinds


@pytest.mark.parametrize("language", sorted(WORDS_AND_ENGLISH))
def test_words_in_any_language_arrive_byte_for_byte(db, agreed, language):
    words = WORDS_AND_ENGLISH[language]
    say_instead(db, next(o for o in agreed.outcomes if o.active), words)
    turn = db.scalars(
        select(ConversationTurn)
        .where(ConversationTurn.assessment_id == agreed.id, ConversationTurn.said_text.is_not(None))
        .order_by(ConversationTurn.seq)
    ).first()
    turn.said_text = words
    db.commit()
    data = export_fhir.to_fhir(export.export_view(db, agreed))
    assert words.encode("utf-8") in data
    bundle = json.loads(data.decode("utf-8"))
    assert of_kind(bundle, "Goal")[0]["description"]["text"] == words
    (response,) = of_kind(bundle, "QuestionnaireResponse")
    item = next(i for i in response["item"] if i["linkId"] == f"turn-{turn.seq}")
    assert item["answer"] == [{"valueString": words}]


def test_the_conversation_is_a_questionnaire_response_of_verbatim_answers(db, agreed):
    view = export.export_view(db, agreed)
    (response,) = of_kind(parsed(view), "QuestionnaireResponse")
    assert response["status"] == "completed"
    assert [i["linkId"] for i in response["item"]] == [
        f"turn-{a['seq']}" for a in view["conversation"]
    ]
    assert [i.get("text") for i in response["item"]] == [
        a["question"] for a in view["conversation"]
    ]
    assert [i["answer"][0]["valueString"] for i in response["item"]] == [
        a["answer"] for a in view["conversation"]
    ]


@pytest.mark.parametrize(
    ("rating", "previous", "achieved", "expected"),
    [
        ("met", None, None, "sustaining"),
        ("partly_met", None, None, "in-progress"),
        ("not_met", None, None, "not-achieving"),
        ("unknown", None, None, None),
        (None, None, None, None),
        ("met", "partly_met", None, "improving"),
        ("not_met", "met", None, "worsening"),
        ("partly_met", "partly_met", None, "no-change"),
        ("met", "met", None, "sustaining"),
        ("not_met", None, "achieved", "achieved"),
        ("met", "not_met", "not_achieved", "not-achieving"),
        ("met", None, "partly", "in-progress"),
    ],
)
def test_ratings_and_review_verdicts_map_to_goal_achievement(rating, previous, achieved, expected):
    outcome = {"rating": rating, "previous_rating": previous, "achieved": achieved}
    assert export_fhir.achievement_status(outcome) == expected
    assert expected is None or expected in export_fhir.GOAL_ACHIEVEMENT_CODES


def test_goals_carry_the_mapped_achievement_and_an_achieved_goal_is_completed(db, agreed):
    view = export.export_view(db, agreed)
    view["outcomes"][0] |= {"rating": "not_met", "achieved": "achieved"}
    goals = of_kind(parsed(view), "Goal")
    assert goals[0]["lifecycleStatus"] == "completed"
    assert goals[0]["achievementStatus"]["coding"][0]["code"] == "achieved"
    for outcome, goal in zip(view["outcomes"][1:], goals[1:], strict=True):
        assert goal["lifecycleStatus"] == "active"
        expected = export_fhir.achievement_status(outcome)
        assert goal.get("achievementStatus", {}).get("coding", [{}])[0].get("code") == expected
        assert [c["text"] for c in goal.get("category", [])] == outcome["domains"]


def test_actions_are_care_plan_activities_towards_their_goals(db, demo):
    carer, _adult = demo
    view = export.export_view(db, carer)
    view["actions"][0]["status"] = "in_progress"
    bundle = parsed(view)
    (plan,) = of_kind(bundle, "CarePlan")
    assert plan["status"] == "active" and plan["intent"] == "plan"
    assert plan["period"]["end"] == view["assessment"]["review_date"]
    goals = {g["id"]: g for g in of_kind(bundle, "Goal")}
    for action, activity in zip(view["actions"], plan["activity"], strict=True):
        detail = activity["detail"]
        assert detail["description"] == action["what"]
        assert detail["status"] == export_fhir.ACTION_STATUS[action["status"]]
        assert detail["performer"][0]["display"] == action["who"]
        assert detail.get("scheduledPeriod", {}).get("end") == action["due"]
        goal = goals[resolve(bundle, detail["goal"][0])["id"]]
        outcome = next(o for o in view["outcomes"] if o["id"] == action["outcome_id"])
        assert goal["description"]["text"] == outcome["words"]
    assert plan["activity"][0]["detail"]["status"] == "in-progress"


def test_the_care_team_marks_the_lead_and_the_sign_off_is_attested_by_them(db, agreed, team):
    _person, lead, nurse, _outsider = team
    bundle = parsed(export.export_view(db, agreed))
    (care_team,) = of_kind(bundle, "CareTeam")
    roles = {
        resolve(bundle, p["member"])["practitioner"]["display"]: [r["text"] for r in p["role"]]
        for p in care_team["participant"]
    }
    assert roles == {
        lead.display_name: ["lead professional", "Social worker"],
        nurse.display_name: ["Nurse"],
    }
    (provenance,) = of_kind(bundle, "Provenance")
    (plan,) = of_kind(bundle, "CarePlan")
    assert provenance["target"] == [{"reference": f"urn:uuid:{plan['id']}"}]
    assert provenance["recorded"] == agreed.agreed.at.isoformat()
    (agent,) = provenance["agent"]
    assert agent["type"]["coding"][0]["code"] == "attester"
    assert resolve(bundle, agent["who"])["name"] == [{"text": lead.display_name}]


def test_a_version_never_signed_off_has_no_provenance_and_is_a_draft(db, agreed, team):
    from outcomes_chat.outcomes import review

    _person, lead, _nurse, _outsider = team
    review.start_new_version(db, agreed, lead)
    db.commit()
    bundle = parsed(export.export_view(db, agreed, version=2))
    assert not of_kind(bundle, "Provenance")
    (plan,) = of_kind(bundle, "CarePlan")
    assert plan["status"] == "draft"
    assert {g["lifecycleStatus"] for g in of_kind(bundle, "Goal")} == {"proposed"}


def test_consents_are_active_when_given_rejected_when_refused_and_inactive_when_replaced(
    db, agreed
):
    view = export.export_view(db, agreed)
    when = view["consents"][0]["recorded_at"]
    view["consents"] += [
        {"purpose": "share_team", "given": False, "recorded_at": when},
    ]
    consents = of_kind(parsed(view), "Consent")
    by_purpose = [(c["category"][0]["coding"][1]["code"], c["status"]) for c in consents]
    assert sorted(by_purpose) == [
        ("export", "active"),
        ("record", "active"),
        ("share_team", "inactive"),
        ("share_team", "rejected"),
    ]
    assert all(c["scope"]["coding"][0]["code"] == "patient-privacy" for c in consents)


def test_ids_are_stable_across_exports_and_differ_between_versions(db, agreed, team):
    from outcomes_chat.outcomes import review

    first = export_fhir.to_fhir(export.export_view(db, agreed))
    assert export_fhir.to_fhir(export.export_view(db, agreed)) == first
    _person, lead, _nurse, _outsider = team
    review.start_new_version(db, agreed, lead)
    db.commit()
    later = parsed(export.export_view(db, agreed, version=2))
    earlier_ids = {e["resource"]["id"] for e in json.loads(first)["entry"]}
    assert earlier_ids.isdisjoint(e["resource"]["id"] for e in later["entry"])


@pytest.mark.parametrize(
    ("kind", "path", "bad"),
    [
        ("Goal", ("lifecycleStatus",), "done"),
        ("Goal", ("achievementStatus", "coding", 0, "code"), "met"),
        ("Consent", ("status",), "given"),
        ("Provenance", ("agent", 0, "type", "coding", 0, "code"), "signer"),
        ("CareTeam", ("participant", 0, "role", 0, "coding", 0, "code"), "boss"),
    ],
)
def test_check_codes_rejects_a_code_outside_its_value_set(db, agreed, kind, path, bad):
    bundle = export_fhir.to_fhir_bundle(export.export_view(db, agreed))
    export_fhir.check_codes(bundle)
    broken = copy.deepcopy(bundle)
    node = next(r for r in of_kind(broken, kind) if "achievementStatus" in r or kind != "Goal")
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = bad
    Bundle.model_validate(broken)  # fhir.resources lets it through...
    with pytest.raises(export_fhir.InvalidCode, match=repr(bad)):
        export_fhir.check_codes(broken)  # ...the value sets do not


def test_to_fhir_checks_codes_and_validates_before_returning(db, agreed, monkeypatch):
    view = export.export_view(db, agreed)
    monkeypatch.setattr(export_fhir, "lifecycle_status", lambda outcome, agreed: "done")
    with pytest.raises(export_fhir.InvalidCode, match="lifecycleStatus 'done'"):
        export_fhir.to_fhir(view)
    monkeypatch.undo()
    monkeypatch.setattr(export_fhir, "_instant", lambda value: value and value[:19])
    with pytest.raises(export_fhir.InvalidBundle, match=r"^(CarePlan|Provenance|Consent) "):
        export_fhir.to_fhir(view)


def test_a_fhir_file_name_ends_in_fhir_json_and_render_gives_the_bundle(db, agreed):
    view = export.export_view(db, agreed)
    assert export.file_name(view, "fhir") == f"CASE-1-{agreed.id}-v1.fhir.json"
    assert export.render(view, "fhir") == export_fhir.to_fhir(view)


def test_the_warm_up_bundle_is_valid_and_touches_every_kind_of_resource():
    from outcomes_chat.outcomes.export_fhir import _WARM_UP_VIEW, to_fhir_bundle, warm_up

    warm_up()
    kinds = {entry["resource"]["resourceType"] for entry in to_fhir_bundle(_WARM_UP_VIEW)["entry"]}
    assert kinds == {
        "Patient",
        "RelatedPerson",
        "Practitioner",
        "PractitionerRole",
        "CareTeam",
        "QuestionnaireResponse",
        "Goal",
        "CarePlan",
        "Consent",
        "Provenance",
    }


def test_the_bundle_shell_is_validated_as_well_as_each_resource(db, agreed):
    bundle = export_fhir.to_fhir_bundle(export.export_view(db, agreed))
    bundle["entry"][0]["fullUrl"] = 12
    with pytest.raises(ValueError, match=r"validation error for Bundle"):
        export_fhir.validate(bundle)
    bundle = export_fhir.to_fhir_bundle(export.export_view(db, agreed))
    goal = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal")
    goal["lifecycleStatuss"] = "active"
    with pytest.raises(ValueError, match=r"validation error for Goal"):
        export_fhir.validate(bundle)


def test_what_fhir_refuses_is_reported_in_one_line(db, agreed):
    view = export.export_view(db, agreed)
    view["team"][0]["name"] = ""
    with pytest.raises(export_fhir.InvalidBundle) as refused:
        export_fhir.to_fhir(view)
    assert "\n" not in str(refused.value)
    assert str(refused.value).startswith("Practitioner name.0.text: ")


def test_an_action_status_without_a_code_is_refused_not_a_key_error(db, agreed):
    view = export.export_view(db, agreed)
    view["actions"] = [
        {
            "id": 1,
            "outcome_id": view["outcomes"][0]["id"],
            "what": "Ask",
            "who": "Jo",
            "agency": "health",
            "due": None,
            "status": "blocked",
        }
    ]
    with pytest.raises(export_fhir.InvalidCode, match="'blocked'"):
        export_fhir.to_fhir(view)
