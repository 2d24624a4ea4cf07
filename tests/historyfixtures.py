"""Two weeks of a group's sessions with hand-computed figures, for the lead's screens.

Sessions Mon/Wed/Fri 2026-11-02..13, 09:00-12:00 America/Chicago (3 h, no breaks):
- Avery Quinn: present at all 6 → 18.00 h, no weeks below 9 h, streak 0.
- Blake Moreno: present at the first 4, absent at the last 2 → 12.00 h, W46 3.00 h (below),
  streak 2.
- Casey Lindqvist: 30 min late, excused, absent, then present ×3 → 11.50 h, streak 0.
"""

from __future__ import annotations

import datetime as dt

from facilitator.common.clock import FakeClock
from facilitator.curriculum.catalog import discover
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.session.lifecycle import start_session
from facilitator.session.live import open_live
from facilitator.store.database import Database
from facilitator.store.models import Status

UTC = dt.UTC
DAYS = [dt.date(2026, 11, d) for d in (2, 4, 6, 9, 11, 13)]
TODAY = dt.date(2026, 11, 15)
CODES = {"Avery Quinn": "AVQ1", "Blake Moreno": "BLM2", "Casey Lindqvist": "CAL3"}


def make_history(database: Database) -> tuple[int, dict[str, int], list[str]]:
    """Build the group and its six ended sessions; returns group id, member ids, session ids."""
    curriculum = discover().get("relapse-prevention")
    with database.session() as db:
        group = create_group(
            db, name="Tuesday Evening", timezone="America/Chicago", curriculum_id=curriculum.id
        )
        ids = {
            name: add_member(
                db, group, name=name, code=code, joined=dt.date(2026, 11, 2)
            ).participant.id
            for name, code in CODES.items()
        }
        group_id = group.id
    session_ids = []
    for index, day in enumerate(DAYS):
        clock = FakeClock(dt.datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC))
        with database.session() as db:
            from facilitator.store.models import Group

            group = db.get(Group, group_id)
            session = start_session(
                db,
                group=group,
                curriculum=curriculum,
                topic=curriculum.sessions[index],
                facilitator="Sam Facilitator",
                now=clock(),
            )
            session_ids.append(session.id)
        live = open_live(database, session.id, clock=clock)
        live.check_in_code("AVQ1")
        if index < 4:
            live.check_in_code("BLM2")
        if index == 0:
            clock.advance(minutes=30)
            live.check_in_code("CAL3")
        elif index == 1:
            live.cycle_status(ids["Casey Lindqvist"])  # present
            live.cycle_status(ids["Casey Lindqvist"])  # late
            live.cycle_status(ids["Casey Lindqvist"])  # excused
            assert live.snapshot.entry(ids["Casey Lindqvist"]).status is Status.EXCUSED
        elif index >= 3:
            live.check_in_code("CAL3")
        live.save_session_note(f"Session {index + 1}: themes of the day.")
        live.save_member_note(ids["Avery Quinn"], {"Data": f"Avery spoke about week {index}."})
        clock.advance(minutes=180 - (30 if index == 0 else 0))
        live.end()
    return group_id, ids, session_ids
