"""One day's meetings across groups, each with its state (CONTRACT section 8, `schedule`).

A group's schedule (`--meets`) says when it meets; a meeting is *held* when a session of the group
ended on that local date, *live* while one runs, *cancelled* when `session cancel` said the group
did not meet, *upcoming* before its end time, and *not recorded* once its day (or, today, its end)
has passed with neither. Sessions held on a day the schedule does not name stand in the list too,
at the time they started, so the day's record is whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from facilitator.common.timeutil import local, utcnow, zone
from facilitator.program.schedule import blocks_on
from facilitator.store.models import Cancellation, Group, GroupSession, SessionState, Worded


class MeetingState(Worded):
    """What became of one scheduled meeting (`word`: `not recorded`)."""

    UPCOMING = "upcoming"
    LIVE = "live"
    HELD = "held"
    CANCELLED = "cancelled"
    NOT_RECORDED = "not_recorded"


@dataclass(frozen=True)
class Meeting:
    """One meeting of one group on one day."""

    group_id: int
    group: str
    starts: str
    """Local `HH:MM`."""
    ends: str | None
    """Local `HH:MM`; None for a session held off the schedule that has not ended."""
    state: MeetingState
    reason: str | None = None
    """A cancellation's reason."""
    session_id: str | None = None

    def as_json(self) -> dict[str, object]:
        """The fields of `schedule --format json`."""
        return {
            "group": self.group,
            "starts": self.starts,
            "ends": self.ends,
            "state": self.state.value,
            "reason": self.reason,
        }


def _sessions(db: Session, day: dt.date) -> dict[int, list[GroupSession]]:
    """The day's live and ended sessions per group, oldest first."""
    rows = db.exec(
        select(GroupSession)
        .where(
            GroupSession.local_date == day,
            col(GroupSession.state).in_([SessionState.LIVE.value, SessionState.ENDED.value]),
        )
        .order_by(col(GroupSession.started_at))
    ).all()
    per_group: dict[int, list[GroupSession]] = {}
    for row in rows:
        per_group.setdefault(row.group_id, []).append(row)
    return per_group


def _session_state(session: GroupSession) -> MeetingState:
    return MeetingState.LIVE if session.state == SessionState.LIVE.value else MeetingState.HELD


def _group_meetings(
    group: Group,
    day: dt.date,
    sessions: list[GroupSession],
    cancellation: Cancellation | None,
    now: dt.datetime,
) -> list[Meeting]:
    """One group's meetings on `day`: its scheduled blocks, then sessions held off schedule."""
    assert group.id is not None
    meetings: list[Meeting] = []
    pending = list(sessions)
    local_now = local(now, group.timezone)
    for block in blocks_on(group.meets, day):
        starts, ends = f"{block.starts:%H:%M}", f"{block.ends:%H:%M}"
        if cancellation is not None:
            meetings.append(
                Meeting(
                    group.id, group.name, starts, ends, MeetingState.CANCELLED, cancellation.reason
                )
            )
            continue
        if pending:
            session = pending.pop(0)
            meetings.append(
                Meeting(
                    group.id,
                    group.name,
                    starts,
                    ends,
                    _session_state(session),
                    session_id=session.id,
                )
            )
            continue
        end = dt.datetime.combine(day, block.ends, tzinfo=zone(group.timezone))
        state = MeetingState.UPCOMING if local_now < end else MeetingState.NOT_RECORDED
        meetings.append(Meeting(group.id, group.name, starts, ends, state))
    for session in pending:
        started = local(session.started_at, group.timezone)
        ended = local(session.ended_at, group.timezone) if session.ended_at else None
        meetings.append(
            Meeting(
                group.id,
                group.name,
                started.format("HH:mm"),
                ended.format("HH:mm") if ended else None,
                _session_state(session),
                session_id=session.id,
            )
        )
    return meetings


def meetings_on(db: Session, day: dt.date, *, now: dt.datetime | None = None) -> list[Meeting]:
    """Every group's meetings on the local date `day`, by start time then group name.

    Archived groups are left out unless a session of theirs ran that day.
    """
    now = now or utcnow()
    sessions = _sessions(db, day)
    cancelled = {
        c.group_id: c for c in db.exec(select(Cancellation).where(Cancellation.local_date == day))
    }
    meetings: list[Meeting] = []
    for group in db.exec(select(Group).order_by(col(Group.name))).all():
        assert group.id is not None
        if group.archived and group.id not in sessions:
            continue
        meetings.extend(
            _group_meetings(group, day, sessions.get(group.id, []), cancelled.get(group.id), now)
        )
    return sorted(meetings, key=lambda m: (m.starts, m.group.lower()))
