"""Where `facilitator run GROUP` spends its start-up: phases, and imports by package.

    python benchmarks/profile_startup.py [--db-file FILE] [--runs 3]

Phases: a fresh interpreter (cold imports, warm disk cache) walks the `run` command's own steps
(cli/session.py `run`) one by one and times each, then runs the app headless (`run_test`) until the
live screen is mounted and until the check-in URL is shown; then the same script runs in a real
terminal (a tmux pane, as in bench_startup), the interpreter's own start-up added.
Imports: `python -X importtime` over the modules `run` imports, self time summed by top-level
package (the cost of each library itself) and the heaviest import lines; then each heavy import
alone in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict

from _common import (
    HERE,
    PYTHON,
    db_path_from_args,
    median,
    parser,
    print_machine,
    url_of,
)

PHASES = r"""
import sys, time, json, asyncio
EPOCH0 = time.time()
T0 = time.perf_counter()
REAL = len(sys.argv) > 3  # run in a real terminal, write the laps to sys.argv[3]
laps = []
def lap(name, t=[T0]):
    now = time.perf_counter(); laps.append((name, now - t[0])); t[0] = now
import facilitator.cli; lap("import facilitator.cli (typer)")
from facilitator.cli.context import AppState
state = AppState(db_url=sys.argv[1])
from facilitator.store.database import open_database; lap("import store.database (sqlmodel)")
database = state.database(); lap("open the database (create_all)")
from facilitator.app import make_live_app; lap("import facilitator.app (textual)")
from facilitator.program.groups import get_group
from facilitator.session.lifecycle import start_or_resume
from facilitator.common.timeutil import utcnow
lap("import groups, sessions (pendulum, pydantic)")
with database.session() as db:
    target = get_group(db, sys.argv[2])
    opened = start_or_resume(
        db, group=target, curriculum=None, topic=None, facilitator=None, now=utcnow()
    )
lap(f"start_or_resume ({'resumed' if opened.resumed else 'new session'}; curricula, queries)")
from facilitator.checkin.options import CheckinOptions
from facilitator.screens.live import LiveScreen
lap("import screens.live (widgets)")
app = make_live_app(database, opened.session_id, checkin=CheckinOptions(host="127.0.0.1", port=0))
lap("make_live_app (open_live: snapshot)")
import textual.app as _textual_app
marks = {}
def mark(name):
    marks.setdefault(name, time.perf_counter())
_display = _textual_app.App._display
def display(self, screen, renderable):
    if renderable is not None and isinstance(screen, LiveScreen):
        mark("first live frame")
    return _display(self, screen, renderable)
_textual_app.App._display = display
_compose = LiveScreen.compose
def compose(self):
    mark("compose start")
    yield from _compose(self)
    mark("compose end")
LiveScreen.compose = compose
_on_mount = LiveScreen.on_mount
async def on_mount(self):
    mark("on_mount start")
    await _on_mount(self)
    mark("on_mount end")
LiveScreen.on_mount = on_mount
_start = LiveScreen._start_checkin
async def start_checkin(self, options):
    mark("check-in start")
    await _start(self, options)
    mark("check-in up")
LiveScreen._start_checkin = start_checkin
async def headless():
    began = time.perf_counter()
    if REAL:
        def leave_when_up():
            if isinstance(app.screen, LiveScreen) and app.screen.qr_panel.url:
                app.call_after_refresh(app.exit)
            else:
                app.set_timer(0.01, leave_when_up)
        app.call_later(leave_when_up)
        await app.run_async()
    else:
        async with app.run_test(size=(120, 40)) as pilot:
            while not app.screen.qr_panel.url if isinstance(app.screen, LiveScreen) else True:
                await asyncio.sleep(0.005)
            await pilot.pause()
    steps = [
        ("app: start to LiveScreen.compose", began, marks["compose start"]),
        ("app: LiveScreen.compose", marks["compose start"], marks["compose end"]),
        ("app: compose end to on_mount (mount widgets, styles)",
         marks["compose end"], marks["on_mount start"]),
        ("app: LiveScreen.on_mount (redraw, notes, timers)",
         marks["on_mount start"], marks["on_mount end"]),
        ("app: on_mount end to first live frame", marks["on_mount end"], marks["first live frame"]),
    ]
    for name, a, b in steps:
        laps.append((name, b - a))
    laps.append(("(check-in server start: import aiohttp.web + bind, in the loop; from on_mount)",
                 marks["check-in up"] - marks["check-in start"]))
    laps.append(("(first live frame to QR/URL shown)",
                 max(0.0, marks["check-in up"] - marks["first live frame"])))
asyncio.run(headless())
if REAL:
    open(sys.argv[3], "w").write(json.dumps({"epoch0": EPOCH0, "laps": laps}))
else:
    print(json.dumps(laps))
"""

IMPORTS = (
    "import facilitator.cli, facilitator.cli.context; import facilitator.store.database; "
    "import facilitator.app, facilitator.program.groups, facilitator.session.lifecycle; "
    "import facilitator.common.timeutil; "
    "import facilitator.screens.live; import facilitator.checkin.server, facilitator.common.qr"
)


def phases(url: str, group: str, runs: int) -> None:
    """Median seconds of each phase over `runs` fresh interpreters."""
    from seed import open_live

    per_phase: dict[str, list[float]] = defaultdict(list)
    order: list[str] = []
    for run in range(runs + 1):
        if run % 2 == 0:
            _end_live(url)
        else:
            open_live(url, group)
        done = subprocess.run(
            [PYTHON, "-c", PHASES, url, group], capture_output=True, text=True, check=True
        )
        laps = json.loads(done.stdout.strip().splitlines()[-1])
        if run == 0:
            continue
        for name, seconds in laps:
            key = name.replace("resumed", "…").replace("new session", "…")
            if key not in order:
                order.append(key)
            per_phase[key].append(seconds)
    _end_live(url)
    print(f"\nphases of `run` (median of {runs} fresh interpreters, new and resumed sessions):")
    total = 0.0
    for name in order:
        seconds = median(per_phase[name])
        if name.startswith("("):
            print(f"  {seconds * 1000:7.0f} ms  {'':>7}     {name}")
            continue
        total += seconds
        print(f"  {seconds * 1000:7.0f} ms  {total * 1000:7.0f} ms  {name}")


def real_terminal(url: str, group: str, runs: int) -> None:
    """The same phases with the real terminal driver, in a 120x40 tmux pane (as bench_startup).

    Adds the interpreter's own start (from the pane's release to the script's first line) and
    the first frame written to the terminal; compare the total with bench_startup's figure.
    """
    import time

    from _common import BENCH_DIR
    from bench_startup import Pane
    from seed import open_live

    pane = Pane()
    script = BENCH_DIR / "phases.py"
    script.write_text(PHASES)
    laps_file = BENCH_DIR / "phases.json"
    per_phase: dict[str, list[float]] = defaultdict(list)
    order: list[str] = ["python start-up (interpreter, site)"]
    try:
        for run in range(runs + 1):
            if run % 2 == 0:
                _end_live(url)
            else:
                open_live(url, group)
            laps_file.unlink(missing_ok=True)
            pane.start([PYTHON, str(script), url, group, str(laps_file)])
            released = time.time()
            deadline = time.perf_counter() + 60
            while not laps_file.exists() and time.perf_counter() < deadline:
                time.sleep(0.05)
            time.sleep(0.2)
            pane.quit()
            if not laps_file.exists():
                print("  (no timeline written: the app did not come up in 60 s)")
                continue
            data = json.loads(laps_file.read_text())
            if run == 0:
                continue
            per_phase[order[0]].append(max(0.0, data["epoch0"] - released))
            for name, seconds in data["laps"]:
                key = name.replace("resumed", "…").replace("new session", "…")
                key = key.replace(" (headless)", "")
                if key not in order:
                    order.append(key)
                per_phase[key].append(seconds)
    finally:
        pane.close()
        _end_live(url)
    print(f"\nphases in a real terminal (tmux 120x40, median of {runs}):")
    total = 0.0
    for name in order:
        seconds = median(per_phase[name])
        if name.startswith("("):
            print(f"  {seconds * 1000:7.0f} ms  {'':>7}     {name}")
            continue
        total += seconds
        print(f"  {seconds * 1000:7.0f} ms  {total * 1000:7.0f} ms  {name}")


def _end_live(url: str) -> None:
    from bench_startup import end_live_sessions

    end_live_sessions(url)


def imports() -> None:
    """Self import time by top-level package, and the heaviest single modules."""
    done = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", IMPORTS], capture_output=True, text=True, check=True
    )
    by_package: dict[str, int] = defaultdict(int)
    cumulative: list[tuple[int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = line.split(":", 1)[1].split("|")
        module = name.strip()
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        by_package[module.split(".")[0]] += int(self_us)
        if depth == 0 or module in ("sqlmodel", "sqlalchemy", "textual.app", "aiohttp.web"):
            cumulative.append((int(cum_us), module))
    total = sum(by_package.values())
    print(f"\nimports of `run`, self time by package (python -X importtime; {total / 1e6:.2f} s):")
    for package, us in sorted(by_package.items(), key=lambda kv: -kv[1])[:14]:
        print(f"  {us / 1000:7.0f} ms  {100 * us / total:4.0f}%  {package}")
    print("\nheaviest imports, cumulative (what each `import` line costs):")
    for us, module in sorted(cumulative, reverse=True)[:12]:
        print(f"  {us / 1000:7.0f} ms  {module}")


ALONE = (
    ("python (nothing)", "pass"),
    ("textual.app", "import textual.app"),
    ("textual.app + widgets (hello floor)", "import textual.app, textual.widgets"),
    ("typer", "import typer"),
    ("sqlalchemy", "import sqlalchemy"),
    ("sqlalchemy.orm", "import sqlalchemy.orm"),
    ("sqlmodel", "import sqlmodel"),
    ("facilitator.store.models (sqlmodel + 10 tables)", "import facilitator.store.models"),
    ("pydantic", "import pydantic"),
    ("pendulum", "import pendulum"),
    ("aiohttp.web", "import aiohttp.web"),
    (
        "textual Markdown widget (markdown_it)",
        "import textual.app; from textual.widgets import Markdown",
    ),
    ("qrcode", "import qrcode"),
)


def alone(runs: int) -> None:
    """Each import by itself in a fresh interpreter (median wall time, interpreter included)."""
    import time

    print(f"\neach import alone, in a fresh interpreter (median of {runs}, wall time):")
    base = None
    for label, code in ALONE:
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            subprocess.run([PYTHON, "-c", code], check=True)
            times.append(time.perf_counter() - began)
        seconds = median(times)
        if base is None:
            base = seconds
            print(f"  {seconds * 1000:7.0f} ms  {label}")
        else:
            print(f"  {seconds * 1000:7.0f} ms  {label}  (+{(seconds - base) * 1000:.0f} ms)")


def main() -> int:
    args = parser(__doc__.split("\n\n")[0], runs=3).parse_args()
    print_machine()
    sys.path.insert(0, str(HERE))
    from seed import first_group_name

    path = db_path_from_args(args, "profile-startup", copy=True)
    url = url_of(path)
    phases(url, first_group_name(url), args.runs)
    real_terminal(url, first_group_name(url), args.runs)
    imports()
    alone(max(3, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
