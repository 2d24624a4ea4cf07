"""The home screen: groups, and starting or resuming a group's session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Footer, Label
from textual.worker import get_current_worker

from facilitator.errors import UserError
from facilitator.screens.commands import ScreenActions
from facilitator.screens.dialogs import ChooseScreen
from facilitator.screens.help import HelpScreen
from facilitator.screens.table_screen import TableScreen
from facilitator.store.database import Database
from facilitator.widgets.plain import plain
from facilitator.widgets.tables import selected_key

if TYPE_CHECKING:
    from facilitator.store.models import Group, GroupSession


@dataclass(frozen=True)
class GroupLine:
    """One group as the home screen lists it."""

    group: Group
    members: int
    live: bool
    last: GroupSession | None


class HomeScreen(TableScreen):
    """Groups with their members and session state; `enter` starts or resumes a session."""

    COMMANDS = {ScreenActions}
    BINDINGS = [
        Binding("enter", "open", "Start/resume session", key_display="enter", id="home.open"),
        Binding("h", "history", "History", id="home.history"),
        Binding("r", "report", "Attendance report", id="home.report"),
        Binding("question_mark", "help", "Help", key_display="?", id="home.help"),
        Binding("q", "app.quit", "Quit", id="home.quit"),
    ]

    @dataclass
    class Loaded(Message):
        """The groups as stored (posted from the loading thread)."""

        lines: list[GroupLine]
        overdue: int
        """Sessions ended over 24 hours ago and still unsigned."""

        error: str | None = None

    def __init__(self, database: Database) -> None:
        super().__init__()
        self.database = database

    def compose(self) -> ComposeResult:
        yield Label("facilitator — groups", id="home-title")
        yield Label(
            "Select a group and press enter to start or resume its session.", id="home-hint"
        )
        self.table = DataTable(id="groups", cursor_type="row", zebra_stripes=True)
        yield self.table
        yield Label("", id="home-unsigned")
        yield Footer()

    def on_screen_resume(self) -> None:
        # Also runs when the screen is first shown: load once, then on every return to it.
        self.action_reload()

    def action_reload(self) -> None:
        """Reload the groups from the database (off the event loop)."""
        self._load()

    @work(thread=True, exclusive=True, group="home-load")
    def _load(self) -> None:
        from facilitator.common.timeutil import utcnow
        from facilitator.program.groups import list_groups
        from facilitator.session.lifecycle import last_session, live_session
        from facilitator.session.signing import unsigned_overdue

        try:
            with self.database.session() as db:
                lines = [
                    GroupLine(
                        s.group,
                        s.members,
                        live_session(db, s.group) is not None,
                        last_session(db, s.group),
                    )
                    for s in list_groups(db)
                ]
                overdue = len(unsigned_overdue(db, utcnow()))
            loaded = self.Loaded(lines, overdue)
        except UserError as exc:
            loaded = self.Loaded([], 0, str(exc))
        if not get_current_worker().is_cancelled:  # a newer load is on its way
            self.post_message(loaded)

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        if event.error is not None:
            self.notify(event.error, severity="error", markup=False)
            return
        self.table.clear(columns=True)
        self.table.add_columns("group", "members", "session", "last session", "curriculum")
        for line in event.lines:
            group, last = line.group, line.last
            self.table.add_row(
                plain(group.name),
                str(line.members),
                Text("LIVE — resume", style="bold") if line.live else Text("—"),
                Text.assemble(f"{last.local_date} ", plain(last.topic_title))
                if last
                else Text("never"),
                plain(group.curriculum_id or "—"),
                key=str(group.id),
            )
        self._flag_unsigned(event.overdue)
        if self.table.row_count == 0:
            self.query_one("#home-hint", Label).update(
                "No groups yet. Create one with `facilitator group add NAME`, then "
                "`facilitator roster import NAME FILE.csv`."
            )

    def _flag_unsigned(self, overdue: int) -> None:
        """Sessions ended more than 24 hours ago and still unsigned: reviewers look for these."""
        label = self.query_one("#home-unsigned", Label)
        if overdue:
            label.update(
                Content.styled(
                    f"{overdue} session(s) ended over 24 hours ago are still unsigned "
                    "— open the history (h) and sign them (s).",
                    "bold $warning",
                )
            )
        label.display = bool(overdue)

    def _selected_group(self) -> int | None:
        key = selected_key(self.table)
        return int(key) if key else None

    def action_history(self) -> None:
        """Every session, by group and date."""
        from facilitator.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.database))

    def action_report(self) -> None:
        """The selected group's attendance report."""
        from facilitator.screens.report import ReportScreen

        group_id = self._selected_group()
        if group_id is not None:
            self.app.push_screen(ReportScreen(self.database, group_id))

    def action_help(self) -> None:
        """Show every key."""
        self.app.push_screen(HelpScreen(self, "Home — keys"))

    def open_row(self, key: str) -> None:
        """Resume the group's live session, or start its next topic."""
        from facilitator.curriculum.catalog import discover
        from facilitator.session.lifecycle import last_session, live_session
        from facilitator.store.models import Group

        group_id = int(key)
        with self.database.session() as db:
            group = db.get(Group, group_id)
            if group is None:
                return
            needs_choice = (
                live_session(db, group) is None
                and group.curriculum_id is None
                and last_session(db, group) is None
            )
        if needs_choice:
            catalog = discover()
            options = [
                (c.id, f"{c.title} ({len(c.sessions)} sessions)")
                for c in catalog.curricula.values()
            ]
            self.app.push_screen(
                ChooseScreen("Which curriculum does this group follow?", options),
                lambda chosen: self._open(group_id, chosen) if chosen else None,
            )
        else:
            self._open(group_id, None)

    def _open(self, group_id: int, curriculum: str | None) -> None:
        from facilitator.common.timeutil import utcnow
        from facilitator.screens.live import LiveScreen
        from facilitator.session.lifecycle import start_or_resume
        from facilitator.session.live import open_live
        from facilitator.store.models import Group

        try:
            with self.database.session() as db:
                group = db.get(Group, group_id)
                assert group is not None
                opened = start_or_resume(
                    db,
                    group=group,
                    curriculum=curriculum,
                    topic=None,
                    facilitator=None,
                    now=utcnow(),
                )
            live = open_live(self.database, opened.session_id)
        except UserError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.app.push_screen(LiveScreen(live, exit_on_end=False))
