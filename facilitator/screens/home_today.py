"""Today's meetings on the home screen: every group's meetings of the day by start time, each
with its state; `enter` starts or resumes one, `x` cancels one (asks a reason, then confirms) and
`u` takes a cancellation back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import DataTable, Label

from facilitator.errors import UserError
from facilitator.screens.dialogs import AskScreen, ConfirmScreen
from facilitator.screens.home_start import StartingScreen
from facilitator.store.models import Group
from facilitator.widgets.plain import plain
from facilitator.widgets.tables import selected_key

if TYPE_CHECKING:
    from sqlmodel import Session

    from facilitator.reports.today import Meeting
    from facilitator.store.database import Database

STATE_STYLES = {
    "live": "bold",
    "cancelled": "italic",
    "not_recorded": "bold red",
}
"""How a meeting's state word stands out in the list."""


def meeting_key(index: int, meeting: Meeting) -> str:
    """A row key: the group and the meeting's place in the day (a group may meet twice)."""
    return f"{meeting.group_id}:{index}"


class TodayScreen(StartingScreen):
    """A starting screen with today's meetings in `today_table` above its main table."""

    today_table: DataTable[object]
    """Today's meetings (made in `compose`)."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.day: dt.date | None = None
        """The local date whose meetings are listed."""
        self.meetings: dict[str, Meeting] = {}

    def show_today(self, day: dt.date, meetings: list[Meeting], scheduled: bool) -> None:
        """List the day's meetings; hidden when no group has a schedule."""
        table = self.today_table
        keep = selected_key(table)
        self.day = day
        self.meetings = {meeting_key(i, m): m for i, m in enumerate(meetings)}
        table.clear(columns=True)
        table.add_columns("time", "group", "state", "reason")
        for key, m in self.meetings.items():
            table.add_row(
                f"{m.starts}–{m.ends}" if m.ends else f"{m.starts}–",
                plain(m.group),
                Text(m.state.word, style=STATE_STYLES.get(m.state.value, "")),
                plain(m.reason or ""),
                key=key,
            )
        if keep in self.meetings:
            table.move_cursor(row=list(self.meetings).index(keep))
        table.display = bool(meetings)
        label = self.query_one("#today-title", Label)
        label.update(
            f"Today, {day:%A %Y-%m-%d}"
            + ("" if meetings else ": no meetings scheduled (set one with G, Meets)")
        )
        label.display = scheduled
        self.query_one("#groups-title", Label).display = scheduled

    def selected_meeting(self) -> Meeting | None:
        """The meeting under the today list's cursor."""
        key = selected_key(self.today_table)
        return self.meetings.get(key) if key else None

    def action_cancel_meeting(self) -> None:
        """Cancel the selected meeting of today: asks a reason, then confirms."""
        meeting, day = self.selected_meeting(), self.day
        if meeting is None or day is None:
            self.notify("Select one of today's meetings first (tab).", markup=False)
            return
        question = f"Why does {meeting.group} not meet on {day:%A %Y-%m-%d}?"

        def reason_given(reason: str | None) -> None:
            if reason is None:
                return
            self.app.push_screen(
                ConfirmScreen(
                    f"Cancel {meeting.group}'s meeting of {day.isoformat()}?",
                    f"Reason: {reason}. Nobody counts as absent that day; u takes it back.",
                    yes="Cancel the meeting (y)",
                ),
                lambda yes: self._cancel(meeting, day, reason) if yes else None,
            )

        self.app.push_screen(
            AskScreen(question, placeholder="holiday, weather, staff (escape: keep it)"),
            reason_given,
        )

    def _cancel(self, meeting: Meeting, day: dt.date, reason: str) -> None:
        from facilitator.session.cancel import cancel_meeting

        self._change_day(
            meeting,
            lambda db, group, actor: cancel_meeting(db, group, day, reason=reason, actor=actor),
            f"{meeting.group}: {day.isoformat()} cancelled",
        )

    def action_uncancel_meeting(self) -> None:
        """Take back the selected meeting's cancellation (it is scheduled again)."""
        from facilitator.session.cancel import uncancel_meeting

        meeting, day = self.selected_meeting(), self.day
        if meeting is None or day is None:
            self.notify("Select one of today's meetings first (tab).", markup=False)
            return
        self._change_day(
            meeting,
            lambda db, group, actor: uncancel_meeting(db, group, day, actor=actor),
            f"{meeting.group}: {day.isoformat()} is scheduled again",
        )

    def _change_day(
        self, meeting: Meeting, change: Callable[[Session, Group, str], object], done: str
    ) -> None:
        """Run `change(db, group, actor)` off the event loop, then say `done` and reload."""
        from facilitator.screens.form import actor_of

        database, app = self.database, self.app

        def job() -> str:
            with database.session() as db:
                group = db.get(Group, meeting.group_id)
                if group is None:
                    raise UserError("this group is no longer in the database")
                change(db, group, actor_of(app, db))
            return done

        self.work.submit(job, self._changed)

    def _changed(self, message: str | None) -> None:
        if message is not None:
            self.notify(message, markup=False)
        self.reload_all()

    def reload_all(self) -> None:
        """Load today's meetings and the groups again."""
        raise NotImplementedError


def load_today(db: Session, now: dt.datetime) -> tuple[dt.date, list[Meeting], bool]:
    """Today's local date (this machine's zone), its meetings, and whether any group has a
    schedule at all."""
    from sqlmodel import col, select

    from facilitator.common.timeutil import local, machine_timezone
    from facilitator.reports.today import meetings_on
    from facilitator.store.models import Group

    day = local(now, machine_timezone()).date()
    scheduled = db.exec(select(Group.id).where(col(Group.meets).is_not(None))).first()
    return day, meetings_on(db, day, now=now), scheduled is not None
