"""`outcomes-chat directory check FILE`: an admin checks a directory before it is used."""

from __future__ import annotations

from pathlib import Path

import pytest

from outcomes_chat.config import DEFAULTS, from_environment

SAMPLE = Path(str(DEFAULTS["DIRECTORY_PATH"]))


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    path = tmp_path / "our-directory.yaml"
    path.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def check(runner, path: Path):
    return runner.invoke(args=["directory", "check", str(path)])


def test_a_good_file_is_accepted_with_how_many_services_it_has(runner, copy):
    result = check(runner, copy)
    assert result.exit_code == 0, result.output
    assert f"{copy.as_posix()} is a good directory file with 13 services." in result.output


def test_a_bad_file_exits_2_naming_the_file_and_the_entry(runner, copy):
    text = copy.read_text().replace("      phone: 0131 496 0760\n", "      fax: 0131 496 0760\n")
    copy.write_text(text)
    result = check(runner, copy)
    assert result.exit_code == 2
    assert copy.as_posix() in result.output and '(service "listening_line")' in result.output
    assert "'fax' was unexpected" in result.output
    assert "The file was not accepted" in result.output


def test_a_missing_file_exits_2(runner, tmp_path):
    result = check(runner, tmp_path / "nowhere.yaml")
    assert result.exit_code == 2 and "cannot be read" in result.output


def test_serve_refuses_to_start_with_a_bad_directory(app, monkeypatch, copy):
    from outcomes_chat.extensions import socketio

    monkeypatch.setattr(socketio, "run", lambda app, **options: None)
    copy.write_text(copy.read_text().replace("  - id: befriending\n", "  - id: Befriending\n"))
    app.config["DIRECTORY_PATH"] = str(copy)
    result = app.test_cli_runner().invoke(args=["serve", "--port", "5999"])
    assert result.exit_code == 2
    assert copy.as_posix() in result.output and "does not match" in result.output


def test_the_directory_is_the_sample_unless_the_environment_names_another(
    monkeypatch, tmp_path, copy
):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.delenv("OUTCOMES_DIRECTORY", raising=False)
    assert from_environment(tmp_path)["DIRECTORY_PATH"] == str(SAMPLE)
    monkeypatch.setenv("OUTCOMES_DIRECTORY", str(copy))
    assert from_environment(tmp_path)["DIRECTORY_PATH"] == str(copy)
