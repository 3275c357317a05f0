"""Fixtures the review, plan and directory page tests share: a team and a finished carer
conversation held through the services."""

from __future__ import annotations

import pytest

from outcomes_chat.outcomes.models import Role
from tests.outcomes.conftest import hold_conversation


@pytest.fixture
def people(make_user, make_person):
    """Margaret's team: Morag leads, Amir is a member; Olga has an account but is not in it."""
    lead = make_user("morag", role=Role.LEAD_PROFESSIONAL)
    nurse = make_user("amir")
    make_user("olga")
    return make_person(lead, members=(nurse,)), lead, nurse


@pytest.fixture
def finished(app, db, people):
    """A carer conversation Morag held to the end, awaiting review."""
    person, lead, _nurse = people
    return hold_conversation(app, db, person, lead)
