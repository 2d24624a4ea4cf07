"""Memory of a live session over 3 simulated hours: the real live screen, driven by keys.

    python benchmarks/bench_live_memory.py [--hours 3] [--db-file FILE]

On a working copy of the seeded clinic, group 1 gets a new session and the real app
(`make_live_app`, phone check-in served on 127.0.0.1) runs headless (`run_test`, 120x40) with a
`FakeClock`. The script plays a session: the screen's twice-a-second tick is called for every
half second of simulated time (21,600 ticks in 3 hours) with Textual left to render between them;
members check in by phone (HTTP POSTs to the app's own server) and by typed codes (`c`), a walk-in
(`w`), statuses cycled (`space`), a check-out (`o`), `+5`, privacy mode (`P`), the session note
typed every 10 minutes (`tab` ... `escape`), items finished when their time is up (`n`) and the
break screen ended (`b`), and repeat phone check-ins every 15 minutes.

RSS of this process (the app and this harness) is sampled every 5 simulated minutes.
Targets: RSS under 110 MB throughout, and not growing: the median of the last third of the
samples at most 2% above the median of the first third (after a 15-minute warm-up). The footer
keys alive at the end are counted too: Textual's `Footer` used to keep every key it replaced
(see footer_leak.py); only the keys on screen should remain.
There is no floor: the ratio shown is last third / first third.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import sys
import time
from collections import Counter

from _common import (
    HERE,
    Result,
    db_path_from_args,
    emit,
    median,
    parser,
    print_machine,
    rss_mb,
    url_of,
)

TARGET_RSS_MB = 110.0
GROWTH_LIMIT = 1.02
TICK = 0.5
SAMPLE_EVERY = 300.0  # simulated seconds
WARM_UP = 900.0
NOTE = "Members named weekend plans as a risk; practised one refusal line each. "


def make_session(url: str, start: dt.datetime) -> tuple[str, list[tuple[int, str]]]:
    """A new session of group 1 at `start`; (session id, [(participant id, code)])."""
    sys.path.insert(0, str(HERE))
    from seed import first_group_name

    from facilitator.program.groups import get_group
    from facilitator.program.roster import members
    from facilitator.session.lifecycle import (
        choose_curriculum,
        live_session,
        propose_topic,
        start_session,
    )
    from facilitator.store.database import Database

    database = Database(url)
    with database.session() as db:
        group = get_group(db, first_group_name(url))
        assert live_session(db, group) is None
        curriculum = choose_curriculum(db, group, None)
        session = start_session(
            db,
            group=group,
            curriculum=curriculum,
            topic=propose_topic(db, group, curriculum),
            facilitator="Bench Facilitator",
            now=start,
        )
        roster = [(m.participant.id, m.participant.code) for m in members(db, group)]
        session_id = session.id
    database.dispose()
    return session_id, roster  # type: ignore[return-value]


def _type_counts() -> Counter[str]:
    """Live objects by type (module.qualname)."""
    gc.collect()
    return Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())


def _footer_keys() -> tuple[float, float]:
    """(footer keys alive, those on screen), after a full collection."""
    from textual.widgets._footer import FooterKey

    gc.collect()
    keys = [o for o in gc.get_objects() if isinstance(o, FooterKey)]
    return float(len(keys)), float(sum(key.is_attached for key in keys))


async def play(url: str, session_id: str, roster: list[tuple[int, str]], start: dt.datetime,
               hours: float, diagnose: bool = False, only_ticks: bool = False,
               ) -> tuple[list[tuple[float, float]], dict[str, float]]:  # fmt: skip
    """Run the session; [(simulated seconds, RSS MB)] and some counters."""
    import aiohttp

    from facilitator.app import make_live_app
    from facilitator.checkin.options import CheckinOptions
    from facilitator.common.clock import FakeClock
    from facilitator.screens.break_screen import BreakScreen
    from facilitator.screens.live import LiveScreen
    from facilitator.store.database import Database

    clock = FakeClock(start)
    database = Database(url)
    app = make_live_app(
        database, session_id, clock=clock, actor="bench",
        checkin=CheckinOptions(host="127.0.0.1", port=0),
    )  # fmt: skip
    samples: list[tuple[float, float]] = []
    counters = {"ticks": 0.0, "keys": 0.0, "phone": 0.0, "items": 0.0, "objects_start": 0.0}
    types_start: Counter[str] = Counter()
    began = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot, aiohttp.ClientSession() as phones:
        live = app.screen
        for _ in range(1000):
            if isinstance(app.screen, LiveScreen) and app.screen.qr_panel.url:
                break
            await pilot.pause(0.01)
        live = app.screen
        assert isinstance(live, LiveScreen), type(live)
        url_checkin = live.qr_panel.url
        assert url_checkin, "phone check-in did not start"

        async def press(*keys: str) -> None:
            counters["keys"] += len(keys)
            await pilot.press(*keys)

        async def to_roster() -> None:
            if app.screen is live:
                await press("escape")

        async def phone(code: str) -> None:
            async with phones.post(url_checkin, data={"code": code}) as response:
                await response.read()
                assert response.status == 200, response.status
            counters["phone"] += 1

        total = hours * 3600.0
        elapsed = 0.0
        next_sample = 0.0
        arrivals = {i * 70.0: (pid, code) for i, (pid, code) in enumerate(roster)}
        done_once: set[str] = set()
        if only_ticks:
            arrivals.clear()
        while elapsed <= total:
            # -- the facilitator and the members ---------------------------------------------------
            for at in [a for a in arrivals if a <= elapsed]:
                pid, code = arrivals.pop(at)
                if int(at / 70.0) % 2 == 0:
                    await phone(code)
                else:
                    await to_roster()
                    await press("c", *code, "enter")
                    await to_roster()
            minute = int(elapsed // 60)
            if elapsed % 60 == 0 and minute > 0 and not only_ticks:
                if minute == 5 and "walk-in" not in done_once:
                    done_once.add("walk-in")
                    await to_roster()
                    await press("w", *"Walkin Visitor", "enter")
                if minute == 25 and "extend" not in done_once:
                    done_once.add("extend")
                    await press("plus")
                if minute == 95 and "out" not in done_once and app.screen is live:
                    done_once.add("out")
                    await to_roster()
                    await press("down", "down", "o")
                if minute % 2 == 0 and app.screen is live:
                    await to_roster()
                    await press("down", "space", "space", "space", "space")
                if minute % 10 == 0 and app.screen is live:
                    await to_roster()
                    await press("tab", *NOTE[: 40 + minute % 30], "escape")
                if minute % 15 == 0:
                    await phone(roster[minute % len(roster)][1])
                if minute % 30 == 0 and app.screen is live:
                    await press("P")
                    await pilot.pause()
                    await press("P")
            # -- the agenda: finish an item when its time is up, end a break when it is over -------
            snap = live.live.snapshot
            agenda = snap.agenda
            if only_ticks:
                pass
            elif isinstance(app.screen, BreakScreen):
                brk = agenda.active_break
                if (
                    brk is not None
                    and (clock() - brk.started_at).total_seconds() >= brk.planned_minutes * 60
                ):
                    await press("b")
                    counters["items"] += 1
            elif app.screen is live and agenda.current is not None:
                from facilitator.session.agenda import remaining_seconds

                if remaining_seconds(agenda.current, clock()) <= 0 and agenda.upcoming:
                    await press("n")
                    counters["items"] += 1
            # -- time passes -----------------------------------------------------------------------
            clock.advance(TICK)
            elapsed += TICK
            screen = app.screen
            if hasattr(screen, "tick"):
                screen.tick()
            if screen is not live:
                live.tick()
            counters["ticks"] += 1
            if counters["ticks"] % 10 == 0:
                await pilot.pause()
            if elapsed >= next_sample:
                samples.append((elapsed, rss_mb()))
                if not counters["objects_start"] and elapsed >= WARM_UP:
                    counters["objects_start"] = float(len(gc.get_objects()))
                    if diagnose:
                        types_start = _type_counts()
                next_sample += SAMPLE_EVERY
        counters["objects_end"] = float(len(gc.get_objects()))
        counters["footer_keys"], counters["footer_keys_attached"] = _footer_keys()
        if diagnose:
            grown = _type_counts()
            grown.subtract(types_start)
            print("  object types that grew most after the warm-up:")
            for name, count in grown.most_common(15):
                print(f"    {count:+8,}  {name}")
            from textual.widget import Widget

            widgets: Counter[str] = Counter()
            for obj in gc.get_objects():
                if isinstance(obj, Widget):
                    state = "attached" if obj.is_attached else "DETACHED"
                    widgets[f"{type(obj).__name__} ({state})"] += 1
            print("  widgets alive at the end:")
            for name, count in widgets.most_common(12):
                print(f"    {count:8,}  {name}")
            detached = next(
                (o for o in gc.get_objects() if isinstance(o, Widget) and not o.is_attached),
                None,
            )
            if detached is not None:
                print(f"  what holds a detached {type(detached).__name__}:")
                for referrer in gc.get_referrers(detached):
                    if referrer is not gc.get_objects:
                        print(f"    {type(referrer).__qualname__}: {str(referrer)[:110]}")
        counters["wall"] = time.perf_counter() - began
        await press("ctrl+q")
    database.dispose()
    return samples, counters


def main() -> int:
    p = parser(__doc__.split("\n\n")[0], runs=1)
    p.add_argument("--hours", type=float, default=3.0, help="simulated hours (default 3)")
    p.add_argument("--diagnose", action="store_true", help="print the object types that grew most")
    p.add_argument(
        "--only-ticks", action="store_true", help="no keys and no check-ins: the clock alone"
    )
    args = p.parse_args()
    print_machine()
    path = db_path_from_args(args, "live-memory", copy=True)
    url = url_of(path)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    session_id, roster = make_session(url, start)
    print(f"database: {path}; session {session_id}, {len(roster)} members, {args.hours:g} h")
    baseline = rss_mb()
    samples, counters = asyncio.run(
        play(
            url,
            session_id,
            roster,
            start,
            args.hours,
            diagnose=args.diagnose,
            only_ticks=args.only_ticks,
        )
    )
    for at, rss in samples:
        if int(at) % 1800 == 0:
            print(f"  {at / 3600:4.1f} h  RSS {rss:6.1f} MB")
    after = [rss for at, rss in samples if at >= WARM_UP]
    third = max(1, len(after) // 3)
    first, last = median(after[:third]), median(after[-third:])
    peak = max(rss for _, rss in samples)
    growth = last / first if first else float("nan")
    objects = (counters["objects_end"] - counters["objects_start"]) / max(
        1.0, counters["objects_start"]
    )
    detail = (
        f"{int(counters['ticks']):,} ticks, {int(counters['keys'])} keys, "
        f"{int(counters['phone'])} phone check-ins, {int(counters['items'])} items/breaks ended "
        f"in {counters['wall']:.0f} s wall ({1000 * counters['wall'] / counters['ticks']:.1f} ms "
        f"per simulated tick); harness before the app {baseline:.0f} MB; Python objects "
        f"{counters['objects_start']:,.0f} → {counters['objects_end']:,.0f} ({objects:+.1%})"
    )
    results = [
        Result(
            name=f"live session, peak RSS over {args.hours:g} simulated h",
            value=peak,
            unit="MB",
            target=f"< {TARGET_RSS_MB:g} MB",
            passed=peak < TARGET_RSS_MB,
            runs=len(samples),
            detail=detail,
            samples=[rss for _, rss in samples],
        ),
        Result(
            name="live session, RSS growth (last third / first third)",
            value=last,
            unit="MB",
            floor=first,
            target=f"≤ {GROWTH_LIMIT:g}× (not growing)",
            passed=growth <= GROWTH_LIMIT,
            runs=len(after),
            detail=f"first third median {first:.1f} MB, last third median {last:.1f} MB "
            f"({growth - 1:+.1%})",
        ),
        Result(
            name="live session, footer keys alive at the end",
            value=counters["footer_keys"],
            unit="keys",
            target=f"= the {counters['footer_keys_attached']:.0f} on screen",
            passed=counters["footer_keys"] == counters["footer_keys_attached"],
            detail=f"{counters['footer_keys'] - counters['footer_keys_attached']:.0f} removed "
            "footer keys still referenced",
        ),
    ]
    return emit(results, args)


if __name__ == "__main__":
    sys.exit(main())
