"""Rolling groups: a member who joins mid-curriculum completes it in the next round."""

from __future__ import annotations

import datetime as dt

from facilitator.common.clock import FakeClock
from facilitator.curriculum.catalog import discover
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.reports.cycle import cycle_of
from facilitator.reports.program import program_report
from facilitator.session.cancel import cancel_meeting
from facilitator.session.lifecycle import propose_topic, start_session
from facilitator.session.live import open_live
from facilitator.store.database import Database
from facilitator.store.models import Group

CURRICULUM = discover().get("family-education")  # six topics
# Mon-Fri from Monday 2026-11-02: nine sessions, topics 1-6 then 1-3.
DAYS = [dt.date(2026, 11, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12)]


def _hold(database: Database, group_id: int, day: dt.date, codes: list[str]) -> None:
    clock = FakeClock(dt.datetime(day.year, day.month, day.day, 15, tzinfo=dt.UTC))
    with database.session() as db:
        group = db.get(Group, group_id)
        assert group is not None
        topic = propose_topic(db, group, CURRICULUM)
        session = start_session(
            db, group=group, curriculum=CURRICULUM, topic=topic, facilitator="Sam", now=clock()
        )
    live = open_live(database, session.id, clock=clock)
    for code in codes:
        live.check_in_code(code)
    clock.advance(minutes=90)
    live.end()


async def test_joining_at_topic_four_completes_after_topic_three_of_the_next_round(
    database: Database, db_url: str
) -> None:
    assert len(CURRICULUM.sessions) == 6
    order = [t.id for t in CURRICULUM.sessions]
    with database.session() as db:
        group = create_group(db, name="Family Group", timezone="UTC", curriculum_id=CURRICULUM.id)
        group.meets = "mon-fri 15:00-16:30"
        add_member(db, group, name="Rowan Lee", code="ROW1", joined=DAYS[0])
        add_member(db, group, name="Sky Moss", code="SKY2", joined=DAYS[3])
        db.commit()
        group_id = group.id
        assert group_id is not None
    for index, day in enumerate(DAYS):
        _hold(database, group_id, day, ["ROW1", "SKY2"] if index >= 3 else ["ROW1"])
        if index == 5:
            with database.session() as db:
                group = db.get(Group, group_id)
                assert group is not None
                # After the sixth topic the next proposal wraps round to the first.
                assert propose_topic(db, group, CURRICULUM).id == order[0]
    with database.session() as db:
        group = db.get(Group, group_id)
        assert group is not None
        next_topic = propose_topic(db, group, CURRICULUM).id
        assert next_topic == order[3]
        sky = cycle_of(db, group, 2, CURRICULUM, next_topic=next_topic, today=DAYS[-1])
        rowan = cycle_of(db, group, 1, CURRICULUM, next_topic=next_topic, today=DAYS[-1])
    assert (sky.covered, sky.missing, sky.completed_on) == (order, [], dt.date(2026, 11, 12))
    assert sky.summary() == "6/6 topics, completed 2026-11-12"
    assert rowan.completed_on == dt.date(2026, 11, 9)  # topics 1-6 in the first round
    # The member screen says so.
    from facilitator.app import make_app
    from facilitator.screens.member import MemberScreen

    from .test_lead_screens import text_of

    app = make_app(database, lambda: MemberScreen(database, group_id, 2, today=DAYS[-1]))
    async with app.run_test(size=(130, 45)) as pilot:
        await pilot.pause()
        topics = text_of(app, "#member-topics")
    assert "Covered (6/6)" in topics
    assert "Completed the cycle on 2026-11-12." in topics
    # And the group report's table.
    from .test_cli_groups import run_cli

    table = run_cli(db_url, "report", "attendance", "Family Group", "--to", "2026-11-12").stdout
    assert "Completed the curriculum: Rowan Lee on 2026-11-09, Sky Moss on 2026-11-12" in table
    assert "6/6" in table


def test_a_missed_topic_comes_round_on_the_scheduled_day(database: Database) -> None:
    order = [t.id for t in CURRICULUM.sessions]
    with database.session() as db:
        group = create_group(db, name="Family Group", timezone="UTC", curriculum_id=CURRICULUM.id)
        group.meets = "mon,wed 15:00-16:30"
        add_member(db, group, name="Rowan Lee", code="ROW1", joined=DAYS[0])
        db.commit()
        group_id = group.id
        assert group_id is not None
    # Monday 2 (topic 1, Rowan there), Wednesday 4 (topic 2, Rowan away).
    _hold(database, group_id, dt.date(2026, 11, 2), ["ROW1"])
    _hold(database, group_id, dt.date(2026, 11, 4), [])
    with database.session() as db:
        group = db.get(Group, group_id)
        assert group is not None
        cancel_meeting(db, group, dt.date(2026, 11, 9), reason="Holiday")
        cycle = cycle_of(db, group, 1, CURRICULUM, next_topic=order[2], today=dt.date(2026, 11, 4))
    assert cycle.covered == [order[0]] and cycle.missing == order[1:]
    assert cycle.completed_on is None and cycle.summary() == "1/6 topics"
    # Topic 3 is next: Wed 11 (Mon 9 cancelled); topic 4 Mon 16, ...; topic 2 after 6 and 1.
    assert cycle.comes_round_on[order[2]] == dt.date(2026, 11, 11)
    assert cycle.comes_round_on[order[3]] == dt.date(2026, 11, 16)
    assert cycle.comes_round[order[1]] == 5
    assert cycle.comes_round_on[order[1]] == dt.date(2026, 11, 30)  # 11, 16, 18, 23, 25, 30


def test_the_program_report_shows_each_members_topics_and_fair_weeks(
    database: Database, db_url: str
) -> None:
    with database.session() as db:
        group = create_group(db, name="Family Group", timezone="UTC", curriculum_id=CURRICULUM.id)
        group.meets = "mon-fri 15:00-16:30"
        group.created_at = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
        add_member(db, group, name="Rowan Lee", code="ROW1", joined=DAYS[0])
        add_member(db, group, name="Sky Moss", code="SKY2", joined=DAYS[3])
        add_member(db, group, name="Tam Ng", code="TAM3", joined=DAYS[0])  # never comes
        add_member(db, group, name="Uma Ito", code="UMA4", joined=dt.date(2026, 11, 7))  # a Sat
        db.commit()
        group_id = group.id
        assert group_id is not None
    for index, day in enumerate(DAYS):
        _hold(database, group_id, day, ["ROW1", "SKY2"] if index >= 3 else ["ROW1"])
    friday = dt.date(2026, 11, 13)
    with database.session() as db:
        unfinished = program_report(db, date_from=DAYS[0], today=friday)
        chosen = program_report(db, date_from=DAYS[0], date_to=DAYS[-1], today=friday)
    people = {p.name: p for p in chosen.people}
    assert people["Rowan Lee"].groups_text() == "Family Group 6/6 on 2026-11-09"
    assert people["Sky Moss"].groups_text() == "Family Group 6/6 on 2026-11-12"
    assert people["Tam Ng"].groups_text() == "Family Group 0/6"
    assert people["Uma Ito"].groups_text() == "Family Group 0/6"
    # The week of today (2026-W46) has not ended: it counts only when the range is chosen to end
    # in it. Uma joined on the Saturday after the last meeting of 2026-W45: not hers.
    weeks = {p.name: [(w.week, w.hours) for w in p.weeks] for p in chosen.people}
    assert weeks == {
        "Rowan Lee": [("2026-W45", 7.5), ("2026-W46", 6.0)],
        "Sky Moss": [("2026-W45", 3.0), ("2026-W46", 6.0)],
        "Tam Ng": [("2026-W45", 0.0), ("2026-W46", 0.0)],
        "Uma Ito": [("2026-W46", 0.0)],
    }
    assert {p.name: [w.week for w in p.weeks] for p in unfinished.people} == {
        "Rowan Lee": ["2026-W45"],
        "Sky Moss": ["2026-W45"],
        "Tam Ng": ["2026-W45"],
        "Uma Ito": [],
    }
    assert people["Tam Ng"].weeks_below_minimum == 2
    # The command's table says the same.
    from .test_cli_groups import run_cli

    result = run_cli(db_url, "report", "program", "--from", "2026-11-02", "--to", "2026-11-12")
    assert result.returncode == 0, result.stderr
    assert "Family Group 6/6 on 2026-11-12" in result.stdout
    assert "Family Group 0/6" in result.stdout
