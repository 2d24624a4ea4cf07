"""The home screen: today's meetings across groups, then the groups; set one up (`g`, `G`, `m`),
start or resume its session (`enter`), the program view (`p`).

On an empty database it says how to begin instead of showing an empty table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Label, Static

from facilitator.errors import UserError
from facilitator.screens.commands import ScreenActions
from facilitator.screens.help import HelpScreen
from facilitator.screens.home_today import TodayScreen, load_today
from facilitator.store.database import Database
from facilitator.widgets.footer import Footer
from facilitator.widgets.plain import plain
from facilitator.widgets.tables import selected_key

if TYPE_CHECKING:
    import datetime as dt

    from facilitator.common.clock import Now
    from facilitator.reports.today import Meeting
    from facilitator.screens.group_form import GroupValues

    FormValues = tuple[GroupValues | None, list[tuple[str, str]]]
    """A group's settings (None: a new group) and the curricula (id, title) to offer."""
    from facilitator.session.signing import UnsignedCount
    from facilitator.store.models import Group, GroupSession

WELCOME = (
    "No groups yet. To begin:\n"
    "  • press g to create a group (its name, time zone, minimum hours, note format, "
    "curriculum),\n"
    "  • then m to add its members, and enter to start its first session.\n"
    "To look around first, quit (q) and run `facilitator demo`: a practice group with "
    "fictional members."
)


@dataclass(frozen=True)
class Loaded:
    """The groups as stored, with what the screen shows beside them."""

    lines: list[GroupLine]
    overdue: UnsignedCount
    """Unsigned sessions ended over 24 hours ago, and those missing a member's note."""
    day: dt.date
    meetings: list[Meeting]
    """Today's meetings across groups, by start time."""
    scheduled: bool
    """Whether any group has a schedule (else the today list is not shown)."""


@dataclass(frozen=True)
class GroupLine:
    """One group as the home screen lists it."""

    group: Group
    members: int
    live: bool
    last: GroupSession | None


class HomeScreen(TodayScreen):
    """Today's meetings, and the groups with their members and session state; `enter` starts or
    resumes a session."""

    COMMANDS = {ScreenActions}
    CSS_PATH = "setup.tcss"
    BINDINGS = [
        Binding("enter", "open", "Start/resume session", key_display="enter", id="home.open"),
        Binding("g", "new_group", "New group", id="home.new_group"),
        Binding("G", "edit_group", "Group settings", key_display="G", id="home.edit_group"),
        Binding("m", "members", "Members", id="home.members"),
        Binding("h", "history", "History", id="home.history"),
        Binding("r", "report", "Attendance report", id="home.report"),
        Binding("p", "program", "Program", id="home.program"),
        Binding("x", "cancel_meeting", "Cancel meeting", id="home.cancel_meeting"),
        Binding("u", "uncancel_meeting", "Undo cancel", id="home.uncancel_meeting"),
        Binding("question_mark", "help", "Help", key_display="?", id="home.help"),
        Binding("q", "app.quit", "Quit", show=False, id="home.quit"),  # the footer shows ^q
    ]

    def __init__(self, database: Database, now: Now | None = None) -> None:
        super().__init__(database)
        self.now = now
        """The clock today's meetings are read by (default: the wall clock)."""
        self._shown_once = False

    def compose(self) -> ComposeResult:
        yield Label("facilitator — groups", id="home-title")
        yield Label(
            "Select a group and press enter to start or resume its session.", id="home-hint"
        )
        titles = (
            Label("", id="today-title", classes="section"),
            Label("Groups", id="groups-title", classes="section"),
        )
        self.today_table = DataTable(id="today", cursor_type="row", zebra_stripes=True)
        for hidden in (*titles, self.today_table):
            hidden.display = False  # until a group has a schedule
        yield titles[0]
        yield self.today_table
        yield titles[1]
        self.table = DataTable(id="groups", cursor_type="row", zebra_stripes=True)
        yield self.table
        welcome = Static(WELCOME, id="home-welcome", markup=False)
        welcome.display = False
        yield welcome
        yield Label("", id="home-unsigned")
        yield Footer()

    def on_screen_resume(self) -> None:
        # Also runs when the screen is first shown: load once, then on every return to it.
        self.action_reload()

    def action_reload(self) -> None:
        """Reload today's meetings and the groups from the database (off the event loop)."""
        self._load()

    def reload_all(self) -> None:
        """Reload after a change to today's meetings."""
        self._load()

    def _load(self) -> None:
        self.work.submit(self._read, self._loaded, change=False)

    def _read(self) -> Loaded:
        """The groups, the unsigned sessions and today's meetings as stored (in a thread)."""
        from facilitator.common.timeutil import utcnow
        from facilitator.program.groups import list_groups
        from facilitator.session.lifecycle import last_session, live_session
        from facilitator.session.signing import unsigned_count

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
            now = self.now() if self.now else utcnow()
            unsigned = unsigned_count(db, now)
            day, meetings, scheduled = load_today(db, now)
        return Loaded(lines, unsigned, day, meetings, scheduled)

    def _loaded(self, event: Loaded | None) -> None:
        if event is None:
            return  # refused, and said so
        keep = selected_key(self.table)
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
        self.show_today(event.day, event.meetings, event.scheduled)
        empty = self.table.row_count == 0
        self.refresh_bindings()
        self.table.display = not empty
        today = self.today_table
        if empty:
            self.set_focus(None)  # nothing to start: the footer shows what there is to do
        elif today.display and (self.focused is today or not self._shown_once):
            today.focus()  # the screen opens on today's meetings
        else:
            self.table.focus()
        self._shown_once = True
        self.query_one("#home-welcome", Static).display = empty
        if empty:
            hint = "Press g to create your first group."
        elif today.display:
            hint = "enter starts/resumes · x cancels today's meeting · u undoes it · p program"
        else:
            hint = "enter starts or resumes a session · m members · G settings · p program"
        self.query_one("#home-hint", Label).update(hint)
        if keep is not None:
            for index, line in enumerate(event.lines):
                if str(line.group.id) == keep:
                    self.table.move_cursor(row=index)

    def _flag_unsigned(self, overdue: UnsignedCount) -> None:
        """Sessions ended over 24 hours ago and still unsigned, and unsigned ones with members
        who attended and have no note: reviewers look for these."""
        label = self.query_one("#home-unsigned", Label)
        if overdue:
            label.update(
                Content.styled(
                    f"{overdue.sentence()} — open the history (h) to finish and sign them (s).",
                    "bold $warning",
                )
            )
        label.display = bool(overdue)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys about a selected group stay out of the footer while there is none."""
        table = getattr(self, "table", None)
        if action in ("open", "edit_group", "members", "report"):
            return table is not None and table.row_count > 0
        if action in ("cancel_meeting", "uncancel_meeting"):
            today = getattr(self, "today_table", None)
            return today is not None and today.row_count > 0
        return True

    def _selected_group(self) -> int | None:
        key = selected_key(self.table)
        return int(key) if key else None

    def action_open(self) -> None:
        """Start or resume the session of the selected meeting of today, or of the group."""
        if self.focused is self.today_table:
            meeting = self.selected_meeting()
            if meeting is not None:
                self.start_group(meeting.group_id)
            return
        super().action_open()

    def open_row(self, key: str) -> None:
        """Start or resume the group's session."""
        self.start_group(int(key))

    def action_program(self) -> None:
        """Every person across all their groups."""
        from facilitator.screens.program import ProgramScreen

        today = None
        if self.now is not None:
            from facilitator.common.timeutil import local, machine_timezone

            today = local(self.now(), machine_timezone()).date()
        self.app.push_screen(ProgramScreen(self.database, today=today))

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

    # -- setting up ------------------------------------------------------------------------------

    def action_new_group(self) -> None:
        """A new group: a form with its name, zone, minimums, note format and curriculum."""
        self._load_form(None)

    def action_edit_group(self) -> None:
        """The selected group's settings, in the same form."""
        group_id = self._selected_group()
        if group_id is not None:
            self._load_form(group_id)

    def _load_form(self, group_id: int | None) -> None:
        self.work.submit(
            lambda: self._read_form(group_id),
            lambda read: self._form_ready(group_id, read),
            change=False,
        )

    def _read_form(self, group_id: int | None) -> FormValues:
        """The group's values (None: a new group) and the curricula to offer (in a thread)."""
        from facilitator.curriculum.catalog import discover
        from facilitator.screens.group_form import GroupValues
        from facilitator.store.models import Group

        curricula = [(c.id, c.title) for c in discover().curricula.values()]
        if group_id is None:
            return None, curricula
        with self.database.session() as db:
            group = db.get(Group, group_id)
            if group is None:
                raise UserError("this group is no longer in the database")
            return GroupValues.of(group), curricula

    def _form_ready(self, group_id: int | None, read: FormValues | None) -> None:
        from facilitator.screens.group_form import GroupFormScreen

        if read is not None:
            values, curricula = read
            form = GroupFormScreen(
                self.database, group_id=group_id, values=values, curricula=curricula
            )
            self.app.push_screen(form, self._group_saved)

    def _group_saved(self, message: str | None) -> None:
        # (`on_screen_resume` reloads the list when the form closes.)
        if message is not None:
            self.notify(message, markup=False)

    def action_members(self) -> None:
        """The selected group's members: add, edit, discharge, readmit, import."""
        from facilitator.screens.members import MembersScreen

        group_id = self._selected_group()
        if group_id is not None:
            self.app.push_screen(MembersScreen(self.database, group_id))
