"""The session record after the session: notes until signing, missing-note warnings, status
corrections with a reason (keys pressed in the TUI, checked on screen and in the database)."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import TextArea

from facilitator.app import make_app
from facilitator.common.clock import FakeClock
from facilitator.errors import UserError
from facilitator.screens.dialogs import AskScreen, ChooseScreen, ConfirmScreen
from facilitator.screens.history import HistoryScreen
from facilitator.screens.home import HomeScreen
from facilitator.screens.session_detail import SessionDetailScreen
from facilitator.session.corrections import correct_status
from facilitator.session.live import open_live
from facilitator.session.notes import (
    note_problems,
    save_record_note,
    sessions_missing_notes,
)
from facilitator.session.signing import sign_session, unsigned_count
from facilitator.store.database import Database
from facilitator.store.models import Attendance, AuditEvent, Note, Participant, Status

from .livefixtures import MEMBERS, make_session
from .test_void_session import settle, until_asked

SIZE = (120, 40)


def ended_session(database: Database, clock: FakeClock) -> str:
    """Avery and Blake checked in, Casey never came; ended 90 minutes in; no notes."""
    session_id = make_session(database, clock, members=MEMBERS[:3])
    live = open_live(database, session_id, clock=clock)
    live.check_in_code("AVQ1")
    live.check_in_code("BLM2")
    clock.advance(minutes=90)
    live.end()
    return session_id


def member_id(database: Database, name: str) -> int:
    with database.session() as db:
        person = db.exec(select(Participant).where(Participant.name == name)).one()
        assert person.id is not None
        return person.id


def attendance(database: Database, session_id: str, name: str) -> Attendance:
    with database.session() as db:
        return db.exec(
            select(Attendance).where(
                Attendance.session_id == session_id,
                Attendance.participant_id == member_id(database, name),
            )
        ).one()


def notes_of(database: Database, session_id: str) -> dict[int | None, Note]:
    with database.session() as db:
        notes = db.exec(select(Note).where(Note.session_id == session_id)).all()
        return {n.participant_id: n for n in notes}


def screen_text(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(selector).content)


def messages(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(n.message) for n in app._notifications]


async def test_notes_written_after_the_end_are_saved_then_locked_by_signing(
    database: Database, clock: FakeClock
) -> None:
    session_id = ended_session(database, clock)
    avery = member_id(database, "Avery Quinn")
    app = make_app(database, lambda: HomeScreen(database))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionDetailScreen)
        # Avery (first row) selected: tab into the session note, tab on into the Data field.
        await pilot.press("tab")
        assert app.screen.focused.id == "session-note"
        await pilot.press(*"Coping plans; sleep came up.", "tab")
        assert app.screen.focused.id == "field-data"
        await pilot.press(*"Avery named two triggers.", "escape")
        await settle(pilot)
        assert app.screen.focused.id == "detail-attendance"
        await pilot.press("escape")  # back to the history
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        saved = notes_of(database, session_id)
        assert saved[None].text == "Coping plans; sleep came up."
        assert saved[avery].format == "DAP"
        assert saved[avery].fields["Data"] == "Avery named two triggers."

        await pilot.press("enter")  # reopened: the notes are there, in the editors too
        await settle(pilot)
        assert "Avery named two triggers." in screen_text(app, "#detail-notes")
        assert app.screen.query_one("#session-note", TextArea).text.startswith("Coping plans")
        assert app.screen.query_one("#field-data", TextArea).text == "Avery named two triggers."

        # Blake attended and has no note: signing warns and asks.
        await pilot.press("s")
        await until_asked(pilot, AskScreen)
        await pilot.press("enter")
        await until_asked(pilot, ConfirmScreen)
        dialog = app.screen
        assert "anyway" in dialog.question
        assert "1 member who attended has no progress note: Blake Moreno" in dialog.detail
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, SessionDetailScreen)
        assert "Signed by Sam" in screen_text(app, "#detail-signature")
        # Locked: no editors, `tab` says why, typing changes nothing.
        assert not app.screen.query_one("#detail-editor").display
        await pilot.press("tab", *"zz")
        await settle(pilot)
        assert not isinstance(app.screen.focused, TextArea)
        assert any("signed" in m for m in messages(app))
        assert notes_of(database, session_id)[None].text == "Coping plans; sleep came up."
        await pilot.press("a")  # the addendum is offered
        await until_asked(pilot, AskScreen)
        assert "Addendum" in app.screen.question


async def test_a_status_correction_needs_a_reason_and_is_audited(
    database: Database, clock: FakeClock
) -> None:
    session_id = ended_session(database, clock)
    app = make_app(database, lambda: SessionDetailScreen(database, session_id))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")  # Casey: absent
        await pilot.press("space")
        await until_asked(pilot, ChooseScreen)
        await pilot.press("enter")  # present
        await until_asked(pilot, AskScreen)
        await pilot.press("enter")  # no reason
        await settle(pilot)
        assert isinstance(app.screen, SessionDetailScreen)
        assert "A status correction needs a reason: nothing was changed." in messages(app)
        assert attendance(database, session_id, "Casey Lindqvist").status is Status.ABSENT

        await pilot.press("space")
        await until_asked(pilot, ChooseScreen)
        await pilot.press("down", "enter")  # late
        await until_asked(pilot, AskScreen)
        await pilot.press(*"Signed in at the desk, not on the phone", "enter")
        await until_asked(pilot, ConfirmScreen)
        assert app.screen.question == "Change Casey Lindqvist from absent to late?"
        await pilot.press("y")
        await settle(pilot)
        assert app.screen.query_one("#detail-attendance").cursor_row == 2
        assert "late" in [str(c) for c in app.screen.query_one("#detail-attendance").get_row_at(2)]
    assert attendance(database, session_id, "Casey Lindqvist").status is Status.LATE
    with database.session() as db:
        (event,) = db.exec(select(AuditEvent).where(AuditEvent.action == "attendance.correct"))
    assert event.actor
    assert event.detail == {
        "before": "absent",
        "after": "late",
        "reason": "Signed in at the desk, not on the phone",
    }


async def test_a_live_session_opened_from_history_is_not_changed_there(
    database: Database, clock: FakeClock
) -> None:
    session_id = make_session(database, clock, members=MEMBERS[:2])
    app = make_app(database, lambda: SessionDetailScreen(database, session_id))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        for key in ("space", "tab"):  # a correction, the notes: both refused
            await pilot.press(key)
            await settle(pilot)
        assert isinstance(app.screen, SessionDetailScreen)
        assert not app.screen.query_one("#detail-editor").display
        said = messages(app)
        assert sum("live sessions are changed on the live screen" in m for m in said) == 2
    with database.session() as db:
        actions = [e.action for e in db.exec(select(AuditEvent)).all()]
        assert not [a for a in actions if a.startswith("attendance")]
        assert not db.exec(select(Note)).all()


def test_note_problems_and_the_home_count(database: Database, clock: FakeClock) -> None:
    session_id = ended_session(database, clock)
    avery, blake = member_id(database, "Avery Quinn"), member_id(database, "Blake Moreno")
    with database.session() as db:
        problems = note_problems(db, session_id)
        assert problems.missing == ["Avery Quinn", "Blake Moreno"]  # Casey did not come
        assert sessions_missing_notes(db) == [session_id]
        assert unsigned_count(db, clock()).sentence() == "1 session has members without a note"
        same = {"Data": "Engaged well in group and shared openly about cravings."}
        for person in (avery, blake):
            save_record_note(
                db, session_id=session_id, participant_id=person, fields=same, now=clock()
            )
    with database.session() as db:
        problems = note_problems(db, session_id)
        assert problems.missing == [] and sessions_missing_notes(db) == []
        assert problems.lines() == ["near-identical notes: Avery Quinn and Blake Moreno"]
        later = unsigned_count(db, clock.advance(minutes=25 * 60))
        assert later.sentence() == "1 unsigned session ended over 24 hours ago"


def test_corrections_refused_when_live_void_signed_or_without_reason(
    database: Database, clock: FakeClock
) -> None:
    live_id = make_session(database, clock, members=MEMBERS[:1])
    live_row = attendance(database, live_id, "Avery Quinn")
    with database.session() as db, pytest.raises(UserError, match="live screen"):
        correct_status(
            db, attendance_id=live_row.id, status=Status.PRESENT, reason="x", now=clock()
        )
    with database.session() as db, pytest.raises(UserError, match="live screen"):
        save_record_note(db, session_id=live_id, participant_id=None, text="x", now=clock())
    open_live(database, live_id, clock=clock).end()
    with database.session() as db, pytest.raises(UserError, match="needs a reason"):
        correct_status(
            db, attendance_id=live_row.id, status=Status.PRESENT, reason="  ", now=clock()
        )
    with database.session() as db, pytest.raises(UserError, match="already absent"):
        correct_status(db, attendance_id=live_row.id, status=Status.ABSENT, reason="x", now=clock())
    with database.session() as db:
        sign_session(db, live_id, by="Sam Facilitator", now=clock())
    with database.session() as db, pytest.raises(UserError, match="signed"):
        correct_status(
            db, attendance_id=live_row.id, status=Status.PRESENT, reason="x", now=clock()
        )
    assert attendance(database, live_id, "Avery Quinn").status is Status.ABSENT


async def test_home_flags_sessions_with_members_without_a_note(
    database: Database, clock: FakeClock
) -> None:
    ended_session(database, clock)
    app = make_app(database, lambda: HomeScreen(database))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        flag = screen_text(app, "#home-unsigned")
    assert "1 session has members without a note" in flag
    assert "open the history (h)" in flag


def test_a_correction_after_the_end_keeps_service_time(
    database: Database, clock: FakeClock
) -> None:
    """Casey never checked in (90 minutes, late after 10): corrected to present she has the
    whole session; corrected to late, the session less the first 11 minutes."""
    session_id = ended_session(database, clock)
    row = attendance(database, session_id, "Casey Lindqvist")
    clock.advance(minutes=20 * 60)  # the next morning
    with database.session() as db:
        correct_status(
            db, attendance_id=row.id, status=Status.LATE, reason="Sign-in sheet", now=clock()
        )
        db.commit()
    assert attendance(database, session_id, "Casey Lindqvist").minutes == 79.0
    with database.session() as db:
        correct_status(
            db, attendance_id=row.id, status=Status.ABSENT, reason="Wrong member", now=clock()
        )
        correct_status(
            db, attendance_id=row.id, status=Status.PRESENT, reason="Sign-in sheet", now=clock()
        )
        db.commit()
    assert attendance(database, session_id, "Casey Lindqvist").minutes == 90.0


async def test_v_in_the_record_corrects_modality_before_signing(
    database: Database, clock: FakeClock
) -> None:
    session_id = ended_session(database, clock)
    app = make_app(database, lambda: SessionDetailScreen(database, session_id))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("down")  # Blake
        await pilot.press("v")
        await until_asked(pilot, ConfirmScreen)
        assert app.screen.question == "Record that Blake Moreno attended by video (telehealth)?"
        await pilot.press("y")
        await settle(pilot)
        row = [str(c) for c in app.screen.query_one("#detail-attendance").get_row_at(1)]
        assert row[0] == "Blake Moreno" and row[-1].endswith("video")
        title = str(app.screen.query_one("#detail-attendance-title").content)
        assert title == "Attendance — 2 of 3 attended (1 by video)"
    assert attendance(database, session_id, "Blake Moreno").modality == "telehealth"
    with database.session() as db:
        sign_session(db, session_id, by="Sam Facilitator", now=clock())
    app = make_app(database, lambda: SessionDetailScreen(database, session_id))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("down", "v")
        await settle(pilot)
        assert any("signed" in m for m in messages(app))
    assert attendance(database, session_id, "Blake Moreno").modality == "telehealth"
