"""Members over time: a discharged member counts only to their last day, a readmitted one has a
new period and keeps the old one, and nobody is on a roster, absent or reached out to after
their last day. Known answers worked out by hand from the sessions below."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import select

from facilitator.common.clock import FakeClock
from facilitator.errors import ManyErrors, UserError
from facilitator.exchange.roster_csv import import_csv
from facilitator.program.groups import create_group, get_group
from facilitator.program.membership import (
    discharge,
    edit_member,
    periods,
    readmit,
    resolve_member,
)
from facilitator.program.roster import add_member, members
from facilitator.reports.attendance import attendance_report
from facilitator.reports.output import participant_json
from facilitator.reports.outreach import outreach
from facilitator.session.live import open_live
from facilitator.store.database import Database
from facilitator.store.models import Attendance, LeaveReason, Membership, Participant

from .test_reports import FULL, Plan, hold

D = dt.date.fromisoformat
GROUP = "Harbor Path"
# Mon/Wed/Fri at 09:00 in Chicago, 200 minutes with a 20-minute break: 3.00 service hours each.
DATES = ["2026-11-02", "2026-11-04", "2026-11-06", "2026-11-09", "2026-11-11", "2026-11-13"]


def run(database: Database, clock: FakeClock, day: str, *here: str) -> str:
    """Hold the 09:00 session of `day` with `here` attending in full."""
    return hold(database, clock, GROUP, Plan(f"{day} 09:00", visits=dict.fromkeys(here, FULL)))


@pytest.fixture
def harbor(database: Database) -> Database:
    with database.session() as db:
        group = create_group(db, name=GROUP, timezone="America/Chicago")
        for name in ("Avery Quinn", "Blake Moreno", "Casey Lindqvist"):
            add_member(db, group, name=name, joined=D("2026-11-02"))
    return database


def member(database: Database, name: str):  # noqa: ANN201 - a Member, read in one session
    with database.session() as db:
        return resolve_member(db, get_group(db, GROUP), name)


def figures(database: Database, today: str = "2026-11-22") -> dict[str, dict[str, object]]:
    with database.session() as db:
        report = attendance_report(
            db, get_group(db, GROUP), date_from=D("2026-11-02"), date_to=D("2026-11-15"),
            today=D(today),
        )  # fmt: skip
    return {p.name: participant_json(p) for p in report.participants}


def test_a_discharged_member_counts_only_to_their_last_day(
    harbor: Database, clock: FakeClock
) -> None:
    for day in DATES[:3]:
        run(harbor, clock, day, "Avery Quinn", "Blake Moreno", "Casey Lindqvist")
    with harbor.session() as db:
        group = get_group(db, GROUP)
        blake = resolve_member(db, group, "blake moreno")
        discharge(
            db, group, blake, on=D("2026-11-06"), reason=LeaveReason.TRANSFERRED, actor="Lead"
        )
    for day in DATES[3:]:
        run(harbor, clock, day, "Avery Quinn")
    rows = figures(harbor)
    # Blake: three sessions, all attended (9 h), none after his last day: no absences, and his
    # only week (W45) has 9 h. Casey stayed and missed the last three: a streak of 3.
    blake = rows["Blake Moreno"]
    assert (blake["sessions"], blake["present"], blake["absent"], blake["hours"]) == (3, 3, 0, 9.0)
    assert (blake["weeks_below_minimum"], blake["consecutive_absences"]) == (0, 0)
    assert (blake["joined"], blake["left"], blake["reason"]) == (
        "2026-11-02",
        "2026-11-06",
        "transferred",
    )
    casey = rows["Casey Lindqvist"]
    assert (casey["sessions"], casey["absent"], casey["consecutive_absences"]) == (6, 3, 3)
    assert casey["left"] is None
    # No attendance rows for Blake after his last day: he was on no roster, marked absent nowhere.
    with harbor.session() as db:
        blake_id = db.exec(select(Participant.id).where(Participant.name == "Blake Moreno")).one()
        rows_after = db.exec(select(Attendance).where(Attendance.participant_id == blake_id)).all()
        assert len(rows_after) == 3
        group = get_group(db, GROUP)
        report = attendance_report(
            db, group, date_from=D("2026-11-02"), date_to=D("2026-11-15"), today=D("2026-11-22")
        )
        reached = {item.name for item in outreach(report, db, group, today=D("2026-11-22"))}
    assert reached == {"Casey Lindqvist"}


def test_a_readmitted_member_has_a_new_period_and_the_first_is_unchanged(
    harbor: Database, clock: FakeClock
) -> None:
    run(harbor, clock, DATES[0], "Avery Quinn", "Blake Moreno", "Casey Lindqvist")
    run(harbor, clock, DATES[1], "Avery Quinn", "Blake Moreno", "Casey Lindqvist")
    with harbor.session() as db:
        group = get_group(db, GROUP)
        discharge(db, group, resolve_member(db, group, "Blake Moreno"), on=D("2026-11-04"))
    run(harbor, clock, DATES[2], "Avery Quinn", "Casey Lindqvist")  # Blake away: not due
    run(harbor, clock, DATES[3], "Avery Quinn", "Casey Lindqvist")
    with harbor.session() as db:
        group = get_group(db, GROUP)
        readmit(db, group, resolve_member(db, group, "Blake Moreno"), on=D("2026-11-10"))
    run(harbor, clock, DATES[4], "Avery Quinn", "Blake Moreno", "Casey Lindqvist")
    run(harbor, clock, DATES[5], "Avery Quinn", "Casey Lindqvist")  # Blake absent
    with harbor.session() as db:
        group = get_group(db, GROUP)
        blake = resolve_member(db, group, "Blake Moreno")
        spans = [(p.joined, p.left, p.reason) for p in periods(db, group, blake.participant)]
    assert spans == [
        (D("2026-11-02"), D("2026-11-04"), LeaveReason.COMPLETED),
        (D("2026-11-10"), None, None),
    ]
    blake_row = figures(harbor)["Blake Moreno"]
    # Due at 11-02, 11-04 (first period) and 11-11, 11-13 (second): 3 attended, 1 absent.
    assert (blake_row["sessions"], blake_row["present"], blake_row["absent"]) == (4, 3, 1)
    assert blake_row["hours"] == 9.0
    # W45 (6 h) and W46 (3 h) are both his weeks and both below 9 h.
    assert blake_row["weeks_below_minimum"] == 2
    assert (blake_row["joined"], blake_row["left"], blake_row["reason"]) == (
        "2026-11-10",
        None,
        None,
    )


def test_the_live_roster_of_a_new_session_leaves_out_a_discharged_member(
    harbor: Database, clock: FakeClock
) -> None:
    with harbor.session() as db:
        group = get_group(db, GROUP)
        discharge(db, group, resolve_member(db, group, "Casey Lindqvist"), on=D("2026-11-03"))
    session_id = run(harbor, clock, DATES[1], "Avery Quinn")
    roster = {e.participant.name for e in open_live(harbor, session_id).snapshot.roster}
    assert roster == {"Avery Quinn", "Blake Moreno"}


def test_the_roster_leaves_out_a_member_whose_admission_is_later(
    harbor: Database, clock: FakeClock
) -> None:
    with harbor.session() as db:
        add_member(db, get_group(db, GROUP), name="Dana Wolfe", joined=D("2026-11-09"))
    session_id = run(harbor, clock, DATES[1], "Avery Quinn")
    roster = {e.participant.name for e in open_live(harbor, session_id).snapshot.roster}
    assert roster == {"Avery Quinn", "Blake Moreno", "Casey Lindqvist"}


def test_a_member_discharged_during_a_session_keeps_their_record(
    harbor: Database, clock: FakeClock
) -> None:
    session_id = run(harbor, clock, DATES[0], "Avery Quinn", "Blake Moreno")
    with harbor.session() as db:
        group = get_group(db, GROUP)
        discharge(db, group, resolve_member(db, group, "Blake Moreno"), on=D("2026-11-02"))
    roster = {
        e.participant.name: e.status.value for e in open_live(harbor, session_id).snapshot.roster
    }
    assert roster["Blake Moreno"] == "present"
    assert figures(harbor)["Blake Moreno"]["sessions"] == 1


def test_bad_discharges_and_readmissions_change_nothing(harbor: Database) -> None:
    with harbor.session() as db:
        group = get_group(db, GROUP)
        avery = resolve_member(db, group, "Avery Quinn")
        with pytest.raises(UserError, match="before Avery Quinn joined"):
            discharge(db, group, avery, on=D("2026-11-01"))
        with pytest.raises(UserError, match="is a current member"):
            readmit(db, group, avery)
        discharge(db, group, avery, on=D("2026-11-20"))
        with pytest.raises(UserError, match="not a current member"):
            discharge(db, group, avery)
        with pytest.raises(UserError, match="last day was 2026-11-20"):
            readmit(db, group, avery, on=D("2026-11-20"))
    with harbor.session() as db:
        spans = db.exec(
            select(Membership).where(Membership.participant_id == avery.participant.id)
        ).all()
        assert [(m.joined, m.left) for m in spans] == [(D("2026-11-02"), D("2026-11-20"))]


def test_members_are_named_by_external_id_code_or_name(harbor: Database) -> None:
    with harbor.session() as db:
        group = get_group(db, GROUP)
        add_member(db, group, name="Avery Quinn", external_id="MRN-7", joined=D("2026-11-05"))
        code = resolve_member(db, group, "Blake Moreno").participant.code
        assert resolve_member(db, group, code.lower()).participant.name == "Blake Moreno"
        assert resolve_member(db, group, "mrn-7").participant.external_id == "MRN-7"
        with pytest.raises(UserError) as ambiguous:
            resolve_member(db, group, "avery quinn")
        assert "could be any of 2 members" in str(ambiguous.value)
        assert "Avery Quinn (id MRN-7)" in str(ambiguous.value)
        with pytest.raises(UserError, match="no member 'Blak' in Harbor Path .did you mean Blake"):
            resolve_member(db, group, "Blak")


def test_editing_a_name_keeps_the_same_person_and_code(harbor: Database) -> None:
    before = member(harbor, "Casey Lindqvist")
    with harbor.session() as db:
        group = get_group(db, GROUP)
        found = resolve_member(db, group, "Casey Lindqvist")
        changed = edit_member(db, found, name="Casey Lindqvist-Okafor", code=found.participant.code)
    assert changed == ["name"]
    after = member(harbor, "Casey Lindqvist-Okafor")
    assert (after.participant.id, after.participant.code) == (
        before.participant.id,
        before.participant.code,
    )
    with harbor.session() as db:
        assert len(db.exec(select(Participant)).all()) == 3


def test_roster_csv_corrects_a_name_by_code_and_imports_discharged_members(
    harbor: Database, tmp_path: Path
) -> None:
    code = member(harbor, "Casey Lindqvist").participant.code
    path = tmp_path / "roster.csv"
    path.write_text(
        f"name,code,joined,left\nKasey Lindqvist,{code},,\nDevon O'Hara,,2026-11-02,2026-11-09\n"
    )
    with harbor.session() as db:
        import_csv(db, get_group(db, GROUP), path, actor="Lead")
    with harbor.session() as db:
        group = get_group(db, GROUP)
        everyone = {m.participant.name: m for m in members(db, group, include_left=True)}
        current = {m.participant.name for m in members(db, group)}
        assert len(db.exec(select(Participant)).all()) == 4
    assert (
        "Casey Lindqvist" not in everyone and everyone["Kasey Lindqvist"].participant.code == code
    )
    devon = everyone["Devon O'Hara"].membership
    assert (devon.joined, devon.left, devon.reason) == (
        D("2026-11-02"),
        D("2026-11-09"),
        LeaveReason.COMPLETED,
    )
    assert "Devon O'Hara" not in current
    bad = tmp_path / "bad.csv"
    bad.write_text("name,joined,left\nEmery Zhou,2026-11-09,2026-11-02\nFinn Ode,,2026-13-40\n")
    with harbor.session() as db, pytest.raises(ManyErrors) as problems:
        import_csv(db, get_group(db, GROUP), bad)
    assert problems.value.problems == [
        f"{bad}:2: left 2026-11-02 is before joined 2026-11-09",
        f"{bad}:3: left '2026-13-40' is not a date (use YYYY-MM-DD)",
    ]


def test_an_external_id_from_another_group_adds_the_same_person(harbor: Database) -> None:
    with harbor.session() as db:
        morning = create_group(db, name="Morning Skills", timezone="America/Chicago")
        first = add_member(db, morning, name="Emery Zhou", external_id="MRN-9")
        again = add_member(db, get_group(db, GROUP), name="emery zhou", external_id="MRN-9")
        assert (again.participant.id, again.participant.code) == (
            first.participant.id,
            first.participant.code,
        )
        with pytest.raises(UserError, match="is a member of Harbor Path already"):
            add_member(db, get_group(db, GROUP), name="Emery Zhou", external_id="MRN-9")
        with pytest.raises(UserError, match="external id 'MRN-9' is Emery Zhou's"):
            add_member(db, create_group(db, name="Family"), name="Finn Ode", external_id="MRN-9")


def test_a_code_counts_only_for_a_member_on_the_sessions_own_day(
    database: Database, clock: FakeClock
) -> None:
    from facilitator.session.attendance import Outcome
    from facilitator.store.models import Group, GroupSession

    from .livefixtures import make_session

    session_id = make_session(database, clock)  # Monday 2026-11-16
    with database.session() as db:
        session = db.get(GroupSession, session_id)
        assert session is not None
        group = db.get(Group, session.group_id)
        assert group is not None
        rowan = add_member(
            db, group, name="Rowan Example", code="RWN7QX", joined=dt.date(2026, 11, 20)
        ).participant.id
        db.commit()
    clock.advance(minutes=5 * 24 * 60)  # still open on Saturday the 21st, after Rowan's joining
    live = open_live(database, session_id, clock=clock)
    assert live.check_in_code("RWN7QX").outcome is Outcome.UNKNOWN
    assert live.check_in_code("AVQ1").outcome is Outcome.CHECKED_IN  # a member that Monday
    with database.session() as db:
        rows = db.exec(select(Attendance).where(Attendance.session_id == session_id)).all()
    assert rowan not in {row.participant_id for row in rows}
