"""Pilot tests of the export dialog (history, `x`): format, dates and file chosen with the keys,
a progress bar while it runs, and the file on disk with what the lead asked for."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.widgets import Button, Input, Label, ProgressBar

from facilitator.app import make_app
from facilitator.curriculum.catalog import discover
from facilitator.exchange.export import CSV_COLUMNS
from facilitator.exchange.export import run as export_run
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.screens.export_dialog import ExportScreen
from facilitator.screens.history import HistoryScreen
from facilitator.screens.home import HomeScreen
from facilitator.session.lifecycle import start_session
from facilitator.session.live import open_live
from facilitator.store.database import Database
from facilitator.store.models import AuditEvent, Group

from .conftest import pilot_until
from .historyfixtures import CODES, DAYS, make_history

SIZE = (130, 45)
LEAD = "Sam Rivera, LCSW"


def status_text(app: Any) -> str:
    """What the dialog's status line says."""
    return str(app.screen.query_one("#export-status", Label).render())


def notices(app: Any) -> list[str]:
    """The notifications shown so far."""
    return [str(n.message) for n in app._notifications]


def exports(database: Database) -> list[AuditEvent]:
    """The export events of the audit trail."""
    with database.session() as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == "export")).all())


async def open_dialog(pilot: Any) -> ExportScreen:
    """Home, `h` for the history, `x` for the export dialog."""
    await pilot.press("h")
    await pilot.pause()
    assert isinstance(pilot.app.screen, HistoryScreen)
    await pilot.press("x")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    return screen


def typed(path: Path) -> str:
    """`path` as a person types it: `~/...` (the dialog expands it)."""
    return "~/" + str(path.relative_to(Path.home()))


async def fill(pilot: Any, *, start: str = "", end: str = "", path: Path | None = None) -> None:
    """From the format list: tab through from, to and the file name, typing each one given."""
    for value in (start, end):
        await pilot.press("tab")
        if value:
            await pilot.press(*value)
    await pilot.press("tab")
    if path is not None:
        await pilot.press("end", "ctrl+u", *typed(path))
    await pilot.pause()


async def tab_to(pilot: Any, widget_id: str) -> None:
    """Press tab until the widget called `widget_id` has the focus."""
    for _ in range(8):
        if pilot.app.focused is not None and pilot.app.focused.id == widget_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached #{widget_id}; at {pilot.app.focused!r}")


async def export(pilot: Any) -> None:
    """Tab to Export, press enter, and wait for the export to finish."""
    await tab_to(pilot, "export-go")
    await pilot.press("enter")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@dataclass
class Outcome:
    """Where an export left the lead: the screen, the dialog's status line, the notifications."""

    screen: type
    status: str
    notices: list[str]


async def export_with_keys(
    database: Database, target: Path, start: str = "", end: str = ""
) -> Outcome:
    """Home, history, `x`; the dates and file typed; Export pressed; what the lead then sees."""
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_dialog(pilot)
        await fill(pilot, start=start, end=end, path=target)
        await export(pilot)
        status = status_text(app) if isinstance(app.screen, ExportScreen) else ""
        return Outcome(type(app.screen), status, notices(app))


@pytest.fixture
def files() -> Path:
    """An empty folder for the exported files, in the (test's own) home folder."""
    folder = Path.home() / "exports"
    folder.mkdir()
    return folder


@pytest.fixture
def history(database: Database) -> list[str]:
    """Six ended sessions of Tuesday Evening (2026-11-02..13); their ids."""
    return make_history(database)[2]


async def test_csv_of_every_session_to_the_chosen_file(
    database: Database, history: list[str], files: Path
) -> None:
    target = files / "all.csv"
    done = await export_with_keys(database, target)
    assert done.screen is HistoryScreen
    assert f"Exported 6 sessions to {target}" in done.notices
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    records = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert len(records) == 6 * 3  # one row per member per session
    assert sorted({r["date"] for r in records}) == [day.isoformat() for day in DAYS]
    assert {r["name"] for r in records} == set(CODES)
    first = [r for r in records if r["date"] == "2026-11-02"]
    assert {r["name"]: r["status"] for r in first}["Casey Lindqvist"] == "late"
    text = target.read_text(encoding="utf-8")
    assert not [code for code in CODES.values() if code in text]  # codes are credentials
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    (event,) = exports(database)
    assert event.actor == LEAD
    assert (event.detail["format"], event.detail["count"]) == ("csv", 6)


async def test_json_for_a_date_range_and_the_name_follows_the_format(
    database: Database, history: list[str], files: Path
) -> None:
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_dialog(pilot)
        path = screen.query_one("#export-path", Input)
        # The file name offered: in the home folder, named for the format.
        assert Path(path.value).parent == Path.home() and path.value.endswith(".csv")
        await pilot.press("enter", "down", "enter")  # the format list: CSV → JSON
        await pilot.pause()
        assert path.value.endswith(".json")
        await fill(pilot, start="2026-11-04", end="2026-11-09", path=files / "range.csv")
        await tab_to(pilot, "export-format")
        await pilot.press("enter", "down", "enter")  # JSON → HTML, then back up to JSON
        await pilot.pause()
        assert path.value == typed(files / "range.html")
        await pilot.press("enter", "up", "enter")
        await pilot.pause()
        assert path.value == typed(files / "range.json")
        await export(pilot)
        assert f"Exported 3 sessions to {files / 'range.json'}" in notices(app)
    sessions = json.loads((files / "range.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in sessions] == history[1:4]
    assert list(files.iterdir()) == [files / "range.json"]


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        ("2026-13-01", "", "from"),
        ("", "11/09/2026", "to"),
        ("2026-11-09", "2026-11-04", "is after"),
    ],
    ids=["bad-from", "bad-to", "from-after-to"],
)
async def test_a_bad_date_is_named_and_nothing_is_written(
    database: Database, history: list[str], files: Path, start: str, end: str, problem: str
) -> None:
    target = files / "bad.csv"
    done = await export_with_keys(database, target, start, end)
    assert done.screen is ExportScreen  # still open, to fix the date
    assert problem in done.status and (start or end) in done.status, done.status
    assert "Traceback" not in done.status
    assert not target.exists() and list(files.iterdir()) == []
    assert exports(database) == []


async def test_an_existing_file_is_never_overwritten(
    database: Database, history: list[str], files: Path
) -> None:
    target = files / "taken.csv"
    target.write_text("the lead's own file\n", encoding="utf-8")
    done = await export_with_keys(database, target)
    assert done.screen is ExportScreen
    assert done.status == f"{target} already exists; choose another file name"
    assert target.read_text(encoding="utf-8") == "the lead's own file\n"
    assert exports(database) == []


async def test_a_folder_that_is_not_there_fails_clearly_and_can_be_retried(
    database: Database, history: list[str], files: Path
) -> None:
    target = files / "no-such-folder" / "out.csv"
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_dialog(pilot)
        await fill(pilot, path=target)
        await export(pilot)
        assert isinstance(app.screen, ExportScreen)
        said = status_text(app)
        assert said.startswith("Export failed: ") and str(target) in said, said
        assert not app.screen.query_one("#export-go", Button).disabled  # try again
        await tab_to(pilot, "export-path")
        await pilot.press("end", *["backspace"] * len("no-such-folder/out.csv"))
        await pilot.press(*"out.csv")
        await export(pilot)
        assert f"Exported 6 sessions to {files / 'out.csv'}" in notices(app)
    assert list(files.iterdir()) == [files / "out.csv"]


async def test_escape_and_cancel_close_without_a_file(
    database: Database, history: list[str], files: Path
) -> None:
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_dialog(pilot)
        await fill(pilot, path=files / "never.csv")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("x")
        await pilot.pause()
        await fill(pilot, path=files / "never.csv")
        await tab_to(pilot, "export-cancel")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen) and notices(app) == []
    assert not (files / "never.csv").exists()
    assert exports(database) == []


def many_sessions(database: Database, count: int) -> None:
    """`count` ended one-member sessions of a group, a day apart from 2026-01-05."""
    curriculum = discover().get("relapse-prevention")
    with database.session() as db:
        group = create_group(db, name="Daily IOP", timezone="America/Chicago")
        add_member(db, group, name="Avery Quinn", code="AVQ1", joined=dt.date(2026, 1, 1))
        group_id = group.id
    for day in range(count):
        with database.session() as db:
            started = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC) + dt.timedelta(days=day)
            session = start_session(
                db,
                group=db.get(Group, group_id),  # type: ignore[arg-type]
                curriculum=curriculum,
                topic=curriculum.sessions[0],
                facilitator="Sam Facilitator",
                now=started,
            )
        live = open_live(database, session.id, clock=lambda at=started: at)
        live.check_in_code("AVQ1")
        live.end()


@pytest.fixture
def held_at_25(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The export pauses after its 25th session until the event is set (30 s at most)."""
    release = threading.Event()
    counted: Callable[..., Any] = export_run._counted

    def slowed(logs: Any, progress: Callable[[int], None]) -> Iterator[Any]:
        def held(done: int) -> None:
            progress(done)  # the dialog's own callback: the bar moves
            if done == 25:
                release.wait(30)

        return counted(logs, held)

    monkeypatch.setattr(export_run, "_counted", slowed)
    yield release
    release.set()


async def test_the_bar_moves_while_a_long_export_runs(
    database: Database, files: Path, held_at_25: threading.Event
) -> None:
    many_sessions(database, 30)
    target = files / "long.csv"
    app = make_app(database, lambda: HomeScreen(database), given=LEAD)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_dialog(pilot)
        bar = screen.query_one("#export-progress", ProgressBar)
        go = screen.query_one("#export-go", Button)
        await fill(pilot, path=target)
        await tab_to(pilot, "export-go")
        await pilot.press("enter")
        await pilot_until(pilot, lambda: bar.progress == 25, "the bar at 25 of 30")
        assert bar.total == 30 and go.disabled  # one export at a time
        assert status_text(app) == "Exporting 30 sessions…"
        assert not target.exists()  # the file appears whole, or not at all
        held_at_25.set()
        await pilot_until(pilot, lambda: isinstance(app.screen, HistoryScreen), "the export done")
        assert f"Exported 30 sessions to {target}" in notices(app)
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 1 + 30
