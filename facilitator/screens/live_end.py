"""Ending a live session: what the confirmation warns about, what is said once it is ended, and
the offer to stay on the session's record to finish the notes and sign."""

from __future__ import annotations

from typing import TYPE_CHECKING

from facilitator.screens.dialogs import ConfirmScreen

if TYPE_CHECKING:
    from facilitator.screens.live import LiveScreen
    from facilitator.session.live import LiveSession, Snapshot
    from facilitator.session.notes import NoteProblems


def _names(names: list[str], limit: int = 12) -> str:
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" and {more} more" if more > 0 else "")


def note_problems_of(live: LiveSession) -> NoteProblems:
    """The session's notes as a reviewer (and signing) sees them: who attended and has no
    progress note, and which notes read alike (as saved; for a thread)."""
    from facilitator.session.notes import note_problems

    with live.database.session() as db:
        return note_problems(db, live.session_id)


def end_warnings(live: LiveSession) -> str:
    """Who will be marked absent, who attended without a progress note, and which notes read
    alike (as saved; for a thread). Members are named as on the roster (`Avery Q.`)."""
    snap = live.snapshot
    short = {e.participant.name: e.participant.short_name for e in snap.roster}
    waiting = [e.participant.short_name for e in snap.not_here]
    lines = [f"{len(waiting)} member(s) not here will be marked absent."]
    if waiting:
        lines[0] = lines[0][:-1] + f": {_names(waiting).rstrip('.')}."
    problems = note_problems_of(live)
    missing = [short.get(name, name) for name in problems.missing]
    if missing:
        lines.append(
            f"{len(missing)} member(s) attended and have no progress note: {_names(missing)}"
            " (write them on the session's record before signing)."
        )
    for first, second in problems.cloned:
        lines.append(
            f"Warning: the progress notes of {short.get(first, first)} and "
            f"{short.get(second, second)} read alike — individualise them"
            " (cloned notes fail audits)."
        )
    return "\n".join(lines)


def ended_message(snap: Snapshot) -> str:
    """`Session ended and saved: 3 present, 1 late, 1 absent.`"""
    counts = snap.counts()
    summary = ", ".join(f"{n} {s.word}" for s, n in counts.items() if n)
    return f"Session ended and saved: {summary}."


class EndFlow:
    """`e` on the live screen: confirm (with the warnings), end, then offer the record."""

    def __init__(self, screen: LiveScreen) -> None:
        self._screen = screen
        self._message = ""

    def ask(self) -> None:
        """Ask to end; the warnings show once the notes queued are saved."""
        screen = self._screen
        screen.notes.save()
        confirm = ConfirmScreen("End this session now?", yes="End (y)")
        screen.app.push_screen(confirm, self._confirmed)
        screen.work.submit(lambda: end_warnings(screen.live), confirm.show_detail, change=False)

    def _confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self._screen.work.submit(self._screen.live.end, self._ended)

    async def _ended(self, _result: None) -> None:
        screen = self._screen
        screen.redraw()
        if screen.live.live:
            return  # not ended: the refusal has been shown
        await screen.phone.stop()
        screen.qr_panel.show_off("The session has ended: phone check-in is closed.")
        self._message = ended_message(screen.live.snapshot)
        screen.work.submit(lambda: note_problems_of(screen.live), self._offer, change=False)

    def _offer(self, problems: NoteProblems | None) -> None:
        screen = self._screen
        missing = len(problems.missing) if problems else 0
        detail = f"{missing} member(s) who attended have no progress note yet." if missing else ""
        offer = ConfirmScreen(
            f"{self._message}\nOpen its record to finish the notes and sign? (y/n)",
            detail=detail,
            yes="Open record (y)",
        )
        screen.app.push_screen(offer, self._offer_answered)

    def _offer_answered(self, open_record: bool | None) -> None:
        if open_record:
            from facilitator.screens.session_detail import SessionDetailScreen

            screen = self._screen
            record = SessionDetailScreen(screen.live.database, screen.live.session_id)
            screen.app.push_screen(record, lambda _closed: self._leave())
        else:
            self._leave()

    def _leave(self) -> None:
        """Back home (or out of the app, saying what was saved, when opened by `run`)."""
        screen = self._screen
        if screen.exit_on_end:
            screen.app.exit(message=self._message)
        else:
            screen.app.notify(self._message)
            screen.dismiss(None)
