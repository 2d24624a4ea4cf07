"""A group's attendance report: who to reach out to first, then every member's figures."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Label, Static

from facilitator.errors import UserError
from facilitator.screens.table_screen import BoxedTableScreen, table_keys
from facilitator.store.database import Database
from facilitator.widgets.plain import plain

COLUMNS = (
    "name",
    "held",
    "present",
    "late",
    "excused",
    "absent",
    "left early",
    "hours",
    "days < min",
    "weeks < min",
    "absences in a row",
    "topics",
)


class ReportScreen(BoxedTableScreen):
    """Attendance figures (CONTRACT section 6) for one group and date range."""

    HELP_TITLE = "Report — keys"
    BINDINGS = table_keys(
        "report",
        Binding("enter", "open", "Member", key_display="enter", id="report.member"),
        Binding("slash", "focus_range", "Dates", key_display="/", id="report.dates"),
    )

    group_id: int

    def __init__(self, database: Database, group_id: int, today: dt.date | None = None) -> None:
        super().__init__(database, group_id)
        self.today = today

    def compose(self) -> ComposeResult:
        yield Label("", id="home-title")
        yield from self.range_boxes()
        yield Label("Reach out to", classes="section")
        yield Static(id="outreach")
        self.table = DataTable(id="report", cursor_type="row", zebra_stripes=True)
        yield self.table
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Show the report for the dates in the boxes (default: everything up to today)."""
        from facilitator.common.timeutil import today_in
        from facilitator.reports.attendance import attendance_report
        from facilitator.reports.cycle import group_coverage
        from facilitator.reports.outreach import outreach
        from facilitator.session.modality import telehealth_counts
        from facilitator.session.scales import scale_summaries, scales_of
        from facilitator.store.models import Group

        try:
            date_from = self.typed_date("#report-from", "from")
            date_to = self.typed_date("#report-to", "to")
            with self.database.session() as db:
                group = db.get(Group, self.group_id)
                assert group is not None
                today = self.today or today_in(group.timezone)
                report = attendance_report(
                    db, group, date_from=date_from, date_to=date_to, today=today
                )
                reach = outreach(report, db, group, today=today)
                topics = group_coverage(db, group, report.participant_ids)
                span = {
                    "group_id": group.id,
                    "date_from": report.date_from,
                    "date_to": report.date_to,
                }
                video = telehealth_counts(db, **span)
                asked = scales_of(group)
                scales = scale_summaries(db, **span) if asked else {}
        except UserError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.query_one("#home-title", Label).update(
            Text.assemble(
                plain(report.group, "bold"),
                f"  ·  attendance {report.date_from} to {report.date_to}"
                f"  ·  minimum {group.weekly_hours:g} h/week, {group.daily_hours:g} h/day",
            )
        )
        self.show_range(report.date_from, report.date_to)
        if reach:
            parts: list[str | tuple[str, str]] = []
            for item in reach:
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
        self.table.clear(columns=True)
        extra = (["by video"] if any(video.values()) else []) + [
            f"{scale} latest (mean)" for scale in asked
        ]
        self.table.add_columns(*COLUMNS, *extra)
        for pid, row in report.rows():
            more = [str(video.get(pid, 0))] if any(video.values()) else []
            for scale in asked:
                found = scales.get(pid, {}).get(scale)
                more.append(f"{found.latest} ({found.mean:g})" if found else "")
            self.table.add_row(
                plain(row.name),
                str(row.sessions),
                str(row.present),
                str(row.late),
                str(row.excused),
                str(row.absent),
                str(row.left_early),
                f"{row.hours:.2f}",
                str(row.days_below_daily_minimum),
                str(row.weeks_below_minimum),
                Text(
                    str(row.consecutive_absences),
                    style="bold" if row.consecutive_absences >= 2 else "",
                ),
                topics[pid].text() if pid in topics else "",
                *more,
                key=str(pid),
            )

    def box_submitted(self) -> None:
        """Show the dates typed."""
        self.reload()

    def open_row(self, key: str) -> None:
        """Open the member."""
        from facilitator.screens.member import MemberScreen

        self.app.push_screen(MemberScreen(self.database, self.group_id, int(key), today=self.today))
