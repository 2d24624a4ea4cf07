"""Guessing a new group's time zone from the UTC offsets recorded in its sessions."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable, Iterator

from facilitator.common.timeutil import machine_timezone
from facilitator.exchange.importer.schema import SessionIn

COMMON_ZONES: tuple[str, ...] = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "America/Halifax",
    "America/Toronto",
    "America/Vancouver",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Helsinki",
    "Australia/Sydney",
    "Australia/Perth",
    "Pacific/Auckland",
    "UTC",
)
"""Zones tried, in order, when a new group's time zone is guessed from offsets."""


def instants_of(s: SessionIn) -> Iterator[dt.datetime]:
    """Every time recorded in a session, with its offset as written."""
    yield s.started_at
    for value in (s.ended_at, s.signed_at):
        if value is not None:
            yield value
    for item in s.agenda:
        yield from (v for v in (item.started_at, item.ended_at) if v is not None)
    for brk in s.breaks:
        yield from (v for v in (brk.started_at, brk.ended_at) if v is not None)
    for row in s.attendance:
        yield from (v for v in (row.checked_in_at, row.checked_out_at) if v is not None)
    for note in s.notes:
        yield note.created_at
    for addendum in s.addenda:
        yield addendum.created_at


@functools.cache
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    """A zone by name, loaded once (ZoneInfo's own cache is too small for a scan of them all)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def guess_timezone(instants: Iterable[dt.datetime]) -> str:
    """An IANA zone whose offsets match every given time's offset (see the module notes)."""
    samples: set[tuple[dt.datetime, dt.timedelta]] = set()
    for value in instants:
        offset = value.utcoffset()
        assert offset is not None
        # Offsets change on the hour (in UTC) in practice: one sample per hour is enough.
        hour = value.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        samples.add((hour, offset))
    machine = machine_timezone()
    if not samples:
        return machine

    def fits(name: str) -> bool:
        zone = _zone(name)
        if zone is None:
            return False
        return all(at.astimezone(zone).utcoffset() == offset for at, offset in samples)

    for name in (machine, *COMMON_ZONES):
        if fits(name):
            return name
    regions = (
        "Africa/",
        "America/",
        "Antarctica/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
    )
    try:
        every = sorted(z for z in zoneinfo.available_timezones() if z.startswith(regions))
    except Exception:  # pragma: no cover - no time zone database at all
        every = []
    ordered = sorted(samples)
    candidates = every
    for at, offset in ordered:  # narrow down one sample at a time: fast even for large files
        candidates = [
            name
            for name in candidates
            if (zone := _zone(name)) is not None and at.astimezone(zone).utcoffset() == offset
        ]
        if not candidates:
            break
    return candidates[0] if candidates else machine
