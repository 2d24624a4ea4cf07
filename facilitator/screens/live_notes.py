"""Notes on the live screen: saved a second after typing stops, and on every change of view.

Saves go through the screen's work queue, so they are stored in order with every other action;
the selected member's note is shown only after the saves queued before it, so it is the one
stored. The text saved is taken when the save is asked for: nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.timer import Timer

    from facilitator.screens.work_queue import WorkQueue
    from facilitator.session.live import LiveSession
    from facilitator.store.models import Note
    from facilitator.widgets.notes_panel import NotesPanel

AUTOSAVE_SECONDS = 1.0


@dataclass(frozen=True)
class MemberNote:
    """A member's progress note as stored, for the notes panel."""

    participant_id: int | None
    name: str
    note: Note | None
    headings: tuple[str, ...]
    note_format: str


class NotesKeeper:
    """Keeps the notes panel and the stored notes in step for one live screen."""

    def __init__(
        self, screen: Screen[None], live: LiveSession, panel: NotesPanel, work: WorkQueue
    ) -> None:
        self._screen = screen
        self._live = live
        self._panel = panel
        self._work = work
        self._timer: Timer | None = None
        self._wanted: int | None = None

    def typed(self) -> None:
        """A note changed: save it once typing has stopped for a second."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._screen.set_timer(AUTOSAVE_SECONDS, self.save)

    def save(self) -> None:
        """Queue a save of whichever note differs from what is stored."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self._screen.is_mounted or self._live.snapshot.session.signed_at is not None:
            return
        session_text = self._panel.session_edited()
        member_fields = self._panel.member_edited()
        member = self._panel.member_id
        if session_text is None and member_fields is None:
            return

        def store() -> bool:
            if session_text is not None:
                self._live.save_session_note(session_text)
            if member_fields is not None and member is not None:
                self._live.save_member_note(member, member_fields)
            return True

        def stored(done: bool | None) -> None:
            if done:
                self._panel.mark_saved(session_text, member, member_fields)

        self._work.submit(store, stored)

    def show_member(self, participant_id: int | None) -> None:
        """Show a member's note (None: nobody selected) once the saves queued are stored."""
        self._wanted = participant_id
        self._work.submit(lambda: self._member_note(participant_id), self._show)

    async def show_member_now(self, participant_id: int | None) -> None:
        """Show a member's note at once (nothing queued yet: the screen has just opened)."""
        self._wanted = participant_id
        await self._show(self._member_note(participant_id))

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

    async def _show(self, shown: MemberNote | None) -> None:
        if shown is None or shown.participant_id != self._wanted:
            return  # the cursor has moved on: a later job shows that member
        self.save()  # anything typed since the cursor moved, to the member it was typed for
        await self._panel.load_member(
            shown.participant_id, shown.name, shown.note, shown.headings, shown.note_format
        )
