"""Pilot tests of the audit-trail screen: `t` in the history (every event) and in one session
(that session's), newest first, times in the group's zone to the minute, names as plain text."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rich.text import Text
from sqlmodel import col, select
from textual.widgets import DataTable, Label

from facilitator.app import make_app
from facilitator.program.roster import add_member
from facilitator.screens.audit_screen import AuditScreen
from facilitator.screens.history import HistoryScreen
from facilitator.screens.home import HomeScreen
from facilitator.screens.session_detail import SessionDetailScreen
from facilitator.store.audit import audit
from facilitator.store.database import Database
from facilitator.store.models import AuditEvent, Group

from .historyfixtures import make_history

SIZE = (130, 45)
LEAD = "Sam Rivera, LCSW"
MARKUP_NAME = "[bold red]Mallory[/] Example"  # fictional; must show as typed
COLUMNS = ["when", "who", "what", "session", "member", "details"]


def shown(app: Any) -> list[list[str]]:
    """The audit table's rows as the screen shows them."""
    table = app.screen.query_one("#audit", DataTable)
    assert [str(c.label) for c in table.columns.values()] == COLUMNS
    return [[str(cell) for cell in table.get_row(key)] for key in table.rows]


def title(app: Any) -> str:
    """The screen's heading."""
    return str(app.screen.query_one("#home-title", Label).render())


def stored(database: Database, session_id: str | None = None) -> list[AuditEvent]:
    """The audit events in the database, newest first (optionally one session's)."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc())
    if session_id is not None:
        query = query.where(AuditEvent.session_id == session_id)
    with database.session() as db:
        return list(db.exec(query).all())


async def press_t(pilot: Any, heading: str) -> list[list[str]]:
    """Press `t`; the audit screen opens with `heading`; its rows."""
    await pilot.press("t")
    await pilot.pause()
    assert isinstance(pilot.app.screen, AuditScreen)
    assert title(pilot.app) == heading
    return shown(pilot.app)


@pytest.fixture
def history(database: Database) -> list[str]:
    """Six ended sessions of Tuesday Evening (America/Chicago) and two later events: a member
    with markup in the name, and an export at 03:05 UTC on 20 Nov (21:05 on 19 Nov in Chicago)."""
    session_ids = make_history(database)[2]
    with database.session() as db:
        group = db.exec(select(Group)).one()
        add_member(db, group, name=MARKUP_NAME, code="MAL7", joined=dt.date(2026, 11, 16))
        audit(
            db,
            "export.audit",
            actor=LEAD,
            at=dt.datetime(2026, 11, 20, 3, 5, 41, tzinfo=dt.UTC),
            format="csv",
        )
    return session_ids


async def test_t_in_the_history_shows_every_event_newest_first_in_local_time(
    database: Database, history: list[str]
) -> None:
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        rows = await press_t(pilot, "Audit trail — latest 1,000 events")
        events = stored(database)
        assert [r[2] for r in rows] == [e.action for e in events]  # every one, newest first
        # No session: shown in the groups' zone (Chicago), to the minute.
        assert rows[0] == ["2026-11-19 21:05", LEAD, "export.audit", "", "", '{"format": "csv"}']
        assert rows[1][2:5] == ["member.add", "", MARKUP_NAME]
        # The first session began 09:00 in Chicago (15:00 UTC); Casey arrived at 09:30.
        first = [r for r in rows if r[3] == history[0][:8]]
        assert first[-1][:3] == ["2026-11-02 09:00", "Sam Facilitator", "session.start"]
        casey = next(r for r in first if r[4] == "Casey Lindqvist")
        assert (casey[0], casey[2]) == ("2026-11-02 09:30", "checkin")
        assert first[0][:3] == ["2026-11-02 12:00", "", "session.end"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)


async def test_a_name_with_markup_is_shown_as_typed(database: Database, history: list[str]) -> None:
    app = make_app(database, lambda: HistoryScreen(database), given=LEAD)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        table = app.screen.query_one("#audit", DataTable)
        cell = table.get_row_at(1)[4]
        assert isinstance(cell, Text) and cell.plain == MARKUP_NAME and not cell.spans


async def test_t_in_a_session_shows_only_that_sessions_events(
    database: Database, history: list[str]
) -> None:
    newest = history[-1]  # 2026-11-13, the history's first row
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("h")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SessionDetailScreen)
        rows = await press_t(pilot, "Audit trail — this session")
        events = stored(database, newest)
        assert [r[2] for r in rows] == [e.action for e in events]
        assert {r[3] for r in rows} == {newest[:8]}
        assert rows[-1][:3] == ["2026-11-13 09:00", "Sam Facilitator", "session.start"]
        assert rows[0][:3] == ["2026-11-13 12:00", "", "session.end"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionDetailScreen)
