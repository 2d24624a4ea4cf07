"""The live session as one object: every facilitator action, persisted the moment it happens.

`LiveSession` is what the TUI and the check-in server call. Each action is one transaction; after
it, `snapshot` is reloaded from the database, so the screen always shows what is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlmodel import Session, col, select

from facilitator.common.clock import Clock, Now
from facilitator.errors import UserError
from facilitator.program.roster import add_member, members
from facilitator.session import attendance as att
from facilitator.session import notes as note_service
from facilitator.session.agenda import Agenda
from facilitator.store.audit import audit
from facilitator.store.database import Database
from facilitator.store.models import (
    NOTE_FORMATS,
    AgendaRun,
    Attendance,
    AuditEvent,
    Break,
    Group,
    GroupSession,
    Method,
    Note,
    Participant,
    SessionState,
    Status,
)

T = TypeVar("T")

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

    @property
    def missing_notes(self) -> list[RosterEntry]:
        """Members who attended and have no progress note written."""
        written = {pid for pid, note in self.notes.items() if note.text.strip()}
        return [e for e in self.roster if e.status.attended and e.participant.id not in written]

    def entry(self, participant_id: int) -> RosterEntry | None:
        """The roster line of a member."""
        for entry in self.roster:
            if entry.participant.id == participant_id:
                return entry
        return None


class LiveSession:
    """A group's session in progress; every method saves at once and refreshes the snapshot."""

    def __init__(
        self, database: Database, session_id: str, *, clock: Now | None = None, actor: str = ""
    ) -> None:
        self.database = database
        self.session_id = session_id
        self.clock: Now = clock or Clock()
        self.actor = actor
        self.snapshot = self._load()

    # -- reading -------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The current time from the session's clock."""
        return self.clock()

    def refresh(self) -> Snapshot:
        """Reload from the database (e.g. after a phone check-in)."""
        self.snapshot = self._load()
        return self.snapshot

    def _load(self) -> Snapshot:
        with self.database.session() as db:
            session = db.get(GroupSession, self.session_id)
            if session is None:
                raise UserError(f"no session {self.session_id}")
            group = db.get(Group, session.group_id)
            assert group is not None
            agenda = _stored_agenda(db, session)
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
        return Snapshot(group=group, session=session, agenda=agenda, roster=roster, notes=notes)

    @property
    def live(self) -> bool:
        """The session has not been ended."""
        return self.snapshot.session.state == SessionState.LIVE

    def _act(
        self,
        action: Callable[[Session, Group, GroupSession, dt.datetime], T],
        *,
        live_only: bool = False,
        refresh: bool = True,
    ) -> T:
        """Run one action in its own transaction at the clock's now, then reload the snapshot.

        `live_only` refuses it once the session has ended.
        """
        now = self.now()
        with self.database.session() as db:
            session = db.get(GroupSession, self.session_id)
            assert session is not None
            group = db.get(Group, session.group_id)
            assert group is not None
            if live_only and session.state != SessionState.LIVE:
                raise UserError("the session has ended")
            result = action(db, group, session, now)
        if refresh:
            self.refresh()
        return result

    # -- agenda --------------------------------------------------------------------------------

    def _agenda_step(self, action: str, step: Callable[[Agenda, dt.datetime], T]) -> T:
        """Apply one agenda operation to the saved agenda, save it and audit it as `action`."""

        def run(db: Session, _group: Group, session: GroupSession, now: dt.datetime) -> T:
            agenda = _stored_agenda(db, session)
            result = step(agenda, now)
            for brk in agenda.breaks:
                brk.session_id = session.id
                db.add(brk)
            for item in agenda.items:
                db.add(item)
            audit(db, action, session_id=session.id, actor=self.actor, at=now)
            return result

        return self._act(run, live_only=True)

    def next_item(self) -> AgendaRun | None:
        """`n`: finish the current item and start the next (None when the agenda is done)."""
        return self._agenda_step("agenda.next", Agenda.next)

    def toggle_pause(self) -> bool | None:
        """`p`: pause or resume the current item; True when now paused."""
        return self._agenda_step("agenda.pause", Agenda.toggle_pause)

    def extend(self) -> AgendaRun | None:
        """`+`: add 5 minutes to the current item."""
        return self._agenda_step("agenda.extend", lambda agenda, _now: agenda.extend())

    def toggle_break(self) -> bool:
        """`b`: start a break, or end the running one early; True when a break is now running."""
        return self._agenda_step("agenda.break", Agenda.toggle_break)

    # -- attendance ----------------------------------------------------------------------------

    def check_in_code(
        self, code: str, *, method: Method = Method.CODE, source: str | None = None
    ) -> att.CheckInResult:
        """Check in by personal code (typed, scanned or from a phone)."""
        return self._act(
            lambda db, group, session, now: att.check_in(
                db,
                group=group,
                session=session,
                code=code,
                method=method,
                now=now,
                actor=self.actor,
                source=source,
            )
        )

    def cycle_status(self, participant_id: int) -> Status:
        """`space`: present → late → excused → absent → present."""
        return self._act(
            lambda db, group, session, now: (
                att.cycle_status(
                    db,
                    group=group,
                    session=session,
                    participant_id=participant_id,
                    now=now,
                    actor=self.actor,
                ).status
            )
        )

    def check_out(self, participant_id: int) -> None:
        """`o`: the member left early."""
        self._act(
            lambda db, _group, session, now: att.check_out(
                db, session=session, participant_id=participant_id, now=now, actor=self.actor
            )
        )

    def mark_all_present(self) -> int:
        """`A`: everyone not yet checked in (and not excused) is present; returns how many."""
        ids = [e.attendance.participant_id for e in self.snapshot.roster]
        return self._act(
            lambda db, group, session, now: att.mark_all_present(
                db, group=group, session=session, participant_ids=ids, now=now, actor=self.actor
            )
        )

    def add_walk_in(self, name: str) -> Participant:
        """`w`: add a walk-in to the group and check them in at once."""

        def run(db: Session, group: Group, session: GroupSession, now: dt.datetime) -> Participant:
            participant = add_member(db, group, name=name, actor=self.actor).participant
            att.check_in(
                db,
                group=group,
                session=session,
                participant=participant,
                method=Method.WALK_IN,
                now=now,
                actor=self.actor,
            )
            return participant

        return self._act(run, live_only=True)

    # -- notes ---------------------------------------------------------------------------------

    def save_session_note(self, text: str) -> Note:
        """Save the session note (group themes, interventions, engagement)."""
        return self._save_note(None, text=text)

    def save_member_note(self, participant_id: int, fields: dict[str, str]) -> Note:
        """Save a member's progress note in the group's format, one field per heading."""
        return self._save_note(participant_id, fields=fields)

    def _save_note(
        self,
        participant_id: int | None,
        *,
        text: str | None = None,
        fields: dict[str, str] | None = None,
    ) -> Note:
        note = self._act(
            lambda db, group, session, now: note_service.save_note(
                db,
                session=session,
                participant_id=participant_id,
                note_format=group.note_format,
                fields=fields,
                text=text,
                now=now,
                actor=self.actor,
            ),
            refresh=False,
        )
        self.snapshot.notes[participant_id] = note
        return note

    def cloned_notes(self) -> list[note_service.ClonePair]:
        """Member notes that read (nearly) alike."""
        return note_service.cloned_notes(self.snapshot.notes)

    # -- end -----------------------------------------------------------------------------------

    def end(self) -> None:
        """`e`, confirmed: end the session and record it."""
        from facilitator.session.lifecycle import end_session

        self._act(
            lambda db, _group, session, now: end_session(
                db, session=session, now=now, actor=self.actor
            )
        )


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


def _stored_agenda(db: Session, session: GroupSession) -> Agenda:
    """The session's agenda as saved: its items and its breaks in the order they began."""
    items = db.exec(select(AgendaRun).where(AgendaRun.session_id == session.id)).all()
    breaks = db.exec(
        select(Break).where(Break.session_id == session.id).order_by(col(Break.started_at))
    ).all()
    return Agenda(items, breaks, session.started_at)


def open_live(
    database: Database, session_id: str, *, clock: Now | None = None, actor: str = ""
) -> LiveSession:
    """Open a live session, first giving every current member a roster row."""
    with database.session() as db:
        session = db.get(GroupSession, session_id)
        if session is None:
            raise UserError(f"no session {session_id}")
        group = db.get(Group, session.group_id)
        assert group is not None
        if session.state == SessionState.LIVE:
            att.ensure_rows(
                db,
                session.id,
                [m.membership.participant_id for m in members(db, group, on=session.local_date)],
            )
    return LiveSession(database, session_id, clock=clock, actor=actor)
