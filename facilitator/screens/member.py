"""A member's attendance: their groups, sessions, calendar heat map, hours per week over all
their groups, check-in scales over time, streak, topics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Label, Sparkline, Static

from facilitator.screens.commands import ScreenActions
from facilitator.screens.help import HelpScreen
from facilitator.screens.work_queue import WorkScreen
from facilitator.store.database import Database
from facilitator.widgets.footer import Footer
from facilitator.widgets.heatmap import HeatMap
from facilitator.widgets.plain import plain
from facilitator.widgets.week_bars import WeekBars

if TYPE_CHECKING:
    from facilitator.reports.attendance import ParticipantAttendance
    from facilitator.reports.cycle import Cycle
    from facilitator.reports.member import HistoryRow, ProgramWeek
    from facilitator.session.scales import ScalePoint


@dataclass(frozen=True)
class MemberRead:
    """What the member screen shows, read in one go off the event loop."""

    name: str
    group_name: str
    weekly_hours: float
    joined: dt.date
    today: dt.date
    history: list[HistoryRow]
    weeks: list[ProgramWeek]
    group_hours: dict[str, float]
    """Hours in each of the member's groups (by name)."""
    scales: tuple[str, ...]
    points: list[ScalePoint]
    figures: ParticipantAttendance | None
    cycle: Cycle | None
    """Topics covered and to come (None: the group has no curriculum)."""
    titles: dict[str, str]
    """The curriculum's topic titles by id."""


class MemberScreen(WorkScreen):
    """Everything a lead needs to see about one member of one group."""

    COMMANDS = {ScreenActions}
    DEFAULT_CSS = """
    #member-scales { height: auto; }
    .scale-row { height: 1; }
    .scale-row Sparkline { width: 24; }
    .scale-row Label { width: auto; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", id="member.back"),
        Binding("question_mark", "help", "Help", key_display="?", id="member.help"),
    ]

    def __init__(
        self, database: Database, group_id: int, participant_id: int, today: dt.date | None = None
    ) -> None:
        super().__init__(database)
        self.group_id, self.participant_id = group_id, participant_id
        self.today = today
        """The day the figures run to (default: today in the group's zone)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="member"):
            yield Label("", id="member-title")
            yield Label("", id="member-summary")
            yield Label("", id="member-groups")
            yield Label("Attendance calendar", classes="section")
            yield HeatMap(id="member-heatmap")
            yield Label("Service hours per week", id="member-weeks-title", classes="section")
            yield WeekBars(id="member-weeks")
            yield Label("Check-in scales", id="member-scales-title", classes="section")
            yield Vertical(id="member-scales")
            yield Label("Curriculum topics", classes="section")
            yield Static(id="member-topics")
            yield Label("Sessions", classes="section")
            yield DataTable(id="member-sessions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.load(self.query_one("#member", VerticalScroll), self._read, self._show)

    def _read(self) -> MemberRead:
        """Everything the screen shows of the member (in a thread)."""
        from facilitator.common.timeutil import today_in
        from facilitator.curriculum.catalog import discover
        from facilitator.errors import UserError
        from facilitator.program.roster import members
        from facilitator.reports.attendance import attendance_report
        from facilitator.reports.cycle import cycle_of
        from facilitator.reports.member import group_totals, member_history, program_weeks
        from facilitator.session.lifecycle import propose_topic
        from facilitator.session.scales import scale_history, scales_of
        from facilitator.store.models import Group, Participant

        with self.database.session() as db:
            group = db.get(Group, self.group_id)
            person = db.get(Participant, self.participant_id)
            if group is None or person is None:
                raise UserError("this member is no longer in the database")
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
            weeks = program_weeks(db, self.participant_id, today)
            scales = scales_of(group)
            report = attendance_report(db, group, date_from=joined, date_to=None, today=today)
            cycle: Cycle | None = None
            titles: dict[str, str] = {}
            curriculum = (
                discover().curricula.get(group.curriculum_id) if group.curriculum_id else None
            )
            if curriculum is not None:
                next_topic = propose_topic(db, group, curriculum).id
                cycle = cycle_of(
                    db, group, self.participant_id, curriculum, next_topic=next_topic, today=today
                )
                titles = {t.id: plain(t.title).plain for t in curriculum.sessions}
            return MemberRead(
                name=person.name,
                group_name=group.name,
                weekly_hours=group.weekly_hours,
                joined=joined,
                today=today,
                history=member_history(db, group, self.participant_id),
                weeks=weeks,
                group_hours=group_totals(weeks),
                scales=scales,
                points=scale_history(db, self.participant_id, group_id=group.id) if scales else [],
                figures=next(
                    (row for pid, row in report.rows() if pid == self.participant_id), None
                ),
                cycle=cycle,
                titles=titles,
            )

    def _show(self, read: MemberRead) -> None:
        from facilitator.reports.history import calendar

        self.query_one("#member-title", Label).update(
            Text.assemble(
                plain(read.name, "bold"),
                "  ·  ",
                plain(read.group_name),
                f"  ·  joined {read.joined}",
            )
        )
        figures = read.figures
        if figures is not None:
            streak = figures.consecutive_absences
            summary = Content.assemble(
                f"{figures.sessions} sessions: {figures.present} present, {figures.late} late, "
                f"{figures.left_early} left early, {figures.excused} excused, "
                f"{figures.absent} absent"
                f"  ·  {figures.hours:.2f} h  ·  ",
                (f"{streak} absences in a row", "bold $error" if streak >= 2 else ""),
                f"  ·  weeks below {read.weekly_hours:g} h: {figures.weeks_below_minimum}",
            )
        else:
            summary = Content("No sessions yet.")
        self.query_one("#member-summary", Label).update(summary)
        self.query_one(HeatMap).show(calendar(read.history), read.joined, read.today)
        self._show_groups(read.group_hours, read.group_name)
        weeks = read.weeks
        self.query_one(WeekBars).show(
            [w.week for w in weeks], read.weekly_hours, [w.parts for w in weeks]
        )
        if any(len(w.parts) > 1 for w in weeks):
            self.query_one("#member-weeks-title", Label).update(
                "Service hours per week, all groups together"
            )
        self._show_scales(read.scales, read.points)
        topics_view = self.query_one("#member-topics", Static)
        if read.cycle is None:
            topics_view.update("The group has no curriculum set.")
        else:
            topics_view.update(_topics(read.cycle, read.titles))
        table = self.query_one("#member-sessions", DataTable)
        table.add_columns("date", "topic", "status", "minutes")
        for row in reversed(read.history):
            table.add_row(
                row.local_date.isoformat(),
                plain(row.topic_title or row.topic_id),
                row.status.word,
                f"{row.minutes:.0f}",
            )

    def _show_groups(self, group_hours: dict[str, float], current: str) -> None:
        """`Groups: Morning Skills 10.00 h, Afternoon Process 6.00 h — 16.00 h in all`."""
        hours = dict(group_hours) or {current: 0.0}
        parts = ", ".join(f"{plain(name).plain} {h:.2f} h" for name, h in hours.items())
        total = sum(hours.values())
        self.query_one("#member-groups", Label).update(
            f"Groups: {parts} — {total:.2f} h in all" if len(hours) > 1 else f"Groups: {parts}"
        )

    def _show_scales(self, scales: tuple[str, ...], points: list[ScalePoint]) -> None:
        """Each scale the group asks over time: a sparkline, the latest answer and the mean."""
        from facilitator.session.scales import values_of

        box = self.query_one("#member-scales", Vertical)
        self.query_one("#member-scales-title", Label).display = bool(scales)
        box.display = bool(scales)
        for scale in scales:
            values = values_of(points, scale)
            if values:
                figures = (
                    f" latest {values[-1]} · mean {sum(values) / len(values):.1f}"
                    f" · {len(values)} answered (0-10)"
                )
            else:
                figures = " no answers yet"
            line = Horizontal(
                Label(f"{scale:<8}", classes="scale-name"),
                Sparkline([float(v) for v in values], id=f"member-spark-{scale}"),
                Label(figures, id=f"member-scale-{scale}"),
                classes="scale-row",
            )
            box.mount(line)

    def action_back(self) -> None:
        """Back."""
        self.dismiss(None)

    def action_help(self) -> None:
        """Show every key."""
        self.app.push_screen(HelpScreen(self, "Member — keys"))


def _comes_round(cycle: Cycle, topic: str) -> str:
    """`(next on 2026-12-09)`, or in how many meetings when the group has no schedule."""
    day = cycle.comes_round_on.get(topic)
    if day is not None:
        return f" (next on {day.isoformat()})"
    steps = cycle.comes_round.get(topic, 0)
    return " (next session)" if steps == 0 else f" (in {steps + 1} sessions)"


def _topics(cycle: Cycle, titles: dict[str, str]) -> Content:
    """Topics covered of the total, the cycle's completion, and when each missed topic is next."""
    done = (
        (f"Completed the cycle on {cycle.completed_on.isoformat()}.", "bold $success")
        if cycle.completed_on
        else ("", "")
    )

    def _soonest(topic: str) -> int:
        return cycle.comes_round.get(topic, 0)

    return Content.assemble(
        (f"Covered ({len(cycle.covered)}/{cycle.total}): ", "$success"),
        ", ".join(titles[t] for t in cycle.covered) or "none yet",
        "\n",
        (f"Still to cover ({len(cycle.missing)}): ", "$warning"),
        ", ".join(titles[t] + _comes_round(cycle, t) for t in sorted(cycle.missing, key=_soonest))
        or "none — every topic covered",
        "\n" if cycle.completed_on else "",
        done,
    )
