"""Snapshot tests of the live screen (80x24, 120x40), the break screen and the help screen."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from facilitator.app import make_live_app
from facilitator.common.clock import FakeClock
from facilitator.session.attendance import check_in
from facilitator.session.notes import save_note
from facilitator.store.database import Database
from facilitator.store.models import Group, GroupSession, Method, Participant

from .livefixtures import make_session


def _scene(database: Database, clock: FakeClock) -> str:
    """A session 7 minutes in: two members checked in, one late, a session note."""
    session_id = make_session(database, clock)
    with database.session() as db:
        session = db.get(GroupSession, session_id)
        group = db.get(Group, session.group_id)
        people = {p.code: p for p in db.exec(__import__("sqlmodel").select(Participant)).all()}
        for code, minutes in (("AVQ1", 1), ("BLM2", 3)):
            check_in(
                db,
                group=group,
                session=session,
                participant=people[code],
                method=Method.PHONE,
                now=clock.advance(minutes=minutes),
            )
        save_note(
            db, session=session, participant_id=None, text="Themes: weekend stress.", now=clock()
        )
    clock.advance(minutes=3)
    return session_id


def _no_blink(app) -> None:  # type: ignore[no-untyped-def]
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for widget in app.screen.query(TextArea):
        widget.cursor_blink = False


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_live_screen(snap_compare, database: Database, clock: FakeClock, size) -> None:  # type: ignore[no-untyped-def]
    app = make_live_app(database, _scene(database, clock), clock=clock)

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        _no_blink(app)

    assert snap_compare(app, terminal_size=size, run_before=before)


def test_break_screen(snap_compare, database: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    app = make_live_app(database, _scene(database, clock), clock=clock)

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("b")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        clock.advance(minutes=3, seconds=20)
        await pilot.pause()
        app.screen.tick()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_help_screen(snap_compare, database: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    """`?` at 80x24: the dialog fits, its table scrolls; ctrl+q is among the keys."""
    app = make_live_app(database, _scene(database, clock), clock=clock)

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        _no_blink(app)

    assert snap_compare(app, terminal_size=(80, 24), press=["question_mark"], run_before=before)


def test_break_item_waiting(snap_compare, database: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    """`n` onto a break item: its time, not running, and how to start it."""
    app = make_live_app(database, _scene(database, clock), clock=clock)

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("n", "n")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_session_record_after_addendum(  # type: ignore[no-untyped-def]
    snap_compare, database: Database, clock: FakeClock, monkeypatch
) -> None:
    """A signed record just after an addendum typed in it: its tables keep their widths."""
    from facilitator.app import make_app
    from facilitator.screens.session_detail import SessionDetailScreen
    from facilitator.session.signing import sign_session

    from .test_session_record import ended_session

    session_id = ended_session(database, clock)
    with database.session() as db:
        save_note(db, session=db.get(GroupSession, session_id), participant_id=None,
                  text="Coping plans; sleep came up.", now=clock())  # fmt: skip
        sign_session(db, session_id, by="Sam Facilitator, LCSW", now=clock.advance(minutes=30))
    clock.advance(minutes=10)
    monkeypatch.setattr("facilitator.common.timeutil.utcnow", clock)
    app = make_app(database, lambda: SessionDetailScreen(database, session_id))

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Blake left at 10:20, not at the end.", "enter")
        await pilot.pause()
        await pilot.press(*"Checked against the sign-out sheet", "enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        _no_blink(app)

    assert snap_compare(app, terminal_size=(120, 40), run_before=before)
