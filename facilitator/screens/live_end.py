"""Ending a live session: what the confirmation warns about, and what is said once it is ended."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from facilitator.session.live import LiveSession, Snapshot


def end_warnings(live: LiveSession) -> str:
    """Who will be marked absent, and which progress notes read alike (as saved)."""
    snap = live.snapshot
    waiting = sum(1 for e in snap.roster if not e.checked_in and e.status.value == "absent")
    lines = [f"{waiting} member(s) not checked in will be marked absent."]
    names = {e.participant.id: e.participant.short_name for e in snap.roster}
    for pair in live.cloned_notes():
        lines.append(
            f"Warning: the progress notes of {names.get(pair.first)} and "
            f"{names.get(pair.second)} are {pair.ratio:.0%} alike — individualise them"
            " (cloned notes fail audits)."
        )
    return "\n".join(lines)


def ended_message(snap: Snapshot) -> str:
    """`Session ended and saved: 3 present, 1 late, 1 absent.`"""
    counts = snap.counts()
    summary = ", ".join(f"{n} {s.word}" for s, n in counts.items() if n)
    return f"Session ended and saved: {summary}."
