"""The `outcomes-chat` command line: accounts, the demo team, the database and the server."""

from __future__ import annotations

import gc
import getpass
import os
import secrets
import sys
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from . import migrate
from .conversation_cli import classify, talk
from .database import get_db
from .dialogue.content import ContentError
from .outcomes import accounts
from .outcomes.directory import load_directory
from .outcomes.errors import RuleError
from .outcomes.models import Agency, Person, PersonKind, Role, User
from .outcomes.persons import PersonDetails, add_member, create_person

users = AppGroup("users", help="Create accounts, set passwords, deactivate.")
db_group = AppGroup("db", help="Apply database migrations.")
directory_group = AppGroup("directory", help="Check a directory of local support.")
DEMO_LOGINS_FILE = "demo-logins.txt"


def fail(message: str) -> NoReturn:
    """Print a sentence to stderr and exit with status 2, changing nothing."""
    click.echo(message, err=True)
    sys.exit(2)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Name shown to others.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="practitioner")
@click.option("--agency", type=click.Choice([a.value for a in Agency]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(
    username: str, display_name: str, role: str, agency: str, password_stdin: bool
) -> None:
    """Create an account."""
    db = get_db()
    if not username.strip() or not display_name.strip():
        fail("The username and the name must not be empty.")
    if accounts.find_user(db, username) is not None:
        fail(f"There is already an account called {username!r}; nothing was changed.")
    password = _read_password(password_stdin)
    try:
        accounts.create_user(db, username, display_name, password, Role(role), Agency(agency))
    except RuleError:
        fail(
            f"The password must be between {accounts.MIN_PASSWORD_LENGTH} and "
            f"{accounts.MAX_PASSWORD_LENGTH} characters; nothing was changed."
        )
    db.commit()
    click.echo(f"Created {role.replace('_', ' ')} {accounts.normalise_username(username)}.")


@users.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password_command(username: str, password_stdin: bool) -> None:
    """Give an account a new password and end its open logins."""
    db = get_db()
    user = accounts.find_user(db, username)
    if user is None:
        fail(f"There is no account called {username!r}; nothing was changed.")
    try:
        accounts.set_password(db, user, _read_password(password_stdin))
    except RuleError:
        fail(
            f"The password must be between {accounts.MIN_PASSWORD_LENGTH} and "
            f"{accounts.MAX_PASSWORD_LENGTH} characters; nothing was changed."
        )
    db.commit()
    click.echo(f"Password changed for {user.username}; their open logins have ended.")


@users.command("deactivate")
@click.argument("username")
def deactivate_command(username: str) -> None:
    """Stop an account from logging in."""
    db = get_db()
    user = accounts.find_user(db, username)
    if user is None:
        fail(f"There is no account called {username!r}; nothing was changed.")
    accounts.deactivate(db, user)
    db.commit()
    click.echo(f"{user.username} can no longer log in.")


@users.command("list")
def list_users_command() -> None:
    """List accounts: username, role, agency, active."""
    from sqlalchemy import select

    from .outcomes.models import User

    for user in get_db().scalars(select(User).order_by(User.username)):
        state = "active" if user.active else "deactivated"
        click.echo(f"{user.username}\t{user.role.value}\t{user.agency.value}\t{state}")


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade_command(revision: str) -> None:
    """Apply migrations up to a revision."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade_command(revision: str) -> None:
    """Revert migrations down to a revision ('base' empties the database)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)


@directory_group.command("check")
@click.argument("path", metavar="FILE", type=click.Path(path_type=Path))
def directory_check_command(path: Path) -> None:
    """Check a directory file before it is used; exit 2 naming the entry that is wrong."""
    try:
        directory = load_directory(path)
    except ContentError as error:
        fail(f"{error}\nThe file was not accepted; fix it and check it again.")
    click.echo(
        f"{path.as_posix()} is a good directory file with {len(directory)} services. "
        "Set OUTCOMES_DIRECTORY to its path to use it."
    )


DEMO_TEAM = [
    ("admin", "Sam Admin", Role.ADMIN, Agency.OTHER),
    ("morag", "Morag Campbell", Role.LEAD_PROFESSIONAL, Agency.SOCIAL_WORK),
    ("amir", "Amir Khan", Role.PRACTITIONER, Agency.HEALTH),
    ("jo", "Jo Fraser", Role.PRACTITIONER, Agency.VOLUNTARY),
    ("eilidh", "Eilidh Ross", Role.LEAD_PROFESSIONAL, Agency.EDUCATION),
]


@click.command("demo")
@click.option("--password-stdin", is_flag=True, help="Read the demo password from standard input.")
@with_appcontext
def demo_command(password_stdin: bool) -> None:
    """Seed a demo team and two persons, once; prints how to log in."""
    if current_app.config.get("PRODUCTION"):
        fail("The demo team is for trying the app out; it is refused when OUTCOMES_ENV=production.")
    db = get_db()
    logins = Path(current_app.instance_path) / DEMO_LOGINS_FILE
    if accounts.find_user(db, "morag") is not None:
        if logins.exists():
            click.echo(f"The demo team is already there. Its logins are in {logins}:\n")
            click.echo(logins.read_text())
        else:
            click.echo(
                f"The demo team is already there; its logins file ({logins}) is gone. "
                "Set a password with: outcomes-chat users set-password morag"
            )
        return
    password = _read_password(True) if password_stdin else secrets.token_urlsafe(9)
    try:
        accounts.check_password_rules(password)
    except RuleError:
        fail(f"The password must be at least {accounts.MIN_PASSWORD_LENGTH} characters.")
    created = {
        username: accounts.create_user(db, username, name, password, role, agency)
        for username, name, role, agency in DEMO_TEAM
    }
    carer = create_person(
        db,
        PersonDetails(
            "Margaret Wilson",
            "DEMO-0001",
            PersonKind.CARER,
            "Maggie",
            cares_for_name="Tom Wilson (husband)",
        ),
        created["morag"],
        "Social worker",
    )
    add_member(db, carer, created["amir"], "Community psychiatric nurse")
    add_member(db, carer, created["jo"], "Carer support worker")
    adult = create_person(
        db,
        PersonDetails("Tom Wilson", "DEMO-0002", PersonKind.SERVICE_USER),
        created["morag"],
        "Social worker",
    )
    add_member(db, adult, created["amir"], "Community psychiatric nurse")
    carer.cares_for = adult
    db.flush()
    _seed_demo_plans(carer, adult, created)
    db.commit()
    _write_demo_logins(logins, password)
    click.echo("Seeded the demo team, an agreed carer plan, and an adult plan under review.")


def _seed_demo_plans(carer: Person, adult: Person, team: dict[str, User]) -> None:
    from .dialogue.frameworks import load_framework
    from .outcomes.demo_plans import seed_plans
    from .outcomes.models import utcnow
    from .web.engines import engine_for

    prompts = Path(current_app.config["PROMPTS_DIR"])
    seed_plans(
        get_db(),
        engine_for,
        lambda framework: load_framework(prompts, framework),
        carer,
        adult,
        team,
        utcnow().date(),
    )


reviews = AppGroup("reviews", help="Reviews of agreed plans that fall due.")


@reviews.command("due")
@click.option(
    "--within",
    "within_days",
    default=28,
    show_default=True,
    type=click.IntRange(0, 3660),
    help="Days ahead to look; overdue reviews are always listed.",
)
def reviews_due_command(within_days: int) -> None:
    """List agreed plans whose review is overdue or due within DAYS, earliest first.

    One line each, tab-separated: review date (ISO), overdue or due, case reference, person,
    assessment id. Exit status 0 also when none are due, so a scheduled job can run it daily.
    """
    from .outcomes.models import utcnow
    from .outcomes.over_time import reviews_due

    today = utcnow().date()
    for assessment in reviews_due(get_db(), today, within_days):
        when = assessment.review_date
        state = "overdue" if when is not None and when < today else "due"
        person = assessment.person
        click.echo(f"{when}\t{state}\t{person.case_reference}\t{person.name}\t{assessment.id}")


# A long export says how far it has got every this many plans, on standard error.
PROGRESS_EVERY = 500


# Formats whose files take most of an export's time to make (validation, layout): made in
# worker processes, one per CPU, unless --jobs says otherwise.
HEAVY_FORMATS = ("fhir", "pdf")


def _default_jobs(fmt: str) -> int:
    return (os.cpu_count() or 1) if fmt in HEAVY_FORMATS else 1


class FileNotWritten(Exception):
    """A file an export could not write: its name, and why (picklable: it crosses from a
    worker process)."""


def _make_file(job: tuple[dict[str, Any], str], fmt: str, out_dir: Path | None) -> None:
    """Make one export file and write it (only make it, on a dry run)."""
    from .outcomes import export
    from .web.downloads import render_export

    view, name = job
    data = render_export(view, fmt)
    if out_dir is None:
        return
    try:
        export.write_atomically(out_dir, name, data)
    except OSError as error:
        raise FileNotWritten(name, error.strerror) from None


def _worker_app(app: Flask) -> None:
    """In an export worker (forked): the app's context for templates and Babel. The worker never
    touches the database, so it forgets the parent's pooled connections without closing them."""
    app.app_context().push()
    get_db().get_bind().engine.dispose(close=False)


def _command_line_actor() -> str:
    """Who the audit log names for a command: the account that ran it, where known."""
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):
        return "command line"


@click.command("export")
@click.option(
    "--format",
    "fmt",
    required=True,
    help="json, csv, fhir (an HL7 FHIR Bundle) or pdf (a case-file summary).",
)
@click.option(
    "--status",
    type=click.Choice(["agreed"]),
    default="agreed",
    show_default=True,
    help="Which plans: those with a signed-off version (its latest is exported).",
)
@click.option("--since", "since_text", help="Only plans signed off on or after this day.")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path))
@click.option("--person", "reference", help="Only this person's plans, by case reference.")
@click.option("--dry-run", is_flag=True, help="Say what would be written; write nothing.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes making the files (default: one per CPU for fhir and pdf, else 1).",
)
@with_appcontext
def export_command(
    fmt: str,
    status: str,
    since_text: str | None,
    out_dir: Path,
    reference: str | None,
    dry_run: bool,
    jobs: int | None,
) -> None:
    """Export agreed plans to a folder, one file per assessment version, for case files.

    Files are named <case reference>-<assessment id>-v<version>.<format> (.fhir.json for
    fhir), so a rerun replaces them. Plans whose person did not consent to export are left out
    and counted. Exit status 2, writing nothing, on an unknown format, a folder that cannot be
    written to, a bad date or an unknown case reference. See docs/export.md.
    """
    from datetime import date

    from sqlalchemy import select

    from .outcomes import export
    from .web.downloads import EXPORT_FORMATS

    fmt = fmt.strip().lower()
    if fmt not in EXPORT_FORMATS:
        fail(f"There is no export format called {fmt!r}; choose json, csv, fhir or pdf.")
    since = None
    if since_text is not None:
        try:
            since = date.fromisoformat(since_text)
        except ValueError:
            fail(f"{since_text!r} is not a date; give it as YYYY-MM-DD, e.g. 2026-04-01.")
    if not out_dir.is_dir():
        fail(f"There is no folder {out_dir.as_posix()!r}; create it first. Nothing was written.")
    if not os.access(out_dir, os.W_OK | os.X_OK):
        fail(f"The folder {out_dir.as_posix()!r} cannot be written to. Nothing was written.")
    db = get_db()
    person = None
    if reference is not None:
        person = db.scalar(select(Person).where(Person.case_reference == reference))
        if person is None:
            fail(f"There is no person with case reference {reference!r}. Nothing was written.")
    total = export.count_agreed(db, since, person)
    counts = {"seen": 0, "no_consent": 0}

    def consented_views() -> Iterator[tuple[tuple[int, int, int], tuple[dict[str, Any], str]]]:
        for assessment, rows in export.agreed_plans(db, since, person):
            counts["seen"] += 1
            if counts["seen"] % PROGRESS_EVERY == 0:
                click.echo(f"{counts['seen']} of {total} plans done…", err=True)
            if not export.export_consented(assessment, rows):
                counts["no_consent"] += 1
                continue
            view = export.export_view(db, assessment, rows=rows)
            version = view["assessment"]["version"]
            name = export.file_name(view, fmt)
            yield (assessment.id, assessment.person_id, version), (view, name)

    jobs = jobs if jobs is not None else _default_jobs(fmt)
    make = partial(_make_file, fmt=fmt, out_dir=None if dry_run else out_dir)
    written = 0
    with export.ExportAudit(db.get_bind(), _command_line_actor()) as audit:

        def made(meta: tuple[int, int, int]) -> None:
            nonlocal written
            if not dry_run:
                audit.exported(*meta, fmt)
            written += 1

        try:
            export.prepare(fmt)
            plans = export.made_in_order(
                consented_views(), make, jobs, _worker_app, (current_app,), made_anyway=made
            )
            # Closed on the way out, so files the workers finished are counted and audited
            # before any message is given.
            with closing(plans):
                for meta, _nothing in plans:
                    made(meta)
        except FileNotWritten as error:
            name, why = error.args
            fail(
                f"Could not write {name} in {out_dir.as_posix()!r} ({why}); "
                f"{written} files were written before it."
            )
        except ValueError as error:  # a file that failed its own checks
            fail(f"Could not make a {fmt} file ({error}); {written} files were written before it.")
        except BrokenProcessPool:
            fail(f"A worker process stopped unexpectedly; {written} files were written before it.")
    no_consent = counts["no_consent"]
    verb = "Would write" if dry_run else "Wrote"
    click.echo(f"{verb} {written} {fmt} file{'s' * (written != 1)} to {out_dir.as_posix()}.")
    if no_consent:
        click.echo(
            f"Left out {no_consent} assessment{'s' * (no_consent != 1)}: the person did not "
            "consent to their plan being copied to their case file."
        )
    else:
        click.echo("Left out none.")


IMPORTED_BY = "outcomes-chat import"


def _import_refusal(name: str, error: RuleError) -> str:
    """A sentence saying why a file was not imported."""
    from .outcomes import errors

    if isinstance(error, errors.InvalidImport):
        return f"{name} is not an export this instance can read: {error.detail}."
    if isinstance(error, errors.UnsupportedSchemaVersion):
        return (
            f"{name} has export schema version {error.detail}; this instance reads 1.0 to "
            f"{_schema_version()}. Import it with the version of outcomes_chat that wrote it, "
            "or a newer one."
        )
    if isinstance(error, errors.UnknownFramework):
        return (
            f"{name} is a plan made with the {error.detail!r} framework, "
            "which this instance does not have."
        )
    if isinstance(error, errors.DuplicateImport):
        return (
            f"{name} is already here: this instance holds the plan for {error.detail} "
            "signed off at the same time."
        )
    if isinstance(error, errors.PersonClash):
        return (
            f"{name} is for case reference {error.detail}, but the person here with that case "
            "reference has another name or kind; check which person it is before importing."
        )
    return f"{name} could not be imported ({error.code})."


def _is_carer(view: dict[str, Any]) -> bool:
    person = view.get("person")
    return isinstance(person, dict) and person.get("kind") == "carer"


def _schema_version() -> str:
    from .outcomes.export import SCHEMA_VERSION

    return SCHEMA_VERSION


@click.command("import")
@click.argument(
    "paths", metavar="FILE...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@click.option("--dry-run", is_flag=True, help="Check the files and say what would be imported.")
@with_appcontext
def import_command(paths: tuple[Path, ...], dry_run: bool) -> None:
    """Import exported assessments (JSON files written by `export --format json`).

    Each becomes an agreed, finished, read-only plan; its person is matched by case reference
    (and must have the same name and kind) or created. All files are imported together, or
    none: exit status 2 with a sentence, changing nothing, on a missing file, a file that is
    not an export, an unknown framework, a plan version already here or a person clash. See
    docs/export.md.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from .outcomes.import_plans import import_view, known_frameworks, read_view

    db = get_db()
    frameworks = known_frameworks(Path(current_app.config["PROMPTS_DIR"]))
    views: list[tuple[str, dict[str, Any]]] = []
    for path in paths:
        name = path.as_posix()
        try:
            views.append((name, read_view(path)))
        except OSError as error:
            fail(f"Could not read {name} ({error.strerror}). Nothing was imported.")
        except RuleError as error:
            fail(_import_refusal(name, error) + " Nothing was imported.")
    # A carer is linked to the person they care for when that person is here already: the
    # plans of people who are not carers go first.
    views.sort(key=lambda item: _is_carer(item[1]))
    done: list[str] = []
    for name, view in views:
        try:
            assessment = import_view(db, view, IMPORTED_BY, frameworks)
        except RuleError as error:
            db.rollback()
            fail(_import_refusal(name, error) + " Nothing was imported.")
        except SQLAlchemyError as error:
            db.rollback()
            fail(
                f"The database refused {name} ({type(error).__name__}); nothing was imported. "
                "Check that the database is reachable and migrated (outcomes-chat db upgrade)."
            )
        person = assessment.person
        done.append(f"{person.name} ({person.case_reference}), version {assessment.version}")
    if dry_run:
        db.rollback()
    else:
        db.commit()
    verb = "Would import" if dry_run else "Imported"
    if len(done) == 1:
        click.echo(f"{verb} 1 assessment for {done[0]}.")
    else:
        click.echo(f"{verb} {len(done)} assessments:")
        for line in done:
            click.echo(f"  {line}")


def _write_demo_logins(path: Path, password: str) -> None:
    lines = [
        f"  {username:<8} {name} ({role.value.replace('_', ' ')}, {agency.value})"
        for username, name, role, agency in DEMO_TEAM
    ]
    text = "\n".join(["Demo logins (all share one password):", *lines, f"  password: {password}"])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Serve the app through Flask-SocketIO's server and print how to log in."""
    from .extensions import socketio
    from .web.engines import load_engines
    from .web.security import QuietRequestHandler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        load_engines()
        load_directory(Path(app.config["DIRECTORY_PATH"]))
    except ContentError as error:
        fail(str(error))
    # What is loaded now lives as long as the process: keep it out of every garbage
    # collection, which would otherwise pause a turn for tens of milliseconds to scan it.
    gc.freeze()
    click.echo(f"\noutcomes_chat is running on http://{host}:{port}/")
    logins = Path(app.instance_path) / DEMO_LOGINS_FILE
    if logins.exists():
        click.echo(logins.read_text())
    click.echo("Press Ctrl+C to stop.\n")
    # Flask refuses app.run() under its CLI; this command is the deliberate exception.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    socketio.run(
        app,
        host=host,
        port=port,
        allow_unsafe_werkzeug=True,
        log_output=False,
        request_handler=QuietRequestHandler,
    )


def init_app(app: Flask) -> None:
    """Register every command on app.cli, so `flask --app wsgi` has them too."""
    app.cli.add_command(users)
    app.cli.add_command(db_group)
    app.cli.add_command(directory_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(reviews)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(talk)
    app.cli.add_command(classify)


def _create_app() -> Flask:
    from . import create_app

    return create_app()


main = FlaskGroup(
    name="outcomes-chat",
    create_app=_create_app,
    add_version_option=False,
    help="outcomes_chat: accounts, demo data, database, server and conversations.",
)
