"""Notes on the live screen: saved a second after typing stops, and on every change of view
(see `notes_keeping`), in order with every other action of the session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from facilitator.screens.notes_keeping import NotesKeeping, Store

if TYPE_CHECKING:
    from textual.screen import Screen

    from facilitator.screens.work_queue import WorkQueue
    from facilitator.session.live import LiveSession
    from facilitator.store.models import Note
    from facilitator.widgets.notes_panel import NotesPanel


@dataclass(frozen=True)
class MemberNote:
    """A member's progress note as stored, for the notes panel."""

    participant_id: int | None
    name: str
    note: Note | None
    headings: tuple[str, ...]
    note_format: str


class NotesKeeper(NotesKeeping):
    """Keeps the notes panel and the stored notes in step for one live screen."""

    def __init__(
        self, screen: Screen[None], live: LiveSession, panel: NotesPanel, work: WorkQueue
    ) -> None:
        super().__init__(screen, panel, work)
        self._live = live

    def can_save(self) -> bool:
        """Until the session is signed (and while the screen is open)."""
        return self._screen.is_mounted and self._live.snapshot.session.signed_at is None

    def store(
        self, session_text: str | None, member: int | None, member_fields: dict[str, str] | None
    ) -> Store:
        """Save through the live session."""

        def store() -> bool:
            if session_text is not None:
                self._live.save_session_note(session_text)
            if member_fields is not None and member is not None:
                self._live.save_member_note(member, member_fields)
            return True

        return store

    def show_member(self, participant_id: int | None) -> None:
        """Show a member's note (None: nobody selected) once the saves queued are stored."""
        self.show_after_saves(participant_id, lambda: self._member_note(participant_id), self._load)

    async def show_member_now(self, participant_id: int | None) -> None:
        """Show a member's note at once (nothing queued yet: the screen has just opened)."""
        self._wanted = participant_id
        await self._load(self._member_note(participant_id))

    def _member_note(self, participant_id: int | None) -> MemberNote:
        snap = self._live.snapshot
        entry = snap.entry(participant_id) if participant_id is not None else None
        return MemberNote(
            participant_id,
            entry.participant.name if entry else "",
            snap.notes.get(participant_id),
            snap.headings,
            snap.group.note_format,
        )

    async def _load(self, shown: MemberNote) -> None:
        await self._panel.load_member(
            shown.participant_id, shown.name, shown.note, shown.headings, shown.note_format
        )
