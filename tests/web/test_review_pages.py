"""The review page: who may open it, every change through a form, refusals that keep what was
typed and show what it says now, sign-off by the lead professional only."""

from __future__ import annotations

import html as html_text
import re
from datetime import date

import pytest
from sqlalchemy import event, select

from outcomes_chat.outcomes.conversations import Said, Sender, take_turn
from outcomes_chat.outcomes.models import (
    Assessment,
    AuditEvent,
    OutcomeAction,
    PlanStage,
    RecordedOutcome,
    Revision,
)
from outcomes_chat.web import review as review_views
from tests.conftest import login

TODAY = date(2026, 12, 2)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(review_views, "today", lambda: TODAY)


def page(client, assessment):
    return client.get(f"/assessments/{assessment.id}/review")


def shown(response) -> str:
    """The page as a person reads it (entities such as &#39; decoded)."""
    return html_text.unescape(response.get_data(as_text=True))


def token(client, assessment) -> str:
    html = page(client, assessment).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def sign_off(client, assessment, review_date):
    """Post the sign-off form as the lead's page shows it (with the plan as it was read)."""
    html = page(client, assessment).get_data(as_text=True)
    seen = re.search(r'name="seen" type="hidden" value="([^"]*)"', html)
    return post(
        client,
        assessment,
        "/sign-off",
        {"review_date": review_date, "seen": seen.group(1) if seen else ""},
    )


def post(client, assessment, path, data):
    data = {"csrf_token": token(client, assessment), **data}
    return client.post(f"/assessments/{assessment.id}/review{path}", data=data)


def test_the_review_page_shows_each_outcome_in_the_persons_words_by_domain(client, finished):
    login(client, "amir")
    response = page(client, finished)
    html = shown(response)
    assert response.status_code == 200
    for outcome in finished.outcomes:
        assert f'id="outcome-{outcome.id}"' in html
        assert outcome.words in html
    assert "Waiting for the team's review" in html and "Sign off" in html
    assert "Only the lead professional, Morag, can sign off the plan." in html


def test_an_outsider_gets_not_found_and_changes_nothing(client, finished, db):
    login(client, "olga")
    assert page(client, finished).status_code == 404
    outcome = finished.outcomes[0]
    response = client.post(
        f"/assessments/{finished.id}/review/outcomes/{outcome.id}/notes",
        data={f"o{outcome.id}-note": "x", f"o{outcome.id}-based_on": outcome.revision},
    )
    assert response.status_code in (400, 404)
    db.expire_all()
    assert db.get(RecordedOutcome, outcome.id).note is None


def test_a_note_is_saved_beside_the_words_and_the_view_is_audited(client, finished, db):
    login(client, "amir")
    outcome = finished.outcomes[0]
    response = post(
        client,
        finished,
        f"/outcomes/{outcome.id}/notes",
        {f"o{outcome.id}-based_on": outcome.revision, f"o{outcome.id}-note": "Tuesdays suit her"},
    )
    assert response.status_code == 302
    db.expire_all()
    saved = db.get(RecordedOutcome, outcome.id)
    assert saved.note == "Tuesdays suit her" and saved.words == outcome.words
    html = shown(page(client, finished))
    assert "Tuesdays suit her" in html
    actions = set(
        db.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type.in_(["review", "outcome"]))
        )
    )
    assert actions == {"view", "change"}


def test_a_stale_note_is_refused_with_what_it_says_now_and_the_typed_words_kept(
    client, finished, db
):
    login(client, "amir")
    outcome = finished.outcomes[0]
    base = outcome.revision
    fields = {f"o{outcome.id}-based_on": base, f"o{outcome.id}-note": "First note"}
    assert post(client, finished, f"/outcomes/{outcome.id}/notes", fields).status_code == 302
    fields[f"o{outcome.id}-note"] = "My late note"
    response = post(client, finished, f"/outcomes/{outcome.id}/notes", fields)
    html = shown(response)
    assert response.status_code == 409
    assert "Someone else changed this" in html and "First note" in html and "My late note" in html
    db.expire_all()
    assert db.get(RecordedOutcome, outcome.id).note == "First note"


def test_an_action_is_added_then_marked_done(client, finished, db):
    login(client, "amir")
    outcome = finished.outcomes[0]
    prefix = f"new-action-{outcome.id}-"
    response = post(
        client,
        finished,
        f"/outcomes/{outcome.id}/actions",
        {
            prefix + "what": "Refer to the carers centre",
            prefix + "who": "Amir",
            prefix + "agency": "voluntary",
            prefix + "due": "2027-01-15",
            prefix + "status": "open",
        },
    )
    assert response.status_code == 302
    action = db.scalar(select(OutcomeAction))
    prefix = f"action-{action.id}-"
    response = post(
        client,
        finished,
        f"/actions/{action.id}",
        {
            prefix + "what": action.what,
            prefix + "who": action.who,
            prefix + "agency": "voluntary",
            prefix + "due": "2027-01-15",
            prefix + "status": "done",
            prefix + "based_on": action.revision,
        },
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(OutcomeAction, action.id).status.value == "done"
    assert "Refer to the carers centre" in shown(page(client, finished))


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"what": "", "who": "Amir", "agency": "health", "status": "open"}, 400),
        ({"what": "x", "who": "Amir", "agency": "police", "status": "open"}, 400),
        (
            {"what": "x", "who": "Amir", "agency": "health", "status": "open", "due": "31/02/2027"},
            400,
        ),
        ({"what": "x" * 4001, "who": "Amir", "agency": "health", "status": "open"}, 400),
    ],
)
def test_a_bad_action_is_refused_and_nothing_is_saved(client, finished, db, fields, status):
    login(client, "amir")
    outcome = finished.outcomes[0]
    prefix = f"new-action-{outcome.id}-"
    response = post(
        client,
        finished,
        f"/outcomes/{outcome.id}/actions",
        {prefix + k: v for k, v in fields.items()},
    )
    assert response.status_code == status
    assert "Please check the form" in shown(response)
    assert db.scalar(select(OutcomeAction)) is None


def test_only_the_lead_signs_off_and_the_agreed_plan_is_frozen(client, finished, db):
    login(client, "amir")
    refused = post(client, finished, "/sign-off", {"review_date": "2027-03-01", "seen": "x"})
    assert refused.status_code == 400
    assert "Only the person's lead professional" in shown(refused)
    client.post("/logout", data={"csrf_token": token(client, finished)})
    login(client, "morag")
    assert sign_off(client, finished, "2026-11-01").status_code == 400
    assert sign_off(client, finished, "2027-03-01").status_code == 302
    db.expire_all()
    agreed = db.get(Assessment, finished.id)
    assert agreed.stage == PlanStage.AGREED and agreed.review_date == date(2027, 3, 1)
    outcome = agreed.outcomes[0]
    response = post(
        client,
        finished,
        f"/outcomes/{outcome.id}/notes",
        {f"o{outcome.id}-based_on": outcome.revision, f"o{outcome.id}-note": "after"},
    )
    assert response.status_code == 400 and "frozen" in shown(response)
    assert post(client, finished, "/new-version", {}).status_code == 302
    db.expire_all()
    assert db.get(Assessment, finished.id).version == 2


def test_the_carer_checklist_shows_parts_not_yet_covered(client, finished):
    login(client, "morag")
    html = shown(page(client, finished))
    assert "Adult carer support plan: what it must cover" in html
    assert (
        "Whether support should take the form of a break from caring</strong> — not covered yet"
        in html
    )
    post(
        client,
        finished,
        "/comments",
        {"text": "Wants a week away in May", "plan_part": "short_break"},
    )
    html = shown(page(client, finished))
    assert "Whether support should take the form of a break from caring</strong> — covered" in html
    assert "Wants a week away in May" in html


def test_raise_merge_and_remove_keep_every_outcomes_words(client, finished, db):
    login(client, "amir")
    keep = finished.outcomes[0]
    response = post(
        client,
        finished,
        "/outcomes",
        {"words": "Wants her sister to visit", "domain": keep.domains[0]},
    )
    assert response.status_code == 302
    raised = db.scalar(
        select(RecordedOutcome).where(RecordedOutcome.words == "Wants her sister to visit")
    )
    assert raised.raised_by.username == "amir"
    post(
        client,
        finished,
        f"/outcomes/{raised.id}/merge",
        {"keep_id": keep.id, "based_on": raised.revision},
    )
    html = shown(page(client, finished))
    assert "Also said:" in html and "Wants her sister to visit" in html
    db.refresh(keep)  # the merge was a revision of the kept outcome too
    post(client, finished, f"/outcomes/{keep.id}/remove", {"based_on": keep.revision})
    db.expire_all()
    assert db.get(RecordedOutcome, keep.id).removed_in_review
    assert "Removed in review" in shown(page(client, finished))


def test_after_a_stale_refusal_the_kept_words_can_be_saved_having_seen_the_change(
    client, finished, db
):
    login(client, "amir")
    outcome = finished.outcomes[0]
    base = outcome.revision
    fields = {f"o{outcome.id}-based_on": base, f"o{outcome.id}-note": "First note"}
    assert post(client, finished, f"/outcomes/{outcome.id}/notes", fields).status_code == 302
    fields[f"o{outcome.id}-note"] = "My late note"
    refused = post(client, finished, f"/outcomes/{outcome.id}/notes", fields)
    assert refused.status_code == 409
    kept = re.search(
        rf'id="o{outcome.id}-based_on" name="o{outcome.id}-based_on" type="hidden" value="(\d+)"',
        shown(refused),
    )
    assert kept and int(kept.group(1)) == base + 1
    fields[f"o{outcome.id}-based_on"] = int(kept.group(1))
    assert post(client, finished, f"/outcomes/{outcome.id}/notes", fields).status_code == 302
    db.expire_all()
    assert db.get(RecordedOutcome, outcome.id).note == "My late note"


def test_a_save_racing_another_process_gets_a_conflict_not_an_error(client, finished, db):
    login(client, "amir")
    outcome = finished.outcomes[0]
    base = outcome.revision
    # Another process appended the next revision between this request's check and its write.
    db.add(
        Revision(
            assessment_id=finished.id,
            subject="outcome",
            subject_id=outcome.id,
            number=base + 1,
            based_on=base,
            plan_version=1,
            change="edited",
            changed=["note"],
            values={},
            by_label="other process",
        )
    )
    db.commit()
    fields = {f"o{outcome.id}-based_on": base, f"o{outcome.id}-note": "Mine"}
    response = post(client, finished, f"/outcomes/{outcome.id}/notes", fields)
    assert response.status_code == 409 and "Mine" in shown(response)
    db.expire_all()
    assert db.get(RecordedOutcome, outcome.id).note is None


def test_the_review_page_reads_every_outcomes_history_in_one_query(client, finished, db):
    login(client, "amir")
    statements: list[str] = []
    engine = db.get_bind()

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert page(client, finished).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(finished.outcomes) > 1
    assert len([s for s in statements if "FROM revisions" in s]) == 2  # history, fingerprint


def test_only_the_lead_reopens_an_agreed_plan(client, finished, db):
    login(client, "morag")
    assert sign_off(client, finished, "2027-03-01").status_code == 302
    client.post("/logout", data={"csrf_token": token(client, finished)})
    login(client, "amir")
    assert "Start a new version" not in shown(page(client, finished))
    assert post(client, finished, "/new-version", {}).status_code == 400
    db.expire_all()
    assert db.get(Assessment, finished.id).stage == PlanStage.AGREED


def test_a_sign_off_after_a_change_the_lead_has_not_seen_is_refused(client, finished, db):
    login(client, "morag")
    html = page(client, finished).get_data(as_text=True)
    read = re.search(r'name="seen" type="hidden" value="([^"]*)"', html).group(1)
    outcome = finished.outcomes[0]
    post(
        client,
        finished,
        f"/outcomes/{outcome.id}/notes",
        {f"o{outcome.id}-based_on": outcome.revision, f"o{outcome.id}-note": "Added just now"},
    )
    refused = post(client, finished, "/sign-off", {"review_date": "2027-03-01", "seen": read})
    assert refused.status_code == 409 and "Someone else changed this" in shown(refused)
    db.expire_all()
    assert db.get(Assessment, finished.id).stage == PlanStage.AWAITING_REVIEW


def test_the_person_page_and_the_conversation_lead_to_the_review(client, finished):
    login(client, "amir")
    review_link = f'href="/assessments/{finished.id}/review"'
    assert review_link in client.get(f"/persons/{finished.person_id}").get_data(as_text=True)
    assert review_link in client.get(f"/conversations/{finished.id}").get_data(as_text=True)


def test_unknown_ids_are_refused_and_change_nothing(client, finished, db):
    login(client, "amir")
    outcome = finished.outcomes[0]
    missing = max(o.id for o in finished.outcomes) + 100
    refused = post(
        client,
        finished,
        f"/outcomes/{missing}/notes",
        {f"o{missing}-based_on": 1, f"o{missing}-note": "to nowhere"},
    )
    assert refused.status_code == 400
    assert "That is no longer part of this plan" in shown(refused)
    assert client.get(f"/assessments/{finished.id + 100}/review").status_code == 404
    assert (
        post(client, finished, "/comments", {"text": "x", "plan_part": "no_such_part"}).status_code
        == 400
    )
    db.expire_all()
    assert (
        db.scalar(select(Revision).where(Revision.values["note"].as_string() == "to nowhere"))
        is None
    )
    assert db.get(RecordedOutcome, outcome.id).note is None


def test_an_outcome_raised_without_choosing_its_area_is_refused(client, finished, db):
    login(client, "amir")
    before = len(finished.outcomes)
    response = post(client, finished, "/outcomes", {"words": "Wants to drive again", "domain": ""})
    assert response.status_code == 400 and "Wants to drive again" in shown(response)
    db.expire_all()
    assert len(db.get(Assessment, finished.id).outcomes) == before


def test_a_review_conversation_starts_from_the_agreed_plan_and_shows_the_change(
    client, finished, db
):
    login(client, "morag")
    refused = client.get(f"/assessments/{finished.id}/review/start-review")
    assert refused.status_code == 302  # not agreed yet: back to the plan, with why
    assert "Only an agreed plan can be reviewed" in shown(client.get(refused.location))
    assert sign_off(client, finished, "2027-03-01").status_code == 302
    assert "Start a review conversation" in shown(page(client, finished))
    response = post(
        client,
        finished,
        "/start-review",
        {"language": "en", "consent_record": "y", "consent_share": "y"},
    )
    assert response.status_code == 302
    started = db.scalar(select(Assessment).where(Assessment.review_of_id == finished.id))
    assert response.location.endswith(f"/conversations/{started.id}")
    html = shown(client.get(f"/assessments/{started.id}/review"))
    assert "This is a review of the plan agreed on" in html
    assert "When agreed" in html and "Achieved?" in html
    back = next(o for o in started.outcomes if o.review_of_id)
    assert back.words in html
    saved = client.post(
        f"/assessments/{started.id}/review/outcomes/{back.id}/notes",
        data={
            f"o{back.id}-based_on": back.revision,
            f"o{back.id}-achieved": "partly",
            f"o{back.id}-note": "Sleeps on Sundays now",
            "csrf_token": token(client, started),
        },
    )
    assert saved.status_code == 302
    db.expire_all()
    assert db.get(RecordedOutcome, back.id).achieved == "partly"


def test_a_review_rating_skipped_shows_as_not_asked_never_not_sure(app, client, finished, db):
    """ "When agreed: Going well, Now: Not sure" would read as worse: a skip is no rating."""
    from outcomes_chat.web.engines import engine_for

    login(client, "morag")
    assert sign_off(client, finished, "2027-03-01").status_code == 302
    data = {"language": "en", "consent_record": "y", "consent_share": "y"}
    assert post(client, finished, "/start-review", data).status_code == 302
    started = db.scalar(select(Assessment).where(Assessment.review_of_id == finished.id))
    with app.app_context():
        engine = engine_for("carer")
    lead = started.started_by
    inputs = [Said(language="en"), Said(button="start"), Said(button="yes"), Said(button="skip")]
    for number, said in enumerate(inputs):
        take_turn(db, engine, started, f"skip{number}", said, started.last_seq, Sender(lead))
        db.commit()
    skipped = next(o for o in started.outcomes if o.review_of_id)
    assert skipped.rating is None
    html = shown(client.get(f"/assessments/{started.id}/review"))
    article = html.split(f'id="outcome-{skipped.id}"')[1].split("</article>")[0]
    now = article.split("<dt>Now</dt>")[1].split("</dd>")[0]
    assert "Not asked" in now and "Not sure" not in now


def test_the_person_page_lists_every_plans_actions_across_agencies(client, finished, db):
    login(client, "amir")
    outcome = finished.outcomes[0]
    prefix = f"new-action-{outcome.id}-"
    post(
        client,
        finished,
        f"/outcomes/{outcome.id}/actions",
        {
            prefix + "what": "Sleep clinic referral",
            prefix + "who": "Amir",
            prefix + "agency": "health",
            prefix + "status": "in_progress",
        },
    )
    html = shown(client.get(f"/persons/{finished.person_id}"))
    actions = html[html.index("Actions across agencies") :]
    assert "Sleep clinic referral" in actions and "Health" in actions and "Under way" in actions


def test_an_agreed_plans_review_can_be_started_from_the_person_page(client, finished):
    login(client, "morag")
    start = f'href="/assessments/{finished.id}/review/start-review"'
    assert start not in client.get(f"/persons/{finished.person_id}").get_data(as_text=True)
    assert sign_off(client, finished, "2027-03-01").status_code == 302
    assert start in client.get(f"/persons/{finished.person_id}").get_data(as_text=True)


def test_a_new_action_due_in_the_past_is_refused_beside_its_date_and_nothing_is_saved(
    client, finished, db
):
    login(client, "amir")
    outcome = finished.outcomes[0]
    prefix = f"new-action-{outcome.id}-"
    response = post(
        client,
        finished,
        f"/outcomes/{outcome.id}/actions",
        {
            prefix + "what": "Refer to the falls service",
            prefix + "who": "Amir",
            prefix + "agency": "health",
            prefix + "due": "2025-01-15",
            prefix + "status": "open",
        },
    )
    html = shown(response)
    assert response.status_code == 400
    assert db.scalar(select(OutcomeAction)) is None
    block = re.search(
        rf'<div class="field has-error">\s*<label for="{prefix}due".*?</div>', html, re.S
    )
    assert block, "the date field is not marked"
    assert "The date is in the past" in block.group(0)
    assert f'aria-describedby="{prefix}due-error"' in block.group(0)
    assert 'aria-invalid="true"' in block.group(0)
    assert "Refer to the falls service</textarea>" in html


def test_an_overdue_action_is_marked_overdue_wherever_actions_are_listed(
    client, finished, db, monkeypatch
):
    from outcomes_chat.outcomes import review as review_service
    from outcomes_chat.web import persons as person_pages

    monkeypatch.setattr(person_pages, "today", lambda: TODAY)
    outcome = finished.outcomes[0]
    for what, due in (("Late referral", date(2026, 11, 20)), ("Next week", date(2026, 12, 9))):
        details = review_service.ActionDetails(what, "Amir", "health", due)
        review_service.add_action(db, finished, outcome.id, details, finished.started_by, due)
    db.commit()
    login(client, "amir")
    for url in (
        f"/assessments/{finished.id}/review",
        f"/persons/{finished.person_id}",
        "/",
    ):
        html = shown(client.get(url))
        late = html[html.index("Late referral") :]
        assert "Overdue" in late[: late.index("Next week")], url
        assert "Overdue" not in late[late.index("Next week") :].split("</tr>")[0].split("</li>")[0]


def test_sign_off_lists_open_safety_flags_and_needs_them_confirmed_beside_the_box(
    client, finished, db
):
    from outcomes_chat.outcomes import review as review_service

    (flag,) = review_service.raise_flags(
        finished, [{"category": "self_harm", "tier": "immediate", "words": "...", "turn": 3}]
    )
    db.commit()
    login(client, "morag")
    html = shown(page(client, finished))
    section = html[html.index('id="sign-off-heading"') :]
    assert "1 safety concern about" in section
    assert f'href="/persons/{finished.person_id}#flag-{flag.id}"' in section
    assert "I have seen the open safety concerns and they are being dealt with" in section

    refused = sign_off(client, finished, "2027-03-01")
    assert refused.status_code == 400
    box = re.search(r'<div class="check-field has-error">.*?</div>', shown(refused), re.S)
    assert box and "Safety concerns are still open" in box.group(0)
    assert 'aria-invalid="true"' in box.group(0)
    assert 'aria-describedby="flags_seen-error"' in box.group(0)
    db.expire_all()
    assert db.get(Assessment, finished.id).stage == PlanStage.AWAITING_REVIEW

    html = page(client, finished).get_data(as_text=True)
    seen = re.search(r'name="seen" type="hidden" value="([^"]*)"', html).group(1)
    shown_ids = re.search(r'name="flags_shown" value="([^"]*)"', html).group(1)
    assert shown_ids == str(flag.id)
    agreed = post(
        client,
        finished,
        "/sign-off",
        {"review_date": "2027-03-01", "seen": seen, "flags_seen": "y", "flags_shown": shown_ids},
    )
    assert agreed.status_code == 302
    db.expire_all()
    assert db.get(Assessment, finished.id).agreed.open_flags == [flag.id]
    assert "1 safety concern was still open" in shown(page(client, finished))


def test_a_long_paste_is_kept_whole_and_refused_beside_its_box(client, finished, db):
    login(client, "amir")
    outcome = finished.outcomes[0]
    html = page(client, finished).get_data(as_text=True)
    assert " maxlength=" not in html  # the browser never cuts a paste short
    assert f'id="o{outcome.id}-note"' in html and 'data-maxlength="4000"' in html
    long = "Respite on Tuesdays. " * 277  # 5,817 characters
    refused = post(
        client,
        finished,
        f"/outcomes/{outcome.id}/notes",
        {f"o{outcome.id}-based_on": outcome.revision, f"o{outcome.id}-note": long},
    )
    assert refused.status_code == 400
    box = re.search(
        rf'<div class="field has-error">\s*<label for="o{outcome.id}-note".*?</div>',
        shown(refused),
        re.S,
    )
    assert box and "Please use 4000 characters or fewer." in box.group(0)
    assert long.strip() in box.group(0)
    comment = post(client, finished, "/comments", {"outcome_id": outcome.id, "text": long.strip()})
    assert comment.status_code == 400
    box = re.search(
        rf'<div class="field has-error">\s*<label for="comment-{outcome.id}".*?</div>',
        shown(comment),
        re.S,
    )
    assert box and "Please use 4000 characters or fewer." in box.group(0)
    assert long.strip() in box.group(0) and 'aria-invalid="true"' in box.group(0)
    db.expire_all()
    assert db.get(RecordedOutcome, outcome.id).note is None


def test_a_past_review_date_is_refused_beside_the_date_which_opens_the_page(client, finished, db):
    login(client, "morag")
    refused = sign_off(client, finished, "2026-11-01")
    assert refused.status_code == 400
    html = shown(refused)
    assert 'id="refused"' not in html  # not only at the top of a long page
    box = re.search(
        r'<div class="field has-error">\s*<label for="review_date".*?</div>', html, re.S
    )
    assert box and "Please choose a review date after today" in box.group(0)
    date_box = re.search(r"<input[^>]*id=\"review_date\"[^>]*>", box.group(0)).group(0)
    assert 'aria-invalid="true"' in date_box and "review_date-error" in date_box
    assert "autofocus" in date_box and 'value="2026-11-01"' in date_box
    assert html.count("autofocus") == 1
