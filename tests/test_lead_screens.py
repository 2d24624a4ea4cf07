"""Pilot tests of the session lead's screens: history, one session, group report, member."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input

from facilitator.app import make_app
from facilitator.screens.dialogs import AskScreen, ConfirmScreen
from facilitator.screens.history import FILTER_PAUSE, HistoryScreen
from facilitator.screens.home import HomeScreen
from facilitator.screens.member import MemberScreen
from facilitator.screens.report import ReportScreen
from facilitator.screens.session_detail import SessionDetailScreen
from facilitator.store.database import Database
from facilitator.store.models import Addendum, GroupSession

from .historyfixtures import TODAY, make_history
from .test_group_form import settle

SIZE = (130, 45)


@pytest.fixture
def history(database: Database):  # type: ignore[no-untyped-def]
    return make_history(database)


def rows(app, selector: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row(k)] for k in table.rows]


def text_of(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    widget = app.screen.query_one(selector)
    content = widget.content if hasattr(widget, "content") else widget.render()
    return getattr(content, "plain", str(content))


async def test_history_lists_sessions_newest_first_and_filters(database, history) -> None:  # type: ignore[no-untyped-def]
    app = make_app(database, lambda: HomeScreen(database))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        listed = rows(app, "#sessions")
        assert [r[0] for r in listed] == [
            "2026-11-13",
            "2026-11-11",
            "2026-11-09",
            "2026-11-06",
            "2026-11-04",
            "2026-11-02",
        ]
        # 13 Nov: Avery and Casey attended, Blake absent; unsigned.
        assert listed[0][4:] == ["2", "1", "unsigned"]
        await pilot.press("slash", *"boredom")
        await pilot.pause(FILTER_PAUSE)  # the list is read once typing pauses
        await settle(pilot)
        filtered = rows(app, "#sessions")
        assert len(filtered) == 1 and "Boredom" in filtered[0][2]
        await pilot.press("ctrl+a", "backspace", *"no such topic")
        await pilot.pause(FILTER_PAUSE)
        await settle(pilot)
        assert rows(app, "#sessions") == []


async def test_session_detail_sign_then_addendum(database, history) -> None:  # type: ignore[no-untyped-def]
    _, _, session_ids = history
    app = make_app(database, lambda: SessionDetailScreen(database, session_ids[0]))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        agenda = rows(app, "#detail-agenda")
        assert agenda[0][:5] == ["1", "Check-in round", "check-in", "20", "180"]
        assert all(r[4] == "skipped" for r in agenda[1:])
        attendance = {r[0]: r for r in rows(app, "#detail-attendance")}
        assert attendance["Casey Lindqvist"][1:5] == ["late", "09:30", "", "150"]
        assert "Session 1: themes of the day." in text_of(app, "#detail-notes")
        assert "UNSIGNED" in text_of(app, "#detail-signature")

        await pilot.press("a")  # addenda are for signed sessions
        await pilot.pause()
        assert isinstance(app.screen, SessionDetailScreen)

        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        assert app.screen.query_one(Input).value == "Sam Facilitator"
        await pilot.press("end", *", LCSW", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "Signed by Sam Facilitator, LCSW" in text_of(app, "#detail-signature")

        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Casey arrived at 09:25, not 09:30.", "enter")
        await pilot.pause()
        await pilot.press(*"Clock on the wall was slow", "enter")
        await pilot.pause()
        await pilot.press("enter")  # author prefilled with the signer
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        notes = text_of(app, "#detail-notes")
        assert (
            "ADDENDUM 1 — Sam Facilitator, LCSW" in notes and "Clock on the wall was slow" in notes
        )
    with database.session() as db:
        session = db.get(GroupSession, session_ids[0])
        (addendum,) = db.exec(select(Addendum)).all()
    assert session.signed_by == "Sam Facilitator, LCSW"
    assert addendum.reason == "Clock on the wall was slow"


async def test_report_puts_outreach_first_and_shows_contract_figures(database, history) -> None:  # type: ignore[no-untyped-def]
    group_id, _, _ = history
    app = make_app(database, lambda: ReportScreen(database, group_id, today=TODAY))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        outreach = text_of(app, "#outreach")
        # 15 Nov is a Sunday: the last complete week is W45
        # (Casey: 2.5 h = 30 min late + excused + absent).
        assert outreach.splitlines() == [
            "Blake Moreno: 2 absences in a row",
            "Casey Lindqvist: 2.50 h in week 2026-W45, below 9 h",
        ]
        figures = {r[0]: r[1:] for r in rows(app, "#report")}
        # The last column: curriculum topics covered of the ten.
        assert figures["Avery Quinn"] == [
            *("6", "6", "0", "0", "0", "0", "18.00", "0", "0", "0"),
            "6/10",
        ]
        # W46 has not ended on its Sunday, so neither Blake's 3 h in it nor Casey's count yet.
        assert figures["Blake Moreno"] == [
            *("6", "4", "0", "0", "2", "0", "12.00", "0", "0", "2"),
            "4/10",
        ]
        assert figures["Casey Lindqvist"] == [
            *("6", "3", "1", "1", "1", "0", "11.50", "1", "1", "0"),
            "4/10",
        ]
        # Narrow the range to the first week: Blake's absences fall outside it.
        await pilot.press("slash", *"2026-11-02", "tab", *"2026-11-08", "enter")
        await settle(pilot)
        figures = {r[0]: r[1:] for r in rows(app, "#report")}
        assert figures["Blake Moreno"][:2] == ["3", "3"]
        assert "Blake" not in text_of(app, "#outreach")
        await pilot.press("slash", *"2026-13-40", "enter")
        await settle(pilot)
        assert any("not a date" in str(n.message) for n in app._notifications)


async def test_member_screen_heat_map_weeks_streak_and_topics(database, history) -> None:  # type: ignore[no-untyped-def]
    group_id, ids, _ = history
    app = make_app(database, lambda: ReportScreen(database, group_id, today=TODAY))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#report", DataTable)
        table.move_cursor(row=[r[0] for r in rows(app, "#report")].index("Blake Moreno"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MemberScreen)
        summary = text_of(app, "#member-summary")
        assert "6 sessions: 4 present" in summary and "2 absences in a row" in summary
        heat = text_of(app, "#member-heatmap")
        lines = {line[:3]: line for line in heat.splitlines()}
        # Week 45 then week 46: Mon/Wed/Fri present in W45; Mon present, Wed/Fri absent in W46.
        assert lines["Mon"].split()[1:] == ["●", "●"]
        assert lines["Wed"].split()[1:] == ["●", "✕"]
        assert lines["Fri"].split()[1:] == ["●", "✕"]
        assert "✕ absent" in heat  # the legend
        weeks = text_of(app, "#member-weeks")
        assert "2026-W45" in weeks and " 9.00 h" in weeks
        assert "3.00 h  below minimum" in weeks
        topics = text_of(app, "#member-topics")
        assert "Covered (4/10)" in topics and "Still to cover (6)" in topics
        assert len(rows(app, "#member-sessions")) == 6


def test_member_screen_snapshot(snap_compare, database, history) -> None:  # type: ignore[no-untyped-def]
    group_id, ids, _ = history
    app = make_app(
        database, lambda: MemberScreen(database, group_id, ids["Blake Moreno"], today=TODAY)
    )
    assert snap_compare(app, terminal_size=(120, 40))


async def test_history_keeps_its_filter_on_return_from_a_session(database, history) -> None:  # type: ignore[no-untyped-def]
    app = make_app(database, lambda: HistoryScreen(database))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"boredom", "enter")
        await settle(pilot)
        assert len(rows(app, "#sessions")) == 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionDetailScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        listed = rows(app, "#sessions")
        assert len(listed) == 1 and "Boredom" in listed[0][2]


async def test_report_of_a_group_gone_says_so(database, history) -> None:  # type: ignore[no-untyped-def]
    app = make_app(database, lambda: ReportScreen(database, 999_999, today=TODAY))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        assert rows(app, "#report") == []
        assert not app.screen.query_one("#report", DataTable).loading
        messages = [str(n.message) for n in app._notifications]
        assert "this group is no longer in the database" in messages
