"""HL7 FHIR export: one export view (export.export_view) as a FHIR Bundle of type collection.

Pure: no Flask, no database. The JSON is FHIR R4-compatible and is validated with the R4B
models of fhir.resources (there is no plain R4 package), and every code is checked against the
value sets below, which the library does not check. docs/export.md ("HL7 FHIR") says how each
field maps.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from pydantic import ValidationError

# Ids are uuid5 names under this namespace, so the same view always gives the same ids.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://outcomes-chat.example/fhir")
LOCAL = "https://outcomes-chat.example/fhir"
CASE_REFERENCE = f"{LOCAL}/NamingSystem/case-reference"
EXPORT_ID = f"{LOCAL}/NamingSystem/export"
DOMAIN = f"{LOCAL}/CodeSystem/outcome-domain"
AGENCY = f"{LOCAL}/CodeSystem/agency"
TEAM_ROLE = f"{LOCAL}/CodeSystem/team-role"
CONSENT_PURPOSE = f"{LOCAL}/CodeSystem/consent-purpose"
RATING_EXTENSION = f"{LOCAL}/StructureDefinition/outcome-rating"
RATING = f"{LOCAL}/CodeSystem/outcome-rating"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
LOINC = "http://loinc.org"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

# The value sets used, from the FHIR R4 (= R4B) specification, and our own code systems.
GOAL_LIFECYCLE = frozenset(
    [
        "proposed",
        "planned",
        "accepted",
        "active",
        "on-hold",
        "completed",
        "cancelled",
        "entered-in-error",
        "rejected",
    ]
)
GOAL_ACHIEVEMENT_CODES = frozenset(
    [
        "in-progress",
        "improving",
        "worsening",
        "no-change",
        "achieved",
        "sustaining",
        "not-achieving",
        "no-progress",
        "not-attainable",
    ]
)
CARE_PLAN_STATUS = frozenset(
    ["draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"]
)
CARE_PLAN_INTENT = frozenset(["proposal", "plan", "order", "option"])
ACTIVITY_STATUS = frozenset(
    [
        "not-started",
        "scheduled",
        "in-progress",
        "on-hold",
        "completed",
        "cancelled",
        "stopped",
        "unknown",
        "entered-in-error",
    ]
)
CARE_TEAM_STATUS = frozenset(["proposed", "active", "suspended", "inactive", "entered-in-error"])
CONSENT_STATE = frozenset(
    ["draft", "proposed", "active", "rejected", "inactive", "entered-in-error"]
)
CONSENT_PROVISION_TYPE = frozenset({"deny", "permit"})
QUESTIONNAIRE_RESPONSE_STATUS = frozenset(
    ["in-progress", "completed", "amended", "entered-in-error", "stopped"]
)
BUNDLE_TYPE = frozenset(
    [
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    ]
)
NAME_USE = frozenset(["usual", "official", "temp", "nickname", "anonymous", "old", "maiden"])
LINK_TYPE = frozenset(["replaced-by", "replaces", "refer", "seealso"])
DATA_ABSENT_REASON = frozenset(
    [
        "unknown",
        "asked-unknown",
        "temp-unknown",
        "not-asked",
        "asked-declined",
        "masked",
        "not-applicable",
        "unsupported",
        "as-text",
        "error",
        "not-a-number",
        "negative-infinity",
        "positive-infinity",
        "not-performed",
        "not-permitted",
    ]
)
AGENCIES = {
    "health": "Health",
    "social_work": "Social work",
    "education": "Education",
    "voluntary": "Voluntary sector",
    "other": "Other",
}
RATINGS = {
    "met": "going well",
    "partly_met": "partly",
    "not_met": "not at all",
    "unknown": "not sure",
}
PURPOSES = {
    "record": "Record the conversation",
    "share_team": "Share with the team",
    "export": "Copy the plan to the case file",
}
# Codes allowed under each code system the bundle uses; a system not listed is not checked.
SYSTEM_CODES: dict[str, frozenset[str]] = {
    GOAL_ACHIEVEMENT: GOAL_ACHIEVEMENT_CODES,
    PARTICIPANT_TYPE: frozenset(
        [
            "enterer",
            "performer",
            "author",
            "verifier",
            "legal",
            "attester",
            "informant",
            "custodian",
            "assembler",
            "composer",
        ]
    ),
    CONSENT_SCOPE: frozenset(["adr", "research", "patient-privacy", "treatment"]),
    ROLE_CODE: frozenset({"CAREGIVER"}),
    ACT_CODE: frozenset({"OPTIN"}),
    LOINC: frozenset({"59284-0"}),
    AGENCY: frozenset(AGENCIES),
    TEAM_ROLE: frozenset({"lead-professional"}),
    CONSENT_PURPOSE: frozenset(PURPOSES),
    RATING: frozenset(RATINGS),
}
# (resource type, path to a code element) -> allowed codes; a path walks lists on the way.
ELEMENT_CODES: dict[tuple[str, str], frozenset[str]] = {
    ("Bundle", "type"): BUNDLE_TYPE,
    ("Patient", "name.use"): NAME_USE,
    ("Patient", "link.type"): LINK_TYPE,
    ("Patient", "name.extension.valueCode"): DATA_ABSENT_REASON,
    ("Goal", "extension.valueCode"): frozenset(RATINGS),
    ("Goal", "description.extension.valueCode"): DATA_ABSENT_REASON,
    ("Goal", "lifecycleStatus"): GOAL_LIFECYCLE,
    ("CarePlan", "status"): CARE_PLAN_STATUS,
    ("CarePlan", "intent"): CARE_PLAN_INTENT,
    ("CarePlan", "activity.detail.status"): ACTIVITY_STATUS,
    ("CareTeam", "status"): CARE_TEAM_STATUS,
    ("Consent", "status"): CONSENT_STATE,
    ("Consent", "provision.type"): CONSENT_PROVISION_TYPE,
    ("QuestionnaireResponse", "status"): QUESTIONNAIRE_RESPONSE_STATUS,
}

# How it is going, worst first, for telling improving from worsening at a review.
RATING_ORDER = ("not_met", "partly_met", "met")
# A rating on its own (docs/export.md has the table).
RATING_ACHIEVEMENT = {"met": "sustaining", "partly_met": "in-progress", "not_met": "not-achieving"}
# At a review, the team's verdict on the outcome comes first.
ACHIEVED_ACHIEVEMENT = {
    "achieved": "achieved",
    "partly": "in-progress",
    "not_achieved": "not-achieving",
}
ACTION_STATUS = {
    "open": "not-started",
    "in_progress": "in-progress",
    "done": "completed",
    "dropped": "cancelled",
}
# Goal notes: the outcome's other words, each under a label.
NOTES = (
    ("rating_words", "In their words, how it is going"),
    ("wish", "What they would like instead"),
    ("helps", "What helps"),
    ("barriers", "What gets in the way"),
    ("who_could_help", "Who could help"),
    ("update", "At review"),
    ("note", "The team's note"),
    ("practitioner_view", "The practitioner's view"),
    ("person_view", "The person's view"),
    ("impact", "Impact"),
)


class InvalidCode(ValueError):
    """A code in a bundle outside the value set its element is bound to."""


class InvalidBundle(ValueError):
    """A bundle fhir.resources refuses; the message is one line: the resource, the element
    and what is wrong (then how many other problems there were)."""


def achievement_status(outcome: Mapping[str, Any]) -> str | None:
    """The goal-achievement code for an outcome: the review verdict (achieved, partly,
    not_achieved) if there is one, else the change since the last rating, else the rating."""
    if outcome.get("achieved") in ACHIEVED_ACHIEVEMENT:
        return ACHIEVED_ACHIEVEMENT[outcome["achieved"]]
    rating, previous = outcome.get("rating"), outcome.get("previous_rating")
    if rating in RATING_ORDER and previous in RATING_ORDER and rating != previous:
        better = RATING_ORDER.index(rating) > RATING_ORDER.index(previous)
        return "improving" if better else "worsening"
    if rating in RATING_ORDER and previous == rating and rating != "met":
        return "no-change"
    return RATING_ACHIEVEMENT.get(rating or "")


def lifecycle_status(outcome: Mapping[str, Any], agreed: bool) -> str:
    """completed once achieved, active in an agreed plan, proposed in a draft."""
    if outcome.get("achieved") == "achieved":
        return "completed"
    return "active" if agreed else "proposed"


def _instant(value: str | None) -> str | None:
    """An ISO date-time with a zone, as FHIR needs; a naive one was stored as UTC."""
    if value is None or "T" not in value:
        return value
    return value if datetime.fromisoformat(value).tzinfo else value + "+00:00"


def _ref(resource: Mapping[str, Any], display: str | None = None) -> dict[str, Any]:
    ref = {"reference": f"urn:uuid:{resource['id']}"}
    if display:
        ref["display"] = display
    return ref


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


class _Builder:
    """Collects the resources of one bundle, giving each a stable id."""

    def __init__(self, view: Mapping[str, Any]) -> None:
        assessment = view["assessment"]
        self.stem = (
            f"{view['person']['case_reference']}/{assessment['id']}/v{assessment['version']}"
        )
        self.entries: list[dict[str, Any]] = []

    def id_for(self, kind: str, index: object = 0) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.stem}/{kind}/{index}"))

    def add(self, kind: str, index: object, resource: dict[str, Any]) -> dict[str, Any]:
        resource = {"resourceType": kind, "id": self.id_for(kind, index), **resource}
        self.entries.append({"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource})
        return resource


def _people(b: _Builder, person: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The person as a Patient (the subject of their plan) and the resource that expressed
    it: for a carer, a RelatedPerson pointing at the Patient they care for."""
    names = [{"use": "official", "text": person["name"]}]
    if person.get("preferred_name"):
        names.append({"use": "usual", "text": person["preferred_name"]})
    patient: dict[str, Any] = {
        "identifier": [{"system": CASE_REFERENCE, "value": person["case_reference"]}],
        "name": names,
        "communication": [
            {
                "language": {"coding": [_coding("urn:ietf:bcp:47", person["preferred_language"])]},
                "preferred": True,
            }
        ],
    }
    if person["kind"] != "carer":
        subject = b.add("Patient", "person", patient)
        return subject, subject
    cares_for = person.get("cares_for") or {}
    cared_for: dict[str, Any] = {}
    if cares_for.get("case_reference"):
        cared_for["identifier"] = [{"system": CASE_REFERENCE, "value": cares_for["case_reference"]}]
    cared_for["name"] = [
        {"text": cares_for["name"]}
        if cares_for.get("name")
        else {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}
    ]
    cared_for_patient = b.add("Patient", "cared-for", cared_for)
    related = {
        "identifier": patient["identifier"],
        "patient": _ref(cared_for_patient, cares_for.get("name")),
        "relationship": [
            {"coding": [_coding(ROLE_CODE, "CAREGIVER", "caregiver")], "text": "unpaid carer"}
        ],
        "name": names,
        "communication": patient["communication"],
    }
    carer = b.add("RelatedPerson", "carer", related)
    patient["link"] = [{"other": _ref(carer), "type": "seealso"}]
    subject = b.add("Patient", "person", patient)
    return subject, carer


def _team(
    b: _Builder, view: Mapping[str, Any], subject: Mapping[str, Any]
) -> tuple[dict[str, dict[str, Any]], dict[str, Any] | None]:
    """A Practitioner and PractitionerRole per team member, and the CareTeam of them all."""
    practitioners: dict[str, dict[str, Any]] = {}
    participants = []
    for index, member in enumerate(view["team"]):
        practitioner = b.add("Practitioner", index, {"name": [{"text": member["name"]}]})
        practitioners.setdefault(member["name"], practitioner)
        agency = member["agency"]
        roles = [{"text": member["role"]}] if member["role"] else []
        role = b.add(
            "PractitionerRole",
            index,
            {
                "practitioner": _ref(practitioner, member["name"]),
                "code": [
                    *roles,
                    {
                        "coding": [_coding(AGENCY, agency, AGENCIES.get(agency))],
                        "text": AGENCIES.get(agency, agency),
                    },
                ],
            },
        )
        if member["lead"]:
            roles.insert(
                0,
                {
                    "coding": [_coding(TEAM_ROLE, "lead-professional", "lead professional")],
                    "text": "lead professional",
                },
            )
        participant: dict[str, Any] = {"role": roles} if roles else {}
        participants.append({**participant, "member": _ref(role, member["name"])})
    if not participants:
        return practitioners, None
    care_team = b.add(
        "CareTeam",
        0,
        {"status": "active", "subject": _ref(subject), "participant": participants},
    )
    return practitioners, care_team


def _goal(
    b: _Builder,
    outcome: Mapping[str, Any],
    agreed: bool,
    subject: Mapping[str, Any],
    expressed_by: Mapping[str, Any],
    status_date: str | None,
) -> dict[str, Any]:
    goal: dict[str, Any] = {}
    if outcome.get("rating") in RATINGS:
        goal["extension"] = [{"url": RATING_EXTENSION, "valueCode": outcome["rating"]}]
    goal["lifecycleStatus"] = lifecycle_status(outcome, agreed)
    achievement = achievement_status(outcome)
    if achievement is not None:
        goal["achievementStatus"] = {"coding": [_coding(GOAL_ACHIEVEMENT, achievement)]}
    if outcome["domains"]:
        goal["category"] = [
            {"coding": [_coding(DOMAIN, domain)], "text": domain} for domain in outcome["domains"]
        ]
    # FHIR has no empty strings: words never recorded are marked absent, not made up.
    goal["description"] = (
        {"text": outcome["words"]}
        if outcome["words"]
        else {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}
    )
    goal["subject"] = _ref(subject)
    if status_date:
        goal["statusDate"] = status_date
    goal["expressedBy"] = _ref(expressed_by)
    # One note, a labelled paragraph per field: each Annotation costs as much to validate.
    lines = [f"{label}: {outcome[name]}" for name, label in NOTES if outcome.get(name)]
    if outcome.get("rating") in RATINGS:
        lines.insert(0, f"How it is going: {RATINGS[outcome['rating']]}")
    if lines:
        goal["note"] = [{"text": "\n\n".join(lines)}]
    return b.add("Goal", outcome["id"], goal)


def _activity(
    action: Mapping[str, Any],
    goal: Mapping[str, Any] | None,
    practitioners: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    who = practitioners.get(action["who"])
    performer = _ref(who, action["who"]) if who else {"display": action["who"]}
    detail: dict[str, Any] = {}
    if goal is not None:
        detail["goal"] = [_ref(goal)]
    if action["status"] not in ACTION_STATUS:
        raise InvalidCode(f"CarePlan.activity.detail.status: no code for {action['status']!r}")
    detail["status"] = ACTION_STATUS[action["status"]]
    detail["performer"] = [performer]
    if action.get("due"):
        detail["scheduledPeriod"] = {"end": action["due"]}
    detail["description"] = action["what"]
    return {"detail": detail}


def _consents(b: _Builder, view: Mapping[str, Any], subject: Mapping[str, Any]) -> None:
    """One Consent per answer; for each purpose the latest stands, earlier ones are inactive."""
    latest = {c["purpose"]: index for index, c in enumerate(view["consents"])}
    for index, consent in enumerate(view["consents"]):
        purpose = consent["purpose"]
        if latest[purpose] != index:
            status = "inactive"
        else:
            status = "active" if consent["given"] else "rejected"
        b.add(
            "Consent",
            index,
            {
                "status": status,
                "scope": {"coding": [_coding(CONSENT_SCOPE, "patient-privacy", "Privacy Consent")]},
                "category": [
                    {
                        "coding": [
                            _coding(LOINC, "59284-0", "Patient Consent"),
                            _coding(CONSENT_PURPOSE, purpose, PURPOSES.get(purpose)),
                        ],
                        "text": PURPOSES.get(purpose, purpose),
                    }
                ],
                "patient": _ref(subject),
                "dateTime": _instant(consent["recorded_at"]),
                "performer": [_ref(subject)],
                "policyRule": {"coding": [_coding(ACT_CODE, "OPTIN", "opt-in")]},
                "provision": {"type": "permit" if consent["given"] else "deny"},
            },
        )


def _questionnaire_response(
    b: _Builder, view: Mapping[str, Any], subject: Mapping[str, Any], author: Mapping[str, Any]
) -> None:
    conversation = view["conversation"]
    if not conversation:
        return
    items = []
    for answer in conversation:
        item: dict[str, Any] = {"linkId": f"turn-{answer['seq']}"}
        if answer.get("question"):
            item["text"] = answer["question"]
        if answer["answer"]:
            item["answer"] = [{"valueString": answer["answer"]}]
        items.append(item)
    b.add(
        "QuestionnaireResponse",
        0,
        {
            "language": view["assessment"]["language"],
            "status": "completed",
            "subject": _ref(subject),
            "authored": _instant(conversation[-1]["at"]),
            "author": _ref(author),
            "source": _ref(author),
            "item": items,
        },
    )


def to_fhir_bundle(view: Mapping[str, Any]) -> dict[str, Any]:
    """The view as a FHIR Bundle (type collection) of plain JSON values, not yet checked."""
    b = _Builder(view)
    assessment = view["assessment"]
    agreed = bool(assessment["agreed"])
    agreed_at = _instant(assessment.get("agreed_at"))
    subject, person = _people(b, view["person"])
    practitioners, care_team = _team(b, view, subject)
    signer = None
    if agreed:
        signed_by = assessment.get("agreed_by") or ""
        signer = practitioners.get(signed_by) or b.add(
            "Practitioner", "signed-off-by", {"name": [{"text": signed_by or "lead professional"}]}
        )
    goals = {
        outcome["id"]: _goal(b, outcome, agreed, subject, person, (agreed_at or "")[:10])
        for outcome in view["outcomes"]
    }
    plan: dict[str, Any] = {
        "status": "active" if agreed else "draft",
        "intent": "plan",
        "category": [{"text": f"{assessment['framework']} support plan"}],
        "title": f"Support plan, version {assessment['version']}",
        "subject": _ref(subject),
    }
    period = {
        name: value
        for name, value in (("start", (agreed_at or "")[:10]), ("end", assessment["review_date"]))
        if value
    }
    if period:
        plan["period"] = period
    if agreed_at:
        plan["created"] = agreed_at
    if signer is not None:
        plan["author"] = _ref(signer)
    if care_team is not None:
        plan["careTeam"] = [_ref(care_team)]
    if goals:
        plan["goal"] = [_ref(goal) for goal in goals.values()]
    if view["actions"]:
        plan["activity"] = [
            _activity(action, goals.get(action["outcome_id"]), practitioners)
            for action in view["actions"]
        ]
    notes = []
    if assessment["review_date"]:
        notes.append({"text": f"Next review by {assessment['review_date']}"})
    if assessment["not_covered"]:
        notes.append({"text": "Not covered when agreed: " + "; ".join(assessment["not_covered"])})
    if notes:
        plan["note"] = notes
    care_plan = b.add("CarePlan", 0, plan)
    _consents(b, view, subject)
    _questionnaire_response(b, view, subject, person)
    if signer is not None and agreed_at:
        b.add(
            "Provenance",
            0,
            {
                "target": [_ref(care_plan)],
                "recorded": agreed_at,
                "activity": {"text": "plan agreed and signed off"},
                "agent": [
                    {
                        "type": {"coding": [_coding(PARTICIPANT_TYPE, "attester", "Attester")]},
                        "who": _ref(signer, assessment.get("agreed_by")),
                    }
                ],
            },
        )
    reference = view["person"]["case_reference"]
    return {
        "resourceType": "Bundle",
        "id": b.id_for("Bundle"),
        "identifier": {
            "system": EXPORT_ID,
            "value": f"{reference}-{assessment['id']}-v{assessment['version']}",
        },
        "type": "collection",
        "entry": b.entries,
    }


def _values(node: Any, path: list[str]) -> Iterator[Any]:
    """The values at a dotted path, walking into every item of a list on the way."""
    if isinstance(node, list):
        for item in node:
            yield from _values(item, path)
    elif not path:
        yield node
    elif isinstance(node, dict) and path[0] in node:
        yield from _values(node[path[0]], path[1:])


def _codings(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _codings(item)
    elif isinstance(node, dict):
        if "system" in node and "code" in node:
            yield node
        for value in node.values():
            yield from _codings(value)


def check_codes(bundle: Mapping[str, Any]) -> None:
    """Raise InvalidCode on any code outside the value set of its element or code system."""
    resources = [bundle, *(entry["resource"] for entry in bundle.get("entry", []))]
    for resource in resources:
        kind = resource["resourceType"]
        where = f"{kind}/{resource.get('id')}"
        for (bound_kind, path), allowed in ELEMENT_CODES.items():
            if bound_kind != kind:
                continue
            for value in _values(resource, path.split(".")):
                if value not in allowed:
                    raise InvalidCode(
                        f"{where}: {path} {value!r} is not one of {', '.join(sorted(allowed))}"
                    )
        for coding in _codings(resource):
            codes = SYSTEM_CODES.get(coding["system"])
            if codes is not None and coding["code"] not in codes:
                raise InvalidCode(
                    f"{where}: code {coding['code']!r} is not in {coding['system']} "
                    f"(allowed: {', '.join(sorted(codes))})"
                )


def validate(bundle: Mapping[str, Any]) -> None:
    """Check a bundle with fhir.resources' R4B models, and its codes.

    The Bundle's own model checks the bundle and its entries; each entry's resource is checked
    by its own resource model, as the Bundle's would after looking the model up by name, which
    it does (with a failed import first) for every resource: a seventh of the time of a batch.
    """
    entries = bundle["entry"]
    Bundle.model_validate(
        {**bundle, "entry": [{k: v for k, v in e.items() if k != "resource"} for e in entries]}
    )
    for entry in entries:
        resource = entry["resource"]
        _model_of(resource["resourceType"]).model_validate(resource)
    check_codes(bundle)


def _one_line(error: ValidationError) -> str:
    problems = error.errors()
    first = problems[0]
    where = ".".join(str(part) for part in first["loc"])
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    message = " ".join(str(first["msg"]).split())  # a pattern in it may hold line breaks
    return f"{error.title} {where}: {message}{more}"


@cache
def _model_of(resource_type: str) -> type[FHIRAbstractModel]:
    return get_fhir_model_class(resource_type)


def to_fhir(view: Mapping[str, Any]) -> bytes:
    """The view as a validated FHIR Bundle, UTF-8 JSON with every character as written.
    Raises InvalidCode or InvalidBundle (both ValueErrors, with one-line messages)."""
    bundle = to_fhir_bundle(view)
    try:
        validate(bundle)
    except ValidationError as error:
        raise InvalidBundle(_one_line(error)) from error
    # Compact: machine output, and indenting makes json use its slow pure-Python encoder.
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# A small plan touching every kind of resource the bundle holds, for warm_up.
_WARM_UP_VIEW: dict[str, Any] = {
    "schema_version": "1.1",
    "assessment": {
        "id": 1,
        "framework": "carer",
        "language": "en",
        "version": 1,
        "agreed": True,
        "agreed_at": "2026-01-01T00:00:00+00:00",
        "agreed_by": "Lead",
        "review_date": "2026-04-01",
        "not_covered": ["x"],
        "review_of_id": None,
    },
    "person": {
        "name": "Person",
        "preferred_name": None,
        "case_reference": "WARM-UP",
        "kind": "carer",
        "preferred_language": "en",
        "cares_for": {"name": "Cared for", "case_reference": None},
    },
    "team": [{"name": "Lead", "agency": "health", "role": "Nurse", "lead": True}],
    "consents": [{"purpose": "export", "given": True, "recorded_at": "2026-01-01T00:00:00+00:00"}],
    "outcomes": [
        {
            "id": 1,
            "key": "1",
            "words": "words",
            "domains": ["health_wellbeing"],
            "rating": "met",
            "rating_words": None,
            "wish": None,
            "helps": "help",
            "barriers": None,
            "who_could_help": None,
            "previous_rating": None,
            "update": None,
            "note": None,
            "practitioner_view": None,
            "person_view": None,
            "impact": None,
            "achieved": None,
        }
    ],
    "actions": [
        {
            "id": 1,
            "outcome_id": 1,
            "what": "what",
            "who": "Lead",
            "agency": "health",
            "due": "2026-02-01",
            "status": "open",
        }
    ],
    "conversation": [
        {
            "seq": 2,
            "question": "question",
            "answer": "answer",
            "answered_with": "words",
            "by": "person",
            "at": "2026-01-01T00:00:00+00:00",
        }
    ],
}


def warm_up() -> None:
    """Make one small bundle, so the models' validators are built (pydantic builds them on
    first use, about a second): a batch export does this once before forking its workers,
    rather than once in each."""
    to_fhir(_WARM_UP_VIEW)
