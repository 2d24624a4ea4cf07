"""`facilitator demo`: a throwaway database with a fictional group and a session under way."""

from __future__ import annotations

import datetime as dt

from facilitator.store.database import Database
from facilitator.store.models import Method, Status

# Fictional people only.
DEMO_GROUP = "Demo Evening IOP"
DEMO_MEMBERS = [
    "Ada Lindqvist",
    "Bruno Okafor",
    "Carmen Ruiz-Vega",
    "Dmitri Sokolov",
    "Elena Marchetti",
    "Farid Haddad",
    "Grace O'Connell",
    "Hiro Tanaka",
    "Imani Brooks",
]
DEMO_CURRICULUM = "relapse-prevention"


def build_demo(database: Database, *, now: dt.datetime, timezone: str = "America/Chicago") -> str:
    """Fill an empty database with the demo group and a live session 12 minutes in."""
    from facilitator.curriculum.catalog import discover
    from facilitator.program.groups import create_group
    from facilitator.program.roster import add_member
    from facilitator.session import attendance as att
    from facilitator.session.lifecycle import start_session
    from facilitator.session.notes import save_note

    curriculum = discover().get(DEMO_CURRICULUM)
    started = now - dt.timedelta(minutes=12)
    with database.session() as db:
        group = create_group(
            db, name=DEMO_GROUP, timezone=timezone, note_format="DAP", curriculum_id=curriculum.id
        )
        joined = (now - dt.timedelta(days=21)).date()
        members = [add_member(db, group, name=name, joined=joined) for name in DEMO_MEMBERS]
        session = start_session(
            db,
            group=group,
            curriculum=curriculum,
            topic=curriculum.sessions[0],
            facilitator="Demo Facilitator",
            now=started,
        )
        arrivals = [
            (0, -3, Method.PHONE),
            (1, -1, Method.CODE),
            (2, 0, Method.PHONE),
            (3, 2, Method.CODE),
            (4, 11, Method.PHONE),
        ]
        for index, minutes, method in arrivals:
            att.check_in(
                db,
                group=group,
                session=session,
                participant=members[index].participant,
                method=method,
                now=started + dt.timedelta(minutes=minutes),
            )
        att.set_status(
            db,
            group=group,
            session=session,
            participant_id=members[5].participant.id,  # type: ignore[arg-type]
            status=Status.EXCUSED,
            now=started,
        )
        save_note(
            db,
            session=session,
            participant_id=None,
            text="Group opened with a check-in round; themes so far: weekend stress, sleep.",
            now=started + dt.timedelta(minutes=10),
        )
        return session.id
