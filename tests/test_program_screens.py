"""Pilot tests of the schedule and the program on screen: today's meetings on home (`enter`
starts one, `x` cancels, `u` takes it back), `p` the program view, the member screen across
groups, and the group form's schedule, scales and size-warning fields."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select
from textual.widgets import DataTable, Input, Sparkline

from facilitator.app import make_app
from facilitator.common.timeutil import machine_timezone, today_in
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.screens.dialogs import AskScreen, ConfirmScreen
from facilitator.screens.group_form import GroupFormScreen
from facilitator.screens.home import HomeScreen
from facilitator.screens.live import LiveScreen
from facilitator.screens.member import MemberScreen
from facilitator.screens.program import ProgramScreen
from facilitator.screens.start_dialog import StartDialog
from facilitator.store.database import Database
from facilitator.store.models import Attendance, Cancellation, Group, GroupSession

from .programfixtures import MORNING, TODAY, ana_answers_craving, make_program
from .test_group_form import form_error, settle, step
from .test_lead_screens import rows, text_of
from .test_live_screen import screen_plain

LEAD = "Sam Rivera, LCSW"
SIZE = (120, 40)


def _scheduled_today(database: Database) -> int:
    """A group that meets all of today (this machine's zone), with one member."""
    day = today_in(machine_timezone())
    with database.session() as db:
        group = create_group(
            db,
            name="Daytime IOP",
            timezone=machine_timezone(),
            curriculum_id="relapse-prevention",
            meets=f"{day:%a}".lower() + " 00:00-23:59",
        )
        add_member(db, group, name="Quinn Harper", code="QH42")
        db.commit()
        assert group.id is not None
        return group.id


async def test_today_list_starts_a_scheduled_groups_session(database: Database) -> None:
    group_id = _scheduled_today(database)
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        today = app.screen.query_one("#today", DataTable)
        assert app.screen.focused is today  # the screen opens on today's meetings
        assert rows(app, "#today") == [["00:00–23:59", "Daytime IOP", "upcoming", ""]]
        assert "Today, " in screen_plain(app)
        assert isinstance(await step(pilot, "enter"), StartDialog)
        assert isinstance(await step(pilot, "enter"), LiveScreen)
    with database.session() as db:
        (session,) = db.exec(select(GroupSession)).all()
        assert session.group_id == group_id and session.state == "live"


async def test_x_cancels_todays_meeting_and_u_takes_it_back(database: Database) -> None:
    group_id = _scheduled_today(database)
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(await step(pilot, "x"), AskScreen)
        assert isinstance(await step(pilot, *"Snow day", "enter"), ConfirmScreen)
        assert isinstance(await step(pilot, "y"), HomeScreen)
        assert rows(app, "#today") == [["00:00–23:59", "Daytime IOP", "cancelled", "Snow day"]]
        with database.session() as db:
            (row,) = db.exec(select(Cancellation)).all()
            assert row.group_id == group_id and row.reason == "Snow day"
            assert row.local_date == today_in(machine_timezone())

        await pilot.press("x")  # already cancelled: refused, said so, nothing added
        await pilot.press(*"Again", "enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "already cancelled" in " ".join(str(n.message) for n in app._notifications)
        with database.session() as db:
            assert len(db.exec(select(Cancellation)).all()) == 1

        await pilot.press("u")
        await settle(pilot)
        assert rows(app, "#today")[0][2] == "upcoming"
    with database.session() as db:
        assert db.exec(select(Cancellation)).all() == []


async def test_escape_at_the_reason_cancels_nothing(database: Database) -> None:
    _scheduled_today(database)
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("x", "escape")
        await settle(pilot)
        assert isinstance(await step(pilot, "x", *"Holiday", "enter", "n"), HomeScreen)
    with database.session() as db:
        assert db.exec(select(Cancellation)).all() == []


async def _type(pilot, field: str, text: str) -> None:  # type: ignore[no-untyped-def]
    box = pilot.app.screen.query_one(f"#{field}", Input)
    box.focus()
    box.value = ""
    await pilot.press(*text)


async def test_group_form_saves_meets_scales_and_size_and_refuses_a_bad_spec(
    database: Database,
) -> None:
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(await step(pilot, "g"), GroupFormScreen)
        await pilot.press(*"Evening IOP")
        await _type(pilot, "group-meets", "mox 25:00")
        assert isinstance(await step(pilot, "enter"), GroupFormScreen)
        assert form_error(app).startswith("Meets: ")
        assert "mox" in form_error(app)
        with database.session() as db:
            assert db.exec(select(Group)).all() == []

        await _type(pilot, "group-meets", "mon,wed,fri 18:00-21:00")
        await _type(pilot, "group-scales", "craving,sleep")
        await pilot.press("enter")
        await settle(pilot)
        assert form_error(app).startswith("Check-in scales: ")
        await _type(pilot, "group-scales", "mood, craving")
        await _type(pilot, "group-max", "0")
        await pilot.press("enter")
        await settle(pilot)
        assert form_error(app).startswith("Members before the size warning: ")
        with database.session() as db:
            assert db.exec(select(Group)).all() == []

        await _type(pilot, "group-max", "8")
        assert isinstance(await step(pilot, "enter"), HomeScreen)
        with database.session() as db:
            (group,) = db.exec(select(Group)).all()
            assert group.meets == "mon,wed,fri 18:00-21:00"
            assert group.checkin_scales == "craving,mood"
            assert group.max_members == 8

        await pilot.press("shift+tab")  # from today's meetings to the groups
        await pilot.press("G")
        await settle(pilot)
        assert app.screen.query_one("#group-scales", Input).value == "craving,mood"
        await _type(pilot, "group-scales", "none")
        await _type(pilot, "group-meets", "")
        assert isinstance(await step(pilot, "enter"), HomeScreen)
    with database.session() as db:
        (group,) = db.exec(select(Group)).all()
        assert group.checkin_scales is None and group.meets is None and group.max_members == 8


def _wednesday_morning() -> dt.datetime:
    """Wednesday 2026-11-18, 07:00 in this machine's zone: before Morning Skills meets."""
    from facilitator.common.timeutil import zone

    return dt.datetime.combine(TODAY, dt.time(7, 0), tzinfo=zone(machine_timezone()))


async def test_p_shows_the_program_and_enter_opens_the_person(database: Database) -> None:
    make_program(database)
    app = make_app(database, lambda: HomeScreen(database, now=_wednesday_morning), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(await step(pilot, "p"), ProgramScreen)
        table = rows(app, "#program")
        assert table == [
            # Each group with the relapse-prevention topics covered of its ten (Cleo checked in
            # to two afternoon sessions after her last day there: attended, if not counted).
            [
                "Ana Ortiz",
                "16.00",
                "6",
                "3",
                "2",
                "1",
                "Afternoon Process 4/10, Morning Skills 5/10",
            ],
            ["Ben Park", "6.00", "3", "3", "2", "2", "Morning Skills 3/10"],
            [
                "Cleo Ruiz",
                "13.00",
                "6",
                "5",
                "2",
                "2",
                "Afternoon Process 4/10, Morning Skills 5/10",
            ],
            ["Dev Shah", "6.00", "3", "3", "1", "1", "Morning Skills 3/10"],
        ]
        assert isinstance(await step(pilot, "enter"), MemberScreen)
        groups = text_of(app, "#member-groups")
        assert "Morning Skills 10.00 h" in groups and "Afternoon Process 6.00 h" in groups
        assert "16.00 h in all" in groups
        weeks = text_of(app, "#member-weeks")
        assert "2026-W45" in weeks and "7.00 h" in weeks  # both groups' hours together
        assert "Afternoon Process 3.00 h · Morning Skills 4.00 h" in weeks
        assert isinstance(await step(pilot, "escape"), ProgramScreen)


async def test_member_screen_shows_each_scale_over_time(database: Database, db_url: str) -> None:
    ids = make_program(database)
    with database.session() as db:
        morning = db.get(Group, ids[MORNING])
        assert morning is not None
        morning.checkin_scales = "craving"
        records = db.exec(
            select(Attendance)
            .join(GroupSession, Attendance.session_id == GroupSession.id)  # type: ignore[arg-type]
            .where(GroupSession.group_id == morning.id, Attendance.checked_in_at.is_not(None))  # type: ignore[union-attr]
            .order_by(GroupSession.started_at)  # type: ignore[arg-type]
        ).all()
        ana = next(r.participant_id for r in records)
        for value, record in zip(
            (7, 5, 3), [r for r in records if r.participant_id == ana], strict=False
        ):
            record.craving = value
            db.add(record)
        db.commit()
    app = make_app(database, lambda: MemberScreen(database, ids[MORNING], ana, today=TODAY))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#member-spark-craving", Sparkline).data == [7.0, 5.0, 3.0]
        assert "latest 3 · mean 5.0 · 3 answered" in text_of(app, "#member-scale-craving")
        assert not app.screen.query("#member-spark-mood")
        # The group's report shows the latest and mean craving, and the sessions by video.
        with database.session() as db:
            record = records[-1]
            record.modality = "telehealth"
            db.add(record)
            db.commit()
            video_id = record.participant_id
    from facilitator.screens.report import ReportScreen

    app = make_app(database, lambda: ReportScreen(database, ids[MORNING], today=TODAY))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#report", DataTable)
        headings = [str(c.label) for c in table.columns.values()]
        assert headings[-2:] == ["by video", "craving latest (mean)"]
        cells = {key.value: [str(c) for c in table.get_row(key)] for key in table.rows}
    assert cells[str(ana)][-1] == "3 (5)"
    assert cells[str(video_id)][-2] == "1"
    from .test_cli_groups import run_cli

    printed = run_cli(db_url, "report", "attendance", MORNING, "--from", "2026-11-02").stdout
    assert "video" in printed and "craving" in printed and "3 (5)" in printed


async def test_p_shows_each_asked_scale_latest_and_mean(database: Database) -> None:
    make_program(database)
    ana_answers_craving(database, (9, 4))
    app = make_app(database, lambda: HomeScreen(database, now=_wednesday_morning), given=LEAD)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        table = app.screen.query_one("#program", DataTable)
        headers = [str(column.label) for column in table.columns.values()]
        assert headers[-2:] == ["craving (mean)", "groups (topics covered)"]
        by_name = {row[0]: row for row in rows(app, "#program")}
        assert by_name["Ana Ortiz"][-2].endswith("(6.5)")
        assert by_name["Ben Park"][-2] == ""  # never answered
