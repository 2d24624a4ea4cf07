"""The live session as one object: every facilitator action, persisted the moment it happens.

`LiveSession` is what the TUI and the check-in server call. Each action is one transaction; after
it, `snapshot` is reloaded from the database, so the screen always shows what is saved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, select

from facilitator.common.clock import Clock, Now
from facilitator.errors import UserError
from facilitator.program.roster import add_member, members
from facilitator.session import attendance as att
from facilitator.session import notes as note_service
from facilitator.session.agenda import Agenda
from facilitator.store.db import Database
from facilitator.store.models import (
    NOTE_FORMATS,
    AgendaRun,
    Attendance,
    Break,
    Group,
    GroupSession,
    Method,
    Note,
    Participant,
    SessionState,
    Status,
)


@dataclass(frozen=True)
class RosterEntry:
    """One member's line on the roster."""

    participant: Participant
    attendance: Attendance

    @property
    def status(self) -> Status:
        """The member's current status."""
        return Status(self.attendance.status)

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
        """How many members have each status."""
        result = dict.fromkeys(Status, 0)
        for entry in self.roster:
            result[entry.status] += 1
        return result

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
            items = db.exec(select(AgendaRun).where(AgendaRun.session_id == session.id)).all()
            breaks = db.exec(
                select(Break).where(Break.session_id == session.id).order_by(Break.started_at)  # type: ignore[arg-type]
            ).all()
            rows = db.exec(
                select(Participant, Attendance)
                .join(Attendance, Attendance.participant_id == Participant.id)  # type: ignore[arg-type]
                .where(Attendance.session_id == session.id)
                .order_by(Participant.name)
            ).all()
            notes = note_service.get_notes(db, session.id)
        return Snapshot(
            group=group,
            session=session,
            agenda=Agenda(items, breaks, session.started_at),
            roster=[RosterEntry(p, a) for p, a in rows],
            notes=notes,
        )

    @property
    def live(self) -> bool:
        """The session has not been ended."""
        return self.snapshot.session.state == SessionState.LIVE

    def _context(self, db: Session) -> tuple[Group, GroupSession]:
        session = db.get(GroupSession, self.session_id)
        assert session is not None
        group = db.get(Group, session.group_id)
        assert group is not None
        return group, session

    def _require_live(self, session: GroupSession) -> None:
        if session.state != SessionState.LIVE:
            raise UserError("the session has ended")

    # -- agenda --------------------------------------------------------------------------------

    def _agenda_action(self, action: str) -> object:
        now = self.now()
        with self.database.session() as db:
            _, session = self._context(db)
            self._require_live(session)
            items = db.exec(select(AgendaRun).where(AgendaRun.session_id == session.id)).all()
            breaks = db.exec(select(Break).where(Break.session_id == session.id)).all()
            agenda = Agenda(items, breaks, session.started_at)
            result: object
            if action == "next":
                result = agenda.next(now)
            elif action == "pause":
                result = agenda.toggle_pause(now)
            elif action == "extend":
                result = agenda.extend()
            elif action == "break":
                if agenda.active_break is not None:
                    result = agenda.end_break(now)
                else:
                    result = agenda.start_break(now)
            else:  # pragma: no cover - programming error
                raise ValueError(action)
            for brk in agenda.breaks:
                brk.session_id = session.id
                db.add(brk)
            for item in agenda.items:
                db.add(item)
            att.audit(db, f"agenda.{action}", session_id=session.id, actor=self.actor, at=now)
        self.refresh()
        return result

    def next_item(self) -> AgendaRun | None:
        """`n`: finish the current item and start the next (None when the agenda is done)."""
        return self._agenda_action("next")  # type: ignore[return-value]

    def toggle_pause(self) -> bool | None:
        """`p`: pause or resume the current item; True when now paused."""
        return self._agenda_action("pause")  # type: ignore[return-value]

    def extend(self) -> AgendaRun | None:
        """`+`: add 5 minutes to the current item."""
        return self._agenda_action("extend")  # type: ignore[return-value]

    def toggle_break(self) -> bool:
        """`b`: start a break, or end the running one early; True when a break is now running."""
        self._agenda_action("break")
        return self.snapshot.agenda.active_break is not None

    # -- attendance ----------------------------------------------------------------------------

    def check_in_code(
        self, code: str, *, method: Method = Method.CODE, source: str | None = None
    ) -> att.CheckInResult:
        """Check in by personal code (typed, scanned or from a phone)."""
        now = self.now()
        with self.database.session() as db:
            group, session = self._context(db)
            result = att.check_in_by_code(
                db,
                group=group,
                session=session,
                code=code,
                method=method,
                now=now,
                actor=self.actor,
                source=source,
            )
        self.refresh()
        return result

    def cycle_status(self, participant_id: int) -> Status:
        """`space`: present → late → excused → absent → present."""
        now = self.now()
        with self.database.session() as db:
            group, session = self._context(db)
            row = att.cycle_status(
                db,
                group=group,
                session=session,
                participant_id=participant_id,
                now=now,
                actor=self.actor,
            )
            status = Status(row.status)
        self.refresh()
        return status

    def check_out(self, participant_id: int) -> None:
        """`o`: the member left early."""
        now = self.now()
        with self.database.session() as db:
            _, session = self._context(db)
            att.check_out(
                db, session=session, participant_id=participant_id, now=now, actor=self.actor
            )
        self.refresh()

    def mark_all_present(self) -> int:
        """`A`: everyone not yet checked in (and not excused) is present; returns how many."""
        now = self.now()
        with self.database.session() as db:
            group, session = self._context(db)
            ids = [e.participant.id for e in self.snapshot.roster]
            count = att.mark_all_present(
                db,
                group=group,
                session=session,
                participant_ids=ids,
                now=now,
                actor=self.actor,  # type: ignore[arg-type]
            )
        self.refresh()
        return count

    def add_walk_in(self, name: str) -> Participant:
        """`w`: add a walk-in to the group and check them in at once."""
        now = self.now()
        with self.database.session() as db:
            group, session = self._context(db)
            self._require_live(session)
            member = add_member(db, group, name=name, actor=self.actor)
            att.check_in(
                db,
                group=group,
                session=session,
                participant=member.participant,
                method=Method.WALK_IN,
                now=now,
                actor=self.actor,
            )
            participant = member.participant
        self.refresh()
        return participant

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
        now = self.now()
        with self.database.session() as db:
            group, session = self._context(db)
            note = note_service.save_note(
                db,
                session=session,
                participant_id=participant_id,
                note_format=group.note_format,
                fields=fields,
                text=text,
                now=now,
                actor=self.actor,
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

        now = self.now()
        with self.database.session() as db:
            _, session = self._context(db)
            end_session(db, session=session, now=now, actor=self.actor)
        self.refresh()


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
            att.ensure_rows(db, session.id, [m.participant.id for m in members(db, group)])  # type: ignore[misc]
    return LiveSession(database, session_id, clock=clock, actor=actor)
