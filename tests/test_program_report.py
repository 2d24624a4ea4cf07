"""The program report (CONTRACT section 9) and the fair group report, against hand-worked data."""

from __future__ import annotations

import pytest

from facilitator.reports.attendance import attendance_report
from facilitator.reports.program import program_report
from facilitator.store.database import Database
from facilitator.store.models import Group
from tests.programfixtures import AFTERNOON, MORNING, START, TODAY, make_program

pytestmark = pytest.mark.usefixtures("database")


def _people(database: Database) -> dict[str, dict[str, object]]:
    make_program(database)
    with database.session() as db:
        report = program_report(db, date_from=START, today=TODAY)
    assert report.as_json()["from"] == "2026-11-02"
    assert report.as_json()["to"] == "2026-11-18"
    return {p.name: p.as_json() for p in report.people}


def test_every_figure_of_the_program_report(database: Database) -> None:
    people = _people(database)
    assert list(people) == ["Ana Ortiz", "Ben Park", "Cleo Ruiz", "Dev Shah"]
    assert people["Ana Ortiz"] == {
        "name": "Ana Ortiz",
        "external_id": "A-1",
        "groups": ["Afternoon Process", "Morning Skills"],
        "hours": 16.0,
        "days_attended": 6,
        "days_below_daily_minimum": 3,
        "weeks": [{"week": "2026-W45", "hours": 7.0}, {"week": "2026-W46", "hours": 9.0}],
        "weeks_below_minimum": 1,
    }
    ben = people["Ben Park"]
    assert (ben["groups"], ben["hours"], ben["days_attended"]) == (["Morning Skills"], 6.0, 3)
    assert ben["days_below_daily_minimum"] == 3
    assert ben["weeks"] == [{"week": "2026-W45", "hours": 4.0}, {"week": "2026-W46", "hours": 2.0}]
    assert ben["weeks_below_minimum"] == 2
    cleo = people["Cleo Ruiz"]
    assert cleo["groups"] == ["Afternoon Process", "Morning Skills"]
    assert (cleo["hours"], cleo["days_attended"], cleo["days_below_daily_minimum"]) == (13.0, 6, 5)
    assert cleo["weeks"] == [{"week": "2026-W45", "hours": 7.0}, {"week": "2026-W46", "hours": 6.0}]
    dev = people["Dev Shah"]
    assert (dev["hours"], dev["days_attended"], dev["days_below_daily_minimum"]) == (6.0, 3, 3)
    assert dev["weeks"] == [{"week": "2026-W46", "hours": 6.0}]
    assert dev["weeks_below_minimum"] == 1


def test_the_group_report_of_the_same_data(database: Database) -> None:
    ids = make_program(database)
    with database.session() as db:
        group = db.get(Group, ids[MORNING])
        assert group is not None
        report = attendance_report(db, group, date_from=START, date_to=None, today=TODAY)
    rows = {p.name: p for p in report.participants}
    ana = rows["Ana Ortiz"]
    assert (ana.sessions, ana.present, ana.absent, ana.hours) == (5, 5, 0, 10.0)
    assert (ana.days_below_daily_minimum, ana.weeks_below_minimum) == (5, 2)
    ben = rows["Ben Park"]
    assert (ben.sessions, ben.present, ben.absent, ben.hours) == (5, 3, 2, 6.0)
    assert (ben.weeks_below_minimum, ben.consecutive_absences) == (2, 2)
    dev = rows["Dev Shah"]
    assert (dev.sessions, dev.present, dev.hours, dev.weeks_below_minimum) == (3, 3, 6.0, 1)
    cleo = rows["Cleo Ruiz"]
    assert (cleo.sessions, cleo.hours, cleo.weeks_below_minimum) == (5, 10.0, 2)


def test_the_program_report_gives_each_scale_latest_and_mean_across_groups(
    database: Database,
) -> None:
    from sqlmodel import select

    from facilitator.store.models import Attendance, GroupSession, Participant

    ids = make_program(database)
    answers = {  # Ana's answers: (group, day) -> craving, mood
        (MORNING, 2): (7, None),
        (AFTERNOON, 2): (3, None),  # the same day, later: 19:00 UTC
        (AFTERNOON, 4): (None, 6),
        (MORNING, 9): (5, None),
    }
    with database.session() as db:
        for gid in ids.values():
            group = db.get(Group, gid)
            assert group is not None
            group.checkin_scales = "craving,mood"
        rows = db.exec(
            select(Attendance, GroupSession)
            .join(GroupSession, Attendance.session_id == GroupSession.id)  # type: ignore[arg-type]
            .join(Participant, Attendance.participant_id == Participant.id)  # type: ignore[arg-type]
            .where(Participant.name == "Ana Ortiz")
        ).all()
        names = {gid: name for name, gid in ids.items()}
        for row, session in rows:
            key = (names[session.group_id], session.local_date.day)
            if key in answers:
                row.craving, row.mood = answers[key]
        db.commit()
        report = program_report(db, date_from=START, today=TODAY)
    assert report.scales == ("craving", "mood")
    people = {p.name: p for p in report.people}
    ana = people["Ana Ortiz"]
    assert (ana.scales["craving"].latest, ana.scales["craving"].mean) == (5, 5.0)
    assert ana.scales["craving"].count == 3
    assert ana.scale_text("craving") == "5 (5)" and ana.scale_text("mood") == "6 (6)"
    assert people["Ben Park"].scales == {} and people["Ben Park"].scale_text("mood") == ""
    assert "scales" not in ana.as_json()  # section 9's fields stay as they are
