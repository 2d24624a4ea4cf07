"""Attendance reports: hand-built programs with known answers, the JSON contract and the CLI.

Sessions are run through the service layer (start_session, a LiveSession on a FakeClock for
check-ins, breaks and check-outs, end_session), so the stored service minutes are the real ones.
Every person here is fictional.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner, Result

from facilitator.common.clock import FakeClock
from facilitator.common.timeutil import UTC
from facilitator.curriculum.model import Curriculum
from facilitator.errors import UserError
from facilitator.program.groups import create_group, get_group
from facilitator.program.roster import add_member, members
from facilitator.reports import attendance as reports
from facilitator.reports import member, output
from facilitator.reports import outreach as outreach_
from facilitator.reports.cycle import cycle_of
from facilitator.session import attendance as att
from facilitator.session.lifecycle import start_session
from facilitator.session.live import open_live
from facilitator.store.database import Database, open_database
from facilitator.store.models import Group, GroupSession, Status

from .backend import throwaway_db_url
from .conftest import START

CURRICULUM = Curriculum.model_validate(
    {
        "schema": 1,
        "id": "test-skills",
        "title": "Test Skills",
        "session": [
            {"id": f"t{n}", "title": f"Topic {n}", "item": [{"title": "Group", "minutes": 200}]}
            for n in (1, 2, 3, 4)
        ],
    }
)

# The contract's participant fields (CONTRACT section 6) and their JSON types.
CONTRACT_FIELDS = {
    "name": str,
    "external_id": (str, type(None)),
    "sessions": int,
    "present": int,
    "late": int,
    "excused": int,
    "absent": int,
    "left_early": int,
    "hours": (int, float),
    "days_below_daily_minimum": int,
    "weeks_below_minimum": int,
    "consecutive_absences": int,
    # Section 8: the member's latest period.
    "joined": str,
    "left": (str, type(None)),
    "reason": (str, type(None)),
}

D = dt.date.fromisoformat


@dataclass
class Visit:
    """What one member does in one session: minutes after the start."""

    arrive: int
    leave: int | None = None


@dataclass
class Plan:
    """One session: when (local wall time), its topic, length, break and who does what."""

    when: str
    topic: str = "t1"
    length: int = 200
    brk: tuple[int, int] | None = (90, 20)
    visits: dict[str, Visit] = field(default_factory=dict)
    excused: tuple[str, ...] = ()


def utc(when: str, tz: str) -> dt.datetime:
    """A local wall time `YYYY-MM-DD HH:MM` in `tz` as aware UTC."""
    local = dt.datetime.fromisoformat(when).replace(tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


def member_ids(db: Session, group: Group) -> dict[str, int]:
    """Every member's participant id by name (those who left too)."""
    return {m.participant.name: m.participant.id for m in members(db, group, include_left=True)}  # type: ignore[misc]


def hold(database: Database, clock: FakeClock, group_name: str, plan: Plan) -> str:
    """Run one session on the fake clock, as the live screen would; return its id."""
    with database.session() as db:
        group = get_group(db, group_name)
        clock.current = utc(plan.when, group.timezone)
        session = start_session(
            db,
            group=group,
            curriculum=CURRICULUM,
            topic=CURRICULUM.topic(plan.topic),
            facilitator="Sam Rivers",
            now=clock(),
        )
        session_id = session.id
        ids = member_ids(db, group)
        for name in plan.excused:
            att.set_status(
                db,
                group=group,
                session=session,
                participant_id=ids[name],
                status=Status.EXCUSED,
                now=clock(),
            )
    live = open_live(database, session_id, clock=clock)
    codes = {e.participant.name: e.participant.code for e in live.snapshot.roster}
    start = clock()
    events: list[tuple[int, int, str, str]] = [(plan.length, 9, "end", "")]
    if plan.brk is not None:
        events += [(plan.brk[0], 0, "break", ""), (plan.brk[0] + plan.brk[1], 0, "break", "")]
    for name, visit in plan.visits.items():
        events.append((visit.arrive, 1, "in", name))
        if visit.leave is not None:
            events.append((visit.leave, 2, "out", name))
    for offset, _, kind, name in sorted(events):
        clock.current = start + dt.timedelta(minutes=offset)
        if kind == "in":
            assert live.check_in_code(codes[name]).ok
        elif kind == "out":
            live.check_out(ids[name])
        elif kind == "break":
            live.toggle_break()
        else:
            live.end()
    return session_id


FULL = Visit(0)

# Main program: "Evening Path", America/Chicago, 9 h a week, 3 h a day. Sessions run 200 minutes
# with a 20-minute break, so full attendance is exactly 3.00 service hours.
MAIN_PLANS = [
    # S1 Mon: Blake arrives 25 min late and leaves at +150: 125 min less the 20-min break = 105.
    Plan("2026-11-02 09:00", "t1", visits={"Avery Quinn": FULL, "Blake Moreno": Visit(25, 150)}),
    Plan("2026-11-04 09:00", "t2", visits={"Avery Quinn": FULL, "Blake Moreno": FULL}),
    # S3 Fri: Blake late by 15 and stays: 185 - 20 = 165 min.
    Plan("2026-11-06 09:00", "t3", visits={"Avery Quinn": FULL, "Blake Moreno": Visit(15)}),
    Plan("2026-11-09 09:00", "t4", visits={"Avery Quinn": FULL}),  # Blake absent
    Plan(
        "2026-11-11 09:00",
        "t1",
        visits={"Avery Quinn": FULL, "Casey Lindqvist": FULL},
        excused=("Blake Moreno",),
    ),
    Plan("2026-11-13 09:00", "t2", visits={"Avery Quinn": FULL, "Casey Lindqvist": FULL}),
    Plan("2026-11-16 09:00", "t3", visits={"Avery Quinn": FULL, "Casey Lindqvist": FULL}),
]
TODAY = D("2026-11-22")  # a Sunday


@dataclass
class Program:
    """The main fixture: its database URL, the database and the members' ids by name."""

    url: str
    database: Database
    ids: dict[str, int]


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Program]:
    """Build the main program once for the module (reports only read it)."""
    with throwaway_db_url(tmp_path_factory.mktemp("reports")) as url:
        yield from _build_program(url)


def _build_program(url: str) -> Iterator[Program]:
    database = open_database(url)
    with database.session() as db:
        group = create_group(db, name="Evening Path", timezone="America/Chicago")
        # Casey is on the roster from the start (so early sessions give her absent rows) but
        # only joins on Tuesday 2026-11-10: the report must ignore those rows.
        add_member(db, group, name="Avery Quinn", external_id="A-100", joined=D("2026-11-02"))
        add_member(db, group, name="Blake Moreno", joined=D("2026-11-02"))
        add_member(db, group, name="Casey Lindqvist", external_id="C-300", joined=D("2026-11-10"))
    clock = FakeClock(START)
    for plan in MAIN_PLANS:
        hold(database, clock, "Evening Path", plan)
    with database.session() as db:
        group = get_group(db, "Evening Path")
        # Blake left on Sunday 2026-11-15.
        blake = next(
            m.membership for m in members(db, group) if m.participant.name == "Blake Moreno"
        )
        blake.left = D("2026-11-15")
        db.add(blake)
        # Devon is added afterwards, backdated: no attendance rows at all, so absent every time.
        add_member(db, group, name="Devon O'Hara", joined=D("2026-11-02"))
        ids = member_ids(db, group)
    yield Program(url, database, ids)
    database.dispose()


def report_of(
    program: Program, date_from: str | None = None, date_to: str | None = None
) -> reports.AttendanceReport:
    with program.database.session() as db:
        group = get_group(db, "Evening Path")
        return reports.attendance_report(
            db,
            group,
            date_from=D(date_from) if date_from else None,
            date_to=D(date_to) if date_to else None,
            today=TODAY,
        )


def by_name(report: reports.AttendanceReport) -> dict[str, dict[str, object]]:
    return {p.name: output.participant_json(p) for p in report.participants}


# --- the report's figures ------------------------------------------------------------------------


def test_whole_program_default_range(program: Program) -> None:
    report = report_of(program)
    assert (report.group, report.date_from, report.date_to) == (
        "Evening Path",
        D("2026-11-02"),
        TODAY,
    )
    assert [p.name for p in report.participants] == [
        "Avery Quinn",
        "Blake Moreno",
        "Casey Lindqvist",
        "Devon O'Hara",
    ]
    assert report.participant_ids == [program.ids[p.name] for p in report.participants]
    rows = by_name(report)
    # Exactly 3.00 h a day and 9.00 h a week is not below; week 47 (one session) has not ended
    # on its Sunday, so it does not count yet.
    assert rows["Avery Quinn"] == {
        "name": "Avery Quinn", "external_id": "A-100", "sessions": 7, "present": 7, "late": 0,
        "excused": 0, "absent": 0, "left_early": 0, "hours": 21.0, "days_below_daily_minimum": 0,
        "weeks_below_minimum": 0, "consecutive_absences": 0,
        "joined": "2026-11-02", "left": None, "reason": None,
    }  # fmt: skip
    # Blake: left early (105 min), present (180), late (165), absent, excused, absent; left on
    # 2026-11-15, so not due on 11-16. Absent, excused, absent makes a streak of 2.
    assert rows["Blake Moreno"] == {
        "name": "Blake Moreno", "external_id": None, "sessions": 6, "present": 1, "late": 1,
        "excused": 1, "absent": 2, "left_early": 1, "hours": 7.5, "days_below_daily_minimum": 2,
        "weeks_below_minimum": 2, "consecutive_absences": 2,
        "joined": "2026-11-02", "left": "2026-11-15", "reason": None,
    }  # fmt: skip
    # Casey joined on Tuesday of week 46: only the three sessions since count; 6 h in week 46
    # (week 47, still running, does not count yet).
    assert rows["Casey Lindqvist"] == {
        "name": "Casey Lindqvist", "external_id": "C-300", "sessions": 3, "present": 3, "late": 0,
        "excused": 0, "absent": 0, "left_early": 0, "hours": 9.0, "days_below_daily_minimum": 0,
        "weeks_below_minimum": 1, "consecutive_absences": 0,
        "joined": "2026-11-10", "left": None, "reason": None,
    }  # fmt: skip
    # Devon has no attendance rows: absent from all seven; two ended weeks with nothing.
    assert rows["Devon O'Hara"] == {
        "name": "Devon O'Hara", "external_id": None, "sessions": 7, "present": 0, "late": 0,
        "excused": 0, "absent": 7, "left_early": 0, "hours": 0.0, "days_below_daily_minimum": 0,
        "weeks_below_minimum": 2, "consecutive_absences": 7,
        "joined": "2026-11-02", "left": None, "reason": None,
    }  # fmt: skip


def test_late_arrival_early_checkout_and_break_give_the_overlap(program: Program) -> None:
    with program.database.session() as db:
        group = get_group(db, "Evening Path")
        history = member.member_history(db, group, program.ids["Blake Moreno"])
    assert [(h.local_date, h.topic_id, h.status, h.minutes) for h in history] == [
        (D("2026-11-02"), "t1", Status.LEFT_EARLY, 105.0),  # +25..+150 less the 20-min break
        (D("2026-11-04"), "t2", Status.PRESENT, 180.0),
        (D("2026-11-06"), "t3", Status.LATE, 165.0),
        (D("2026-11-09"), "t4", Status.ABSENT, 0.0),
        (D("2026-11-11"), "t1", Status.EXCUSED, 0.0),
        (D("2026-11-13"), "t2", Status.ABSENT, 0.0),
    ]
    assert history[0].topic_title == "Topic 1"


def test_range_is_inclusive_at_both_ends(program: Program) -> None:
    rows = by_name(report_of(program, "2026-11-04", "2026-11-11"))
    avery, blake, casey, devon = (
        rows[n] for n in ("Avery Quinn", "Blake Moreno", "Casey Lindqvist", "Devon O'Hara")
    )
    assert (avery["sessions"], avery["hours"], avery["weeks_below_minimum"]) == (4, 12.0, 2)
    assert {k: blake[k] for k in ("sessions", "present", "late", "absent", "excused")} == {
        "sessions": 4, "present": 1, "late": 1, "absent": 1, "excused": 1,
    }  # fmt: skip
    assert (blake["hours"], blake["days_below_daily_minimum"]) == (5.75, 1)
    assert blake["consecutive_absences"] == 1  # absent 11-09, excused 11-11; 11-13 is out of range
    assert (casey["sessions"], casey["weeks_below_minimum"]) == (1, 1)
    assert (devon["sessions"], devon["consecutive_absences"]) == (4, 4)

    one_day = report_of(program, "2026-11-04", "2026-11-04")
    assert {p.name: p.sessions for p in one_day.participants} == {
        "Avery Quinn": 1,
        "Blake Moreno": 1,
        "Devon O'Hara": 1,
    }  # Casey had not joined yet, so she is not listed


def test_a_range_after_a_member_left_leaves_them_out(program: Program) -> None:
    report = report_of(program, "2026-11-16", "2026-11-22")
    assert [p.name for p in report.participants] == [
        "Avery Quinn",
        "Casey Lindqvist",
        "Devon O'Hara",
    ]


def test_from_after_to_is_a_user_error(program: Program) -> None:
    with pytest.raises(UserError, match="after"):
        report_of(program, "2026-11-10", "2026-11-09")


def test_json_matches_the_contract(program: Program) -> None:
    data = json.loads(json.dumps(output.to_json(report_of(program))))
    assert list(data) == ["group", "from", "to", "participants"]
    assert data["group"] == "Evening Path"
    assert (data["from"], data["to"]) == ("2026-11-02", "2026-11-22")
    assert len(data["participants"]) == 4
    for entry in data["participants"]:
        assert set(entry) == set(CONTRACT_FIELDS)
        for key, kind in CONTRACT_FIELDS.items():
            assert isinstance(entry[key], kind), key
            if kind is int:
                assert not isinstance(entry[key], bool), key
        assert entry["hours"] == round(entry["hours"], 2)
        statuses = ("present", "late", "excused", "absent", "left_early")
        assert entry["sessions"] == sum(entry[s] for s in statuses)


def test_csv_rows(program: Program) -> None:
    buffer = io.StringIO()
    output.write_csv(report_of(program), buffer)
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows[0] == list(CONTRACT_FIELDS)
    assert rows[2] == [
        "Blake Moreno", "", "6", "1", "1", "1", "2", "1", "7.50", "2", "2", "2",
        "2026-11-02", "2026-11-15", "",
    ]  # fmt: skip


def test_weekly_hours_and_topics(program: Program) -> None:
    with program.database.session() as db:
        group = get_group(db, "Evening Path")
        casey = program.ids["Casey Lindqvist"]
        assert member.weekly_hours(db, group, casey, D("2026-11-01"), TODAY) == [
            (2026, 46, 6.0),
            (2026, 47, 3.0),
        ]
        blake = program.ids["Blake Moreno"]
        assert member.weekly_hours(db, group, blake, D("2026-11-01"), TODAY) == [
            (2026, 45, 7.5),
            (2026, 46, 0.0),
        ]
        blakes = cycle_of(db, group, blake, CURRICULUM, next_topic="t1", today=TODAY)
        assert (blakes.covered, blakes.missing) == (["t1", "t2", "t3"], ["t4"])
        devon = program.ids["Devon O'Hara"]
        devons = cycle_of(db, group, devon, CURRICULUM, next_topic="t1", today=TODAY)
        assert (devons.covered, devons.missing) == ([], ["t1", "t2", "t3", "t4"])


def test_outreach_lists_streaks_and_last_week_below_minimum(program: Program) -> None:
    report = report_of(program)
    with program.database.session() as db:
        group = get_group(db, "Evening Path")
        items = outreach_.outreach(report, db, group, today=TODAY)
    # Last complete week: 2026-11-09..15 (week 46). Avery had 9 h there. Blake's last day was
    # 2026-11-15: discharged members are not listed, however their record reads.
    found = {i.name: (i.consecutive_absences, i.last_week_hours, len(i.reasons)) for i in items}
    assert found == {
        "Casey Lindqvist": (0, 6.0, 1),
        "Devon O'Hara": (7, 0.0, 2),
    }
    assert "2026-W46" in items[0].reasons[0]


# --- fresh databases for special cases -----------------------------------------------------------


def test_dst_week_buckets_by_local_date(database: Database, clock: FakeClock) -> None:
    """Evening sessions in New York around the 2026-11-01 fall-back: local dates, not UTC ones."""
    with database.session() as db:
        group = create_group(db, name="Harbor Evenings", timezone="America/New_York")
        add_member(db, group, name="Emery Zhou", joined=D("2026-10-26"))
    plans = [
        Plan("2026-10-29 19:00", length=180, brk=None, visits={"Emery Zhou": FULL}),  # EDT
        Plan("2026-11-01 19:00", length=180, brk=None, visits={"Emery Zhou": FULL}),  # EST
        Plan("2026-11-02 19:00", length=180, brk=None, visits={"Emery Zhou": FULL}),
    ]
    ids = [hold(database, clock, "Harbor Evenings", plan) for plan in plans]
    with database.session() as db:
        sessions = db.exec(
            select(GroupSession)
            .where(col(GroupSession.id).in_(ids))
            .order_by(col(GroupSession.started_at))
        ).all()
        # Thursday 19:00 EDT is 23:00 UTC; Sunday 19:00 EST is 00:00 UTC on Monday, yet the
        # session's local date stays Sunday (ISO week 44).
        assert [s.started_at for s in sessions] == [
            dt.datetime(2026, 10, 29, 23, 0, tzinfo=UTC),
            dt.datetime(2026, 11, 2, 0, 0, tzinfo=UTC),
            dt.datetime(2026, 11, 3, 0, 0, tzinfo=UTC),
        ]
        assert [s.local_date for s in sessions] == [
            D("2026-10-29"),
            D("2026-11-01"),
            D("2026-11-02"),
        ]
        group = get_group(db, "Harbor Evenings")
        emery = member_ids(db, group)["Emery Zhou"]
        assert member.weekly_hours(db, group, emery, D("2026-10-26"), D("2026-11-08")) == [
            (2026, 44, 6.0),
            (2026, 45, 3.0),
        ]
        report = reports.attendance_report(
            db, group, date_from=D("2026-10-26"), date_to=D("2026-11-08"), today=TODAY
        )
        (row,) = report.participants
        assert (row.sessions, row.hours, row.weeks_below_minimum) == (3, 9.0, 2)
        # Sunday alone: the session held at 00:00-03:00 UTC on Monday belongs to Sunday.
        sunday = reports.attendance_report(
            db, group, date_from=D("2026-11-01"), date_to=D("2026-11-01"), today=TODAY
        )
        assert (sunday.participants[0].sessions, sunday.participants[0].hours) == (1, 3.0)


def test_days_below_sum_all_sessions_of_a_day(database: Database, clock: FakeClock) -> None:
    with database.session() as db:
        group = create_group(db, name="Day Program", timezone="America/Chicago")
        for name in ("Finley Park", "Gray Abbott", "Harper Voss"):
            add_member(db, group, name=name, joined=D("2026-11-16"))
    # Two 100-minute sessions on Monday: Finley attends both (200 min: a full day), Gray only
    # the morning (100 min: below 3 h), Harper is excused then absent (not a day attended).
    hold(
        database, clock, "Day Program",
        Plan("2026-11-16 09:00", length=100, brk=None,
             visits={"Finley Park": FULL, "Gray Abbott": FULL}, excused=("Harper Voss",)),
    )  # fmt: skip
    hold(
        database, clock, "Day Program",
        Plan("2026-11-16 13:00", length=100, brk=None, visits={"Finley Park": FULL}),
    )  # fmt: skip
    with database.session() as db:
        group = get_group(db, "Day Program")
        report = reports.attendance_report(
            db, group, date_from=None, date_to=D("2026-11-20"), today=D("2026-11-20")
        )
    rows = by_name(report)
    assert report.date_from == D("2026-11-16")
    assert [rows[n]["days_below_daily_minimum"] for n in rows] == [0, 1, 0]
    assert [rows[n]["hours"] for n in rows] == [3.33, 1.67, 0.0]
    assert rows["Harper Voss"]["consecutive_absences"] == 1
    assert rows["Gray Abbott"]["consecutive_absences"] == 1


def test_live_sessions_do_not_count(database: Database, clock: FakeClock) -> None:
    with database.session() as db:
        group = create_group(db, name="Morning Path", timezone="UTC")
        add_member(db, group, name="Indigo Marsh", joined=D("2026-11-16"))
        start_session(
            db, group=group, curriculum=CURRICULUM, topic=CURRICULUM.sessions[0],
            facilitator="Sam Rivers", now=clock(),
        )  # fmt: skip
        report = reports.attendance_report(db, group, date_from=None, date_to=None, today=TODAY)
    assert report.participants[0].sessions == 0
    # Week 47 has no session held or scheduled (and has not ended): nobody's shortfall.
    assert report.participants[0].weeks_below_minimum == 0


def test_empty_group_has_an_empty_report(database: Database) -> None:
    with database.session() as db:
        group = create_group(db, name="New Group", timezone="UTC")
        report = reports.attendance_report(db, group, date_from=None, date_to=None, today=TODAY)
    assert output.to_json(report) == {
        "group": "New Group", "from": "2026-11-22", "to": "2026-11-22", "participants": [],
    }  # fmt: skip


# --- command line --------------------------------------------------------------------------------

runner = CliRunner()


def invoke(program: Program, *args: str) -> Result:
    from facilitator.cli import app

    return runner.invoke(app, ["--db", program.url, "report", "attendance", *args])


@pytest.fixture
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Today is Sunday 2026-11-22 in every group's time zone, for the command line."""
    monkeypatch.setattr(reports, "today_in", lambda group: TODAY)


def test_cli_json(program: Program, frozen_today: None) -> None:
    result = invoke(program, "Evening Path", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == output.to_json(report_of(program))


def test_cli_csv(program: Program) -> None:
    result = invoke(
        program, "evening path", "--from", "2026-11-02", "--to", "2026-11-08", "--format", "csv"
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == list(CONTRACT_FIELDS)
    assert [r[0] for r in rows[1:]] == ["Avery Quinn", "Blake Moreno", "Devon O'Hara"]
    assert rows[1] == [
        "Avery Quinn", "A-100", "3", "3", "0", "0", "0", "0", "9.00", "0", "0", "0",
        "2026-11-02", "", "",
    ]  # fmt: skip


def test_cli_table(program: Program) -> None:
    result = invoke(program, "Evening Path", "--from", "2026-11-02", "--to", "2026-11-22")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in ("Devon O'Hara", "A-100", "21.00", "7.50", "2026-11-02 to 2026-11-22"):
        assert text in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "yesterday"], "--to: 'yesterday' is not a date (use YYYY-MM-DD)"),
        (
            ["--from", "2026-11-09", "--to", "2026-11-02"],
            "--from 2026-11-09 is after --to 2026-11-02",
        ),
    ],
)
def test_cli_user_errors(program: Program, args: list[str], message: str) -> None:
    """In-process the UserError propagates; main() turns it into status 1 (see below)."""
    result = invoke(program, "Evening Path", *args)
    assert isinstance(result.exception, UserError)
    assert str(result.exception) == message
    assert result.stdout == ""


EXIT_CASES = [
    (["Evening Path", "--from", "2026-13-01"], 1, "--from: '2026-13-01' is not a date"),
    (["Nobody's Group"], 1, "no group named"),
    (["Evening Path", "--format", "xml"], 2, "xml"),
]


def test_cli_exit_codes(program: Program) -> None:
    """`python -m facilitator` as a user runs it: status 1 for bad input, 2 for bad usage."""
    command = [sys.executable, "-m", "facilitator", "--db", program.url, "report", "attendance"]
    # Start every case at once: each process spends most of its time importing.
    running = [
        (
            args,
            subprocess.Popen(
                [*command, *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=Path(__file__).parent.parent,
            ),
        )
        for args, _, _ in EXIT_CASES
    ]
    for (args, process), (_, status, message) in zip(running, EXIT_CASES, strict=True):
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == status, (args, stderr)
        assert message in stderr, (args, stderr)
        assert "Traceback" not in stderr
        assert stdout == ""
