"""The program view (`p` on home): one row per person across all their groups (CONTRACT 9)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Label

from facilitator.errors import UserError
from facilitator.screens.table_screen import BoxedTableScreen, table_keys
from facilitator.store.database import Database
from facilitator.widgets.plain import plain

if TYPE_CHECKING:
    from sqlmodel import Session

COLUMNS = (
    "name",
    "hours",
    "days",
    "days < min",
    "weeks",
    "weeks < min",
    "groups (topics covered)",
)


class ProgramScreen(BoxedTableScreen):
    """Each person's service hours over every group, with the days and weeks below minimum."""

    HELP_TITLE = "Program — keys"
    BINDINGS = table_keys(
        "program",
        Binding("enter", "open", "Person", key_display="enter", id="program.person"),
        Binding("slash", "focus_range", "Dates", key_display="/", id="program.dates"),
    )

    def __init__(self, database: Database, today: dt.date | None = None) -> None:
        super().__init__(database)
        self.today = today
        self.first_group: dict[int, int] = {}
        """A group of each person's (by participant id), for the member screen."""

    def compose(self) -> ComposeResult:
        yield Label("", id="home-title")
        yield from self.range_boxes()
        self.table = DataTable(id="program", cursor_type="row", zebra_stripes=True)
        yield self.table
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.table.focus()

    def reload(self) -> None:
        """Show the report for the dates in the boxes (default: everything up to today)."""
        from facilitator.reports.program import program_report

        try:
            date_from = self.typed_date("#report-from", "from")
            date_to = self.typed_date("#report-to", "to")
            with self.database.session() as db:
                report = program_report(db, date_from=date_from, date_to=date_to, today=self.today)
                self.first_group = _first_groups(db, [p.participant_id for p in report.people])
        except UserError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.query_one("#home-title", Label).update(
            Text.assemble(
                ("Program", "bold"),
                f"  ·  {report.date_from} to {report.date_to}"
                f"  ·  minimum {report.weekly_hours:g} h/week, {report.daily_hours:g} h/day",
            )
        )
        self.show_range(report.date_from, report.date_to)
        self.table.clear(columns=True)
        self.table.add_columns(*COLUMNS)
        for person in report.people:
            below = person.weeks_below_minimum
            self.table.add_row(
                plain(person.name),
                f"{person.hours:.2f}",
                str(person.days_attended),
                str(person.days_below_daily_minimum),
                str(len(person.weeks)),
                Text(str(below), style="bold" if below else ""),
                plain(person.groups_text()),
                key=str(person.participant_id),
            )
        if not report.people:
            self.notify("Nobody was a member of any group in these dates.", markup=False)

    def box_submitted(self) -> None:
        """Show the dates typed."""
        self.reload()

    def open_row(self, key: str) -> None:
        """Open the person (the member screen shows all their groups)."""
        from facilitator.screens.member import MemberScreen

        group_id = self.first_group.get(int(key))
        if group_id is not None:
            self.app.push_screen(MemberScreen(self.database, group_id, int(key), today=self.today))


def _first_groups(db: Session, participant_ids: list[int]) -> dict[int, int]:
    """Each person's earliest group membership (by participant id)."""
    from sqlmodel import col, select

    from facilitator.store.models import Membership

    rows = db.exec(
        select(Membership.participant_id, Membership.group_id)
        .where(col(Membership.participant_id).in_(participant_ids))
        .order_by(col(Membership.joined), col(Membership.id))
    ).all()
    first: dict[int, int] = {}
    for pid, gid in rows:
        first.setdefault(pid, gid)
    return first
