"""Check-in scales (CONTRACT 10): the `--checkin-scales` setting, the 0-10 answers, and the
answers over time for the member screen and the reports.

A group asks `craving`, `mood`, both or none. Answers live on the member's attendance record
(`craving`, `mood`, None when not answered). The phone answers once, through a receipt
(`session.receipts`); the facilitator records them at the laptop for members without a phone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from facilitator.errors import UserError
from facilitator.session.attendance import ensure_editable, get_row
from facilitator.store.audit import audit
from facilitator.store.conditions import in_dates
from facilitator.store.models import Attendance, Group, GroupSession, Receipt, SessionState

SCALES: tuple[str, ...] = ("craving", "mood")
"""Every scale, in the order they are asked and stored."""

LOW, HIGH = 0, 10
"""The range of every scale."""

CRAVING_MARK = 8
"""A craving at or above this is marked on the live roster (facilitator's eyes only)."""

_USE = "use craving, mood, both as craving,mood, or none"

Values = Mapping[str, int | None]
"""Answers by scale name; None: not answered (skipped)."""


def parse_scales(text: str | None, *, option: str = "--checkin-scales") -> str | None:
    """The canonical setting (`craving`, `mood`, `craving,mood`) or None for `none`/empty.

    Case and spaces are ignored, and so is the order (`mood,craving` is `craving,mood`).
    Raises UserError naming the bad part.
    """
    if text is None or not text.strip() or text.strip().lower() == "none":
        return None
    chosen: set[str] = set()
    for raw in text.split(","):
        part = raw.strip().lower()
        if not part:
            raise UserError(f"{option}: an empty part in {text!r} ({_USE})")
        if part == "none":
            raise UserError(f"{option}: 'none' cannot be combined with a scale ({_USE})")
        if part not in SCALES:
            raise UserError(f"{option}: unknown scale {raw.strip()!r} ({_USE})")
        if part in chosen:
            raise UserError(f"{option}: {part!r} is given twice ({_USE})")
        chosen.add(part)
    return ",".join(s for s in SCALES if s in chosen)


def scales_of(setting: str | Group | None) -> tuple[str, ...]:
    """The scales a setting (or a group's) asks, in order; () for none."""
    if isinstance(setting, Group):
        setting = setting.checkin_scales
    if not setting:
        return ()
    asked = {part.strip() for part in setting.split(",")}
    return tuple(s for s in SCALES if s in asked)


def scales_text(setting: str | Group | None) -> str:
    """How the setting reads on screen and in `group show`: `craving,mood` or `none`."""
    return ",".join(scales_of(setting)) or "none"


def check_value(scale: str, value: object) -> int | None:
    """A scale's answer as stored: a whole number 0-10, None for skipped (None or "").

    Accepts an int or its decimal text (`"7"`); raises UserError for anything else.
    """
    if scale not in SCALES:
        raise UserError(f"unknown scale {scale!r} (the scales are {', '.join(SCALES)})")
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise UserError(f"{scale}: must be a whole number from {LOW} to {HIGH}")
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 2:
            raise UserError(f"{scale}: {value!r} is not a whole number from {LOW} to {HIGH}")
        value = int(text)
    if not isinstance(value, int) or not LOW <= value <= HIGH:
        raise UserError(f"{scale}: {value!r} is not a whole number from {LOW} to {HIGH}")
    return value


def check_values(
    values: Mapping[str, object], allowed: tuple[str, ...] = SCALES
) -> dict[str, int | None]:
    """Every answer checked (see `check_value`); a scale not in `allowed` is refused."""
    checked: dict[str, int | None] = {}
    for scale, value in values.items():
        if scale in SCALES and scale not in allowed:
            raise UserError(f"{scale}: this group does not ask it")
        checked[scale] = check_value(scale, value)
    return checked


def answers_of(row: Attendance) -> dict[str, int]:
    """The answered scales of an attendance record (`{"craving": 7}`); {} when none."""
    found = {"craving": row.craving, "mood": row.mood}
    return {scale: value for scale, value in found.items() if value is not None}


def high_craving(row: Attendance) -> bool:
    """Whether the live roster marks this member (craving at or above `CRAVING_MARK`)."""
    return row.craving is not None and row.craving >= CRAVING_MARK


def store_answers(row: Attendance, values: Mapping[str, int | None]) -> None:
    """Put checked answers on the record (a None in `values` clears that scale)."""
    for scale, value in values.items():
        setattr(row, scale, value)


def close_receipts(db: Session, attendance_id: int, now: dt.datetime) -> None:
    """Use up the attendance's open receipts: its answers are given."""
    for receipt in db.exec(
        select(Receipt).where(
            Receipt.attendance_id == attendance_id, col(Receipt.used_at).is_(None)
        )
    ):
        receipt.used_at = now
        db.add(receipt)


def record_scales(
    db: Session,
    *,
    session: GroupSession,
    participant_id: int,
    values: Mapping[str, object],
    now: dt.datetime,
    actor: str = "",
) -> Attendance:
    """The facilitator records a member's answers at the laptop (a member without a phone).

    Allowed while the session can change (live, or ended and unsigned) for a member checked in;
    a scale the group does not ask or a value outside 0-10 is refused and nothing is stored.
    Any phone receipt of the record is used up, so the phone cannot answer after the laptop
    did. Audited (scale names only, not the answers).
    """
    ensure_editable(session)
    group = db.get(Group, session.group_id)
    assert group is not None
    asked = scales_of(group)
    if not asked:
        raise UserError("this group asks no check-in scales (see --checkin-scales)")
    checked = check_values(values, asked)
    if not checked:
        raise UserError("no scale given: nothing was recorded")
    row = get_row(db, session.id, participant_id)
    if row.checked_in_at is None:
        raise UserError("only a member who is checked in can answer the check-in scales")
    store_answers(row, checked)
    db.add(row)
    assert row.id is not None
    close_receipts(db, row.id, now)
    audit(
        db,
        "scales.record",
        session_id=session.id,
        participant_id=participant_id,
        actor=actor,
        at=now,
        scales=sorted(checked),
        after_end=session.state == SessionState.ENDED,
    )
    db.flush()
    return row


@dataclass(frozen=True)
class ScalePoint:
    """One session's answers of a member: when, and the values (None: not answered)."""

    session_id: str
    local_date: dt.date
    started_at: dt.datetime
    craving: int | None
    mood: int | None


def _answered(date_from: dt.date | None, date_to: dt.date | None) -> Any:
    """Attendance records with an answer, with their session, oldest first, in the date range
    (inclusive); void sessions never count."""
    query = (
        select(Attendance, GroupSession)
        .join(GroupSession, col(GroupSession.id) == col(Attendance.session_id))
        .where(
            GroupSession.state != SessionState.VOID.value,
            (col(Attendance.craving).is_not(None)) | (col(Attendance.mood).is_not(None)),
        )
    )
    query = query.where(*in_dates(col(GroupSession.local_date), date_from, date_to))
    return query.order_by(col(GroupSession.started_at), col(GroupSession.id))


def scale_history(
    db: Session,
    participant_id: int,
    *,
    group_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[ScalePoint]:
    """A member's answers over time, oldest first (for the member screen's sparkline).

    Only sessions with at least one answer; void sessions never count. Dates are inclusive.
    """
    query = _answered(date_from, date_to).where(Attendance.participant_id == participant_id)
    if group_id is not None:
        query = query.where(GroupSession.group_id == group_id)
    return [
        ScalePoint(s.id, s.local_date, s.started_at, row.craving, row.mood)
        for row, s in db.exec(query)
    ]


def values_of(points: list[ScalePoint], scale: str) -> list[int]:
    """One scale's answered values from a history, oldest first (for a sparkline)."""
    return [v for p in points if (v := getattr(p, scale)) is not None]


@dataclass(frozen=True)
class ScaleSummary:
    """One scale of one member over a range: the latest answer, the mean, how many."""

    latest: int
    mean: float
    count: int


def scale_summaries(
    db: Session,
    *,
    group_id: int | None = None,
    participant_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> dict[int, dict[str, ScaleSummary]]:
    """Per member: each answered scale's latest and mean (rounded to 0.1) over the range, in one
    group's sessions or (no `group_id`) across every group, in the order the sessions started.
    Members with no answer are left out; void sessions never count."""
    series: dict[int, dict[str, list[int]]] = {}
    query = _answered(date_from, date_to)
    if group_id is not None:
        query = query.where(GroupSession.group_id == group_id)
    if participant_id is not None:
        query = query.where(Attendance.participant_id == participant_id)
    for row, _session in db.exec(query):
        for scale, value in answers_of(row).items():
            series.setdefault(row.participant_id, {}).setdefault(scale, []).append(value)
    return {
        pid: {
            scale: ScaleSummary(values[-1], round(sum(values) / len(values), 1), len(values))
            for scale, values in scales.items()
        }
        for pid, scales in series.items()
    }
