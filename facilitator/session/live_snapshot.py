"""What the live screen shows, as last saved: the roster lines and the session's snapshot.

`load_snapshot` reads it in one go, with the session's change marker read first (see
`change_marker`), so another laptop's change made meanwhile is seen at the next poll.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.errors import UserError
from facilitator.session import notes as note_service
from facilitator.session.agenda import Agenda
from facilitator.store.models import (
    NOTE_FORMATS,
    AgendaRun,
    Attendance,
    AuditEvent,
    Break,
    Group,
    GroupSession,
    Note,
    Participant,
    SessionState,
    Status,
)

NOT_HERE = "not here"
"""The roster's word for a member not yet checked in while the session runs."""


@dataclass(frozen=True)
class RosterEntry:
    """One member's line on the roster."""

    participant: Participant
    attendance: Attendance
    waiting: bool = False
    """Not checked in while the session runs, and not marked absent by the facilitator."""

    @property
    def status(self) -> Status:
        """The member's current status."""
        return self.attendance.status

    @property
    def word(self) -> str:
        """How the status reads on the roster: `not here` while still awaited, else the status."""
        return NOT_HERE if self.waiting else self.status.word

    @property
    def checked_in(self) -> bool:
        """Has a check-in time (present, late or left early)."""
        return self.attendance.checked_in_at is not None


@dataclass
class Snapshot:
    """Everything the live screen shows, as last saved."""

    group: Group
    session: GroupSession
    agenda: Agenda
    roster: list[RosterEntry]
    notes: dict[int | None, Note] = field(default_factory=dict)

    @property
    def headings(self) -> tuple[str, ...]:
        """The group's progress-note headings."""
        return NOTE_FORMATS.get(self.group.note_format, NOTE_FORMATS["DAP"])

    def apply(self, attendance: Attendance) -> bool:
        """Show a member's attendance as just saved (a phone check-in) without reloading the
        rest; False if they are not on this roster (then reload)."""
        for index, entry in enumerate(self.roster):
            if entry.participant.id == attendance.participant_id:
                self.roster[index] = RosterEntry(entry.participant, attendance)
                return True
        return False

    def counts(self) -> dict[Status, int]:
        """How many members have each status (those still awaited count as absent)."""
        result = dict.fromkeys(Status, 0)
        for entry in self.roster:
            result[entry.status] += 1
        return result

    @property
    def not_here(self) -> list[RosterEntry]:
        """Members not yet checked in and not marked absent: the end marks them absent."""
        return [e for e in self.roster if e.waiting]

    def entry(self, participant_id: int) -> RosterEntry | None:
        """The roster line of a member."""
        for entry in self.roster:
            if entry.participant.id == participant_id:
                return entry
        return None


def _marked_absent(db: Session, session_id: str) -> set[int]:
    """Members whose latest status change in the session, by hand, made them absent."""
    events = db.exec(
        select(AuditEvent.participant_id, AuditEvent.detail)
        .where(AuditEvent.session_id == session_id, AuditEvent.action == "attendance.status")
        .order_by(col(AuditEvent.id))
    ).all()
    latest: dict[int, object] = {}
    for participant_id, detail in events:
        if participant_id is not None:
            latest[participant_id] = (detail or {}).get("after")
    return {pid for pid, after in latest.items() if after == Status.ABSENT.value}


def stored_agenda(db: Session, session: GroupSession) -> Agenda:
    """The session's agenda as saved: its items and its breaks in the order they began."""
    items = db.exec(select(AgendaRun).where(AgendaRun.session_id == session.id)).all()
    breaks = db.exec(
        select(Break).where(Break.session_id == session.id).order_by(col(Break.started_at))
    ).all()
    return Agenda(items, breaks, session.started_at)


def change_marker(db: Session, session_id: str) -> int:
    """The session's change marker: its newest audit row's id (0 when none).

    Every change to a session (a check-in from any laptop or phone, a status, an agenda step,
    a note, an answer) writes an audit row with the session's id, so the marker moves whenever
    something changed; reading it is one indexed query.
    """
    found = db.exec(
        select(sa.func.max(AuditEvent.id)).where(AuditEvent.session_id == session_id)
    ).one()
    return int(found or 0)


def load_snapshot(db: Session, session_id: str) -> tuple[Snapshot, int]:
    """The session as saved, and the change marker read just before it."""
    marker = change_marker(db, session_id)
    session = db.get(GroupSession, session_id)
    if session is None:
        raise UserError(f"no session {session_id}")
    group = db.get(Group, session.group_id)
    assert group is not None
    agenda = stored_agenda(db, session)
    rows = db.exec(
        select(Participant, Attendance)
        .join(Attendance, col(Attendance.participant_id) == col(Participant.id))
        .where(Attendance.session_id == session.id)
        .order_by(col(Participant.name))
    ).all()
    notes = note_service.get_notes(db, session.id)
    live = session.state == SessionState.LIVE
    marked = _marked_absent(db, session.id) if live else set()
    roster = [
        RosterEntry(
            p,
            a,
            waiting=live
            and a.status is Status.ABSENT
            and a.checked_in_at is None
            and p.id not in marked,
        )
        for p, a in rows
    ]
    snapshot = Snapshot(group=group, session=session, agenda=agenda, roster=roster, notes=notes)
    return snapshot, marker
