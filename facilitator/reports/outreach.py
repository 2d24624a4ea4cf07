"""Who the team should reach out to: absence streaks and last week's hours below the minimum."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from facilitator.common.timeutil import today_in
from facilitator.reports.attendance import AttendanceReport
from facilitator.reports.calendar import ScheduledWeeks, scheduled_days
from facilitator.reports.due import below, daily, member_between
from facilitator.session.cancel import cancelled_days
from facilitator.store.models import Group, Membership


@dataclass(frozen=True)
class OutreachItem:
    """A member the team should reach out to, and why."""

    participant_id: int
    name: str
    consecutive_absences: int
    last_week_hours: float | None
    reasons: tuple[str, ...]


def last_complete_week(report: AttendanceReport, today: dt.date) -> dt.date | None:
    """The Monday of the latest ISO week that ended before today and within the report's range."""
    reference = min(report.date_to, today - dt.timedelta(days=1))
    sunday = reference - dt.timedelta(days=(reference.weekday() + 1) % 7)
    monday = sunday - dt.timedelta(days=6)
    return monday if sunday >= report.date_from else None


def outreach(
    report: AttendanceReport,
    db: Session,
    group: Group,
    *,
    today: dt.date | None = None,
    min_absences: int = 2,
) -> list[OutreachItem]:
    """Members with `min_absences`+ absences in a row, or below the weekly minimum last week.

    "Last week" is the latest complete ISO week within the report's range; a member counts for it
    if they had a session held or scheduled (and not cancelled) in it while a member. A member
    whose last day is before today is not listed: there is no one to reach out to in this group.
    """
    assert group.id is not None
    today = today or today_in(group.timezone)
    monday = last_complete_week(report, today)
    week_minutes: dict[int, float] = {}
    due_last_week: set[int] = set()
    if monday is not None:
        sunday = monday + dt.timedelta(days=6)
        held = daily(db, group.id, monday, sunday)
        for pid, days in held.items():
            week_minutes[pid] = sum(d.minutes for d in days.values())
        cancelled = cancelled_days(db, [group.id], monday, sunday)[group.id]
        scheduled = ScheduledWeeks(scheduled_days(group, monday, sunday, cancelled))
        periods = db.exec(
            select(Membership).where(
                Membership.group_id == group.id, member_between(monday, sunday)
            )
        ).all()
        # A week counts only for those who had a session held or scheduled in it.
        due_last_week = set(held) | {p.participant_id for p in periods if scheduled.weeks_within(p)}
    items = []
    for pid, row in report.rows():
        if row.left is not None and row.left < today:
            continue
        reasons = []
        if row.consecutive_absences >= min_absences:
            reasons.append(f"{row.consecutive_absences} absences in a row")
        hours: float | None = None
        if monday is not None and pid in due_last_week:
            minutes = week_minutes.get(pid, 0.0)
            hours = round(minutes / 60.0, 2)
            if below(minutes, group.weekly_hours):
                year, week, _ = monday.isocalendar()
                reasons.append(
                    f"{hours:.2f} h in week {year}-W{week:02d}, below {group.weekly_hours:g} h"
                )
        if reasons:
            items.append(
                OutreachItem(pid, row.name, row.consecutive_absences, hours, tuple(reasons))
            )
    return items
