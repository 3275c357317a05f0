"""The conversation engine: a pure function of (script, state, utterance); see README.md."""

from __future__ import annotations

from pathlib import Path

# The package is installed editable, so the project's prompts/ sits two levels above it.
DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
