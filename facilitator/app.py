"""The Textual app: wires the database and shows the first screen. Built by `make_app`.

Importing this module costs Textual and nothing heavier: the database layer, the screens and the
session code load when a factory needs them, so `run` can draw its first frame
(`make_opening_app`) before the database opens.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from facilitator.screens.commands import ScreenActions

if TYPE_CHECKING:
    from facilitator.checkin.options import CheckinOptions
    from facilitator.common.clock import Now
    from facilitator.errors import UserError
    from facilitator.screens.work_queue import WorkQueue
    from facilitator.store.database import Database


class FacilitatorApp(App[None]):
    """facilitator's TUI. The first screen comes from a factory so CLI, demo and tests share it."""

    CSS_PATH = "app.tcss"
    TITLE = "facilitator"
    COMMANDS = App.COMMANDS | {ScreenActions}
    BINDINGS = [
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            tooltip="Quit (a live session is kept: `run` resumes it)",
            id="app.quit",
            priority=True,
        )
    ]

    def __init__(self, database: Database | None, first_screen: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.database = database
        """The open database (None until an encrypted one is unlocked)."""
        self._first_screen = first_screen
        self.error: UserError | None = None
        """Why the app gave up (e.g. the passphrase was not given); the CLI prints it."""
        self.keyboard_user = ""
        """The person at the keyboard (name and credentials): the default facilitator of a
        session started here and the actor of every audit event made here."""
        self.throwaway = False
        """The database is deleted on exit (the demo): quitting keeps nothing to resume."""
        self._quitting = False

    def _fatal_error(self) -> None:
        """A crash report without local values: they could hold a member's code or a note."""
        from facilitator.screens.crash import fatal_error_without_locals

        fatal_error_without_locals(self)

    @property
    def actor(self) -> str:
        """Who the audit trail records for what is done here: the person at the keyboard, never
        empty (never the operating system's login name)."""
        from facilitator.program.staff import UNNAMED

        return self.keyboard_user or UNNAMED

    def on_mount(self) -> None:
        self.push_screen(self._first_screen())

    async def save_everything(self) -> None:
        """Save the notes typed on every screen, and wait until every screen's queued work is
        stored."""
        import asyncio

        self._queue_notes()
        for queue in self._work_queues():
            await asyncio.to_thread(queue.drain)

    def _queue_notes(self) -> None:
        """Queue the notes typed on every screen (they save a moment after typing stops)."""
        from facilitator.screens.notes_keeping import NotesKeeping

        for screen in self.screen_stack:
            if isinstance(notes := getattr(screen, "notes", None), NotesKeeping):
                notes.save()

    def fail(self, error: UserError) -> None:
        """Exit with status 1; the command line then shows `error` as its one-line message."""
        self.error = error
        self.exit(return_code=1)

    async def action_quit(self) -> None:
        """Quit, saving notes and every queued change first; a live session stays live, and the
        terminal is told how to resume it. While the database keeps changes waiting the screen
        stays usable, and a second `ctrl+q` quits without them (the terminal says how many)."""
        if self._quitting:
            lost = self._unsaved_changes()
            if lost:
                self.workers.cancel_group(self, "quit")
                for queue in self._work_queues():
                    queue.abandon()
                self.exit(return_code=1, message=Text(_lost_message(lost)))
            return
        self._quitting = True
        self._queue_notes()  # counted below with the rest
        waiting = self._unsaved_changes()
        if waiting:
            self.notify(
                f"{_changes(waiting)} waiting for the database: quitting once saved. "
                "Press ctrl+q again to quit without them.",
                title="Quitting",
                severity="warning",
                timeout=60,
            )
        self.run_worker(self._quit_when_saved(), group="quit", exclusive=True)

    async def _quit_when_saved(self) -> None:
        await self.save_everything()
        self.exit(message=self._kept_message())

    def _work_queues(self) -> list[WorkQueue]:
        """Every open screen's queue of database work."""
        from facilitator.screens.work_queue import WorkQueue

        queues = (getattr(screen, "work", None) for screen in self.screen_stack)
        return [queue for queue in queues if isinstance(queue, WorkQueue)]

    def _unsaved_changes(self) -> int:
        """Changes asked on the live screens that the database has not taken yet."""
        waiting = (queue.waiting() for queue in self._work_queues())
        return sum(w.count for w in waiting if w is not None)

    def _kept_message(self) -> Text | None:
        """`Session kept — `facilitator run GROUP` resumes it.` for each live session open."""
        import shlex

        from facilitator.screens.live import LiveScreen

        if self.throwaway:
            return None
        lines = [
            f"Session kept — `facilitator run {shlex.quote(screen.live.snapshot.group.name)}`"
            " resumes it."
            for screen in self.screen_stack
            if isinstance(screen, LiveScreen) and screen.live.live
        ]
        return Text("\n".join(lines)) if lines else None


def _changes(count: int) -> str:
    return f"{count} change" + ("" if count == 1 else "s")


def _lost_message(count: int) -> str:
    """What the terminal says after quitting with changes the database never took."""
    return (
        f"{_changes(count)} could not be saved: the database stayed busy. "
        "Check the session's roster and agenda when you resume it."
    )


def _known_user(database: Database, given: str | None) -> str:
    """`given`, else `FACILITATOR_USER`, else the name saved in `database`, else ""."""
    from facilitator.program.staff import keyboard_user

    with database.session() as db:
        return keyboard_user(db, given) or ""


def _name_first(
    database: Database, user: str, ask: bool, first_screen: Callable[[], Screen[Any]]
) -> Callable[[], Screen[Any]]:
    """`first_screen`, or, when nobody is known (`user` empty) and `ask`, the screen that asks
    the name first (and saves it), then goes on to `first_screen()`."""
    if user or not ask:
        return first_screen

    def ask_first() -> Screen[Any]:
        from facilitator.screens.name_screen import NameScreen

        return NameScreen(database, first_screen)

    return ask_first


def make_app(
    database: Database,
    first_screen: Callable[[], Screen[Any]],
    *,
    given: str | None = None,
    ask: bool = False,
) -> FacilitatorApp:
    """Build the app around an opened database and the screen to show first.

    The person at the keyboard is `given`, else `FACILITATOR_USER`, else the name saved in the
    database; when none is known and `ask`, a screen asks it (and saves it) before `first_screen`.
    """
    user = _known_user(database, given)
    app = FacilitatorApp(database, _name_first(database, user, ask, first_screen))
    app.keyboard_user = user
    return app


def make_unlock_app(
    url: str,
    path: Path,
    first_screen: Callable[[Database], Screen[Any]],
    *,
    given: str | None = None,
    ask: bool = False,
) -> FacilitatorApp:
    """An app for an encrypted database: it asks the passphrase first, opens the database,
    learns who is at the keyboard (asking if `ask` and nobody is known), then shows
    `first_screen(database)`."""
    app = FacilitatorApp(
        None, lambda: unlock_screen(app, url, path, first_screen, given=given, ask=ask)
    )
    return app


def unlock_screen(
    app: FacilitatorApp,
    url: str,
    path: Path,
    first_screen: Callable[[Database], Screen[Any]],
    *,
    given: str | None = None,
    ask: bool = False,
) -> Screen[Any]:
    """The passphrase screen of `app` for the encrypted file at `path`: once it opens, who is at
    the keyboard is learnt (asked if `ask` and nobody is known), then `first_screen(database)`."""
    from facilitator.screens.passphrase import PassphraseScreen

    def opened(database: Database) -> Screen[Any]:
        app.keyboard_user = _known_user(database, given)
        return _name_first(database, app.keyboard_user, ask, lambda: first_screen(database))()

    return PassphraseScreen(url, path, opened)


def make_opening_app(group: str, load: Callable[[], Callable[[], Screen[Any]]]) -> FacilitatorApp:
    """An app whose first frame is the live screen's title bar (the `group` name as given) and
    footer, drawn before anything is opened; `load()` runs in a thread and returns what makes
    the screen that follows (the live screen, or the one that asks a passphrase or a name).
    A `UserError` from `load` ends the app with that error."""
    from facilitator.screens.opening import OpeningScreen

    return FacilitatorApp(None, lambda: OpeningScreen(group, load))


def make_live_app(
    database: Database,
    session_id: str,
    *,
    clock: Now | None = None,
    actor: str = "",
    checkin: CheckinOptions | None = None,
) -> FacilitatorApp:
    """An app that opens straight onto a live session (phone check-in served if `checkin`).

    `actor` is the person at the keyboard; by default the one known to the database (this
    never asks: the session already exists)."""
    from facilitator.program.staff import UNNAMED
    from facilitator.screens.live import LiveScreen
    from facilitator.session.live import open_live

    user = actor or _known_user(database, None) or UNNAMED
    live = open_live(database, session_id, clock=clock, actor=user)
    app = FacilitatorApp(database, lambda: LiveScreen(live, checkin=checkin))
    app.keyboard_user = user
    return app
