"""Notes in the session record: written and edited after the session, until it is signed.

The session note and the selected member's progress note (in the group's format) are saved a
second after typing stops, and whenever the view changes (see `notes_keeping`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from facilitator.screens.notes_keeping import NotesKeeping, Store

if TYPE_CHECKING:
    from textual.screen import Screen

    from facilitator.screens.work_queue import WorkQueue
    from facilitator.store.database import Database
    from facilitator.store.models import Note
    from facilitator.widgets.notes_panel import NotesPanel


@dataclass(frozen=True)
class StoredNotes:
    """The notes of one session as stored, for the editors."""

    session_note: Note | None
    member_id: int | None
    member_note: Note | None
    headings: tuple[str, ...]
    note_format: str


class RecordNotes(NotesKeeping):
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
        super().__init__(screen, panel, work)
        self._database, self._session_id, self._actor = database, session_id, actor
        self.editable = False
        """Notes may be written (an ended, unsigned session)."""
        self.on_saved: Callable[[], object] = lambda: None
        """Called after a save is stored (the screen redraws its notes)."""

    def can_save(self) -> bool:
        """While the session is ended and unsigned (and the editors are shown)."""
        return self.editable and self._panel.is_mounted

    def store(
        self, session_text: str | None, member: int | None, member_fields: dict[str, str] | None
    ) -> Store:
        """Save the notes changed, as the person at the keyboard."""
        edits: list[tuple[int | None, dict[str, object]]] = []
        if session_text is not None:
            edits.append((None, {"text": session_text}))
        if member_fields is not None:
            edits.append((member, {"fields": member_fields}))
        actor = self._actor()
        return lambda: self._store(edits, actor)

    def saved(self) -> None:
        """Tell the screen."""
        self.on_saved()

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

    def show(self, participant_id: int | None, name: str) -> None:
        """Show the stored notes, with this member's (None: nobody), after the saves queued."""

        async def draw(notes: StoredNotes) -> None:
            if self._panel.session_edited() is None:
                self._panel.load_session_note(notes.session_note)
            await self._panel.load_member(
                notes.member_id, name, notes.member_note, notes.headings, notes.note_format
            )

        self.show_after_saves(participant_id, lambda: self._read(participant_id), draw)

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
