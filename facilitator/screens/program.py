"""The program view (`p` on home): one row per person across all their groups (CONTRACT 9)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from facilitator.screens.range_report import RangeReportScreen
from facilitator.screens.table_screen import RANGE_BOX, boxed_keys
from facilitator.store.database import Database
from facilitator.widgets.plain import plain
from facilitator.widgets.tables import Column, fill_rows

if TYPE_CHECKING:
    from sqlmodel import Session

    from facilitator.reports.program import Person, ProgramReport

COLUMNS: tuple[Column[Person], ...] = (
    ("name", lambda p: plain(p.name)),
    ("hours", lambda p: f"{p.hours:.2f}"),
    ("days", lambda p: str(p.days_attended)),
    ("days < min", lambda p: str(p.days_below_daily_minimum)),
    ("weeks", lambda p: str(len(p.weeks))),
    (
        "weeks < min",
        lambda p: Text(str(p.weeks_below_minimum), style="bold" if p.weeks_below_minimum else ""),
    ),
    ("groups (topics covered)", lambda p: plain(p.groups_text())),
)


def columns(scales: tuple[str, ...]) -> tuple[Column[Person], ...]:
    """The table's columns: each asked check-in scale's latest answer (mean) before groups."""
    asked: tuple[Column[Person], ...] = tuple(
        (f"{scale} (mean)", lambda p, scale=scale: p.scale_text(scale)) for scale in scales
    )
    return COLUMNS[:-1] + asked + COLUMNS[-1:]


@dataclass(frozen=True)
class ProgramRead:
    """The program report, and a group of each person's (by participant id)."""

    report: ProgramReport
    first_group: dict[int, int]


class ProgramScreen(RangeReportScreen[ProgramRead]):
    """Each person's service hours over every group, with the days and weeks below minimum."""

    HELP_TITLE = "Program — keys"
    TABLE_ID = "program"
    BINDINGS = boxed_keys("program", ("person", "Person"), RANGE_BOX)

    def __init__(self, database: Database, today: dt.date | None = None) -> None:
        super().__init__(database)
        self.today = today
        self.first_group: dict[int, int] = {}
        """A group of each person's (by participant id), for the member screen."""

    def read(self, date_from: dt.date | None, date_to: dt.date | None) -> ProgramRead:
        """The report for these dates, and each person's first group (in a thread)."""
        from facilitator.reports.program import program_report

        with self.database.session() as db:
            report = program_report(db, date_from=date_from, date_to=date_to, today=self.today)
            first = _first_groups(db, [p.participant_id for p in report.people])
        return ProgramRead(report, first)

    def draw(self, report: ProgramRead) -> None:
        """Show each person's figures."""
        self.first_group = report.first_group
        program = report.report
        self.show_heading(
            Text("Program", "bold"),
            "",
            (program.date_from, program.date_to),
            program.weekly_hours,
            program.daily_hours,
        )
        fill_rows(
            self.table,
            columns(program.scales),
            ((str(p.participant_id), p) for p in program.people),
        )
        if not program.people:
            self.notify("Nobody was a member of any group in these dates.", markup=False)

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
