"""The agenda clock with a fake clock: exact remaining times through a simulated 3-hour session."""

from __future__ import annotations

import datetime as dt

from facilitator.common.clock import Clock, FakeClock
from facilitator.common.timeutil import mmss
from facilitator.session.agenda import (
    OVER,
    WARNING,
    Agenda,
    Phase,
    break_remaining_seconds,
    remaining_seconds,
)
from facilitator.store.models import AgendaRun

from .conftest import START

PLAN = [
    ("Check-in", "check-in", 20),
    ("Education", "education", 60),
    ("Break", "break", 15),
    ("Process group", "discussion", 70),
    ("Wrap-up", "wrap-up", 15),
]


def make_agenda() -> Agenda:
    items = [
        AgendaRun(session_id="s", position=i, title=t, kind=k, planned_minutes=m)
        for i, (t, k, m) in enumerate(PLAN)
    ]
    return Agenda(items, [], START)


def left(agenda: Agenda, clock: FakeClock) -> str:
    assert agenda.current is not None
    return mmss(remaining_seconds(agenda.current, clock()))


def test_simulated_three_hour_session_exact_times() -> None:
    clock = FakeClock(START)
    agenda = make_agenda()
    agenda.start(clock())
    assert agenda.planned_minutes == 180
    assert agenda.planned_end == START + dt.timedelta(hours=3)
    assert left(agenda, clock) == "20:00"

    clock.advance(minutes=7, seconds=19)
    assert left(agenda, clock) == "12:41"

    # Pause for 3 minutes: the countdown stands still.
    assert agenda.toggle_pause(clock()) is True
    clock.advance(minutes=3)
    assert left(agenda, clock) == "12:41"
    assert agenda.toggle_pause(clock()) is False
    clock.advance(minutes=12, seconds=41)
    assert left(agenda, clock) == "00:00"
    assert Phase.of(remaining_seconds(agenda.current, clock())) is WARNING  # type: ignore[arg-type]

    # Run over by 2:13.
    clock.advance(minutes=2, seconds=13)
    assert left(agenda, clock) == "+02:13"
    assert Phase.of(remaining_seconds(agenda.current, clock())) is OVER  # type: ignore[arg-type]
    # 7:19 + 3:00 + 12:41 + 2:13 = 25:13 in; the pause and the overrun put us 5:13 behind.
    assert agenda.behind_seconds(clock()) == 5 * 60 + 13

    # Next: education, extended twice by 5 minutes.
    agenda.next(clock())
    assert agenda.current.title == "Education"  # type: ignore[union-attr]
    agenda.extend()
    agenda.extend()
    assert left(agenda, clock) == "70:00"
    clock.advance(minutes=50)
    assert left(agenda, clock) == "20:00"
    # Projected end: now + 20 (education) + 15 + 70 + 15.
    assert agenda.projected_end(clock()) == clock() + dt.timedelta(minutes=120)

    # Reaching the break item waits for `b`, its time stopped; then a break of its 15 minutes.
    clock.advance(minutes=20)
    agenda.next(clock())
    assert agenda.active_break is None and agenda.waiting_break is agenda.current
    assert agenda.toggle_pause(clock()) is None  # nothing runs to pause
    assert agenda.toggle_break(clock()) is True
    assert agenda.waiting_break is None
    brk = agenda.active_break
    assert brk is not None and brk.planned_minutes == 15 and brk.agenda_position == 2
    clock.advance(minutes=16)
    assert mmss(break_remaining_seconds(brk, clock())) == "+01:00"
    # Ending the break finishes the break item and starts the process group.
    agenda.end_break(clock())
    assert agenda.active_break is None
    assert agenda.current.title == "Process group"  # type: ignore[union-attr]

    # A break in the middle of an item pauses it until the break ends.
    clock.advance(minutes=30)
    assert left(agenda, clock) == "40:00"
    unplanned = agenda.start_break(clock())
    assert unplanned.planned_minutes == 10
    clock.advance(minutes=4)
    assert left(agenda, clock) == "40:00"
    agenda.end_break(clock())
    assert agenda.current.title == "Process group"  # type: ignore[union-attr]
    clock.advance(minutes=40)
    assert left(agenda, clock) == "00:00"

    agenda.next(clock())
    clock.advance(minutes=10)
    assert left(agenda, clock) == "05:00"
    agenda.finish(clock())
    assert agenda.finished and agenda.current is None


def test_break_key_outside_a_break_item_defaults_to_ten_minutes() -> None:
    clock = FakeClock(START)
    agenda = make_agenda()
    agenda.start(clock())
    brk = agenda.start_break(clock())
    assert brk.planned_minutes == 10
    # A second `b` while a break runs returns the same break, not a new one.
    assert agenda.start_break(clock()) is brk
    assert len(agenda.breaks) == 1


def test_next_past_the_last_item_leaves_nothing_running() -> None:
    clock = FakeClock(START)
    agenda = make_agenda()
    agenda.start(clock())
    for _ in PLAN:
        clock.advance(minutes=1)
        agenda.next(clock())
    assert agenda.current is None
    assert agenda.finished
    assert agenda.active_break is None


def test_clock_reanchors_after_suspend() -> None:
    wall = FakeClock(START)
    mono = [100.0]
    clock = Clock(wall=wall, monotonic=lambda: mono[0])
    mono[0] += 30
    wall.advance(30)
    assert clock.now() == START + dt.timedelta(seconds=30)
    # Suspend: the wall clock moves 20 minutes, the monotonic clock does not.
    wall.advance(minutes=20)
    assert clock.now() == wall()
    # A small wall-clock slew is smoothed by the monotonic clock.
    mono[0] += 10
    wall.advance(10.5)
    assert clock.now() == START + dt.timedelta(minutes=20, seconds=40)


def test_mmss_formats() -> None:
    assert mmss(22 * 60 + 41) == "22:41"
    assert mmss(22 * 60 + 40.2) == "22:41"
    assert mmss(-(2 * 60 + 13.9)) == "+02:13"
    assert mmss(0) == "00:00"
