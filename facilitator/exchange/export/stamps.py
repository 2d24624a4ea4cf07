"""Stored UTC timestamps as ISO 8601 in a group's zone, hundreds of thousands at a time.

`timeutil.iso` builds an aware datetime per value; an export of five years shows about a million
times, so `LocalIso` works on the text SQLite stores (`YYYY-MM-DD HH:MM:SS[.ffffff]`, naive UTC)
and looks up per UTC hour what `timeutil.iso` would write for it: the local date and hour and
the offset. Only an hour in which the offset changes (a transition, which some zones make at a
half hour), an offset that is not whole minutes, and any value not in that shape (a datetime from
PostgreSQL, text in another form) go through `timeutil.iso` itself, so the result is always the
same as `timeutil.iso`'s.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from facilitator.common.timeutil import UTC, iso, zone

_LAST_SECOND = dt.timedelta(minutes=59, seconds=59)
_MINUTES = tuple(f":{minute % 60:02d}" for minute in range(120))
"""`:MM` for a local minute that went past the hour (index 60.. wraps to :00..)."""

_Hour = tuple[str, str, str, int] | None
"""What one UTC hour shows as: local `YYYY-MM-DDTHH` for the minutes before the local hour
turns, the same after it turns, the offset text (with the quotes of `quoted`), and the offset's
minutes past a whole hour; None when the hour takes the slow path."""


def _parsed(text: str) -> dt.datetime | None:
    """A stored timestamp's text as a datetime (naive is UTC), or None if it is not one."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


class LocalIso:
    """`timeutil.iso(value, tz)` for one zone, for many values: stored text, datetime or None.
    `quoted`: as JSON text instead (the time in quotes, `null` for None)."""

    def __init__(self, tz: str, *, quoted: bool = False) -> None:
        self.tz = tz
        self._zone = zone(tz)
        self._hours: dict[str, _Hour] = {}
        self._quote = '"' if quoted else ""
        self._none = "null" if quoted else None

    def _hour(self, key: str) -> _Hour:
        """What the UTC hour `key` (`YYYY-MM-DD HH`) shows as: `timeutil.iso`'s own steps
        (`astimezone` to the zone, `isoformat` to the second) at the hour's start."""
        try:  # int() rather than strptime: this runs for every hour an export meets
            year, month, day, hour = int(key[:4]), int(key[5:7]), int(key[8:10]), int(key[11:])
            start = dt.datetime(year, month, day, hour, tzinfo=UTC)
        except ValueError:
            return None
        local = start.astimezone(self._zone)
        offset = local.utcoffset()
        if offset != (start + _LAST_SECOND).astimezone(self._zone).utcoffset():
            return None  # a transition within the hour (some zones make them at a half hour)
        first = local.isoformat(timespec="seconds")
        if offset is None or offset.seconds % 60 or offset.microseconds or len(first) != 25:
            return None  # an offset with seconds: not worth a fast path
        past, quote = local.minute, self._quote
        if not past:
            return quote + first[:13], "", first[19:] + quote, 0
        turned = (local + dt.timedelta(minutes=60 - past)).isoformat(timespec="seconds")
        return quote + first[:13], quote + turned[:13], first[19:] + quote, past

    def __call__(self, value: Any) -> str | None:
        """ISO 8601 to the second with the zone's offset, as `timeutil.iso`; None for None."""
        if value is None:
            return self._none
        if type(value) is str and (len(value) == 26 or len(value) == 19):
            key = value[:13]
            try:
                hour = self._hours[key]
            except KeyError:
                hour = self._hours[key] = self._hour(key)
            if hour is not None and value[13] == ":" and value[16] == ":":
                before, after, offset, past = hour
                if not past:
                    return before + value[13:19] + offset
                minute = int(value[14:16]) + past
                return (before if minute < 60 else after) + _MINUTES[minute] + value[16:19] + offset
        if isinstance(value, str):
            parsed = _parsed(value)
            if parsed is None:
                raise ValueError(f"not a stored timestamp: {value!r}")
            value = parsed
        return self._quote + str(iso(value, self.tz)) + self._quote
