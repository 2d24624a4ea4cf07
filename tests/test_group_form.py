"""First run and the group form: `g` creates a group, `G` edits it, bad values save nothing."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import DataTable, Input

from facilitator.app import make_app
from facilitator.common.timeutil import machine_timezone
from facilitator.program.groups import create_group, set_archived
from facilitator.screens.group_form import GroupFormScreen
from facilitator.screens.home import HomeScreen
from facilitator.store.database import Database
from facilitator.store.models import AuditEvent, Group

from .test_live_screen import screen_plain

LEAD = "Sam Rivera, LCSW"
SIZE = (100, 32)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait for the saves and loads a key started, and for the screens they switch."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def step(pilot, *keys: str):  # type: ignore[no-untyped-def]
    """Press `keys`, let what they started settle, and return the screen then shown."""
    await pilot.press(*keys)
    await settle(pilot)
    return pilot.app.screen


def group_rows(app) -> list[str]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#groups", DataTable)
    return [str(table.get_row(key)[0]) for key in table.rows]


def groups(database: Database) -> list[Group]:
    with database.session() as db:
        return list(db.exec(select(Group).order_by(Group.name)).all())


def form_error(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#form-error").content)


async def test_first_run_says_how_to_begin_then_g_creates_a_group(database: Database) -> None:
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        shown = screen_plain(app)
        assert "press g to create a group" in shown
        assert "facilitator demo" in shown
        assert not app.screen.query_one("#groups").display  # no empty table
        await pilot.press("enter")  # nothing to start: no crash, nothing made
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)

        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, GroupFormScreen)
        assert app.screen.focused is app.screen.query_one("#group-name", Input)
        await pilot.press(*"Evening IOP", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert group_rows(app) == ["Evening IOP"]
        assert "press g to create a group" not in screen_plain(app)
    (group,) = groups(database)
    # Fields left as they were keep their defaults.
    assert (group.name, group.timezone, group.weekly_hours, group.daily_hours) == (
        "Evening IOP",
        machine_timezone(),
        9.0,
        3.0,
    )
    assert (group.late_after_minutes, group.note_format, group.curriculum_id) == (10, "DAP", None)
    with database.session() as db:
        (event,) = db.exec(select(AuditEvent).where(AuditEvent.action == "group.create")).all()
        assert event.actor == LEAD


async def test_G_changes_the_selected_groups_settings(database: Database) -> None:
    with database.session() as db:
        create_group(db, name="Morning Skills", timezone="UTC")
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        assert isinstance(app.screen, GroupFormScreen)
        assert app.screen.query_one("#group-name", Input).value == "Morning Skills"
        await pilot.press("tab", "tab", *"6", "tab", "tab", *"15", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "Morning Skills: weekly hours" in screen_plain(app)  # the notice says what
    (group,) = groups(database)
    assert (group.weekly_hours, group.late_after_minutes, group.daily_hours) == (6.0, 15, 3.0)
    with database.session() as db:
        (event,) = db.exec(select(AuditEvent).where(AuditEvent.action == "group.edit")).all()
        assert event.actor == LEAD
        assert event.detail["fields"] == ["weekly_hours", "late_after_minutes"]


async def test_a_bad_value_names_the_field_and_saves_nothing(database: Database) -> None:
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("g", *"Evening IOP", "tab", "tab", *"lots", "enter")
        await settle(pilot)
        assert isinstance(app.screen, GroupFormScreen)
        assert form_error(app) == "Weekly minimum (hours): 'lots' is not a number"
        assert app.screen.focused is app.screen.query_one("#group-weekly", Input)
        await pilot.press(*"50", "enter")  # a number, out of range: the core refuses it
        await settle(pilot)
        assert isinstance(app.screen, GroupFormScreen)
        assert form_error(app).startswith("Weekly minimum (hours): 50 must be more than 0")
        await pilot.press(*"8", "shift+tab", *"Mars/Olympus", "enter")
        await settle(pilot)
        assert form_error(app).startswith("Time zone: unknown time zone 'Mars/Olympus'")
        assert groups(database) == []
        await pilot.press("escape")  # cancels: still nothing saved
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    assert groups(database) == []


async def test_edit_refused_leaves_the_group_as_it_was(database: Database) -> None:
    with database.session() as db:
        create_group(db, name="Morning Skills", timezone="UTC")
        create_group(db, name="Evening IOP", timezone="UTC")
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("down", "G")  # Morning Skills (listed by name)
        await settle(pilot)
        await pilot.press(*"evening iop", "tab", "tab", "tab", *"2", "enter")
        await settle(pilot)
        assert form_error(app) == "Name: a group named 'Evening IOP' already exists"
        assert app.screen.focused is app.screen.query_one("#group-name", Input)
    assert [(g.name, g.daily_hours) for g in groups(database)] == [
        ("Evening IOP", 3.0),
        ("Morning Skills", 3.0),
    ]


async def test_archived_groups_are_not_listed(database: Database) -> None:
    with database.session() as db:
        create_group(db, name="Morning Skills", timezone="UTC")
        old = create_group(db, name="Summer Cohort", timezone="UTC")
        set_archived(db, old, True, actor=LEAD)
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert group_rows(app) == ["Morning Skills"]
