"""Migrations on databases that already hold conversations: nothing said is lost."""

from __future__ import annotations

import json

from sqlalchemy import text

from outcomes_chat import migrate
from outcomes_chat.database import make_engine

NOW = "2026-11-30 10:00:00.000000"


def _seed_at_0005(url: str, flagged: bool) -> None:
    migrate.upgrade(url, "0005")
    engine = make_engine(url)
    state = {
        "safety": [
            {"category": "self_harm", "tier": "immediate", "words": "I want to end it", "turn": 3}
        ]
    }
    with engine.begin() as db:
        db.execute(
            text(
                "INSERT INTO users (id, username, display_name, agency, role, password_hash, "
                "active, created_at) VALUES (1, 'morag', 'Morag', 'social_work', "
                "'lead_professional', 'x', true, :now)"
            ),
            {"now": NOW},
        )
        db.execute(
            text(
                "INSERT INTO persons (id, name, case_reference, preferred_language, kind, "
                "created_at) VALUES (1, 'Margaret Wilson', 'C-1', 'en', 'carer', :now)"
            ),
            {"now": NOW},
        )
        db.execute(
            text(
                "INSERT INTO assessments (id, person_id, framework, language, status, state, "
                "last_seq, phase, safety_flag, safety_flagged_at, started_by_id, started_at, "
                "updated_at, finished_at) VALUES (1, 1, 'carer', 'en', 'finished', :state, 1, "
                "'finished', :flag, :flagged_at, 1, :now, :now, :now)"
            ),
            {
                "state": json.dumps(state if flagged else {}),
                "flag": flagged,
                "flagged_at": NOW if flagged else None,
                "now": NOW,
            },
        )
        db.execute(
            text(
                "INSERT INTO consents (assessment_id, purpose, given, recorded_by_id, "
                "recorded_at) VALUES (1, 'share_team', true, 1, :now)"
            ),
            {"now": NOW},
        )
        db.execute(
            text(
                "INSERT INTO conversation_turns (assessment_id, seq, client_id, said_text, "
                "engine_turn, reply, \"by\", at) VALUES (1, 1, 'c1', 'I want a full night''s "
                "sleep', 1, '{}', 'person', :now)"
            ),
            {"now": NOW},
        )
        db.execute(
            text(
                'INSERT INTO recorded_outcomes (assessment_id, "key", domains, words, removed)'
                " VALUES (1, 'o1', '[\"sleep\"]', 'A full night''s sleep', false)"
            )
        )
    engine.dispose()


def _rows(url: str, sql: str) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.connect() as db:
            return [tuple(row) for row in db.execute(text(sql))]
    finally:
        engine.dispose()


def test_0006_keeps_every_turn_outcome_and_consent_and_gives_each_outcome_its_first_revision(
    tmp_path,
):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    _seed_at_0005(url, flagged=False)
    migrate.upgrade(url)
    assert _rows(url, "SELECT said_text FROM conversation_turns") == [
        ("I want a full night's sleep",)
    ]
    assert _rows(url, "SELECT words FROM recorded_outcomes") == [("A full night's sleep",)]
    assert _rows(url, "SELECT purpose FROM consents") == [("share_team",)]
    assert _rows(url, "SELECT subject, number FROM revisions") == [("outcome", 1)]
    assert _rows(url, "SELECT stage FROM assessments") == [("awaiting_review",)]


def test_0006_keeps_each_risk_heard_as_a_flag(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    _seed_at_0005(url, flagged=True)
    migrate.upgrade(url)
    assert _rows(url, "SELECT category, tier, words FROM safety_flags") == [
        ("self_harm", "immediate", "I want to end it")
    ]
