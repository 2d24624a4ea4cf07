"""Two groups that share members over two weeks, with every figure worked out by hand.

America/Chicago (UTC-6 in November). Morning Skills meets mon,wed,fri 09:00-11:00 (2 h);
Afternoon Process meets mon,wed 13:00-14:30 (1.5 h). Sessions have no breaks.

- Week 2026-W45 (Nov 2-6): Morning held Mon 2 and Fri 6, cancelled Wed 4 (holiday);
  Afternoon held Mon 2 and Wed 4.
- Week 2026-W46 (Nov 9-13): Morning held Mon 9, Wed 11, Fri 13; Afternoon held Mon 9, Wed 11.
- Week 2026-W47 (Nov 16-18, today Wed 18): nothing recorded; the week has not ended.

Members (everyone present whenever due, except Ben):
- Ana Ortiz (A-1), in both groups from Nov 2.
  Days: 2: 3.5 h, 4: 1.5, 6: 2, 9: 3.5, 11: 3.5, 13: 2 → 16.00 h, 6 days, 3 below 3 h.
  W45 7.00 h (below 9), W46 9.00 h → 1 week below.
- Ben Park (B-2), Morning only from Nov 2; present Nov 2, 6, 9, absent 11, 13.
  → 6.00 h, 3 days, all below; W45 4.00, W46 2.00 → 2 weeks below. Streak 2.
- Cleo Ruiz (C-3), both from Nov 2; discharged from Afternoon with last day Nov 4.
  Days: 2: 3.5, 4: 1.5, 6: 2, 9: 2, 11: 2, 13: 2 → 13.00 h, 6 days, 5 below;
  W45 7.00, W46 6.00 → 2 weeks below.
- Dev Shah (D-4), joins Morning on Nov 9: 6.00 h, 3 days, all below; W46 6.00 → 1 week below
  (W45 is before joining).
"""

from __future__ import annotations

import datetime as dt

from facilitator.common.clock import FakeClock
from facilitator.curriculum.catalog import discover
from facilitator.program.groups import create_group
from facilitator.program.membership import discharge, resolve_member
from facilitator.program.roster import add_member
from facilitator.session.cancel import cancel_meeting
from facilitator.session.lifecycle import start_session
from facilitator.session.live import open_live
from facilitator.store.database import Database
from facilitator.store.models import Group, LeaveReason

UTC = dt.UTC
TZ = "America/Chicago"
TODAY = dt.date(2026, 11, 18)
START = dt.date(2026, 11, 2)
MORNING, AFTERNOON = "Morning Skills", "Afternoon Process"
MEETS = {MORNING: "mon,wed,fri 09:00-11:00", AFTERNOON: "mon,wed 13:00-14:30"}
HELD = {
    MORNING: [dt.date(2026, 11, d) for d in (2, 6, 9, 11, 13)],
    AFTERNOON: [dt.date(2026, 11, d) for d in (2, 4, 9, 11)],
}
START_UTC = {MORNING: 15, AFTERNOON: 19}
LENGTH = {MORNING: 120, AFTERNOON: 90}
PEOPLE = {
    "Ana Ortiz": ("A-1", "ANA1"),
    "Ben Park": ("B-2", "BEN2"),
    "Cleo Ruiz": ("C-3", "CLE3"),
    "Dev Shah": ("D-4", "DEV4"),
}


def _group(database: Database, name: str) -> int:
    with database.session() as db:
        group = create_group(db, name=name, timezone=TZ, curriculum_id="relapse-prevention")
        group.meets = MEETS[name]
        group.created_at = dt.datetime(2026, 11, 1, tzinfo=UTC)
        db.commit()
        assert group.id is not None
        return group.id


def make_program(database: Database) -> dict[str, int]:
    """Build both groups, their members and sessions; returns the group ids by name."""
    ids = {name: _group(database, name) for name in (MORNING, AFTERNOON)}
    with database.session() as db:
        morning, afternoon = db.get(Group, ids[MORNING]), db.get(Group, ids[AFTERNOON])
        assert morning is not None and afternoon is not None
        for name, (external, code) in PEOPLE.items():
            joined = dt.date(2026, 11, 9) if name == "Dev Shah" else START
            add_member(db, morning, name=name, code=code, external_id=external, joined=joined)
            if name in ("Ana Ortiz", "Cleo Ruiz"):
                add_member(db, afternoon, name=name, external_id=external, joined=START)
        db.commit()
        cancel_meeting(db, morning, dt.date(2026, 11, 4), reason="Holiday")
    curriculum = discover().get("relapse-prevention")
    for name, days in HELD.items():
        for index, day in enumerate(days):
            clock = FakeClock(
                dt.datetime(day.year, day.month, day.day, START_UTC[name], 0, tzinfo=UTC)
            )
            with database.session() as db:
                group = db.get(Group, ids[name])
                session = start_session(
                    db,
                    group=group,
                    curriculum=curriculum,
                    topic=curriculum.sessions[index],
                    facilitator="Sam Facilitator",
                    now=clock(),
                )
            live = open_live(database, session.id, clock=clock)
            for person, (_, code) in PEOPLE.items():
                if person == "Ben Park" and day.day in (11, 13):
                    continue
                if any(e.participant.code == code for e in live.snapshot.roster):
                    live.check_in_code(code)
            clock.advance(minutes=LENGTH[name])
            live.end()
    with database.session() as db:
        afternoon = db.get(Group, ids[AFTERNOON])
        assert afternoon is not None
        # Recorded afterwards, as a lead does: her later check-ins are not counted.
        discharge(
            db,
            afternoon,
            resolve_member(db, afternoon, "C-3"),
            on=dt.date(2026, 11, 4),
            reason=LeaveReason.LEFT,
        )
        db.commit()
    return ids


def ana_answers_craving(database: Database, values: tuple[int, ...]) -> None:
    """Every group asks craving; Ana's first attended sessions get `values` as her answers."""
    from sqlmodel import select

    from facilitator.store.models import Attendance, Participant

    with database.session() as db:
        for group in db.exec(select(Group)).all():
            group.checkin_scales = "craving"
        rows = db.exec(
            select(Attendance)
            .join(Participant, Participant.id == Attendance.participant_id)  # type: ignore[arg-type]
            .where(Participant.name == "Ana Ortiz", Attendance.status == "present")
        ).all()
        for row, value in zip(rows[: len(values)], values, strict=True):
            row.craving = value
        db.commit()
