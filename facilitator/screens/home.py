"""The home screen: groups, and starting or resuming a group's session."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Label, OptionList
from textual.widgets.option_list import Option

from facilitator.common.text import one_line
from facilitator.errors import UserError
from facilitator.screens.commands import ScreenActions
from facilitator.screens.help import HelpScreen
from facilitator.store.db import Database
from facilitator.widgets.tables import selected_key


class ChooseScreen(ModalScreen[str | None]):
    """Pick one of several options (e.g. a curriculum); `escape` cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choose.cancel")]

    def __init__(self, question: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.question = question
        self.options = options

    def compose(self) -> ComposeResult:
        from textual.containers import Vertical

        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            yield OptionList(*[Option(Text(label), id=value) for value, label in self.options])

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without a choice."""
        self.dismiss(None)


class HomeScreen(Screen[None]):
    """Groups with their members and session state; `enter` starts or resumes a session."""

    COMMANDS = {ScreenActions}
    BINDINGS = [
        Binding("enter", "open_group", "Start/resume session", key_display="enter", id="home.open"),
        Binding("h", "history", "History", id="home.history"),
        Binding("r", "report", "Attendance report", id="home.report"),
        Binding("question_mark", "help", "Help", key_display="?", id="home.help"),
        Binding("q", "app.quit", "Quit", id="home.quit"),
    ]

    def __init__(self, database: Database) -> None:
        super().__init__()
        self.database = database

    def compose(self) -> ComposeResult:
        yield Label("facilitator — groups", id="home-title")
        yield Label(
            "Select a group and press enter to start or resume its session.", id="home-hint"
        )
        yield DataTable(id="groups", cursor_type="row", zebra_stripes=True)
        yield Label("", id="home-unsigned")
        yield Footer()

    def on_mount(self) -> None:
        self.table = self.query_one("#groups", DataTable)
        self.table.focus()

    def on_screen_resume(self) -> None:
        # Also runs when the screen is first shown: load once, then on every return to it.
        self.action_reload()

    def action_reload(self) -> None:
        """Reload the groups from the database."""
        from facilitator.program.groups import list_groups
        from facilitator.session.lifecycle import last_session, live_session

        self.table.clear(columns=True)
        self.table.add_columns("group", "members", "session", "last session", "curriculum")
        with self.database.session() as db:
            for summary in list_groups(db):
                group = summary.group
                live = live_session(db, group)
                last = last_session(db, group)
                self.table.add_row(
                    Text(one_line(group.name)),
                    str(summary.members),
                    Text("LIVE — resume", style="bold") if live else Text("—"),
                    Text(f"{last.local_date} {last.topic_title or ''}") if last else Text("never"),
                    Text(group.curriculum_id or "—"),
                    key=str(group.id),
                )
        self._flag_unsigned()
        if self.table.row_count == 0:
            self.query_one("#home-hint", Label).update(
                "No groups yet. Create one with `facilitator group add NAME`, then "
                "`facilitator roster import NAME FILE.csv`."
            )

    def _flag_unsigned(self) -> None:
        """Sessions ended more than 24 hours ago and still unsigned: reviewers look for these."""
        from facilitator.common.timeutil import utcnow
        from facilitator.session.signing import unsigned_overdue

        with self.database.session() as db:
            overdue = unsigned_overdue(db, utcnow())
        label = self.query_one("#home-unsigned", Label)
        if overdue:
            label.update(
                Content.styled(
                    f"{len(overdue)} session(s) ended over 24 hours ago are still unsigned "
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

    @on(DataTable.RowSelected)
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_group()

    def action_open_group(self) -> None:
        """Resume the selected group's live session, or start its next topic."""
        from facilitator.curriculum.files import discover
        from facilitator.session.lifecycle import last_session, live_session
        from facilitator.store.models import Group

        group_id = self._selected_group()
        if group_id is None:
            return
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
