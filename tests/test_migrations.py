"""Schema migrations: a database made by the previous release is upgraded at start, with its
records intact and (SQLite) a backup beside it; one made by a newer release is refused and left
alone; the models and the migrations never drift apart.

Runs on SQLite files, and on PostgreSQL when `FACILITATOR_TEST_DB_URL` is set; only the tests
about the backup file are SQLite's alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select
from typer.testing import CliRunner

from facilitator.cli import app
from facilitator.common.timeutil import UTC
from facilitator.errors import UserError
from facilitator.store import schema as db_module
from facilitator.store.database import Database, open_database
from facilitator.store.engine import sqlite_path
from facilitator.store.migrations import HEAD, REVISIONS, runner
from facilitator.store.models import (
    Addendum,
    AgendaRun,
    Attendance,
    AuditEvent,
    Break,
    Group,
    GroupSession,
    Membership,
    Note,
    Participant,
)

SESSION_ID = "6f1c2a0e-3b7d-4c55-9a42-1d2e3f405162"
STARTED = dt.datetime(2026, 11, 10, 15, 0)  # naive UTC, as the old release stored it
ENDED = dt.datetime(2026, 11, 10, 18, 0)


# --- helpers ---------------------------------------------------------------------------------


def build_at(url: str, revision: str) -> None:
    """A database whose schema is exactly `revision` (as that release left it)."""
    database = Database(url)
    try:
        with database.migration_lock() as conn:
            runner.upgrade(conn, revision)
    finally:
        database.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    """A plain engine on the test database, outside facilitator's own code."""
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def revision_of(engine: sa.Engine) -> str | None:
    """The revision stamped in the database."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def index_names(engine: sa.Engine, table: str) -> set[str]:
    """The names of the plain indexes on `table`."""
    with engine.connect() as conn:
        return {str(i["name"]) for i in sa.inspect(conn).get_indexes(table)}


def schema_differences(engine: sa.Engine) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match the models."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def insert_previous_release_records(engine: sa.Engine) -> None:
    """A week's worth of real-looking records, written through Core into the old schema
    (the tables are reflected from the database, not taken from today's models)."""
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:
        conn.execute(
            t["groups"].insert(),
            [
                {
                    "id": 1,
                    "name": "Tuesday Evening IOP",
                    "timezone": "America/Chicago",
                    "weekly_hours": 9.0,
                    "daily_hours": 3.0,
                    "late_after_minutes": 10,
                    "note_format": "DAP",
                    "curriculum_id": "relapse-prevention",
                    "created_at": dt.datetime(2026, 11, 1, 14, 0),
                }
            ],
        )
        people = [
            (1, "Avery Quinn", "K7P2QX", "MRN-1001"),
            (2, "Blake Moreno", "R4T9WZ", None),
            (3, "Casey Lindqvist", "H3M8VN", "MRN-1003"),
            (4, "Devon O'Hara", "W2X6YB", None),
        ]
        conn.execute(
            t["participants"].insert(),
            [
                {"id": i, "name": n, "code": c, "external_id": e, "created_at": STARTED}
                for i, n, c, e in people
            ],
        )
        conn.execute(
            t["memberships"].insert(),
            [
                {"group_id": 1, "participant_id": i, "joined": dt.date(2026, 11, 2), "left": None}
                for i, *_ in people
            ],
        )
        conn.execute(
            t["sessions"].insert(),
            [
                {
                    "id": SESSION_ID,
                    "group_id": 1,
                    "curriculum_id": "relapse-prevention",
                    "curriculum_title": "Relapse Prevention",
                    "topic_id": "high-risk-situations",
                    "topic_title": "Recognising High-Risk Situations",
                    "facilitator": "R. Okafor, LCSW",
                    "planned_minutes": 180,
                    "started_at": STARTED,
                    "ended_at": ENDED,
                    "state": "ended",
                    "local_date": dt.date(2026, 11, 10),
                    "signed_by": "R. Okafor, LCSW",
                    "signed_at": ENDED + dt.timedelta(minutes=20),
                }
            ],
        )
        conn.execute(
            t["agenda_runs"].insert(),
            [
                {
                    "session_id": SESSION_ID,
                    "position": 0,
                    "title": "Check-in",
                    "kind": "check-in",
                    "planned_minutes": 15,
                    "extra_minutes": 5,
                    "prompts": "How was your week?",
                    "handouts": [],
                    "started_at": STARTED,
                    "ended_at": STARTED + dt.timedelta(minutes=20),
                    "paused_at": None,
                    "paused_seconds": 0.0,
                    "skipped": False,
                },
                {
                    "session_id": SESSION_ID,
                    "position": 1,
                    "title": "Triggers",
                    "kind": "education",
                    "planned_minutes": 45,
                    "extra_minutes": 0,
                    "prompts": "Name three personal triggers.",
                    "handouts": ["Trigger worksheet"],
                    "started_at": STARTED + dt.timedelta(minutes=20),
                    "ended_at": STARTED + dt.timedelta(minutes=65),
                    "paused_at": None,
                    "paused_seconds": 90.0,
                    "skipped": False,
                },
            ],
        )
        conn.execute(
            t["breaks"].insert(),
            [
                {
                    "session_id": SESSION_ID,
                    "planned_minutes": 10,
                    "started_at": STARTED + dt.timedelta(minutes=65),
                    "ended_at": STARTED + dt.timedelta(minutes=77),
                    "agenda_position": 1,
                    "pauses_item": True,
                }
            ],
        )
        conn.execute(
            t["attendance"].insert(),
            [
                {
                    "session_id": SESSION_ID,
                    "participant_id": 1,
                    "status": "present",
                    "checked_in_at": STARTED - dt.timedelta(minutes=3),
                    "checked_out_at": None,
                    "method": "phone",
                    "minutes": 168.0,
                },
                {
                    "session_id": SESSION_ID,
                    "participant_id": 2,
                    "status": "late",
                    "checked_in_at": STARTED + dt.timedelta(minutes=14),
                    "checked_out_at": None,
                    "method": "code",
                    "minutes": 154.0,
                },
                {
                    "session_id": SESSION_ID,
                    "participant_id": 3,
                    "status": "absent",
                    "checked_in_at": None,
                    "checked_out_at": None,
                    "method": None,
                    "minutes": 0.0,
                },
            ],
        )
        conn.execute(
            t["notes"].insert(),
            [
                {
                    "session_id": SESSION_ID,
                    "participant_id": None,
                    "format": "DAP",
                    "fields": {"Data": "Group engaged.", "Assessment": "Good.", "Plan": "Next."},
                    "text": "Data: Group engaged.\nAssessment: Good.\nPlan: Next.",
                    "created_at": STARTED,
                    "updated_at": ENDED,
                },
                {
                    "session_id": SESSION_ID,
                    "participant_id": 2,
                    "format": None,
                    "fields": {},
                    "text": "Arrived late; car trouble. Participated fully.",
                    "created_at": ENDED,
                    "updated_at": ENDED,
                },
            ],
        )
        conn.execute(
            t["addenda"].insert(),
            [
                {
                    "session_id": SESSION_ID,
                    "text": "Blake left at 17:50, not 18:00.",
                    "reason": "Time corrected",
                    "author": "R. Okafor, LCSW",
                    "created_at": ENDED + dt.timedelta(days=1),
                }
            ],
        )
        conn.execute(
            t["audit_events"].insert(),
            [
                {
                    "at": ENDED,
                    "actor": "R. Okafor, LCSW",
                    "action": "session.end",
                    "session_id": SESSION_ID,
                    "participant_id": None,
                    "detail": {"present": 2, "absent": 1},
                }
            ],
        )


def assert_previous_release_records(database: Database) -> None:
    """Every record written by `insert_previous_release_records`, read through today's models."""
    with database.session() as db:
        group = db.exec(select(Group)).one()
        assert (group.name, group.timezone, group.curriculum_id) == (
            "Tuesday Evening IOP",
            "America/Chicago",
            "relapse-prevention",
        )
        people = db.exec(select(Participant).order_by(Participant.id)).all()
        assert [(p.name, p.code, p.external_id) for p in people] == [
            ("Avery Quinn", "K7P2QX", "MRN-1001"),
            ("Blake Moreno", "R4T9WZ", None),
            ("Casey Lindqvist", "H3M8VN", "MRN-1003"),
            ("Devon O'Hara", "W2X6YB", None),
        ]
        assert len(db.exec(select(Membership)).all()) == 4
        session = db.get(GroupSession, SESSION_ID)
        assert session is not None
        assert session.started_at == STARTED.replace(tzinfo=UTC)
        assert session.ended_at == ENDED.replace(tzinfo=UTC)
        assert (session.state, session.signed_by) == ("ended", "R. Okafor, LCSW")
        runs = db.exec(select(AgendaRun).order_by(AgendaRun.position)).all()
        assert [(r.title, r.handouts, r.extra_minutes, r.paused_seconds) for r in runs] == [
            ("Check-in", [], 5, 0.0),
            ("Triggers", ["Trigger worksheet"], 0, 90.0),
        ]
        pause = db.exec(select(Break)).one()
        assert (pause.agenda_position, pause.pauses_item) == (1, True)
        attendance = db.exec(select(Attendance).order_by(Attendance.participant_id)).all()
        assert [(a.status, a.method, a.minutes) for a in attendance] == [
            ("present", "phone", 168.0),
            ("late", "code", 154.0),
            ("absent", None, 0.0),
        ]
        notes = db.exec(select(Note).order_by(Note.id)).all()
        assert notes[0].fields == {"Data": "Group engaged.", "Assessment": "Good.", "Plan": "Next."}
        assert notes[1].participant_id == 2 and "car trouble" in notes[1].text
        assert db.exec(select(Addendum)).one().reason == "Time corrected"
        assert db.exec(select(AuditEvent)).one().detail == {"present": 2, "absent": 1}


def backups_of(url: str) -> list[Path]:
    """The backup files beside a SQLite database file."""
    path = sqlite_path(url)
    assert path is not None
    return sorted(path.parent.glob(f"{path.stem}.backup-*"))


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


# --- the revisions themselves ------------------------------------------------------------------


def test_the_listed_revisions_are_the_scripts_in_order() -> None:
    assert runner.revisions() == list(REVISIONS)
    assert REVISIONS[-1] == HEAD


@pytest.mark.parametrize("how", ["migrated", "created"])
def test_the_models_match_the_schema_the_migrations_make(
    how: str, db_url: str, engine: sa.Engine
) -> None:
    """The `alembic check` of this project: a model change without a migration fails here.

    Fix: `python -m facilitator.store.migrations new "what changed"`, then review the new revision.
    """
    if how == "migrated":
        build_at(db_url, "head")  # every revision, from an empty database
    else:
        open_database(db_url).dispose()  # a new database: the models' tables, stamped head
    assert schema_differences(engine) == []
    assert revision_of(engine) == HEAD


def test_the_comparison_sees_the_previous_schema_as_different(
    db_url: str, engine: sa.Engine
) -> None:
    build_at(db_url, "0001")
    found = {(d[0], getattr(d[1], "name", None)) for d in schema_differences(engine)}
    assert ("remove_index", "ix_participants_external_id") in found
    assert any(kind == "add_constraint" for kind, _ in found)


def test_downgrading_and_upgrading_again_keeps_the_records(db_url: str, engine: sa.Engine) -> None:
    build_at(db_url, "0001")
    insert_previous_release_records(engine)
    open_database(db_url).dispose()
    database = Database(db_url)
    with database.migration_lock() as conn:
        runner.downgrade(conn, "0001")
    database.dispose()
    assert revision_of(engine) == "0001"
    assert "ix_participants_external_id" in index_names(engine, "participants")
    database = open_database(db_url)
    assert revision_of(engine) == HEAD
    assert_previous_release_records(database)
    database.dispose()


# --- upgrading the previous release's database --------------------------------------------------


def test_the_previous_schema_is_upgraded_with_every_record_kept(
    db_url: str, engine: sa.Engine
) -> None:
    build_at(db_url, "0001")
    insert_previous_release_records(engine)

    database = open_database(db_url)

    assert revision_of(engine) == HEAD
    assert_previous_release_records(database)
    assert "ix_participants_external_id" not in index_names(engine, "participants")
    # What 0002 is for: a second member with the same external id is now refused.
    with pytest.raises(sa.exc.IntegrityError), database.session() as db:
        db.add(Participant(name="Emery Zhou", code="Z9Q4MT", external_id="MRN-1001"))
    # And the upgraded database works for the app: the report reads the old session.
    report = CliRunner().invoke(
        app,
        ["--db", db_url, "report", "attendance", "Tuesday Evening IOP", "--format", "json"]
        + ["--from", "2026-11-09", "--to", "2026-11-15"],
    )
    assert report.exit_code == 0, report.output
    figures = {p["name"]: p for p in json.loads(report.output)["participants"]}
    assert (figures["Avery Quinn"]["present"], figures["Blake Moreno"]["late"]) == (1, 1)
    assert figures["Casey Lindqvist"]["absent"] == 1
    if is_sqlite(db_url):
        assert database.backup is not None and database.backup.is_file()
    else:
        assert database.backup is None  # a server's backups are the server's business
    database.dispose()


@pytest.mark.sqlite_only(reason="the backup copy of a SQLite file")
def test_a_sqlite_file_is_backed_up_owner_only_before_upgrading(
    db_url: str, engine: sa.Engine
) -> None:
    build_at(db_url, "0001")
    insert_previous_release_records(engine)
    old = os.umask(0o022)
    try:
        database = open_database(db_url)
    finally:
        os.umask(old)
    database.dispose()

    [backup] = backups_of(db_url)
    assert backup == database.backup
    assert re.fullmatch(r"test\.backup-\d{8}T\d{6}Z-0001\.db", backup.name), backup.name
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert not Path(f"{backup}-wal").exists() and not Path(f"{backup}-shm").exists()
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        names = [r[0] for r in copy.execute("SELECT name FROM participants ORDER BY id")]
        assert names == ["Avery Quinn", "Blake Moreno", "Casey Lindqvist", "Devon O'Hara"]
        indexes = {r[1] for r in copy.execute("PRAGMA index_list(participants)")}
        assert "ix_participants_external_id" in indexes  # the old schema, untouched
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        copy.close()


@pytest.mark.sqlite_only(reason="SQLite's write-ahead log")
def test_the_backup_includes_what_is_still_in_the_write_ahead_log(
    db_url: str, engine: sa.Engine
) -> None:
    build_at(db_url, "0001")
    path = sqlite_path(db_url)
    assert path is not None
    writer = sqlite3.connect(path)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")  # keep the rows in the -wal file
        writer.execute(
            "INSERT INTO groups (name, timezone, weekly_hours, daily_hours, late_after_minutes,"
            " note_format, created_at) VALUES ('Only in the WAL', 'UTC', 9, 3, 10, 'DAP',"
            " '2026-11-10 15:00:00')"
        )
        writer.commit()
        assert Path(f"{path}-wal").stat().st_size > 0

        database = open_database(db_url)
        database.dispose()
    finally:
        writer.close()
    [backup] = backups_of(db_url)
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("SELECT name FROM groups").fetchall() == [("Only in the WAL",)]
    finally:
        copy.close()


def test_a_database_already_up_to_date_opens_without_a_backup(
    db_url: str, engine: sa.Engine
) -> None:
    open_database(db_url).dispose()
    database = open_database(db_url)
    assert database.backup is None
    assert revision_of(engine) == HEAD
    database.dispose()
    if is_sqlite(db_url):
        assert backups_of(db_url) == []


def test_opening_an_up_to_date_database_never_imports_alembic(db_url: str) -> None:
    """Start-up stays fast: a new database and an up-to-date one both open without Alembic."""
    code = (
        "import sys\n"
        "from facilitator.store.database import open_database\n"
        f"open_database({db_url!r}).dispose()\n"  # new: the models' tables, stamped
        f"open_database({db_url!r}).dispose()\n"  # up to date: one query
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


# --- databases made before migrations existed ----------------------------------------------------


def test_a_database_from_before_migrations_is_recognised_and_upgraded(
    db_url: str, engine: sa.Engine
) -> None:
    """The first release made its tables with create_all and no revision stamp: exactly the
    0001 schema (checked against that release's DDL when 0001 was written)."""
    build_at(db_url, "0001")
    insert_previous_release_records(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")

    database = open_database(db_url)

    assert revision_of(engine) == HEAD
    assert_previous_release_records(database)
    if is_sqlite(db_url):
        assert [b.name.rsplit("-", 1)[1] for b in backups_of(db_url)] == ["0001.db"]
    database.dispose()


def test_an_unstamped_database_of_the_release_before_migrations_is_recognised(
    db_url: str, engine: sa.Engine
) -> None:
    """That release (external_id already unique) also used create_all: schema 0002, unstamped.
    While 0002 is the head there is nothing to change, so no backup either."""
    build_at(db_url, "0002")
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    database = open_database(db_url)
    assert revision_of(engine) == HEAD
    assert schema_differences(engine) == []
    if HEAD == "0002":
        assert database.backup is None
    elif is_sqlite(db_url):
        assert database.backup is not None and database.backup.name.endswith("-0002.db")
    database.dispose()


# --- databases this release must not touch ------------------------------------------------------


def stamp_as_newer(engine: sa.Engine) -> None:
    """A database as a future release (schema 0099) would leave it."""
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
        conn.exec_driver_sql("CREATE TABLE future_things (id INTEGER PRIMARY KEY)")


def test_a_database_from_a_newer_release_is_refused_and_left_alone(
    db_url: str, engine: sa.Engine
) -> None:
    open_database(db_url).dispose()
    stamp_as_newer(engine)
    with engine.connect() as conn:
        before = sorted(sa.inspect(conn).get_table_names())

    with pytest.raises(UserError) as caught:
        open_database(db_url)

    message = str(caught.value)
    assert "made by a newer facilitator (schema 0099" in message
    assert "upgrade facilitator" in message
    assert "\n" not in message
    assert revision_of(engine) == "0099"
    with engine.connect() as conn:
        assert sorted(sa.inspect(conn).get_table_names()) == before
    if is_sqlite(db_url):
        assert backups_of(db_url) == []


def test_the_command_line_refuses_a_newer_database_in_one_line(
    db_url: str, engine: sa.Engine
) -> None:
    open_database(db_url).dispose()
    stamp_as_newer(engine)
    result = subprocess.run(
        [sys.executable, "-m", "facilitator", "--db", db_url, "group", "list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: this database was made by a newer facilitator")
    assert len(result.stderr.strip().splitlines()) == 1


# --- an upgrade that fails changes nothing -------------------------------------------------------


def test_members_sharing_an_external_id_stop_the_upgrade_with_their_names(
    db_url: str, engine: sa.Engine
) -> None:
    build_at(db_url, "0001")
    insert_previous_release_records(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE participants SET external_id = 'MRN-1001' WHERE id = 3")

    with pytest.raises(UserError) as caught:
        open_database(db_url)

    message = str(caught.value)
    assert "'MRN-1001': #1 Avery Quinn, #3 Casey Lindqvist" in message
    assert "nothing was changed" in message
    assert "\n" not in message
    assert revision_of(engine) == "0001"
    assert "ix_participants_external_id" in index_names(engine, "participants")
    if is_sqlite(db_url):
        [backup] = backups_of(db_url)
        assert str(backup) in message


@pytest.mark.parametrize(
    ("driver_message", "expected"),
    [("disk I/O error", "disk I/O error"), ("database or disk is full", "is full")],
)
def test_a_failure_midway_rolls_the_whole_upgrade_back(
    driver_message: str,
    expected: str,
    db_url: str,
    engine: sa.Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build_at(db_url, "0001")
    insert_previous_release_records(engine)
    real_upgrade = runner.upgrade

    def upgrade_then_fail(conn: sa.Connection, revision: str = "head") -> None:
        conn.exec_driver_sql("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
        real_upgrade(conn, revision)
        raise sa.exc.OperationalError("COMMIT", {}, sqlite3.OperationalError(driver_message))

    monkeypatch.setattr(runner, "upgrade", upgrade_then_fail)

    with pytest.raises(UserError) as caught:
        open_database(db_url)

    message = str(caught.value)
    assert "cannot upgrade the database" in message and "from schema 0001 to" in message
    assert expected in message
    assert "nothing was changed" in message
    assert "\n" not in message
    assert revision_of(engine) == "0001"
    with engine.connect() as conn:
        assert not sa.inspect(conn).has_table("half_done")
    assert "ix_participants_external_id" in index_names(engine, "participants")
    if is_sqlite(db_url):
        [backup] = backups_of(db_url)
        assert f"a copy made before the upgrade is at {backup}" in message
    monkeypatch.undo()
    database = open_database(db_url)  # and the next start upgrades it properly
    assert_previous_release_records(database)
    database.dispose()


@pytest.mark.sqlite_only(reason="the backup copy of a SQLite file")
def test_no_backup_means_no_upgrade(
    db_url: str, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_at(db_url, "0001")

    def no_space(path: Path, revision: str) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(db_module, "backup_sqlite", no_space)
    with pytest.raises(UserError, match="cannot back up the database") as caught:
        open_database(db_url)
    assert "No space left on device; nothing was changed" in str(caught.value)
    assert revision_of(engine) == "0001"


def test_processes_starting_together_upgrade_once(db_url: str, engine: sa.Engine) -> None:
    """Two laptops (or the TUI and a report) opening an old database at the same moment."""
    build_at(db_url, "0001")
    insert_previous_release_records(engine)
    ready = threading.Barrier(3)
    opened: list[Database] = []
    errors: list[BaseException] = []

    def start() -> None:
        ready.wait()
        try:
            opened.append(open_database(db_url))
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=start) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert len([d for d in opened if d.backup is not None]) == (1 if is_sqlite(db_url) else 0)
    assert revision_of(engine) == HEAD
    assert_previous_release_records(opened[0])
    for database in opened:
        database.dispose()
    if is_sqlite(db_url):
        assert len(backups_of(db_url)) == 1


def test_an_upgrade_that_would_break_references_is_rolled_back(
    db_url: str, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's foreign keys are off while batch mode copies tables: checked before commit."""
    build_at(db_url, "0001")
    insert_previous_release_records(engine)
    real_upgrade = runner.upgrade

    def upgrade_losing_a_group(conn: sa.Connection, revision: str = "head") -> None:
        real_upgrade(conn, revision)
        conn.exec_driver_sql("DELETE FROM groups")  # a migration bug: members left orphaned

    monkeypatch.setattr(runner, "upgrade", upgrade_losing_a_group)
    with pytest.raises(UserError, match="nothing was changed") as caught:
        open_database(db_url)
    if is_sqlite(db_url):
        assert "would break 5 reference(s)" in str(caught.value)  # 4 members, 1 session
    assert revision_of(engine) == "0001"
    monkeypatch.undo()
    database = open_database(db_url)
    assert_previous_release_records(database)
    database.dispose()


@pytest.mark.sqlite_only(reason="a dangling reference SQLite let in with foreign keys off")
def test_references_already_broken_before_the_upgrade_do_not_stop_it(
    db_url: str, engine: sa.Engine
) -> None:
    build_at(db_url, "0001")
    insert_previous_release_records(engine)
    path = sqlite_path(db_url)
    assert path is not None
    old = sqlite3.connect(path)  # foreign keys off: as some other tool might have left it
    old.execute(
        "INSERT INTO memberships (group_id, participant_id, joined) VALUES (99, 1, '2026-11-02')"
    )
    old.commit()
    old.close()

    open_database(db_url).dispose()

    assert revision_of(engine) == HEAD
