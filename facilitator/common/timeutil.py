"""Time helpers: store UTC, show the group's time zone, parse user dates."""

from __future__ import annotations

import datetime as dt
import functools
import math

import pendulum

from facilitator.errors import UserError

UTC = dt.UTC


def utcnow() -> dt.datetime:
    """The current wall-clock time, aware, in UTC."""
    return dt.datetime.now(UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Normalise a datetime from any backend to aware UTC (naive is taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@functools.cache
def zone(name: str) -> pendulum.Timezone | pendulum.FixedTimezone:
    """The time zone called `name` (read once per process, not per timestamp)."""
    return pendulum.timezone(name)


def today_in(tz: str) -> dt.date:
    """Today's date in the time zone called `tz` (a group's)."""
    return pendulum.now(zone(tz)).date()


def local(value: dt.datetime, tz: str) -> pendulum.DateTime:
    """A UTC instant shown in the group's time zone."""
    return pendulum.instance(as_utc(value)).in_timezone(zone(tz))


def hhmm(value: dt.datetime | None, tz: str) -> str:
    """`18:02` in the group's time zone, or an empty string."""
    return "" if value is None else local(value, tz).format("HH:mm")


def local_minute(value: dt.datetime | None, tz: str) -> str:
    """`2026-12-01 08:06` in the group's time zone (for messages and lists), or ''."""
    return "" if value is None else local(value, tz).format("YYYY-MM-DD HH:mm")


def iso(value: dt.datetime | None, tz: str) -> str | None:
    """ISO 8601 to the second with the group's offset, e.g. `2026-11-22T18:02:00-05:00`."""
    if value is None:
        return None
    utc = as_utc(value)
    assert utc is not None
    return utc.astimezone(zone(tz)).isoformat(timespec="seconds")


def parse_date(text: str, what: str = "date") -> dt.date:
    """Parse `YYYY-MM-DD` strictly; a clear UserError otherwise."""
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise UserError(f"{what}: {text!r} is not a date (use YYYY-MM-DD)") from None


def valid_timezone(name: str) -> str:
    """Return `name` if it is a known IANA time zone, else raise UserError."""
    try:
        pendulum.timezone(name)
    except Exception:
        raise UserError(
            f"unknown time zone {name!r} (use an IANA name like America/Chicago)"
        ) from None
    return name


def machine_timezone() -> str:
    """The machine's IANA time zone name, UTC if it cannot be told."""
    try:
        name = pendulum.local_timezone().name
    except Exception:
        return "UTC"
    return name or "UTC"


def mmss(seconds: float) -> str:
    """`22:41` for remaining time, `+02:13` for time over (negative seconds)."""
    # Count down in whole seconds rounded up (00:00 only when time is up); count
    # overrun in whole seconds elapsed.
    whole = math.ceil(seconds) if seconds >= 0 else math.floor(-seconds)
    sign = "+" if seconds < 0 else ""
    minutes, secs = divmod(whole, 60)
    return f"{sign}{minutes:02d}:{secs:02d}"
