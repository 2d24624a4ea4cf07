"""A member's attendance: sessions, calendar heat map, hours per week, streak, topics."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from facilitator.screens.commands import ScreenActions
from facilitator.screens.help import HelpScreen
from facilitator.store.database import Database
from facilitator.widgets.heatmap import HeatMap
from facilitator.widgets.plain import plain
from facilitator.widgets.week_bars import WeekBars


class MemberScreen(Screen[None]):
    """Everything a lead needs to see about one member of one group."""

    COMMANDS = {ScreenActions}
    BINDINGS = [
        Binding("escape", "back", "Back", id="member.back"),
        Binding("question_mark", "help", "Help", key_display="?", id="member.help"),
    ]

    def __init__(
        self, database: Database, group_id: int, participant_id: int, today: dt.date | None = None
    ) -> None:
        super().__init__()
        self.database = database
        self.group_id = group_id
        self.participant_id = participant_id
        self.today = today

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="member"):
            yield Label("", id="member-title")
            yield Label("", id="member-summary")
            yield Label("Attendance calendar", classes="section")
            yield HeatMap(id="member-heatmap")
            yield Label("Service hours per week", classes="section")
            yield WeekBars(id="member-weeks")
            yield Label("Curriculum topics", classes="section")
            yield Static(id="member-topics")
            yield Label("Sessions", classes="section")
            yield DataTable(id="member-sessions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        from facilitator.common.timeutil import today_in
        from facilitator.curriculum.catalog import discover
        from facilitator.program.roster import members
        from facilitator.reports.attendance import attendance_report
        from facilitator.reports.history import calendar
        from facilitator.reports.member import member_history, topics_covered, weekly_hours
        from facilitator.store.models import Group, Participant

        with self.database.session() as db:
            group = db.get(Group, self.group_id)
            person = db.get(Participant, self.participant_id)
            assert group is not None and person is not None
            today = self.today or today_in(group.timezone)
            membership = next(
                (
                    m.membership
                    for m in members(db, group, include_left=True)
                    if m.participant.id == person.id
                ),
                None,
            )
            joined = membership.joined if membership else today
            history = member_history(db, group, self.participant_id)
            weeks = weekly_hours(db, group, self.participant_id, joined, today)
            report = attendance_report(db, group, date_from=joined, date_to=today, today=today)
            figures = next((row for pid, row in report.rows() if pid == self.participant_id), None)
            topics: tuple[list[str], list[str]] | None = None
            curriculum = None
            if group.curriculum_id:
                catalog = discover()
                curriculum = catalog.curricula.get(group.curriculum_id)
                if curriculum is not None:
                    topics = topics_covered(db, group, self.participant_id, curriculum)

        self.query_one("#member-title", Label).update(
            Text.assemble(
                plain(person.name, "bold"), "  ·  ", plain(group.name), f"  ·  joined {joined}"
            )
        )
        if figures is not None:
            streak = figures.consecutive_absences
            summary = Content.assemble(
                f"{figures.sessions} sessions: {figures.present} present, {figures.late} late, "
                f"{figures.left_early} left early, {figures.excused} excused, "
                f"{figures.absent} absent"
                f"  ·  {figures.hours:.2f} h  ·  ",
                (f"{streak} absences in a row", "bold $error" if streak >= 2 else ""),
                f"  ·  weeks below {group.weekly_hours:g} h: {figures.weeks_below_minimum}",
            )
        else:
            summary = Content("No sessions yet.")
        self.query_one("#member-summary", Label).update(summary)
        self.query_one(HeatMap).show(calendar(history), joined, today)
        self.query_one(WeekBars).show(weeks, group.weekly_hours)
        topics_view = self.query_one("#member-topics", Static)
        if topics is None or curriculum is None:
            topics_view.update("The group has no curriculum set.")
        else:
            titles = {t.id: plain(t.title).plain for t in curriculum.sessions}
            covered, missing = topics
            topics_view.update(
                Content.assemble(
                    (f"Covered ({len(covered)}/{len(titles)}): ", "$success"),
                    ", ".join(titles[t] for t in covered) or "none yet",
                    "\n",
                    (f"Still to cover ({len(missing)}): ", "$warning"),
                    ", ".join(titles[t] for t in missing) or "none — the whole series is done",
                )
            )
        table = self.query_one("#member-sessions", DataTable)
        table.add_columns("date", "topic", "status", "minutes")
        for row in reversed(history):
            table.add_row(
                row.local_date.isoformat(),
                plain(row.topic_title or row.topic_id),
                row.status.word,
                f"{row.minutes:.0f}",
            )
        self.query_one("#member", VerticalScroll).focus(scroll_visible=False)

    def action_back(self) -> None:
        """Back."""
        self.dismiss(None)

    def action_help(self) -> None:
        """Show every key."""
        self.app.push_screen(HelpScreen(self, "Member — keys"))
