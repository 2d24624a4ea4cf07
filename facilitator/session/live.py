"""The live session as one object: every facilitator action, persisted the moment it happens.

`LiveSession` is what the TUI and the check-in server call. Each action is one transaction; after
it, `snapshot` is reloaded from the database, so the screen always shows what is saved.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

from sqlmodel import Session

from facilitator.common.clock import Clock, Now
from facilitator.errors import UserError
from facilitator.program.roster import add_member, members
from facilitator.session import attendance as att
from facilitator.session import notes as note_service
from facilitator.session.agenda import Agenda
from facilitator.session.live_snapshot import (
    NOT_HERE,
    RosterEntry,
    Snapshot,
    change_marker,
    load_snapshot,
    stored_agenda,
)
from facilitator.session.modality import toggle_modality
from facilitator.session.scales import record_scales
from facilitator.store.audit import audit
from facilitator.store.database import Database
from facilitator.store.models import (
    AgendaRun,
    Attendance,
    Group,
    GroupSession,
    Method,
    Note,
    Participant,
    SessionState,
    Status,
)

__all__ = ["NOT_HERE", "LiveSession", "RosterEntry", "Snapshot", "open_live"]

T = TypeVar("T")


class LiveSession:
    """A group's session in progress; every method saves at once and refreshes the snapshot."""

    def __init__(
        self, database: Database, session_id: str, *, clock: Now | None = None, actor: str = ""
    ) -> None:
        self.database = database
        self.session_id = session_id
        self.clock: Now = clock or Clock()
        self.actor = actor
        self._pinned = threading.local()
        self._swap = threading.Lock()
        self._read_at = 0.0  # when the snapshot's reading began (monotonic)
        self._shown: list[tuple[float, Attendance]] = []  # rows shown since that read began
        self.marker = 0
        """The change marker as of the snapshot (see `live_snapshot.change_marker`)."""
        self.refresh()

    # -- reading -------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The current time from the session's clock (or the time pinned by `at`)."""
        pinned: dt.datetime | None = getattr(self._pinned, "when", None)
        return pinned if pinned is not None else self.clock()

    @contextmanager
    def at(self, when: dt.datetime) -> Iterator[None]:
        """Actions in this thread happen at `when` (the moment the key was pressed), however
        late they are saved: a check-in kept waiting by a busy database keeps its time."""
        self._pinned.when = when
        try:
            yield
        finally:
            self._pinned.when = None

    def refresh(self) -> Snapshot:
        """Reload from the database (e.g. after a phone check-in). A row shown by `show_saved`
        after this read began stays shown: the read may predate it."""
        began = time.monotonic()
        with self.database.session() as db:
            snapshot, marker = load_snapshot(db, self.session_id)
        with self._swap:
            if began >= self._read_at:
                self._shown = [(t, row) for t, row in self._shown if t >= began]
                for _, row in self._shown:
                    snapshot.apply(row)
                self.snapshot, self.marker, self._read_at = snapshot, marker, began
        return self.snapshot

    def show_saved(self, attendance: Attendance, saved_at: float) -> bool:
        """Show a row another part of this program committed at `saved_at` (monotonic; a phone
        check-in) without reloading. False if the member is not on the roster (reload instead).
        A snapshot read after that commit already has the row, or something newer: kept."""
        with self._swap:
            if self._read_at > saved_at:
                return True
            self._shown.append((saved_at, attendance))
            return self.snapshot.apply(attendance)

    def poll(self) -> bool:
        """Reload only if the session changed since the snapshot (another laptop, a phone);
        True when it did. One small query when nothing changed; a failed read is no change."""
        try:
            with self.database.session() as db:
                moved = change_marker(db, self.session_id) != self.marker
            if moved:
                self.refresh()
        except UserError:
            return False
        return moved

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
            agenda = stored_agenda(db, session)
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
        self,
        code: str,
        *,
        method: Method = Method.CODE,
        source: str | None = None,
        scales: Mapping[str, object] | None = None,
    ) -> att.CheckInResult:
        """Check in by personal code (typed, scanned or from a phone), with the member's
        check-in scales when given (one transaction: a refused answer stores nothing)."""

        def run(
            db: Session, group: Group, session: GroupSession, now: dt.datetime
        ) -> att.CheckInResult:
            result = att.check_in(
                db,
                group=group,
                session=session,
                code=code,
                method=method,
                now=now,
                actor=self.actor,
                source=source,
            )
            if scales and result.ok and result.participant is not None:
                assert result.participant.id is not None
                row = record_scales(
                    db,
                    session=session,
                    participant_id=result.participant.id,
                    values=scales,
                    now=now,
                    actor=self.actor,
                )
                result = att.CheckInResult(result.outcome, result.participant, row)
            return result

        return self._act(run)

    def toggle_modality(self, participant_id: int) -> Attendance:
        """`v`: the member attends by video (telehealth) / in person again."""
        return self._act(
            lambda db, _group, session, now: toggle_modality(
                db, session=session, participant_id=participant_id, now=now, actor=self.actor
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

    # -- end -----------------------------------------------------------------------------------

    def end(self) -> None:
        """`e`, confirmed: end the session and record it."""
        from facilitator.session.lifecycle import end_session

        self._act(
            lambda db, _group, session, now: end_session(
                db, session=session, now=now, actor=self.actor
            )
        )


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
            on_the_day = members(db, group, on=session.local_date)
            att.ensure_rows(db, session.id, [m.membership.participant_id for m in on_the_day])
    return LiveSession(database, session_id, clock=clock, actor=actor)
