"""Notes in the session record: written and edited after the session, until it is signed.

The session note and the selected member's progress note (in the group's format) are saved a
second after typing stops, and whenever the view changes, through the screen's work queue, so
saves are stored in order with every other change; the text saved is taken when the save is
asked for, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.timer import Timer

    from facilitator.screens.work_queue import WorkQueue
    from facilitator.store.database import Database
    from facilitator.store.models import Note
    from facilitator.widgets.notes_panel import NotesPanel

AUTOSAVE_SECONDS = 1.0


@dataclass(frozen=True)
class StoredNotes:
    """The notes of one session as stored, for the editors."""

    session_note: Note | None
    member_id: int | None
    member_note: Note | None
    headings: tuple[str, ...]
    note_format: str


class RecordNotes:
    """Keeps the record's note editors and the stored notes in step."""

    def __init__(
        self,
        screen: Screen[None],
        panel: NotesPanel,
        work: WorkQueue,
        database: Database,
        session_id: str,
        actor: Callable[[], str],
    ) -> None:
        self._screen = screen
        self._panel = panel
        self._work = work
        self._database = database
        self._session_id = session_id
        self._actor = actor
        self._timer: Timer | None = None
        self._wanted: int | None = None
        self.editable = False
        """Notes may be written (an ended, unsigned session)."""
        self.on_saved: Callable[[], object] = lambda: None
        """Called after a save is stored (the screen redraws its notes)."""

    def typed(self) -> None:
        """A note changed: save it once typing has stopped for a second."""
        self._stop_timer()
        self._timer = self._screen.set_timer(AUTOSAVE_SECONDS, self.save)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = None

    def save(self) -> None:
        """Queue a save of whichever note differs from what is stored."""
        self._stop_timer()
        if not (self.editable and self._panel.is_mounted):
            return
        session_text, member = self._panel.session_edited(), self._panel.member_id
        member_fields = self._panel.member_edited() if member is not None else None
        edits: list[tuple[int | None, dict[str, object]]] = []
        if session_text is not None:
            edits.append((None, {"text": session_text}))
        if member_fields is not None:
            edits.append((member, {"fields": member_fields}))
        if edits:
            actor = self._actor()
            self._work.submit(
                lambda: self._store(edits, actor),
                lambda done: self._stored(done, session_text, member, member_fields),
            )

    def _store(self, edits: list[tuple[int | None, dict[str, object]]], actor: str) -> bool:
        from facilitator.common.timeutil import utcnow
        from facilitator.session.notes import save_record_note

        with self._database.session() as db:
            for participant_id, note in edits:
                save_record_note(
                    db,
                    session_id=self._session_id,
                    participant_id=participant_id,
                    now=utcnow(),
                    actor=actor,
                    **note,  # type: ignore[arg-type]
                )
        return True

    def _stored(
        self,
        done: bool | None,
        session_text: str | None,
        member: int | None,
        member_fields: dict[str, str] | None,
    ) -> None:
        if done:
            self._panel.mark_saved(session_text, member, member_fields)
            self.on_saved()

    def show(self, participant_id: int | None, name: str) -> None:
        """Show the stored notes, with this member's (None: nobody), after the saves queued."""
        self._wanted = participant_id

        async def shown(notes: StoredNotes | None) -> None:
            if notes is None or notes.member_id != self._wanted or not self._panel.is_mounted:
                return  # the cursor has moved on: a later job shows that member
            self.save()  # anything typed since the cursor moved, to the member it was typed for
            if self._panel.session_edited() is None:
                self._panel.load_session_note(notes.session_note)
            await self._panel.load_member(
                notes.member_id, name, notes.member_note, notes.headings, notes.note_format
            )

        self._work.submit(lambda: self._read(participant_id), shown)

    def _read(self, participant_id: int | None) -> StoredNotes:
        from facilitator.errors import UserError
        from facilitator.session.notes import get_notes
        from facilitator.store.models import NOTE_FORMATS, Group, GroupSession

        with self._database.session() as db:
            session = db.get(GroupSession, self._session_id)
            group = db.get(Group, session.group_id) if session is not None else None
            if session is None or group is None:
                raise UserError("That session no longer exists.")
            notes = get_notes(db, self._session_id)
            fmt = group.note_format if group.note_format in NOTE_FORMATS else "DAP"
            return StoredNotes(
                notes.get(None),
                participant_id,
                notes.get(participant_id) if participant_id is not None else None,
                NOTE_FORMATS[fmt],
                fmt,
            )
