"""Pilot tests: every key of the live session screen, checked on screen and in the database."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from sqlmodel import select
from textual.widgets import Label, TextArea

from facilitator.app import make_live_app
from facilitator.common.clock import FakeClock
from facilitator.screens.break_screen import BreakScreen
from facilitator.screens.dialogs import AskScreen, ConfirmScreen
from facilitator.screens.help import HelpScreen
from facilitator.screens.live import LiveScreen
from facilitator.store.database import Database
from facilitator.store.models import AgendaRun, Attendance, Break, GroupSession, Note, Participant
from facilitator.widgets.roster_panel import RosterTable
from tests.conftest import pilot_until

from .livefixtures import MEMBERS, make_session

SIZE = (120, 40)


@pytest.fixture
def session_id(database: Database, clock: FakeClock) -> str:
    return make_session(database, clock)


def app_for(database: Database, session_id: str, clock: FakeClock):  # type: ignore[no-untyped-def]
    return make_live_app(database, session_id, clock=clock)


def screen_text(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(selector, Label).content)


def screen_plain(app) -> str:  # type: ignore[no-untyped-def]
    """What the terminal shows, as plain text (renders every widget, toasts included)."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def roster_rows(app) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Roster rows as plain strings, by member name (first cell)."""
    table = app.screen.query_one(RosterTable)
    rows = {}
    for row_key in table.rows:
        cells = [str(c) for c in table.get_row(row_key)]
        rows[cells[0]] = cells
    return rows


def attendance(database: Database, session_id: str) -> dict[str, Attendance]:
    with database.session() as db:
        rows = db.exec(
            select(Participant, Attendance)
            .join(Attendance, Attendance.participant_id == Participant.id)
            .where(Attendance.session_id == session_id)
        ).all()
        return {p.name: a for p, a in rows}


def agenda_rows(database: Database, session_id: str) -> list[AgendaRun]:
    with database.session() as db:
        return list(
            db.exec(
                select(AgendaRun)
                .where(AgendaRun.session_id == session_id)
                .order_by(AgendaRun.position)
            ).all()
        )


async def select_member(pilot, app, name: str) -> None:  # type: ignore[no-untyped-def]
    table = app.screen.query_one(RosterTable)
    index = list(roster_rows(app)).index(name)
    table.focus()
    table.move_cursor(row=index)
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_countdown_stands_as_plain_text_and_follows_the_clock(
    database, clock, session_id
) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        assert isinstance(app.screen, LiveScreen)
        assert screen_text(app, "#countdown-text") == "20:00 left"
        clock.advance(minutes=2, seconds=19)
        app.screen.tick()
        await pilot.pause()
        assert screen_text(app, "#countdown-text") == "17:41 left"
        clock.advance(minutes=20)
        app.screen.tick()
        await pilot.pause()
        assert screen_text(app, "#countdown-text") == "+02:19 over"
        assert app.screen.query_one("#agenda").has_class("-over")


async def test_n_finishes_the_item_and_starts_the_next(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        clock.advance(minutes=18)
        await pilot.press("n")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "What makes a situation high-risk" in screen_text(app, "#item-title")
        assert screen_text(app, "#countdown-text") == "55:00 left"
    rows = agenda_rows(database, session_id)
    assert rows[0].ended_at == clock() and rows[1].started_at == clock()


async def test_p_pauses_and_resumes_the_item_timer(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        clock.advance(minutes=5)
        await pilot.press("p")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert agenda_rows(database, session_id)[0].paused_at == clock()
        clock.advance(minutes=3)
        app.screen.tick()
        await pilot.pause()
        assert screen_text(app, "#countdown-text") == "15:00 left (paused)"
        await pilot.press("p")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen_text(app, "#countdown-text") == "15:00 left"
    row = agenda_rows(database, session_id)[0]
    assert row.paused_at is None and row.paused_seconds == 180


async def test_plus_adds_five_minutes(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("plus")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen_text(app, "#countdown-text") == "25:00 left"
    assert agenda_rows(database, session_id)[0].extra_minutes == 5


async def test_b_starts_a_break_screen_and_b_ends_it(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("b")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, BreakScreen)
        assert screen_text(app, "#break-text") == "10:00 left"
        # Back at 09:10 Chicago time (started 09:00).
        assert screen_text(app, "#break-resume") == "We resume at 09:10"
        clock.advance(minutes=4)
        await pilot.press("b")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
    with database.session() as db:
        (brk,) = db.exec(select(Break).where(Break.session_id == session_id)).all()
        assert brk.planned_minutes == 10 and brk.ended_at == clock()


async def test_reaching_a_break_item_waits_for_b_to_start_it(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("n", "n")  # check-in → education → break item
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, BreakScreen)
        assert screen_text(app, "#break-text") == "Break — 15:00 — b or enter starts it"
        clock.advance(minutes=2)  # the room settles: the break has not begun
        app.screen.tick()
        assert screen_text(app, "#break-text") == "Break — 15:00 — b or enter starts it"
        await pilot.press("b")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, BreakScreen)
        assert screen_text(app, "#break-text") == "15:00 left"
        started = clock()
        clock.advance(minutes=15)
        await pilot.press("b")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        assert "Process group" in screen_text(app, "#item-title")
    with database.session() as db:
        (brk,) = db.exec(select(Break).where(Break.session_id == session_id)).all()
    assert (brk.planned_minutes, brk.agenda_position) == (15, 2)
    assert (brk.started_at, brk.ended_at) == (started, clock())


async def test_c_checks_in_by_code_and_a_repeat_says_when(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        clock.advance(minutes=2)
        await pilot.press("c")
        await pilot.press(*"avq-1", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert roster_rows(app)["Avery Quinn"][1] == "present"
        assert roster_rows(app)["Avery Quinn"][2] == "09:02"
        clock.advance(minutes=1)
        await pilot.press(*"AVQ1", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert any("already checked in at 09:02" in m for m in messages)
        # The toasts really draw (a crash in rendering one would surface here).
        await pilot.pause()
        assert "already checked in at 09:02" in screen_plain(app)
        await pilot.press(*"NOPE9", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert any("not recognised" in str(n.message) for n in app._notifications)
    row = attendance(database, session_id)["Avery Quinn"]
    assert row.status == "present" and row.method == "code"
    assert row.checked_in_at == clock() - dt.timedelta(minutes=1)


async def test_check_in_after_ten_minutes_is_late(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        clock.advance(minutes=11)
        await pilot.press("c", *"BLM2", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert roster_rows(app)["Blake Moreno"][1] == "late"
    assert attendance(database, session_id)["Blake Moreno"].status == "late"


async def test_space_cycles_the_selected_member(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select_member(pilot, app, "Casey Lindqvist")
        seen = []
        for _ in range(5):
            await pilot.press("space")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            seen.append(roster_rows(app)["Casey Lindqvist"][1])
        assert seen == ["present", "late", "excused", "absent", "present"]
    assert attendance(database, session_id)["Casey Lindqvist"].status == "present"


async def test_o_checks_the_selected_member_out(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("c", *"DEV4", "enter", "escape")
        await pilot.app.workers.wait_for_complete()
        await select_member(pilot, app, "Devon O'Hara")
        clock.advance(minutes=30)
        await pilot.press("o")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert roster_rows(app)["Devon O'Hara"][1] == "left early"
        assert roster_rows(app)["Devon O'Hara"][3] == "09:30"
    row = attendance(database, session_id)["Devon O'Hara"]
    assert row.status == "left_early" and row.checked_out_at == clock()


async def test_w_adds_a_walk_in_checked_in_at_once(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        await pilot.press(*"Jordan Vale", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert roster_rows(app)["Jordan Vale"][1] == "present"
        assert roster_rows(app)["Jordan Vale"][4] == "walk-in"
    assert attendance(database, session_id)["Jordan Vale"].method == "walk-in"


async def test_capital_a_marks_everyone_not_checked_in_present(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select_member(pilot, app, "Emery Zhou")
        await pilot.press("space", "space", "space")  # present → late → excused
        await pilot.press("A")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        statuses = {name: cells[1] for name, cells in roster_rows(app).items()}
    assert statuses == {
        "Avery Quinn": "present",
        "Blake Moreno": "present",
        "Casey Lindqvist": "present",
        "Devon O'Hara": "present",
        "Emery Zhou": "excused",
    }
    assert {a.status for a in attendance(database, session_id).values()} == {"present", "excused"}


async def test_capital_p_privacy_mode_hides_surnames_codes_and_notes(
    database, clock, session_id
) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        assert "AVQ1" in roster_rows(app)["Avery Quinn"]
        await pilot.press("P")
        await pilot.pause()
        rows = roster_rows(app)
        assert "Avery Q." in rows and "Avery Quinn" not in rows
        assert all(code not in cells for cells in rows.values() for _, code in MEMBERS)
        assert not app.screen.query_one("#notes").display
        await pilot.press("P")
        await pilot.pause()
        assert "Avery Quinn" in roster_rows(app)


async def test_letters_typed_into_notes_do_not_fire_keys(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("tab")
        assert isinstance(app.focused, TextArea) and app.focused.id == "session-note"
        await pilot.press(*"n b e p c w o A P + ?")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        assert app.screen.query_one("#session-note", TextArea).text.endswith(
            "n b e p c w o A P + ?"
        )
        await pilot.press("escape")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.focused, RosterTable)
    rows = agenda_rows(database, session_id)
    assert rows[0].ended_at is None and rows[0].paused_at is None and rows[0].extra_minutes == 0
    with database.session() as db:
        assert db.exec(select(Break)).all() == []
        session = db.get(GroupSession, session_id)
        assert session.state == "live"
        note = db.exec(select(Note).where(Note.participant_id.is_(None))).one()
        assert note.text == "n b e p c w o A P + ?"


async def test_notes_autosave_after_typing_stops(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select_member(pilot, app, "Blake Moreno")
        await pilot.press("tab", "tab")  # session note, then the member's first field
        assert app.focused.id == "field-data"
        await pilot.press(*"Shared a trigger")

        def saved() -> Note | None:
            with database.session() as db:
                return db.exec(select(Note).where(Note.participant_id.is_not(None))).first()

        # Nothing but the pause in typing saves it (the debounce is one second).
        note = await pilot_until(pilot, saved, "the member's note saved")
        assert note.format == "DAP"
        assert note.fields["Data"] == "Shared a trigger"
        assert note.text == "Data: Shared a trigger"


async def test_e_ends_the_session_after_y(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("c", *"AVQ1", "enter", "escape")
        await pilot.app.workers.wait_for_complete()
        clock.advance(minutes=90)
        await pilot.press("e")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)
        await pilot.press("e", "y")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    with database.session() as db:
        session = db.get(GroupSession, session_id)
        assert session.state == "ended" and session.ended_at == clock()
    rows = attendance(database, session_id)
    assert rows["Avery Quinn"].status == "present" and rows["Avery Quinn"].minutes == 90
    assert {rows[n].status for n, _ in MEMBERS[1:]} == {"absent"}
    agenda = agenda_rows(database, session_id)
    assert agenda[0].ended_at == clock() and not agenda[0].skipped
    assert all(item.skipped and item.started_at is None for item in agenda[1:])


async def test_end_warns_about_cloned_member_notes(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.screen
        ids = [e.participant.id for e in screen.live.snapshot.roster]
        text = "Member engaged well in group and shared about triggers at work."
        screen.live.save_member_note(ids[0], {"Data": text})
        screen.live.save_member_note(ids[1], {"Data": text + "!"})
        await pilot.press("e")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        detail = str(app.screen.query_one("#detail").content)
        assert "Avery Q. and Blake M." in detail and "alike" in detail


async def test_question_mark_lists_every_contract_key(database, clock, session_id) -> None:
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#keys")
        keys = {str(table.get_row(k)[0]) for k in table.rows}
        assert {"n", "p", "+", "b", "c", "space", "o", "w", "A", "P", "tab", "e"} <= keys
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen)


async def test_a_name_with_markup_is_shown_literally(database, clock) -> None:
    session_id = make_session(database, clock, members=[("[bold]Mallory[/] \x1b[31mX", "MAL1")])
    app = app_for(database, session_id, clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        names = list(roster_rows(app))
    assert names == ["[bold]Mallory[/] X"]  # markup literal, escape sequence removed
