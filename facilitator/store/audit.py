"""The audit trail: who did what, when — recorded by every domain, listed for the TUI and
exported for reviewers."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

import sqlalchemy as sa
from sqlmodel import Session, col, select

from facilitator.common.text import safe_cell
from facilitator.common.timeutil import iso, machine_timezone
from facilitator.store.models import AuditEvent, Group, GroupSession, Participant


@dataclass(frozen=True)
class AuditLine:
    """One event, with the member's name resolved for an authorised reader."""

    at: dt.datetime
    actor: str
    action: str
    session_id: str | None
    participant: str | None
    detail: dict[str, object]


FIELDS = ("at", "actor", "action", "session_id", "participant", "detail")


def audit(
    db: Session,
    action: str,
    *,
    session_id: str | None = None,
    participant_id: int | None = None,
    actor: str = "",
    at: dt.datetime | None = None,
    **detail: object,
) -> None:
    """Record who did what, when (ids and codes only, never a name)."""
    event = AuditEvent(
        actor=actor,
        action=action,
        session_id=session_id,
        participant_id=participant_id,
        detail=detail,
    )
    if at is not None:
        event.at = at
    db.add(event)


def audit_row(
    action: str,
    *,
    session_id: str | None = None,
    participant_id: int | None = None,
    actor: str = "",
    at: dt.datetime,
    **detail: object,
) -> dict[str, object]:
    """The values of one event as `audit` records it, for `audit_rows`."""
    event = {"action": action, "actor": actor, "at": at, "detail": detail}
    return event | {"session_id": session_id, "participant_id": participant_id}


def audit_rows(db: Session, rows: list[dict[str, object]]) -> None:
    """Record several events (`audit_row` values) at once: one prepared INSERT, run for each
    (written now, in order, not at the next flush)."""
    if rows:
        db.connection().execute(sa.insert(AuditEvent.__table__), rows)  # type: ignore[arg-type]


def audit_lines(
    db: Session,
    *,
    session_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = 1000,
    newest_first: bool = True,
) -> Iterator[AuditLine]:
    """Events, newest first by default, optionally for one session or a time range (UTC)."""
    query = select(AuditEvent, Participant.name).outerjoin(
        Participant, col(Participant.id) == col(AuditEvent.participant_id)
    )
    if session_id is not None:
        query = query.where(AuditEvent.session_id == session_id)
    if since is not None:
        query = query.where(col(AuditEvent.at) >= since)
    if until is not None:
        query = query.where(col(AuditEvent.at) < until)
    order = col(AuditEvent.id).desc() if newest_first else col(AuditEvent.id)
    query = query.order_by(order)
    if limit is not None:
        query = query.limit(limit)
    for event, name in db.exec(query.execution_options(yield_per=500)):
        yield AuditLine(event.at, event.actor, event.action, event.session_id, name, event.detail)


def session_zones(db: Session, session_ids: set[str | None]) -> tuple[dict[str, str], str]:
    """The time zone to show each session's events in (its group's), and one for the rest.

    Events without a session are shown in the groups' zone when every group shares one, else in
    this machine's zone.
    """
    wanted = [sid for sid in session_ids if sid]
    zones: dict[str, str] = {}
    if wanted:
        query = select(GroupSession.id, Group.timezone).join(
            Group, col(Group.id) == col(GroupSession.group_id)
        )
        zones = dict(db.exec(query.where(col(GroupSession.id).in_(wanted))).all())
    shared = set(db.exec(select(Group.timezone).distinct().limit(2)).all())
    default = shared.pop() if len(shared) == 1 else machine_timezone()
    return zones, default


def write_audit(lines: Iterator[AuditLine], out: TextIO, fmt: str) -> int:
    """Write events as CSV (one row each) or JSON (a list); returns how many.

    `at` is ISO 8601 in UTC to the second (`2026-12-01T14:06:29+00:00`).
    """
    count = 0
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(FIELDS)
        for line in lines:
            cells = [
                iso(line.at, "UTC"),
                line.actor,
                line.action,
                line.session_id or "",
                line.participant or "",
                json.dumps(line.detail, sort_keys=True),
            ]
            writer.writerow([safe_cell(c) for c in cells])
            count += 1
        return count
    out.write("[")
    for line in lines:
        record = {
            "at": iso(line.at, "UTC"),
            "actor": line.actor,
            "action": line.action,
            "session_id": line.session_id,
            "participant": line.participant,
            "detail": line.detail,
        }
        out.write(("\n" if count == 0 else ",\n") + json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
