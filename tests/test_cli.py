"""The command line: accounts, demo data and migrations, with their exit codes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from outcomes_chat.outcomes import accounts
from outcomes_chat.outcomes.models import Person, User


def _create(runner, username="amir", password="a long password", *extra):
    return runner.invoke(
        args=[
            "users",
            "create",
            username,
            "--name",
            "Amir Khan",
            "--agency",
            "health",
            "--password-stdin",
            *extra,
        ],
        input=password + "\n",
    )


def test_users_create_makes_an_account(runner, db):
    result = _create(runner, "amir", "a long password", "--role", "lead_professional")
    assert result.exit_code == 0, result.output
    user = accounts.find_user(db, "amir")
    assert user.role.value == "lead_professional"
    assert accounts.verify_password(user, "a long password")


def test_users_create_refuses_a_duplicate_with_exit_2(runner, db):
    _create(runner)
    result = _create(runner)
    assert result.exit_code == 2
    assert "already an account" in result.output
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_users_create_refuses_a_short_password(runner, db):
    result = _create(runner, "amir", "short")
    assert result.exit_code == 2
    assert "between 10 and 256 characters" in result.output
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_users_create_refuses_a_bad_role(runner):
    result = _create(runner, "amir", "a long password", "--role", "king")
    assert result.exit_code == 2


def test_set_password_changes_it(runner, db):
    _create(runner)
    result = runner.invoke(
        args=["users", "set-password", "amir", "--password-stdin"], input="another password\n"
    )
    assert result.exit_code == 0
    db.expire_all()
    assert accounts.verify_password(accounts.find_user(db, "amir"), "another password")


@pytest.mark.parametrize("command", [["set-password", "--password-stdin"], ["deactivate"]])
def test_unknown_user_exits_2_with_a_sentence(runner, command):
    result = runner.invoke(args=["users", command[0], "ghost", *command[1:]], input="x" * 12)
    assert result.exit_code == 2
    assert "There is no account called 'ghost'" in result.output


def test_deactivate_stops_login(runner, db):
    _create(runner)
    assert runner.invoke(args=["users", "deactivate", "amir"]).exit_code == 0
    db.expire_all()
    assert not accounts.find_user(db, "amir").active


def test_demo_seeds_once_and_writes_logins(runner, db, app):
    from pathlib import Path

    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo"])
    assert "already there" in second.output
    assert db.scalar(select(func.count()).select_from(Person)) == 2
    logins = (Path(app.instance_path) / "demo-logins.txt").read_text()
    password = logins.rsplit("password: ", 1)[1].strip()
    assert accounts.verify_password(accounts.find_user(db, "morag"), password)
    # Seeded already: it still says where the logins are, and what they are.
    assert str(Path(app.instance_path) / "demo-logins.txt") in second.output
    assert password in second.output


def test_demo_is_refused_in_production(runner, app, db):
    app.config["PRODUCTION"] = True
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 2
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_db_upgrade_is_idempotent(runner):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


@pytest.mark.parametrize("command", [["outcomes-chat"], ["flask", "--app", "wsgi"]])
def test_commands_work_from_both_entry_points(command, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
        "SECRET_KEY": "cli-test",
    }
    root = Path(__file__).resolve().parent.parent
    run = [str(bin_dir / command[0]), *command[1:]]
    upgrade = subprocess.run([*run, "db", "upgrade"], cwd=root, env=env, capture_output=True)
    assert upgrade.returncode == 0, upgrade.stderr
    result = subprocess.run(
        [*run, "users", "deactivate", "ghost"], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "There is no account called 'ghost'" in result.stderr


def test_serve_loads_every_engine_before_it_listens(app, monkeypatch):
    """The first person to answer must not wait for content to load, nor meet a content error."""
    from outcomes_chat.extensions import socketio
    from outcomes_chat.web.engines import frameworks

    served = {}
    monkeypatch.setattr(socketio, "run", lambda app, **options: served.update(options))
    monkeypatch.setattr("gc.freeze", lambda: served.setdefault("frozen", True))
    result = app.test_cli_runner().invoke(args=["serve", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert served["port"] == 5999 and served["frozen"]
    with app.app_context():
        assert sorted(app.extensions["engines"]) == sorted(frameworks()) == ["adult", "carer"]


def test_serve_in_production_refuses_an_empty_required_local_number(app, monkeypatch):
    """A service must put in its adult protection and out-of-hours numbers before going live."""
    from outcomes_chat.extensions import socketio

    monkeypatch.setattr(socketio, "run", lambda app, **options: None)
    app.config["PRODUCTION"] = True
    result = app.test_cli_runner().invoke(args=["serve", "--port", "5999"])
    assert result.exit_code == 2
    assert "put in the service's local number for adult_protection" in result.output


def test_the_wsgi_entry_point_refuses_to_start_in_production_without_local_numbers(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "OUTCOMES_ENV": "production",
        "SECRET_KEY": "x" * 40,
        "OUTCOMES_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "put in the service's local number for adult_protection" in result.stderr


def test_the_demo_has_an_agreed_carer_plan_and_an_adult_plan_under_review(runner, db):
    from outcomes_chat.outcomes.models import Assessment, PlanStage

    assert runner.invoke(args=["demo"]).exit_code == 0
    plans = db.scalars(select(Assessment).order_by(Assessment.id)).all()
    carer, adult, reviewing = plans
    assert (carer.framework, carer.stage, adult.stage) == (
        "carer",
        PlanStage.AGREED,
        PlanStage.AGREED,
    )
    assert carer.actions and carer.sign_offs and adult.sign_offs
    assert reviewing.review_of_id == adult.id and reviewing.stage == PlanStage.IN_CONVERSATION
    looked_back = [o for o in reviewing.outcomes if o.review_of_id]
    assert looked_back[0].update and looked_back[0].words == adult.outcomes[0].words
    assert [a.what for a in reviewing.actions] == [a.what for a in adult.actions]


def test_reviews_due_lists_overdue_and_due_plans_and_refuses_bad_input(runner, db):
    from datetime import timedelta

    from outcomes_chat.outcomes.models import Assessment, utcnow

    assert runner.invoke(args=["demo"]).exit_code == 0
    carer = db.scalar(select(Assessment).where(Assessment.framework == "carer"))
    carer.review_date = utcnow().date() - timedelta(days=2)
    db.commit()
    listed = runner.invoke(args=["reviews", "due"])
    assert listed.exit_code == 0
    lines = [line.split("\t") for line in listed.output.splitlines()]
    assert [(state, reference) for _when, state, reference, _name, _id in lines] == [
        ("overdue", "DEMO-0001")
    ]
    wider = runner.invoke(args=["reviews", "due", "--within", "120"])
    assert [line.split("\t")[2] for line in wider.output.splitlines()] == ["DEMO-0001", "DEMO-0002"]
    bad = runner.invoke(args=["reviews", "due", "--within", "soon"])
    assert bad.exit_code == 2 and "is not a valid integer" in bad.output
