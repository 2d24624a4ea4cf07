"""The members screen (`m`): add, edit, discharge, readmit, import; then a session's roster."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import select
from textual.widgets import DataTable

from facilitator.app import make_app
from facilitator.common.timeutil import today_in
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.screens.home import HomeScreen
from facilitator.screens.live import LiveScreen
from facilitator.screens.member_form import DischargeScreen, ImportScreen, MemberFormScreen
from facilitator.screens.members import MembersScreen
from facilitator.screens.start_dialog import StartDialog
from facilitator.store.database import Database
from facilitator.store.models import AuditEvent, GroupSession, LeaveReason, Membership, Participant

from .test_group_form import LEAD, SIZE, form_error, settle

JOINED = "2026-01-05"


def member_rows(app) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#members", DataTable)
    return [[str(cell) for cell in table.get_row(key)] for key in table.rows]


def make_group(database: Database, *names: str) -> None:
    with database.session() as db:
        group = create_group(
            db, name="Tuesday Evening", timezone="UTC", curriculum_id="relapse-prevention"
        )
        for name in names:
            add_member(db, group, name=name, joined=dt.date(2026, 1, 5))


def people(database: Database) -> dict[str, Participant]:
    with database.session() as db:
        return {p.name: p for p in db.exec(select(Participant)).all()}


def periods(database: Database, name: str) -> list[Membership]:
    with database.session() as db:
        person = db.exec(select(Participant).where(Participant.name == name)).one()
        return list(
            db.exec(
                select(Membership)
                .where(Membership.participant_id == person.id)
                .order_by(Membership.joined)
            ).all()
        )


async def open_members(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("m")
    await settle(pilot)
    assert isinstance(pilot.app.screen, MembersScreen)


async def test_add_three_discharge_one_then_the_session_has_the_other_two(
    database: Database,
) -> None:
    make_group(database)
    yesterday = (today_in("UTC") - dt.timedelta(days=1)).isoformat()
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_members(pilot)
        for name in ("Avery Quinn", "Blake Moreno", "Casey Lindqvist"):
            await pilot.press("a")
            await settle(pilot)
            assert isinstance(app.screen, MemberFormScreen)
            # name (focused), code, external id, joined
            await pilot.press(*name, "tab", "tab", "tab", *JOINED, "enter")
            await settle(pilot)
            assert isinstance(app.screen, MembersScreen)
        rows = member_rows(app)
        assert [(r[0], r[1], r[4]) for r in rows] == [
            ("Avery Quinn", "member", JOINED),
            ("Blake Moreno", "member", JOINED),
            ("Casey Lindqvist", "member", JOINED),
        ]
        codes = {p.name: p.code for p in people(database).values()}
        assert [r[2] for r in rows] == [codes[r[0]] for r in rows]  # the lead sees the codes

        await pilot.press("down", "d")  # Blake
        await settle(pilot)
        assert isinstance(app.screen, DischargeScreen)
        # last day (focused, default today), then the reason from its list
        await pilot.press(*yesterday, "tab", "space", "down", "enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MembersScreen)
        assert [(r[0], r[1], r[5], r[6]) for r in member_rows(app)][-1] == (
            "Blake Moreno",
            "discharged",
            yesterday,
            "transferred",
        )

        await pilot.press("escape", "enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, StartDialog)
        assert dialog.plan.group_name == "Tuesday Evening"
        assert dialog.plan.proposed == dialog.plan.topics[0].id
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LiveScreen)
        roster = [e.participant.name for e in app.screen.live.snapshot.roster]
        assert roster == ["Avery Quinn", "Casey Lindqvist"]
        assert app.screen.live.actor == LEAD
    with database.session() as db:
        (session,) = db.exec(select(GroupSession)).all()
        assert session.facilitator == LEAD
        actions = {e.action: e.actor for e in db.exec(select(AuditEvent)).all()}
        assert actions["member.add"] == actions["member.discharge"] == LEAD
    (period,) = periods(database, "Blake Moreno")
    assert (period.left, period.reason) == (
        dt.date.fromisoformat(yesterday),
        LeaveReason.TRANSFERRED,
    )


async def test_enter_edits_the_same_person(database: Database) -> None:
    make_group(database, "Avery Quinn", "Blake Moreno")
    before = people(database)["Avery Quinn"]
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_members(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MemberFormScreen)
        await pilot.press(*"Avery Quinn-Ortiz", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MembersScreen)
        assert member_rows(app)[0][0] == "Avery Quinn-Ortiz"

        # A code another member has is refused, naming the field; nothing changes.
        blake = people(database)["Blake Moreno"].code
        await pilot.press("enter", "tab", *blake, "enter")
        await settle(pilot)
        assert form_error(app) == f"Code: {blake!r} is already someone else's"
        await pilot.press("escape")
        await settle(pilot)
    after = people(database)
    assert set(after) == {"Avery Quinn-Ortiz", "Blake Moreno"}  # one participant, renamed
    edited = after["Avery Quinn-Ortiz"]
    assert (edited.id, edited.code) == (before.id, before.code)
    with database.session() as db:
        (event,) = db.exec(select(AuditEvent).where(AuditEvent.action == "member.edit")).all()
        assert (event.actor, event.detail["fields"]) == (LEAD, ["name"])


async def test_R_readmits_a_discharged_member_from_today(database: Database) -> None:
    make_group(database, "Avery Quinn")
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_members(pilot)
        await pilot.press("R")  # a current member: said so, nothing changes
        await settle(pilot)
        assert len(periods(database, "Avery Quinn")) == 1
        await pilot.press("d", *"2026-02-01", "enter")
        await settle(pilot)
        assert member_rows(app)[0][1] == "discharged"
        await pilot.press("R")
        await settle(pilot)
        assert member_rows(app)[0][1] == "member"
    first, second = periods(database, "Avery Quinn")
    assert (first.joined, first.left, first.reason) == (
        dt.date(2026, 1, 5),
        dt.date(2026, 2, 1),
        LeaveReason.COMPLETED,
    )
    assert (second.joined, second.left) == (today_in("UTC"), None)


async def test_discharge_before_joining_is_refused(database: Database) -> None:
    make_group(database, "Avery Quinn")
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_members(pilot)
        await pilot.press("d", *"2025-12-31", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DischargeScreen)
        assert form_error(app).startswith("Last day: 2025-12-31 is before Avery Quinn joined")
        await pilot.press(*"soon", "enter")
        await settle(pilot)
        assert form_error(app) == "Last day: 'soon' is not a date (use YYYY-MM-DD)"
    assert periods(database, "Avery Quinn")[0].left is None


async def test_i_imports_a_roster_and_shows_every_problem(
    database: Database, tmp_path: Path
) -> None:
    make_group(database)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,code\nDevon O'Hara,12\nEmery Zhou,xy\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("name,external_id\nDevon O'Hara,C-101\nEmery Zhou,C-102\n", encoding="utf-8")
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_members(pilot)
        await pilot.press("i", *str(bad), "enter")
        await settle(pilot)
        assert isinstance(app.screen, ImportScreen)
        problems = form_error(app).splitlines()
        assert len(problems) >= 2 and all(p.startswith(f"{bad}:") for p in problems)
        assert people(database) == {}
        await pilot.press(*str(good), "enter")
        await settle(pilot)
        assert isinstance(app.screen, MembersScreen)
        assert [r[0] for r in member_rows(app)] == ["Devon O'Hara", "Emery Zhou"]
    assert {p.external_id for p in people(database).values()} == {"C-101", "C-102"}
