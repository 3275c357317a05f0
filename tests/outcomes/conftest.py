"""A finished carer conversation held through the services, for the review tests."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from outcomes_chat.dialogue.frameworks import Framework, load_framework
from outcomes_chat.outcomes.conversations import Said, Sender, start_conversation, take_turn
from outcomes_chat.outcomes.models import Assessment, ConsentPurpose, Role
from tests.live import Player

_ids = itertools.count(1)


@pytest.fixture
def carer_framework(app) -> Framework:
    return load_framework(Path(app.config["PROMPTS_DIR"]), "carer")


@pytest.fixture
def team(make_user, make_person):
    """Morag leads; Amir is in the team; Olga is not."""
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    nurse = make_user("amir")
    outsider = make_user("olga")
    person = make_person(lead, members=(nurse,))
    return person, lead, nurse, outsider


def hold_conversation(app, db, person, user, finish: bool = True) -> Assessment:
    """Start a carer conversation and answer it to the end with the live tests' player."""
    from outcomes_chat.web.engines import engine_for

    with app.app_context():
        engine = engine_for("carer")
    consents = {ConsentPurpose.RECORD: True, ConsentPurpose.SHARE_TEAM: True}
    assessment = start_conversation(db, engine, person, user, "carer", "en", consents)
    db.commit()
    reply, player, sender = {"phase": "language"}, Player(), Sender(user=user)
    said: Said = Said(language="en")
    while True:
        stored = take_turn(
            db, engine, assessment, f"c{next(_ids)}", said, assessment.last_seq, sender
        )
        db.commit()
        reply = stored.turn.reply
        if reply.get("finished") or (not finish and assessment.outcomes):
            return assessment
        said = Said(**player.answer(reply))


@pytest.fixture
def finished(app, db, team) -> Assessment:
    person, lead, _nurse, _outsider = team
    return hold_conversation(app, db, person, lead)
