"""Pilot tests: the craving mark, scales typed in the code box, `v` for video, the size warning."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlmodel import select

from facilitator.common.clock import FakeClock
from facilitator.exchange.export import export_sessions
from facilitator.session.lifecycle import end_session
from facilitator.store.database import Database
from facilitator.store.models import AuditEvent, Group, GroupSession
from facilitator.widgets.roster_panel import RosterTable

from .livefixtures import make_session
from .test_live_screen import (
    SIZE,
    app_for,
    attendance,
    roster_rows,
    screen_plain,
    screen_text,
    select_member,
)


def set_group(database: Database, session_id: str, **fields: object) -> None:
    with database.session() as db:
        session = db.get(GroupSession, session_id)
        assert session is not None
        group = db.get(Group, session.group_id)
        assert group is not None
        for name, value in fields.items():
            setattr(group, name, value)
        db.add(group)


@pytest.fixture
def session_id(database: Database, clock: FakeClock) -> str:
    session_id = make_session(database, clock)
    set_group(database, session_id, checkin_scales="craving,mood")
    return session_id


@asynccontextmanager
async def running(database: Database, session_id: str, clock: FakeClock) -> AsyncIterator[Any]:
    """The live screen of the session, running: (app, pilot)."""
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        yield app, pilot


def notices(app) -> str:  # type: ignore[no-untyped-def]
    """Every notification shown so far, one a line (toasts wrap on screen)."""
    return "\n".join(n.message for n in app._notifications)


async def type_code(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    if not pilot.app.screen.roster_panel.code_box.has_focus:
        await pilot.press("c")  # the box keeps the focus after enter, for the next code
    for char in text:
        await pilot.press("space" if char == " " else char)
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_code_box_takes_the_scales_and_a_craving_of_8_is_marked_but_not_in_privacy(
    database: Database, clock: FakeClock, session_id: str
) -> None:
    async with running(database, session_id, clock) as (app, pilot):
        await type_code(pilot, "AVQ1 c8 m4")
        await type_code(pilot, "BLM2 c7")
        rows = attendance(database, session_id)
        assert (rows["Avery Quinn"].craving, rows["Avery Quinn"].mood) == (8, 4)
        assert (rows["Blake Moreno"].craving, rows["Blake Moreno"].mood) == (7, None)
        shown = roster_rows(app)
        assert shown["Avery Quinn"][1] == "present"
        assert shown["Avery Quinn"][2] == "▲ 8"  # beside the status, in a craving column
        assert shown["Blake Moreno"][2] == ""  # 7 is not marked
        table = app.screen.query_one(RosterTable)
        assert [str(c.label) for c in table.columns.values()][:3] == ["name", "status", "craving"]
        assert "Avery Quinn checked in at 09:00 (present) · craving 8, mood 4 recorded" in notices(
            app
        )

        await pilot.press("escape", "P")
        await pilot.pause()
        text = screen_plain(app)
        assert "craving 8" not in text and "▲" not in text  # toasts with scales are cleared too
        assert all(len(cells) == 5 for cells in roster_rows(app).values())  # no mark column

        await pilot.press("P")
        await pilot.pause()
        assert roster_rows(app)["Avery Quinn"][2] == "▲ 8"


async def test_bad_scales_in_the_code_box_check_no_one_in_and_keep_the_text(
    database: Database, clock: FakeClock, session_id: str
) -> None:
    async with running(database, session_id, clock) as (app, pilot):
        await type_code(pilot, "AVQ1 c11")
        assert "check-in box: craving: 11 is not a whole number from 0 to 10" in notices(app)
        assert app.screen.roster_panel.code_box.value == "AVQ1 c11"  # kept to mend
        assert attendance(database, session_id)["Avery Quinn"].checked_in_at is None

        app.screen.roster_panel.code_box.value = ""
        await type_code(pilot, "c7")
        assert "type the member's code before the scales" in notices(app)


async def test_scales_typed_for_a_group_without_scales_store_nothing(
    database: Database, clock: FakeClock, session_id: str
) -> None:
    set_group(database, session_id, checkin_scales=None)
    async with running(database, session_id, clock) as (app, pilot):
        await type_code(pilot, "AVQ1 c9")
        assert "asks no check-in scales" in notices(app)
        row = attendance(database, session_id)["Avery Quinn"]
        assert row.checked_in_at is None and row.craving is None  # one transaction: nothing


async def test_v_toggles_video_in_the_row_the_database_and_the_export(
    database: Database, clock: FakeClock, session_id: str
) -> None:
    async with running(database, session_id, clock) as (app, pilot):
        await type_code(pilot, "BLM2")
        await pilot.press("escape")
        await select_member(pilot, app, "Blake Moreno")
        await pilot.press("v")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert roster_rows(app)["Blake Moreno"][4] == "code video"
        assert attendance(database, session_id)["Blake Moreno"].modality == "telehealth"
        assert "Attends by video" in notices(app)
        assert "v Video" in screen_plain(app)  # in the footer with the other keys
        with database.session() as db:
            audited = db.exec(
                select(AuditEvent).where(AuditEvent.action == "attendance.modality")
            ).all()
        assert [e.detail["after"] for e in audited] == ["telehealth"]

        await pilot.press("v")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert roster_rows(app)["Blake Moreno"][4] == "code"
        assert attendance(database, session_id)["Blake Moreno"].modality == "in_person"
        await pilot.press("v")
        await pilot.app.workers.wait_for_complete()
    with database.session() as db:
        session = db.get(GroupSession, session_id)
        assert session is not None
        end_session(db, session=session, now=clock.advance(minutes=180))
    out = io.StringIO()
    with database.session() as db:
        export_sessions(db, out, fmt="json")
    [record] = json.loads(out.getvalue())
    by_name = {a["name"]: a for a in record["attendance"]}
    assert by_name["Blake Moreno"]["modality"] == "telehealth"
    assert by_name["Avery Quinn"]["modality"] == "in_person"


async def test_more_checked_in_than_the_group_size_is_warned(
    database: Database, clock: FakeClock, session_id: str
) -> None:
    set_group(database, session_id, max_members=3)
    async with running(database, session_id, clock) as (app, pilot):
        for code in ("AVQ1", "BLM2", "CAL3"):
            await type_code(pilot, code)
        assert "above this group's" not in screen_plain(app)  # 3 of 3 is fine
        await type_code(pilot, "DEV4")
        assert screen_text(app, "#roster-warning") == (
            "4 checked in — above this group's 3 for group therapy"
        )
        assert "4 checked in — above this group's 3 for group therapy" in screen_plain(app)
