"""The live screen's words and its end: `not here` until the end, the `e` warnings and the
offer of the record, `?` with every key, the check-in address on one line, and quitting."""

from __future__ import annotations

from textual.widgets import DataTable

from facilitator.app import make_app, make_live_app
from facilitator.checkin.options import CheckinOptions
from facilitator.common.clock import FakeClock
from facilitator.screens.dialogs import ConfirmScreen
from facilitator.screens.help import HelpScreen
from facilitator.screens.live import LiveScreen
from facilitator.screens.session_detail import SessionDetailScreen
from facilitator.session.live import open_live
from facilitator.store.database import Database
from facilitator.store.models import GroupSession
from facilitator.widgets.qr_panel import CheckinURL
from facilitator.widgets.roster_panel import RosterTable

from .livefixtures import make_session
from .test_live_screen import attendance, select_member

SMALL = (80, 24)


def rows_of(screen: LiveScreen) -> dict[str, str]:
    """Each member's status word on the roster of `screen` (whatever is on top of it)."""
    table = screen.query_one(RosterTable)
    return {str(table.get_row(k)[0]): str(table.get_row(k)[1]) for k in table.rows}


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def home_live_app(database: Database, session_id: str, clock: FakeClock):  # type: ignore[no-untyped-def]
    """The app on the session's live screen, opened as from home (the end goes back)."""
    return make_app(
        database,
        lambda: LiveScreen(open_live(database, session_id, clock=clock), exit_on_end=False),
    )


async def test_not_here_until_the_end_then_absent(database: Database, clock: FakeClock) -> None:
    session_id = make_session(database, clock)
    app = home_live_app(database, session_id, clock)
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await settle(pilot)
        live = app.screen
        assert isinstance(live, LiveScreen)
        assert set(rows_of(live).values()) == {"not here"}
        await pilot.press("c", *"AVQ1", "enter", "escape")
        await settle(pilot)
        # Casey is set absent by hand: `absent` at once; space cycles on from there.
        await select_member(pilot, app, "Casey Lindqvist")
        for _ in range(4):
            await pilot.press("space")
            await settle(pilot)
        words = rows_of(live)
        assert words["Avery Quinn"] == "present" and words["Casey Lindqvist"] == "absent"
        assert words["Blake Moreno"] == words["Emery Zhou"] == "not here"
        saved = attendance(database, session_id)
        assert saved["Blake Moreno"].status == "absent"  # stored as before: not yet checked in
        assert saved["Blake Moreno"].checked_in_at is None
        await pilot.press("e")
        await settle(pilot)
        detail = str(app.screen.query_one("#detail").content)
        assert "3 member(s) not here will be marked absent: Blake M., Devon O., Emery Z." in detail
        assert "1 member(s) attended and have no progress note: Avery Q." in detail
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.query_one("#question").content)
        assert question.startswith("Session ended and saved: 1 present, 4 absent.")
        assert "Open its record to finish the notes and sign?" in question
        assert set(rows_of(live).values()) == {"present", "absent"}
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, LiveScreen | ConfirmScreen)
    saved = attendance(database, session_id)
    assert {saved[n].status for n in ("Blake Moreno", "Devon O'Hara", "Emery Zhou")} == {"absent"}
    with database.session() as db:
        assert db.get(GroupSession, session_id).state == "ended"


async def test_after_the_end_y_opens_the_sessions_record(
    database: Database, clock: FakeClock
) -> None:
    session_id = make_session(database, clock)
    app = make_live_app(database, session_id, clock=clock)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("c", *"AVQ1", "enter", "escape")
        await settle(pilot)
        live = app.screen
        live.live.save_member_note(live.roster_panel.table.selected_id, {"Data": "Shared a plan"})
        await pilot.press("e")
        await settle(pilot)
        detail = str(app.screen.query_one("#detail").content)
        assert "no progress note" not in detail  # Avery, the one who came, has a note
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, SessionDetailScreen)
        assert app.screen.session_id == session_id
        await pilot.press("escape")
        await settle(pilot)
    assert app.return_code == 0


async def test_question_mark_lists_ctrl_q_and_scrolls_at_80x24(
    database: Database, clock: FakeClock
) -> None:
    app = make_live_app(database, make_session(database, clock), clock=clock)
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#keys", DataTable)
        rows = {str(table.get_row(k)[0]): str(table.get_row(k)[1]) for k in table.rows}
        assert "ctrl+q" in rows and "kept" in rows["ctrl+q"]
        assert {"n", "p", "+", "b", "c", "space", "o", "w", "A", "P", "tab", "escape"} <= set(rows)
        assert {"f", "e", "?"} <= set(rows)
        assert not {"shift+tab", "ctrl+c", "ctrl+c,super+c"} & set(rows)  # Textual's own
        # The dialog stands inside the terminal; the table scrolls to its last row.
        assert app.screen.query_one("#dialog").region.bottom <= SMALL[1]
        assert table.size.height < table.row_count + 1
        for _ in range(table.row_count):
            await pilot.press("down")
        await pilot.pause()
        assert table.scroll_y == table.max_scroll_y > 0


async def test_the_check_in_url_stands_on_one_line_at_80x24(
    database: Database, clock: FakeClock
) -> None:
    app = make_live_app(
        database,
        make_session(database, clock),
        clock=clock,
        checkin=CheckinOptions("127.0.0.1", 0),
    )
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        line = app.screen.query_one(CheckinURL)
        for _ in range(100):
            if line.url:
                break
            await pilot.pause(0.02)
        assert line.url and line.url.startswith("http://127.0.0.1:")
        await pilot.pause()
        assert line.region.height == 1 and line.region.width == SMALL[0]
        assert line.url in line.render_line(0).text
        # The longest a LAN address can be still stands whole.
        longest = "http://255.255.255.255:65535/c/" + "x" * 22
        line.url = longest
        await pilot.pause()
        assert longest in line.render_line(0).text


async def test_ctrl_q_on_a_live_session_says_it_is_kept(
    database: Database, clock: FakeClock, capsys
) -> None:  # type: ignore[no-untyped-def]
    app = make_live_app(database, make_session(database, clock), clock=clock)
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    said = capsys.readouterr()
    assert "Session kept — `facilitator run 'Tuesday Evening'` resumes it." in said.err + said.out


async def test_end_warns_about_notes_as_stored_like_signing(
    database: Database, clock: FakeClock
) -> None:
    """A note written on another laptop counts at once: `e` names only the members signing
    would name as having no progress note."""
    from sqlmodel import select

    from facilitator.session.notes import note_problems, save_note
    from facilitator.store.models import Participant

    session_id = make_session(database, clock)
    app = home_live_app(database, session_id, clock)
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("c", *"AVQ1", "enter", *"BLM2", "enter", "escape")
        await settle(pilot)
        with database.session() as db:  # another laptop writes Avery's note
            session = db.get(GroupSession, session_id)
            avery = db.exec(select(Participant).where(Participant.name == "Avery Quinn")).one()
            assert session is not None
            save_note(
                db,
                session=session,
                participant_id=avery.id,
                note_format="DAP",
                fields={"Data": "Shared a plan for the weekend."},
                now=clock(),
            )
        await pilot.press("e")
        await settle(pilot)
        detail = str(app.screen.query_one("#detail").content)
        assert "1 member(s) attended and have no progress note: Blake M." in detail
        assert "Avery" not in detail.split("absent")[-1]
        with database.session() as db:
            assert note_problems(db, session_id).missing == ["Blake Moreno"]
