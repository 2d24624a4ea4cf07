"""Export times and rows at speed: the per-hour fast path of the local ISO times, and the
streamed CSV and JSON writers, equal the plain formatting of every value."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from facilitator.common.clock import FakeClock
from facilitator.common.text import safe_cell
from facilitator.common.timeutil import UTC, iso
from facilitator.exchange.export import CSV_COLUMNS, ExportFilter, iter_sessions, session_record
from facilitator.exchange.export.json_csv import minutes_text
from facilitator.exchange.export.json_text import _fields_text
from facilitator.exchange.export.stamps import LocalIso
from facilitator.store.database import Database

from .test_export import MEMBERS, export_text, record_session

ZONES = [
    "America/St_Johns",  # -03:30/-02:30, transitions at a UTC half hour
    "Asia/Kolkata",  # +05:30
    "Australia/Lord_Howe",  # +10:30/+11:00: a half-hour DST shift
    "Asia/Kathmandu",  # +05:45
    "Pacific/Chatham",  # +12:45/+13:45
    "America/Chicago",
    "America/Phoenix",
    "Europe/London",
    "UTC",
]

instants = st.datetimes(min_value=dt.datetime(1850, 1, 1), max_value=dt.datetime(2100, 12, 31)).map(
    lambda value: value.replace(tzinfo=UTC)
)


def stored(value: dt.datetime, micro: bool = True) -> str:
    """A UTC instant as SQLite holds it: naive text, with or without microseconds."""
    text = value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    return text + f".{value.microsecond:06d}" if micro else text


@settings(max_examples=400, deadline=None)
@given(instant=instants, tz=st.sampled_from(ZONES), micro=st.booleans())
@example(
    instant=dt.datetime(2026, 4, 4, 14, 59, 59, tzinfo=UTC), tz="Australia/Lord_Howe", micro=True
)
@example(
    instant=dt.datetime(2026, 4, 4, 15, 0, 0, tzinfo=UTC), tz="Australia/Lord_Howe", micro=False
)
@example(instant=dt.datetime(2026, 3, 8, 5, 29, 59, tzinfo=UTC), tz="America/St_Johns", micro=True)
@example(instant=dt.datetime(2026, 3, 8, 5, 30, 0, tzinfo=UTC), tz="America/St_Johns", micro=True)
@example(instant=dt.datetime(2026, 11, 1, 4, 30, 0, tzinfo=UTC), tz="America/St_Johns", micro=False)
@example(instant=dt.datetime(1880, 6, 1, 12, 0, 0, tzinfo=UTC), tz="Asia/Kolkata", micro=True)
def test_local_iso_equals_timeutil_iso(instant: dt.datetime, tz: str, micro: bool) -> None:
    """Stored text, a naive datetime and an aware one show as `timeutil.iso` shows them (and
    as its JSON text), in zones with half-hour and 45-minute offsets, half-hour transitions and
    historical offsets with seconds; the cache of hours then answers the same again."""
    show = LocalIso(tz)
    expected = iso(instant, tz)
    assert show(stored(instant, micro)) == expected
    assert show(stored(instant, micro)) == expected  # from the cache of hours
    assert show(instant.replace(tzinfo=None)) == expected
    assert show(instant) == expected
    assert show(None) is None
    as_json = LocalIso(tz, quoted=True)
    assert as_json(stored(instant, micro)) == as_json(instant) == json.dumps(expected)
    assert as_json(None) == "null"


@pytest.mark.parametrize("tz", ["America/St_Johns", "Australia/Lord_Howe", "Pacific/Chatham"])
def test_local_iso_across_a_year_of_transitions(tz: str) -> None:
    """Every 7 minutes 13 seconds through 2026, transitions included, as `timeutil.iso`."""
    show = LocalIso(tz)
    value = dt.datetime(2026, 1, 1, tzinfo=UTC)
    step = dt.timedelta(minutes=7, seconds=13)
    while value.year == 2026:
        assert show(stored(value)) == iso(value, tz), value
        value += step


def test_local_iso_refuses_what_is_not_a_time() -> None:
    with pytest.raises(ValueError, match="not a stored timestamp"):
        LocalIso("UTC")("yesterday")


def _reference_csv(database: Database) -> str:
    """The CSV built value by value from the page reader (datetimes) and `timeutil.iso`."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    with database.session() as db:
        for log in iter_sessions(db, ExportFilter()):
            s, tz = log.session, log.timezone
            head = [s.id, s.local_date.isoformat(), log.group.name, s.curriculum_id, s.topic_id]
            head += [s.topic_title, s.facilitator]
            for row, person in log.attendance:
                writer.writerow(
                    [safe_cell(cell) for cell in (*head, person.name, person.external_id)]
                    + [row.status, iso(row.checked_in_at, tz), iso(row.checked_out_at, tz)]
                    + [minutes_text(row.minutes), row.method, row.modality]
                    + ["" if v is None else str(v) for v in (row.craving, row.mood)]
                )
    return out.getvalue()


def test_streamed_csv_and_json_equal_the_value_by_value_output(
    database: Database, clock: FakeClock
) -> None:
    """Two recorded sessions (formula-like names, markup, a walk-in, notes, a break): the
    streamed CSV and JSON are exactly what formatting each value on its own gives."""
    record_session(database, clock)
    clock.advance(minutes=24 * 60)
    record_session(database, clock, new_group=False)
    csv_text = export_text(database, "csv")
    assert csv_text == _reference_csv(database)
    assert len(csv_text.splitlines()) == 1 + 2 * (len(MEMBERS) + 1)
    with database.session() as db:
        records = [session_record(log) for log in iter_sessions(db, ExportFilter())]
    expected = "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"
    assert export_text(database, "json") == expected
    assert json.loads(expected)[0]["attendance"][0]["checked_in_at"].endswith("-06:00")


@settings(max_examples=300, deadline=None)
@given(fields=st.dictionaries(st.text(max_size=8), st.text(max_size=12), max_size=5))
def test_stored_note_fields_are_written_as_json_dumps_would(fields: dict[str, str]) -> None:
    """A note's fields as SQLite stores them (`json.dumps`, ASCII escapes) come out exactly as
    `json.dumps(fields, ensure_ascii=False)`, whether or not the stored text is kept as it is."""
    expected = json.dumps(fields, ensure_ascii=False)
    assert _fields_text(json.dumps(fields)) == expected
    assert _fields_text(fields) == expected


@pytest.mark.parametrize(
    "stored",
    ['{"a":"b"}', '{"a": 1}', '{"a": "b", "a": "c"}', "null", '{"a": "b",  "c": "d"}', "{ }"],
)
def test_stored_note_fields_in_another_form_are_re_encoded(stored: str) -> None:
    expected = json.dumps(dict(json.loads(stored) or {}), ensure_ascii=False)
    assert _fields_text(stored) == expected
    assert _fields_text(None) == "{}"


def test_streams_pass_over_rows_of_a_session_that_changed_mid_export(database: Database) -> None:
    """Each streamed query sees the database as of its own start: a child row whose session
    the sessions' query did not see (it ended meanwhile) is passed over, and the sessions after
    it still get their own rows."""
    from typing import NamedTuple

    from facilitator.exchange.export.streams import _Streams

    class Row(NamedTuple):
        order_at: str
        id: str
        group_name: str = "Evening IOP"
        timezone: str = "America/Chicago"

    sessions = [Row("2026-11-16 15:00:00.000000", "a"), Row("2026-11-18 15:00:00.000000", "c")]
    ghost = ("2026-11-17 15:00:00.000000", "b")
    agenda = iter(
        [((s.order_at, s.id), [f"item of {s.id}"]) for s in sessions[:1]]
        + [(ghost, ["item of b"])]
        + [((sessions[1].order_at, "c"), ["item of c"])]
    )
    with database.session() as db:
        streams = _Streams(db, ExportFilter())
        logs = list(streams.merged(iter(sessions), {"agenda": agenda, "breaks": iter([])}))
    assert [(log.session.id, log.agenda, log.breaks) for log in logs] == [
        ("a", ["item of a"], []),
        ("c", ["item of c"], []),
    ]
