"""What the session record shows, built from the session as stored (no widgets here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.content import Content

from facilitator.common.timeutil import hhmm, local
from facilitator.store.models import Status
from facilitator.widgets.plain import plain

if TYPE_CHECKING:
    import datetime as dt

    from facilitator.exchange.export import SessionLog
    from facilitator.screens.session_record_tables import Cell

Rows = list[tuple[list["Cell"], str | None]]

AGENDA_HEADINGS = ("#", "item", "kind", "planned", "actual", "from", "to")
ATTENDANCE_HEADINGS = ("name", "status", "in", "out", "minutes", "how")


def _minutes(start: dt.datetime | None, end: dt.datetime | None) -> str:
    if start is None or end is None:
        return ""
    return f"{(end - start).total_seconds() / 60:.0f}"


def title(log: SessionLog) -> Text:
    """Group, date, topic and facilitator."""
    s = log.session
    return Text.assemble(
        plain(log.group.name, "bold"),
        f"  ·  {s.local_date}  ·  ",
        plain(s.topic_title or s.topic_id),
        "  ·  " if s.facilitator else "",
        plain(s.facilitator),
    )


def times(log: SessionLog) -> str:
    """When it ran, in the group's zone, and how long it was planned for."""
    s, tz = log.session, log.timezone
    ended = hhmm(s.ended_at, tz) if s.ended_at else "still live"
    return (
        f"{local(s.started_at, tz).format('ddd D MMM YYYY')}  {hhmm(s.started_at, tz)}–{ended}"
        f"  ({tz})  ·  planned {s.planned_minutes} min"
    )


def agenda_rows(log: SessionLog) -> Rows:
    """Each agenda item, then each break: planned vs actual minutes, from, to."""
    tz = log.timezone
    rows: Rows = []
    for item in log.agenda:
        actual = "skipped" if item.skipped else _minutes(item.started_at, item.ended_at)
        number, planned = str(item.position + 1), item.planned_minutes + item.extra_minutes
        cells: list[Cell] = [number, plain(item.title), item.kind, f"{planned}", actual]
        rows.append(([*cells, hhmm(item.started_at, tz), hhmm(item.ended_at, tz)], None))
    for brk in log.breaks:
        actual = _minutes(brk.started_at, brk.ended_at)
        cells = ["", "break", "break", f"{brk.planned_minutes}", actual]
        rows.append(([*cells, hhmm(brk.started_at, tz), hhmm(brk.ended_at, tz)], None))
    return rows


def attendance_rows(log: SessionLog) -> Rows:
    """Each member's status, times, service minutes and check-in method (keyed by member id)."""
    tz = log.timezone
    return [
        (
            [
                plain(person.name),
                row.status.replace("_", " "),
                hhmm(row.checked_in_at, tz),
                hhmm(row.checked_out_at, tz),
                f"{row.minutes:.0f}",
                " ".join(
                    filter(None, [row.method, "video" if row.modality == "telehealth" else ""])
                ),
            ],
            str(person.id),
        )
        for row, person in log.attendance
    ]


def attended_line(log: SessionLog) -> str:
    """`Attendance — 7 of 9 attended (2 by video)`: the count payers ask to be documented."""
    attended = [row for row, _ in log.attendance if Status(row.status).attended]
    video = sum(1 for row in attended if row.modality == "telehealth")
    by_video = f" ({video} by video)" if video else ""
    return f"Attendance — {len(attended)} of {len(log.attendance)} attended{by_video}"


def signature(log: SessionLog) -> Content | Text:
    """Void, signed (by whom, when) or unsigned."""
    s = log.session
    if s.state == "void":
        return Content.assemble(
            ("VOID — kept, but in no report or streak. Reason: ", "bold $error"),
            plain(s.void_reason or "").plain,
        )
    if s.signed_at is not None:
        return Text.assemble(
            "Signed by ",
            plain(s.signed_by),
            f" on {local(s.signed_at, log.timezone).format('YYYY-MM-DD HH:mm')}"
            " — locked; corrections are addenda (a).",
        )
    if s.state == "live":
        return Content.styled(
            "LIVE — live sessions are changed on the live screen; sign once it has ended.",
            "$warning",
        )
    return Content.styled("UNSIGNED — press s to sign once the record is complete.", "$warning")


def notes_content(log: SessionLog) -> Content:
    """Every note as stored, then the addenda with their author, date and reason."""
    parts: list[str | tuple[str, str]] = []
    for note, author in log.notes:
        who = plain(author.name).plain if author else "Session note"
        fmt = f" ({note.format})" if note.format else ""
        parts += [(who + fmt, "bold"), "\n", plain(note.text, lines=True).plain or "(empty)"]
        parts.append("\n\n")
    for number, addendum in enumerate(log.addenda, 1):
        when = local(addendum.created_at, log.timezone).format("YYYY-MM-DD HH:mm")
        by = plain(addendum.author).plain
        parts += [
            (f"ADDENDUM {number} — {by}, {when}", "bold $warning"),
            "\n",
            "Reason: ",
            plain(addendum.reason).plain,
            "\n",
            plain(addendum.text, lines=True).plain,
            "\n\n",
        ]
    if not parts:
        return Content("No notes.")
    return Content.assemble(*parts)
