"""A session started by mistake: discarded when nothing was recorded, else voided with a reason.

Voided sessions stay in the record, marked void, and count in no report figure or streak, and
the next proposed topic ignores them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select
from textual.widgets import DataTable

from facilitator.app import make_app
from facilitator.common.clock import FakeClock
from facilitator.program.staff import save_user
from facilitator.reports.attendance import attendance_report
from facilitator.reports.history import list_sessions
from facilitator.screens.dialogs import AskScreen, ConfirmScreen
from facilitator.screens.help import HelpScreen
from facilitator.screens.history import HistoryScreen
from facilitator.screens.session_detail import SessionDetailScreen
from facilitator.session.lifecycle import propose_topic, void_session
from facilitator.store.database import Database
from facilitator.store.models import Attendance, AuditEvent, Group, GroupSession

from .conftest import START
from .historyfixtures import TODAY, make_history
from .livefixtures import make_session

SIZE = (130, 45)
USER = "Sam Rivera, LCSW"


@pytest.fixture(autouse=True)
def _keyboard_user(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FACILITATOR_USER", raising=False)
    with database.session() as db:
        save_user(db, USER)


def history_rows(app) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#sessions", DataTable)
    return [[str(c) for c in table.get_row(k)] for k in table.rows]


def messages(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(n.message) for n in app._notifications]


def signature(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#detail-signature").content)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait for every worker: only when no dialog is waiting for an answer."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def until_asked(pilot, dialog: type) -> None:  # type: ignore[no-untyped-def]
    """Wait for the record's queued reads, then for `dialog` to be shown."""
    for _ in range(50):
        queued = [w for w in pilot.app.workers if w.group == "session-record"]
        if queued:  # (an empty list would mean every worker, the dialog's own included)
            await pilot.app.workers.wait_for_complete(queued)
        await pilot.pause()
        if isinstance(pilot.app.screen, dialog):
            return
    raise AssertionError(f"{dialog.__name__} was not shown; on {pilot.app.screen!r}")


def audited(database: Database, action: str) -> list[AuditEvent]:
    with database.session() as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


async def test_x_discards_a_session_with_nothing_recorded_after_confirming(
    database: Database,
) -> None:
    session_id = make_session(database, FakeClock(START))  # live, nobody checked in
    app = make_app(database, lambda: HistoryScreen(database))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert len(history_rows(app)) == 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionDetailScreen)
        await pilot.press("x")
        await until_asked(pilot, ConfirmScreen)
        assert "Discard this session?" in str(app.screen.question)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, SessionDetailScreen)
        with database.session() as db:
            assert db.get(GroupSession, session_id) is not None
        await pilot.press("x")
        await until_asked(pilot, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert history_rows(app) == []
        assert any("Session discarded" in m for m in messages(app))
    with database.session() as db:
        assert db.get(GroupSession, session_id) is None
        assert db.exec(select(Attendance)).all() == []
    (event,) = audited(database, "session.discard")
    assert event.actor == USER and event.session_id == session_id


async def test_x_voids_a_session_with_records_and_refuses_an_empty_reason(
    database: Database,
) -> None:
    _, _, session_ids = make_history(database)
    newest = session_ids[-1]
    app = make_app(database, lambda: HistoryScreen(database))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the newest: 13 Nov, with check-ins and notes
        await settle(pilot)
        assert isinstance(app.screen, SessionDetailScreen)
        assert app.screen.session_id == newest
        await pilot.press("x")
        await until_asked(pilot, AskScreen)
        await pilot.press("enter")  # no reason
        await settle(pilot)
        assert isinstance(app.screen, SessionDetailScreen)
        assert any("Voiding needs a reason" in m for m in messages(app))
        with database.session() as db:
            assert db.get(GroupSession, newest).state == "ended"

        await pilot.press("x")
        await until_asked(pilot, AskScreen)
        await pilot.press(*"Started for the wrong group", "enter")
        await until_asked(pilot, ConfirmScreen)
        assert "Started for the wrong group" in str(app.screen.detail)
        await pilot.press("y")
        await settle(pilot)
        assert "VOID" in signature(app) and "Started for the wrong group" in signature(app)
        await pilot.press("x")  # once void, it stays void
        await settle(pilot)
        assert isinstance(app.screen, SessionDetailScreen)
        assert any("void already" in m for m in messages(app))
        await pilot.press("s")  # and is not signed
        await settle(pilot)
        assert isinstance(app.screen, SessionDetailScreen)
        assert any("A void session is not signed" in m for m in messages(app))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        states = [row[-1] for row in history_rows(app)]
        assert states == ["VOID"] + ["unsigned"] * 5
    with database.session() as db:
        session = db.get(GroupSession, newest)
        assert session.state == "void" and session.void_reason == "Started for the wrong group"
        assert session.signed_at is None
        assert len(db.exec(select(Attendance).where(Attendance.session_id == newest)).all()) == 3
    (event,) = audited(database, "session.void")
    assert event.actor == USER and event.session_id == newest


async def test_x_refuses_a_signed_session_and_is_listed_in_help(database: Database) -> None:
    _, _, session_ids = make_history(database)
    from facilitator.session.signing import sign_session

    with database.session() as db:
        sign_session(db, session_ids[0], by=USER, now=dt.datetime(2026, 11, 3, tzinfo=dt.UTC))
    app = make_app(database, lambda: SessionDetailScreen(database, session_ids[0]))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        bindings = {b.id: b for _key, b in app.screen._bindings}
        assert bindings["detail.void"].key == "x"
        assert bindings["detail.void"].description == "Discard/void"
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, SessionDetailScreen)
        assert any("signed" in m and "addendum" in m for m in messages(app))
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = app.screen.query_one("#keys", DataTable)
        assert ["x", "Discard/void"] in [[str(c) for c in keys.get_row(k)] for k in keys.rows]
    with database.session() as db:
        assert db.get(GroupSession, session_ids[0]).state == "ended"
    assert audited(database, "session.void") == []


def test_a_voided_session_is_in_no_report_figure_and_not_the_last_topic(
    database: Database,
) -> None:
    """Known answer (see historyfixtures): voiding 13 Nov leaves the first five sessions only."""
    group_id, _, session_ids = make_history(database)
    with database.session() as db:
        void_session(
            db,
            session=db.get(GroupSession, session_ids[-1]),
            reason="Started for the wrong group",
            now=dt.datetime(2026, 11, 13, 20, 0, tzinfo=dt.UTC),
            actor=USER,
        )
    with database.session() as db:
        group = db.get(Group, group_id)
        report = attendance_report(
            db, group, date_from=dt.date(2026, 11, 2), date_to=TODAY, today=TODAY
        )
        figures = {
            p.name: (
                p.sessions,
                p.present,
                p.late,
                p.excused,
                p.absent,
                p.hours,
                p.weeks_below_minimum,
                p.consecutive_absences,
            )
            for p in report.participants
        }
        from facilitator.curriculum.catalog import discover

        curriculum = discover().get("relapse-prevention")
        proposed = propose_topic(db, group, curriculum)
        listed = {s.id: s.state for s in list_sessions(db)}
    assert figures == {
        # Avery: 5 × 3 h; W46 now 6 h (9, 11 Nov), below the 9 h minimum.
        "Avery Quinn": (5, 5, 0, 0, 0, 15.0, 1, 0),
        # Blake: absent on 11 Nov only; the absence streak is 1, not 2.
        "Blake Moreno": (5, 4, 0, 0, 1, 12.0, 1, 1),
        # Casey: 2.5 h late + 2 × 3 h present; W45 and W46 both below.
        "Casey Lindqvist": (5, 2, 1, 1, 1, 8.5, 2, 0),
    }
    # The voided session held the sixth topic: it is proposed again.
    assert proposed.id == curriculum.sessions[5].id
    assert listed[session_ids[-1]] == "void"
