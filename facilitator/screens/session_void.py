"""Undoing a session started by mistake, from its record (`x`).

With nothing recorded (no check-in, no status set, no note) the session is discarded: deleted,
after a confirmation. Otherwise it is voided with a reason: kept and marked void, left out of
every report, streak and export of sessions held. Both are audited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from facilitator.screens.dialogs import AskScreen, ConfirmScreen

if TYPE_CHECKING:
    from sqlmodel import Session

    from facilitator.exchange.export import SessionLog
    from facilitator.screens.session_detail import SessionDetailScreen

T = TypeVar("T")

DISCARD_DETAIL = (
    "Nothing was recorded in it: no check-in, no status set, no note. It is deleted as if it "
    "had never been started; the audit trail keeps that it was discarded."
)
VOID_QUESTION = (
    "Void this session: why? It has check-ins or notes, so it is kept, marked void, and left "
    "out of reports and streaks."
)


async def _queued(screen: SessionDetailScreen, work: Callable[[], T]) -> T | None:
    """Run `work` in the screen's queue (after what is queued already); its result, or None
    when the core refused it (the refusal is shown)."""
    answer: asyncio.Future[T | None] = asyncio.get_running_loop().create_future()
    screen.work.submit(work, answer.set_result)
    return await answer


async def discard_or_void(screen: SessionDetailScreen, record: SessionLog) -> None:
    """Discard the session (nothing recorded; confirmed) or void it (a reason asked)."""
    from facilitator.common.timeutil import utcnow
    from facilitator.errors import UserError
    from facilitator.session.lifecycle import discard_session, has_records, void_session
    from facilitator.store.models import GroupSession, SessionState

    session_id, actor = record.session.id, screen.who
    if record.session.state == SessionState.VOID:
        screen.notify("This session is void already.", severity="warning")
        return
    if record.session.signed_at is not None:
        screen.notify(
            "This session is signed: it cannot be voided; correct it with an addendum (a).",
            severity="warning",
        )
        return

    def stored(db: Session) -> GroupSession:
        session = db.get(GroupSession, session_id)
        if session is None:
            raise UserError("That session no longer exists.")
        return session

    def recorded() -> bool:
        with screen.database.session() as db:
            return has_records(db, stored(db))

    found = await _queued(screen, recorded)
    if found is None:
        return
    app = screen.app
    if not found:
        question = ConfirmScreen("Discard this session?", DISCARD_DETAIL, yes="Discard (y)")
        if not await app.push_screen_wait(question):
            return

        def discard() -> bool:
            with screen.database.session() as db:
                discard_session(db, session=stored(db), actor=actor)
            return True

        if await _queued(screen, discard):
            screen.notify("Session discarded: nothing was recorded in it.")
            screen.dismiss(None)
        return
    reason = await app.push_screen_wait(
        AskScreen(VOID_QUESTION, "e.g. started for the wrong group")
    )
    if not reason:
        screen.notify("Voiding needs a reason; nothing changed.", severity="warning")
        return
    confirm = ConfirmScreen(
        "Void this session?",
        f"Reason: {reason}\nIts records are kept but count in no report or streak.",
        yes="Void (y)",
    )
    if not await app.push_screen_wait(confirm):
        return

    def void() -> bool:
        with screen.database.session() as db:
            void_session(db, session=stored(db), reason=reason, now=utcnow(), actor=actor)
        return True

    if await _queued(screen, void):
        screen.notify("Session voided.")
    screen.reload()
