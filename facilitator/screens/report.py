"""A group's attendance report: who to reach out to first, then every member's figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Label, Static

from facilitator.screens.range_report import RangeReportScreen
from facilitator.screens.table_screen import RANGE_BOX, boxed_keys
from facilitator.store.database import Database
from facilitator.widgets.plain import plain
from facilitator.widgets.tables import Column, fill_rows

if TYPE_CHECKING:
    from facilitator.reports.attendance import AttendanceReport, ParticipantAttendance
    from facilitator.reports.cycle import Coverage
    from facilitator.reports.outreach import OutreachItem
    from facilitator.session.scales import ScaleSummary

    Line = tuple[int, ParticipantAttendance]
    """A member's row: their participant id and figures."""


def _figure(name: str) -> Callable[[Line], str]:
    """The cell of one of a member's counts."""
    return lambda line: str(getattr(line[1], name))


def _streak(line: Line) -> Text:
    streak = line[1].consecutive_absences
    return Text(str(streak), style="bold" if streak >= 2 else "")


COLUMNS: tuple[Column[Line], ...] = (
    ("name", lambda line: plain(line[1].name)),
    ("held", _figure("sessions")),
    ("present", _figure("present")),
    ("late", _figure("late")),
    ("excused", _figure("excused")),
    ("absent", _figure("absent")),
    ("left early", _figure("left_early")),
    ("hours", lambda line: f"{line[1].hours:.2f}"),
    ("days < min", _figure("days_below_daily_minimum")),
    ("weeks < min", _figure("weeks_below_minimum")),
    ("absences in a row", _streak),
)


@dataclass(frozen=True)
class GroupRead:
    """A group's attendance report with what the screen shows beside it."""

    report: AttendanceReport
    weekly_hours: float
    daily_hours: float
    reach: list[OutreachItem]
    topics: dict[int, Coverage]
    video: dict[int, int]
    """Sessions attended by video, by participant id."""
    asked: tuple[str, ...]
    """The check-in scales the group asks."""
    scales: dict[int, dict[str, ScaleSummary]]

    def columns(self) -> list[Column[Line]]:
        """The figures, the topics, then sessions by video (if any) and each scale asked."""
        topics = self.topics
        more: list[Column[Line]] = [
            ("topics", lambda line: topics[line[0]].text() if line[0] in topics else "")
        ]
        if any(self.video.values()):
            more.append(("by video", lambda line: str(self.video.get(line[0], 0))))
        for scale in self.asked:
            more.append((f"{scale} latest (mean)", self._scale_cell(scale)))
        return [*COLUMNS, *more]

    def _scale_cell(self, scale: str) -> Callable[[Line], str]:
        def cell(line: Line) -> str:
            found = self.scales.get(line[0], {}).get(scale)
            return f"{found.latest} ({found.mean:g})" if found else ""

        return cell


class ReportScreen(RangeReportScreen[GroupRead]):
    """Attendance figures (CONTRACT section 6) for one group and date range."""

    HELP_TITLE = "Report — keys"
    TABLE_ID = "report"
    BINDINGS = boxed_keys("report", ("member", "Member"), RANGE_BOX)

    group_id: int

    def __init__(self, database: Database, group_id: int, today: dt.date | None = None) -> None:
        super().__init__(database, group_id)
        self.today = today

    def boxes(self) -> ComposeResult:
        yield from self.range_boxes()
        yield Label("Reach out to", classes="section")
        yield Static(id="outreach")

    def read(self, date_from: dt.date | None, date_to: dt.date | None) -> GroupRead:
        """The report for these dates, who to reach out to, topics, video and scales."""
        from facilitator.common.timeutil import today_in
        from facilitator.errors import UserError
        from facilitator.reports.attendance import attendance_report
        from facilitator.reports.cycle import group_coverage
        from facilitator.reports.outreach import outreach
        from facilitator.session.modality import telehealth_counts
        from facilitator.session.scales import scale_summaries, scales_of
        from facilitator.store.models import Group

        with self.database.session() as db:
            group = db.get(Group, self.group_id)
            if group is None:
                raise UserError("this group is no longer in the database")
            today = self.today or today_in(group.timezone)
            report = attendance_report(db, group, date_from=date_from, date_to=date_to, today=today)
            span = {"group_id": group.id, "date_from": report.date_from, "date_to": report.date_to}
            asked = scales_of(group)
            return GroupRead(
                report,
                group.weekly_hours,
                group.daily_hours,
                reach=outreach(report, db, group, today=today),
                topics=group_coverage(db, group, report.participant_ids),
                video=telehealth_counts(db, **span),
                asked=asked,
                scales=scale_summaries(db, **span) if asked else {},
            )

    def draw(self, report: GroupRead) -> None:
        """Show who to reach out to, then every member's figures."""
        figures = report.report
        self.show_heading(
            plain(figures.group, "bold"),
            "attendance ",
            (figures.date_from, figures.date_to),
            report.weekly_hours,
            report.daily_hours,
        )
        if report.reach:
            parts: list[str | tuple[str, str]] = []
            for item in report.reach:
                parts += [
                    (plain(item.name).plain, "bold $error"),
                    ": " + "; ".join(item.reasons) + "\n",
                ]
            self.query_one("#outreach", Static).update(Content.assemble(*parts).rstrip())
        else:
            self.query_one("#outreach", Static).update(
                Content.styled(
                    "Nobody: no streaks of absences, everyone at the minimum last week.", "$success"
                )
            )
        fill_rows(
            self.table, report.columns(), ((str(pid), (pid, row)) for pid, row in figures.rows())
        )

    def open_row(self, key: str) -> None:
        """Open the member."""
        from facilitator.screens.member import MemberScreen

        self.app.push_screen(MemberScreen(self.database, self.group_id, int(key), today=self.today))
