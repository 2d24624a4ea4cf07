"""Correcting a member's status in the session record: after the end, before signing.

The new status is chosen, a reason is required, and the change is confirmed before it is saved
(audited with the old and new status and the reason). Live sessions are changed on the live
screen; signed and void ones not at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from facilitator.screens.dialogs import AskScreen, ChooseScreen, ConfirmScreen
from facilitator.store.models import SessionState, Status

if TYPE_CHECKING:
    from facilitator.exchange.export import SessionLog
    from facilitator.screens.session_detail import SessionDetailScreen
    from facilitator.store.models import Attendance, Participant

CHOICES = (Status.PRESENT, Status.LATE, Status.EXCUSED, Status.ABSENT)
"""What a status is corrected to (left early is set by a check-out, with its time)."""


def refusal(record: SessionLog) -> str | None:
    """Why this session's record cannot be changed now, or None."""
    session = record.session
    if session.state == SessionState.LIVE:
        return "This session is still live: live sessions are changed on the live screen."
    if session.state == SessionState.VOID:
        return "This session is void: its record is read-only."
    if session.signed_at is not None:
        return "This session is signed: it is locked; add an addendum (a) to correct it."
    return None


def _changeable(
    screen: SessionDetailScreen, record: SessionLog, key: str
) -> tuple[Attendance, Participant] | None:
    """The selected member's row and person, or None (with the reason shown) when the record
    cannot be changed now."""
    why_not = refusal(record)
    if why_not is not None:
        screen.notify(why_not, severity="warning")
        return None
    found = [(row, person) for row, person in record.attendance if str(person.id) == key]
    return found[0] if found else None


async def correct_status(screen: SessionDetailScreen, record: SessionLog, key: str) -> bool:
    """Ask the new status, a reason and a confirmation, then save; True if it was saved."""
    found = _changeable(screen, record, key)
    if found is None:
        return False
    row, person = found
    before = Status(row.status)
    options = [(s.value, s.word) for s in CHOICES if s is not before]
    chosen = await screen.app.push_screen_wait(
        ChooseScreen(f"Correct {person.name}'s status (now {before.word}) to:", options)
    )
    if not chosen:
        return False
    after = Status(chosen)
    reason = await screen.app.push_screen_wait(
        AskScreen(
            f"Why does {person.name}'s status change from {before.word} to {after.word}? "
            "(required)",
            placeholder="the reason, kept in the audit trail",
        )
    )
    if not reason:
        screen.notify(
            "A status correction needs a reason: nothing was changed.", severity="warning"
        )
        return False
    sure = await screen.app.push_screen_wait(
        ConfirmScreen(
            f"Change {person.name} from {before.word} to {after.word}?",
            f"Reason: {reason}",
            yes="Change (y)",
        )
    )
    if not sure:
        return False
    attendance_id, actor = row.id, screen.who
    assert attendance_id is not None

    def write() -> None:
        from facilitator.common.timeutil import utcnow
        from facilitator.session.corrections import correct_status as correct

        with screen.database.session() as db:
            correct(
                db,
                attendance_id=attendance_id,
                status=after,
                reason=reason,
                now=utcnow(),
                actor=actor,
            )

    screen.work.submit(write)
    return True


async def correct_modality(screen: SessionDetailScreen, record: SessionLog, key: str) -> bool:
    """Switch the member between in person and telehealth, confirmed; True if it was saved."""
    found = _changeable(screen, record, key)
    if found is None:
        return False
    row, person = found
    video = row.modality == "telehealth"
    after = "in person" if video else "by video (telehealth)"
    sure = await screen.app.push_screen_wait(
        ConfirmScreen(f"Record that {person.name} attended {after}?", yes="Change (y)")
    )
    if not sure:
        return False
    session, participant_id, actor = record.session, person.id, screen.who
    assert participant_id is not None

    def write() -> None:
        from facilitator.common.timeutil import utcnow
        from facilitator.session.modality import toggle_modality
        from facilitator.store.models import GroupSession

        with screen.database.session() as db:
            current = db.get(GroupSession, session.id)
            assert current is not None
            toggle_modality(
                db, session=current, participant_id=participant_id, now=utcnow(), actor=actor
            )
            db.commit()

    screen.work.submit(write)
    return True
