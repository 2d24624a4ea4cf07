"""Signing a session locks it; corrections are addenda; unsigned sessions are flagged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import typer
from sqlmodel import select

from facilitator.common.clock import FakeClock
from facilitator.errors import UserError
from facilitator.session import attendance as att
from facilitator.session.notes import save_note
from facilitator.session.signing import add_addendum, find_session, sign_session, unsigned_overdue
from facilitator.store.database import Database, open_database
from facilitator.store.models import Addendum, AuditEvent, Group, GroupSession, Note, Status

from .test_export import CURRICULUM, record_session


def _context(database: Database, session_id: str) -> tuple[Group, GroupSession]:
    with database.session() as db:
        session = db.get(GroupSession, session_id)
        assert session is not None
        group = db.get(Group, session.group_id)
        assert group is not None
    return group, session


def test_sign_locks_attendance_and_notes(database: Database, clock: FakeClock) -> None:
    recorded = record_session(database, clock)
    blake = recorded.members["Blake Moreno"]
    with database.session() as db:
        signed = sign_session(db, recorded.session_id, by="Jordan Rivers", now=clock.advance(60))
        assert signed.signed_by == "Jordan Rivers" and signed.signed_at == clock()
    group, session = _context(database, recorded.session_id)
    with database.session() as db:
        with pytest.raises(UserError, match="signed"):
            att.set_status(
                db, group=group, session=session, participant_id=blake, status=Status.ABSENT,
                now=clock(),
            )  # fmt: skip
        with pytest.raises(UserError, match="signed"):
            att.check_out(db, session=session, participant_id=blake, now=clock())
        with pytest.raises(UserError, match="signed"):
            save_note(
                db, session=session, participant_id=blake, note_format="DAP",
                fields={"Data": "changed"}, now=clock(),
            )  # fmt: skip
        with pytest.raises(UserError, match="signed"):
            save_note(db, session=session, participant_id=None, text="changed", now=clock())
    with database.session() as db:
        note = db.exec(
            select(Note).where(Note.session_id == session.id, Note.participant_id == blake)
        ).one()
        assert note.fields["Data"] == "Arrived late, engaged."  # the original stays


def test_sign_only_once_and_only_when_ended(database: Database, clock: FakeClock) -> None:
    recorded = record_session(database, clock)
    with database.session() as db:
        sign_session(db, recorded.session_id, by="Jordan Rivers", now=clock())
    with database.session() as db, pytest.raises(UserError, match="already signed"):
        sign_session(db, recorded.session_id, by="Someone Else", now=clock.advance(5))
    with database.session() as db:
        from facilitator.session.lifecycle import start_session

        group = db.exec(select(Group)).one()
        live = start_session(
            db, group=group, curriculum=CURRICULUM, topic=CURRICULUM.sessions[1],
            facilitator="Jordan Rivers", now=clock.advance(3600),
        )  # fmt: skip
        live_id = live.id
    with database.session() as db, pytest.raises(UserError, match="not ended"):
        sign_session(db, live_id, by="Jordan Rivers", now=clock())
    with database.session() as db, pytest.raises(UserError, match="required"):
        sign_session(db, recorded.session_id, by="   ", now=clock())
    with database.session() as db, pytest.raises(UserError, match="no session"):
        sign_session(db, "not-a-session", by="Jordan Rivers", now=clock())


def test_addendum_on_signed_session_only(database: Database, clock: FakeClock) -> None:
    recorded = record_session(database, clock)
    with database.session() as db, pytest.raises(UserError, match="not signed"):
        add_addendum(
            db, recorded.session_id, text="x", reason="y", author="Jordan Rivers", now=clock()
        )
    with database.session() as db:
        sign_session(db, recorded.session_id, by="Jordan Rivers", now=clock.advance(60))
    for text, reason, author in (("", "why", "J"), ("what", " ", "J"), ("what", "why", "")):
        with database.session() as db, pytest.raises(UserError, match="required"):
            add_addendum(
                db, recorded.session_id, text=text, reason=reason, author=author, now=clock()
            )
    with database.session() as db:
        added = add_addendum(
            db, recorded.session_id, text="Blake arrived 09:12, not 09:15.",
            reason="Time copied wrong", author="Jordan Rivers", now=clock.advance(600),
        )  # fmt: skip
        assert added.id is not None
    with database.session() as db:
        [stored] = db.exec(select(Addendum)).all()
        assert stored.reason == "Time copied wrong" and stored.created_at == clock()
        actions = [e.action for e in db.exec(select(AuditEvent)).all()]
        assert "session.sign" in actions and "session.addendum" in actions


def test_find_session_by_prefix(database: Database, clock: FakeClock) -> None:
    recorded = record_session(database, clock)
    with database.session() as db:
        assert find_session(db, recorded.session_id[:8]).id == recorded.session_id
        assert find_session(db, recorded.session_id.upper()).id == recorded.session_id
        with pytest.raises(UserError):
            find_session(db, recorded.session_id[:3])


def test_unsigned_overdue(database: Database, clock: FakeClock) -> None:
    first = record_session(database, clock)  # ends 12:00 Chicago on Monday
    ended = clock()
    clock.advance(minutes=60 * 24 * 2)
    second = record_session(database, clock, group_name="Morning IOP")
    with database.session() as db:
        assert [s.id for s in unsigned_overdue(db, ended + dt.timedelta(hours=23))] == []
        overdue = unsigned_overdue(db, ended + dt.timedelta(hours=24))
        assert [s.id for s in overdue] == [first.session_id]
        later = clock() + dt.timedelta(hours=30)
        assert [s.id for s in unsigned_overdue(db, later)] == [first.session_id, second.session_id]
        sign_session(db, first.session_id, by="Jordan Rivers", now=later)
        assert [s.id for s in unsigned_overdue(db, later, hours=6)] == [second.session_id]


def test_sign_and_addendum_commands(tmp_path: Path, clock: FakeClock) -> None:
    """`facilitator sign` and `facilitator addendum`, on a root app like the real one."""
    from typer.testing import CliRunner

    from facilitator.cli import sign as sign_cli
    from facilitator.cli.context import AppState

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    database = open_database(url)
    recorded = record_session(database, clock)
    database.dispose()

    app = typer.Typer()

    @app.callback()
    def _root(ctx: typer.Context, db: str = typer.Option(None, "--db")) -> None:
        ctx.obj = AppState(db_url=db)

    sign_cli.register(app)
    runner = CliRunner()
    short = recorded.session_id[:8]
    early = runner.invoke(
        app, ["--db", url, "addendum", short, "--text", "x", "--reason", "y", "--by", "J"]
    )
    assert early.exit_code == 1 and "not signed" in str(early.exception)
    assert "session record (history → enter)" in str(early.exception)
    # Members who attended have no note: listed, and nothing is signed without --yes.
    refused = runner.invoke(app, ["--db", url, "sign", short, "--by", "Jordan Rivers"])
    assert refused.exit_code == 1 and "--yes" in str(refused.exception)
    assert "have no progress note: " in refused.output and "Avery Quinn" in refused.output
    signed = runner.invoke(app, ["--db", url, "sign", short, "--by", "Jordan Rivers", "--yes"])
    assert signed.exit_code == 0, signed.output
    assert f"Signed session {recorded.session_id} (Evening IOP, 2026-11-16)" in signed.stdout
    assert runner.invoke(app, ["--db", url, "sign", short, "--by", "Jordan Rivers"]).exit_code == 1
    added = runner.invoke(
        app,
        [
            "--db",
            url,
            "addendum",
            short,
            "--text",
            "Late entry.",
            "--reason",
            "Forgot",
            "--by",
            "J",
        ],
    )
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["--db", url, "sign", short]).exit_code == 2  # --by is required
    database = open_database(url)
    with database.session() as db:
        assert db.exec(select(Addendum)).one().text == "Late entry."
    database.dispose()
