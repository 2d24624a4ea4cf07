"""Where `facilitator run GROUP` spends its start-up: phases, and imports by package.

    python benchmarks/profile_startup.py [--db-file FILE] [--runs 3]

Phases: the real `run` command (`facilitator.cli.main`) in a 120x40 tmux pane, as in
bench_startup, with its steps wrapped to note when each ends: the imports before the first frame,
each frame drawn (the opening screen's, then the live screen's), and the loading thread's steps
(the encrypted-file check, opening the database, binding the check-in socket, the live screen's
imports, starting the session, its snapshot), up to the check-in URL on screen.
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
import atexit, json, sys, threading, time
EPOCH0 = time.time()
T0 = time.perf_counter()
marks = []
def mark(name):
    marks.append((name, time.perf_counter() - T0, threading.current_thread().name))
OUT = sys.argv[3]
def save():
    open(OUT, "w").write(json.dumps({"epoch0": EPOCH0, "marks": marks}))
atexit.register(save)
def timed(owner, attr, label, after=None):
    original = getattr(owner, attr)
    def wrapper(*args, **kwargs):
        mark(label + " (start)")
        try:
            return original(*args, **kwargs)
        finally:
            mark(label)
            if after is not None:
                after()
    setattr(owner, attr, wrapper)
def timed_async(owner, attr, label, after=None):
    original = getattr(owner, attr)
    async def wrapper(self, *args):  # no keywords: Textual passes a handler's event only if asked
        mark(label + " (start)")
        try:
            return await original(self, *args)
        finally:
            mark(label)
            if after is not None:
                after(self)
    setattr(owner, attr, wrapper)
import facilitator.cli
mark("import facilitator.cli (the entry point, no typer for run)")
import textual.app as _textual_app
import facilitator.app
from facilitator.cli import live_start
from facilitator.cli.state import AppState
from facilitator.screens import opening
mark("import facilitator.app, the opening screen (textual)")
_display = _textual_app.App._display
def display(self, screen, renderable):
    if renderable is not None:
        mark(f"frame drawn: {type(screen).__name__}")
    return _display(self, screen, renderable)
_textual_app.App._display = display
def instrument_the_rest():
    # In the loading thread, after the socket is bound: what `_load` imports next, timed apart.
    import facilitator.screens.live as live_screen
    mark("import screens.live (widgets, session code)")
    import facilitator.screens.live_checkin as live_checkin
    import facilitator.session.lifecycle as lifecycle
    import facilitator.session.live as session_live
    timed(lifecycle, "start_or_resume", "start_or_resume (curricula, queries)")
    timed(session_live, "open_live", "open_live (the snapshot)")
    timed(live_screen.LiveScreen, "compose", "LiveScreen.compose")
    on_mount = live_screen.LiveScreen.on_mount
    async def mounted(self):
        mark("LiveScreen.on_mount (start)")
        await on_mount(self)
        mark("LiveScreen.on_mount (redraw, notes, timers)")
    live_screen.LiveScreen.on_mount = mounted
    timed_async(live_checkin.PhoneCheckin, "start", "check-in server up (URL shown)",
                after=lambda phone: phone._screen.app.call_after_refresh(phone._screen.app.exit))
timed(AppState, "locked_file", "is the file encrypted? (imports sqlalchemy)")
timed(AppState, "database", "open the database (imports sqlmodel, the models)")
timed(live_start, "_bound", "bind the check-in socket (imports aiohttp.web)", instrument_the_rest)
timed(opening.OpeningScreen, "_loaded", "switch to the next screen")
sys.argv = ["facilitator", "--db", sys.argv[1], "run", sys.argv[2], "--checkin-host",
            "127.0.0.1", "--checkin-port", "0", "--facilitator", "Bench Facilitator"]
facilitator.cli.main()
"""

IMPORTS = (
    "import facilitator.cli, facilitator.cli.quick, facilitator.cli.state, facilitator.app; "
    "import facilitator.cli.live_start; "
    "import facilitator.screens.opening; import facilitator.store.database; "
    "import facilitator.program.groups, facilitator.session.lifecycle; "
    "import facilitator.common.timeutil; "
    "import facilitator.screens.live; import facilitator.checkin.server, facilitator.common.qr"
)


def real_terminal(url: str, group: str, runs: int) -> None:
    """`run` step by step in a 120x40 tmux pane (as bench_startup), each step's end time from
    the pane's release (median of `runs`, new and resumed sessions in turn)."""
    import time

    from _common import BENCH_DIR
    from bench_startup import Pane
    from seed import open_live

    pane = Pane()
    script = BENCH_DIR / "phases.py"
    script.write_text(PHASES)
    marks_file = BENCH_DIR / "phases.json"
    at: dict[str, list[float]] = defaultdict(list)
    threads: dict[str, str] = {}
    try:
        for run in range(runs + 1):
            if run % 2 == 0:
                _end_live(url)
            else:
                open_live(url, group)
            marks_file.unlink(missing_ok=True)
            pane.start([PYTHON, str(script), url, group, str(marks_file)])
            released = time.time()
            deadline = time.perf_counter() + 60
            while not marks_file.exists() and time.perf_counter() < deadline:
                time.sleep(0.05)
            time.sleep(0.2)
            pane.quit()
            if not marks_file.exists():
                print("  (no timeline written: the app did not come up in 60 s)")
                continue
            data = json.loads(marks_file.read_text())
            if run == 0:
                continue
            start = max(0.0, data["epoch0"] - released)
            at["python start-up (interpreter, site)"].append(start)
            seen: set[str] = set()
            for name, seconds, thread in data["marks"]:
                if name in seen:
                    continue  # the first time each mark is reached
                seen.add(name)
                at[name].append(start + seconds)
                threads[name] = thread
    finally:
        pane.close()
        _end_live(url)
    print(f"\n`run` in a real terminal (tmux 120x40, median of {runs}): when each step ends,")
    print("from the pane's release; (start) lines say when a step began; [thread] off the loop")
    previous = 0.0
    for name, times in sorted(at.items(), key=lambda kv: median(kv[1])):
        when = median(times)
        where = "" if threads.get(name, "MainThread") == "MainThread" else "  [thread]"
        if name.endswith("(start)"):
            print(f"  {'':>7}     {when * 1000:7.0f} ms  {name}{where}")
            continue
        print(f"  {(when - previous) * 1000:+7.0f} ms  {when * 1000:7.0f} ms  {name}{where}")
        previous = when


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
    (
        "facilitator.cli.commands (the Typer app, before its commands load)",
        "import facilitator.cli.commands",
    ),
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
    real_terminal(url, first_group_name(url), args.runs)
    imports()
    alone(max(3, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
