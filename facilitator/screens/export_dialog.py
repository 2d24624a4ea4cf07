"""Export session logs from the TUI: format, dates, file; off the UI thread, with progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Select

from facilitator.errors import UserError
from facilitator.store.database import Database
from facilitator.widgets.plain import plain

if TYPE_CHECKING:
    from facilitator.exchange.export import ExportFilter


def default_path(fmt: str, today: dt.date) -> Path:
    """`~/facilitator-sessions-2026-11-22.csv`: the user's home, readable by them only."""
    return Path.home() / f"facilitator-sessions-{today.isoformat()}.{fmt}"


class ExportScreen(ModalScreen[int | None]):
    """Choose and run an export; dismissed with the number of sessions written (None: cancelled)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    @dataclass
    class Progress(Message):
        """Sessions written so far (posted from the export thread)."""

        done: int

    def __init__(self, database: Database, group: str | None = None, actor: str = "") -> None:
        super().__init__()
        self.database = database
        self.group = group
        self.actor = actor

    def compose(self) -> ComposeResult:
        today = dt.date.today()
        with Vertical(id="dialog"):
            yield Label("Export session logs", id="question")
            yield Select(
                [
                    ("CSV — one row per attendance record", "csv"),
                    ("JSON — everything, for import elsewhere", "json"),
                    ("HTML — printable, one page per session", "html"),
                ],
                value="csv",
                allow_blank=False,
                id="export-format",
            )
            with Horizontal(id="export-range"):
                yield Input(placeholder="from YYYY-MM-DD", id="export-from", max_length=10)
                yield Input(placeholder="to YYYY-MM-DD", id="export-to", max_length=10)
            yield Input(str(default_path("csv", today)), id="export-path")
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Label("", id="export-status")
            with Horizontal(id="buttons"):
                yield Button("Export", variant="primary", id="export-go")
                yield Button("Cancel", id="export-cancel")

    @on(Select.Changed, "#export-format")
    def _format(self, event: Select.Changed) -> None:
        path = self.query_one("#export-path", Input)
        current = Path(path.value)
        path.value = str(current.with_suffix(f".{event.value}"))

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        """Close without exporting."""
        self.dismiss(None)

    @on(Button.Pressed, "#export-go")
    def _go(self) -> None:
        from facilitator.common.timeutil import parse_date
        from facilitator.exchange.export import ExportFilter, count_sessions

        fmt = str(self.query_one("#export-format", Select).value)
        try:
            start = self.query_one("#export-from", Input).value.strip()
            end = self.query_one("#export-to", Input).value.strip()
            filt = ExportFilter(
                group=self.group,
                date_from=parse_date(start, "from") if start else None,
                date_to=parse_date(end, "to") if end else None,
            )
            path = Path(self.query_one("#export-path", Input).value).expanduser()
            if path.exists():
                raise UserError(f"{path} already exists; choose another file name")
            with self.database.session() as db:
                total = count_sessions(db, filt)
        except UserError as exc:
            self.query_one("#export-status", Label).update(plain(exc, lines=True))
            return
        self.query_one("#export-go", Button).disabled = True
        self.query_one("#export-progress", ProgressBar).update(total=max(total, 1), progress=0)
        self.query_one("#export-status", Label).update(f"Exporting {total} sessions…")
        self._export(fmt, filt, path)

    @work(thread=True, exclusive=True)
    def _export(self, fmt: str, filt: ExportFilter, path: Path) -> None:
        """The export itself, off the UI thread (large ranges take seconds)."""
        from facilitator.common.files import atomic_output
        from facilitator.common.timeutil import utcnow
        from facilitator.exchange.export import export_sessions

        try:
            with self.database.session() as db, atomic_output(path) as stream:
                count = export_sessions(
                    db,
                    stream,
                    fmt=fmt,
                    filt=filt,
                    actor=self.actor or getattr(self.app, "actor", ""),
                    now=utcnow(),
                    progress=self._report_progress,
                )
        except (UserError, OSError) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._finished, count, path)

    def _report_progress(self, done: int) -> None:
        """From the export thread: every 25 sessions, move the bar."""
        if done % 25 == 0:
            self.post_message(self.Progress(done))

    @on(Progress)
    def _progress(self, event: Progress) -> None:
        self.query_one("#export-progress", ProgressBar).update(progress=event.done)

    def _failed(self, message: str) -> None:
        self.query_one("#export-status", Label).update(
            Text.assemble("Export failed: ", plain(message, lines=True))
        )
        self.query_one("#export-go", Button).disabled = False

    def _finished(self, count: int, path: Path) -> None:
        self.app.notify(f"Exported {count} sessions to {path}", title="Export", markup=False)
        self.dismiss(count)
