"""A session killed with SIGKILL mid-item resumes with attendance, notes and agenda intact."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from facilitator.common.clock import FakeClock
from facilitator.common.timeutil import utcnow
from facilitator.session.live import open_live
from facilitator.store.database import open_database
from facilitator.store.models import Note

from .conftest import wait_until
from .livefixtures import make_session
from .ptyapp import PtyApp


@pytest.mark.slow
def test_sigkill_then_run_again_resumes_everything(db_url: str) -> None:
    database = open_database(db_url)
    # The session began 3 minutes ago (wall clock: the subprocess uses the real clock).
    make_session(
        database,
        FakeClock(utcnow().replace(microsecond=0) - __import__("datetime").timedelta(minutes=3)),
    )
    database.dispose()

    app = PtyApp("--db", db_url, "run", "Tuesday Evening", "--checkin-port", "0")
    try:
        app.wait_for("left")
        app.wait_for("/c/")  # the screen has mounted and started phone check-in
        app.step("cAVQ1\r", "Avery Quinn checked in")
        app.step("cblm-2\r", "Blake Moreno checked in")
        app.type("\x1b")
        time.sleep(0.3)  # real terminal: escape then a key within 100 ms is read as alt+key
        app.type("n")
        app.wait_for("What makes a situation high-risk")
        app.type("\t")
        time.sleep(0.5)  # real terminal: keys sent within ms of a redraw can be lost
        app.type("Kill test note")
        # Autosave fires one second after typing stops: wait until the database has it.
        wait_until(lambda: saved_note(db_url) == "Kill test note", "the note autosaved")
        app.type("+")  # typed into the note, not an extension
        wait_until(lambda: saved_note(db_url) == "Kill test note+", "the '+' autosaved")
    finally:
        app.kill()

    database = open_database(db_url)
    live = open_live(database, _only_session(database))
    snap = live.snapshot
    statuses = {e.participant.name: e.status.value for e in snap.roster}
    assert statuses["Avery Quinn"] == "present" and statuses["Blake Moreno"] == "present"
    assert sum(1 for s in statuses.values() if s == "present") == 2
    assert snap.agenda.current is not None and snap.agenda.current.position == 1
    assert snap.agenda.current.extra_minutes == 0
    with database.session() as db:
        note = db.exec(select(Note).where(Note.participant_id.is_(None))).one()
    assert note.text == "Kill test note+"
    database.dispose()

    again = PtyApp("--db", db_url, "run", "Tuesday Evening", "--checkin-port", "0")
    try:
        again.wait_for("What makes a situation high-risk")
        again.wait_for("Kill test note+")
    finally:
        again.close()


def saved_note(db_url: str) -> str | None:
    """The session note as stored now (read by another connection, as a second laptop would)."""
    database = open_database(db_url)
    try:
        with database.session() as db:
            note = db.exec(select(Note).where(Note.participant_id.is_(None))).first()
            return None if note is None else note.text
    finally:
        database.dispose()


def _only_session(database) -> str:  # type: ignore[no-untyped-def]
    from facilitator.store.models import GroupSession

    with database.session() as db:
        (session,) = db.exec(select(GroupSession)).all()
        return session.id
