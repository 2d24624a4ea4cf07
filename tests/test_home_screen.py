"""The home screen: groups listed; enter starts (or resumes) a group's session."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import DataTable

from facilitator.app import make_app
from facilitator.common.clock import FakeClock
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.screens.dialogs import ChooseScreen
from facilitator.screens.home import HomeScreen
from facilitator.screens.live import LiveScreen
from facilitator.store.database import Database
from facilitator.store.models import GroupSession

from .livefixtures import make_session
from .test_live_screen import screen_plain


def _rows(app) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#groups", DataTable)
    return [[str(c) for c in table.get_row(k)] for k in table.rows]


async def test_home_lists_groups_and_resumes_a_live_session(
    database: Database, clock: FakeClock
) -> None:
    session_id = make_session(database, clock)
    app = make_app(database, lambda: HomeScreen(database))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert _rows(app) == [
            [
                "Tuesday Evening",
                "5",
                "LIVE — resume",
                "2026-11-16 Recognising High-Risk Situations",
                "relapse-prevention",
            ]
        ]
        # Drawn in full, not cut to the header's width.
        assert "Tuesday Evening" in screen_plain(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        assert app.screen.live.session_id == session_id


async def test_home_asks_for_a_curriculum_then_starts_a_session(database: Database) -> None:
    with database.session() as db:
        group = create_group(db, name="Morning Skills", timezone="UTC")
        add_member(db, group, name="Quinn Harper", code="QH42")
    app = make_app(database, lambda: HomeScreen(database))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChooseScreen)
        await pilot.press("enter")  # the first curriculum in the list
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        roster = [e.participant.name for e in app.screen.live.snapshot.roster]
        assert roster == ["Quinn Harper"]
    with database.session() as db:
        (session,) = db.exec(select(GroupSession)).all()
        assert session.state == "live" and session.curriculum_id is not None


async def test_home_with_no_groups_says_how_to_add_one(database: Database) -> None:
    app = make_app(database, lambda: HomeScreen(database))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "facilitator group add" in str(app.screen.query_one("#home-hint").content)
        await pilot.press("enter")  # nothing to open: no crash
        assert isinstance(app.screen, HomeScreen)


async def test_command_palette_offers_live_actions(database: Database, clock: FakeClock) -> None:
    from facilitator.app import make_live_app

    app = make_live_app(database, make_session(database, clock), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Privacy")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen) and app.screen.privacy
