"""The home screen: groups listed; enter resumes a live session, or shows what will start."""

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
from facilitator.screens.start_dialog import StartDialog
from facilitator.store.database import Database
from facilitator.store.models import GroupSession
from tests.conftest import pilot_until

from .livefixtures import make_session
from .test_group_form import settle
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
        await pilot.press("enter")  # a live session: resumed at once, no dialog
        await settle(pilot)
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
        await settle(pilot)
        assert isinstance(app.screen, ChooseScreen)
        await pilot.press("enter")  # the first curriculum in the list
        await settle(pilot)
        assert isinstance(app.screen, StartDialog)  # what will start, before it starts
        with database.session() as db:
            assert db.exec(select(GroupSession)).all() == []
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LiveScreen)
        roster = [e.participant.name for e in app.screen.live.snapshot.roster]
        assert roster == ["Quinn Harper"]
    with database.session() as db:
        (session,) = db.exec(select(GroupSession)).all()
        assert session.state == "live" and session.curriculum_id is not None


async def test_home_with_no_groups_says_how_to_begin(database: Database) -> None:
    app = make_app(database, lambda: HomeScreen(database))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        welcome = str(app.screen.query_one("#home-welcome").content)
        assert "press g to create a group" in welcome and "facilitator demo" in welcome
        await pilot.press("enter")  # nothing to open: no crash
        assert isinstance(app.screen, HomeScreen)


async def test_start_dialog_changes_the_topic_or_cancels(database: Database) -> None:
    with database.session() as db:
        group = create_group(
            db, name="Morning Skills", timezone="UTC", curriculum_id="relapse-prevention"
        )
        add_member(db, group, name="Quinn Harper", code="QH42")
    app = make_app(database, lambda: HomeScreen(database), given="Sam Rivera, LCSW")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StartDialog)
        shown = screen_plain(app)
        assert "Morning Skills" in shown and "Sam Rivera, LCSW" in shown
        plan = app.screen.plan
        assert plan.proposed == plan.topics[0].id and "(next)" in shown
        await pilot.press("escape")  # cancel: nothing starts
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        with database.session() as db:
            assert db.exec(select(GroupSession)).all() == []
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("down", "enter")  # the second topic instead
        await settle(pilot)
        assert isinstance(app.screen, LiveScreen)
    with database.session() as db:
        (session,) = db.exec(select(GroupSession)).all()
        assert session.topic_id == plan.topics[1].id
        assert session.facilitator == "Sam Rivera, LCSW"


async def test_start_dialog_c_offers_another_curriculum(database: Database) -> None:
    with database.session() as db:
        create_group(db, name="Morning Skills", timezone="UTC", curriculum_id="relapse-prevention")
    app = make_app(database, lambda: HomeScreen(database))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ChooseScreen)
        await pilot.press("escape")  # keep things as they are
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_command_palette_offers_live_actions(database: Database, clock: FakeClock) -> None:
    from facilitator.app import make_live_app

    app = make_live_app(database, make_session(database, clock), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Privacy")
        await pilot_until(pilot, _palette_offers_privacy, "the palette offering privacy mode")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen) and app.screen.privacy


def _palette_offers_privacy() -> bool:
    """The command palette lists a privacy-mode command for what was typed."""
    from textual.app import active_app
    from textual.command import CommandList

    lists = active_app.get().screen.query(CommandList)
    return bool(lists) and any("rivacy" in str(option.prompt) for option in lists.first().options)
