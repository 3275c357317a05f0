"""Fixtures for the conversation engine: scripts, engines and a helper that plays inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from outcomes_chat.dialogue import DEFAULT_PROMPTS_DIR
from outcomes_chat.dialogue.engine import Engine
from outcomes_chat.dialogue.script import Script, load_script

from .talking import Conversation


@pytest.fixture(scope="session")
def prompts_dir() -> Path:
    return DEFAULT_PROMPTS_DIR


@pytest.fixture(scope="session")
def carer_script(prompts_dir: Path) -> Script:
    return load_script(prompts_dir, "carer", "en")


@pytest.fixture(scope="session")
def adult_script(prompts_dir: Path) -> Script:
    return load_script(prompts_dir, "adult", "en")


@pytest.fixture
def carer(carer_script: Script) -> Conversation:
    return Conversation(Engine(carer_script))


@pytest.fixture
def adult(adult_script: Script) -> Conversation:
    return Conversation(Engine(adult_script))
