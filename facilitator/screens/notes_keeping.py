"""A screen's notes panel and the stored notes kept in step: a note is saved a second after typing
stops, and whenever the view changes, through the screen's work queue, so saves are stored in
order with every other change. The text saved is taken when the save is asked for, so nothing
typed is lost; a member's note is shown only after the saves queued before it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from facilitator.screens.debounce import Debouncer

if TYPE_CHECKING:
    from textual.screen import Screen

    from facilitator.screens.work_queue import WorkQueue
    from facilitator.widgets.notes_panel import NotesPanel

AUTOSAVE_SECONDS = 1.0

N = TypeVar("N")

Store = Callable[[], bool]
"""A save of the notes, for the work queue's thread: True once stored."""


class NotesKeeping:
    """Saves what was typed in `panel`; subclasses say when notes may be saved and how."""

    def __init__(self, screen: Screen[None], panel: NotesPanel, work: WorkQueue) -> None:
        self._screen = screen
        self._panel = panel
        self._work = work
        self._autosave = Debouncer(screen, AUTOSAVE_SECONDS, self.save)
        self._wanted: int | None = None
        """The member whose note is to be shown (the latest asked for)."""

    def typed(self) -> None:
        """A note changed: save it once typing has stopped for a second."""
        self._autosave.poke()

    def save(self) -> None:
        """Queue a save of whichever note differs from what is stored."""
        self._autosave.cancel()
        if not self.can_save():
            return
        session_text, member = self._panel.session_edited(), self._panel.member_id
        member_fields = self._panel.member_edited() if member is not None else None
        if session_text is None and member_fields is None:
            return

        def stored(done: bool | None) -> None:
            if done:
                self._panel.mark_saved(session_text, member, member_fields)
                self.saved()

        self._work.submit(self.store(session_text, member, member_fields), stored)

    def can_save(self) -> bool:
        """Notes may be saved now."""
        raise NotImplementedError

    def store(
        self, session_text: str | None, member: int | None, member_fields: dict[str, str] | None
    ) -> Store:
        """The save of the session note's text and the member's fields (None: unchanged)."""
        raise NotImplementedError

    def saved(self) -> None:
        """After a save is stored (nothing by default)."""

    def show_after_saves(
        self,
        participant_id: int | None,
        read: Callable[[], N],
        draw: Callable[[N], Awaitable[None]],
    ) -> None:
        """`draw(read())` for a member (None: nobody) after the saves queued, unless another
        member is asked for meanwhile; anything typed since is saved first, for whom it was."""
        self._wanted = participant_id

        async def shown(notes: N | None) -> None:
            if notes is None or participant_id != self._wanted or not self._panel.is_mounted:
                return  # the cursor has moved on: a later job shows that member
            self.save()
            await draw(notes)

        self._work.submit(read, shown)
