"""Start-up: `facilitator run GROUP` to its first screen and to the populated live screen.

    python benchmarks/bench_startup.py [--runs 7] [--db-file FILE]

Each program starts in a fresh 120x40 tmux pane (private tmux server, no user config, status line
off, COLUMNS/LINES unset). The pane's shell waits on a FIFO; the clock starts when the FIFO is
written and the shell `exec`s the program, so tmux's own start-up is outside every figure. The pane
is polled (`tmux capture-pane -p`) about every 10 ms:

- floor: `python benchmarks/hello_app.py` (a bare Textual app) until its text appears;
- first screen: `python -m facilitator --db URL run GROUP --checkin-host 127.0.0.1
  --checkin-port 0` until the live screen's frame is drawn: the group's name in the title bar
  and the footer's keys (`Next`, `Quit`). `run` draws it from the command line before the
  database opens (and, for a plain command line, before Typer loads); the session's keys act
  once the live screen is there;
- populated: until the roster shows a member's name, the countdown reads `mm:ss left` (or
  `+mm:ss over`) and the phone check-in URL (`/c/`) is on screen.

Two paths, interleaved with the floor: `start` (no live session: `run` starts the next topic, the
daily case) and `resume` (`run` reopens the live session it left, the crash case). After each
start-up the app's RSS and its idle CPU over 3 s are read from /proc; `ctrl+q` quits it.
Targets (start path): first screen ≤ 1.3× the floor, populated ≤ 2.0× the floor.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

from _common import (
    BENCH_DIR,
    HERE,
    PYTHON,
    Result,
    db_path_from_args,
    emit,
    median,
    parser,
    print_machine,
    rss_mb,
    url_of,
)

SIZE = (120, 40)
POLL = 0.01
TIMEOUT = 60.0
TARGET_FIRST = 1.3
TARGET_POPULATED = 2.0
HELLO_TEXT = "Hello from a bare Textual app"
COUNTDOWN = re.compile(r"\b\d\d:\d\d left\b|\+\d\d:\d\d over\b")


class Pane:
    """A private tmux server with one pane running a program that waits for a go signal."""

    def __init__(self) -> None:
        self.socket = f"facilitator-bench-{os.getpid()}"
        self.config = BENCH_DIR / "tmux.conf"
        self.config.write_text(
            'set -g default-terminal "tmux-256color"\nset -g status off\nset -g escape-time 0\n'
        )
        self.env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
        self.fifo = BENCH_DIR / f"go-{os.getpid()}.fifo"

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args],
            capture_output=True,
            text=True,
            env=self.env,
        )

    def start(self, cmd: list[str]) -> float:
        """Open the pane with `cmd` waiting on the FIFO, release it; the perf_counter at release."""
        self.fifo.unlink(missing_ok=True)
        os.mkfifo(self.fifo)
        script = f"read _ < {shlex.quote(str(self.fifo))}; exec {shlex.join(cmd)}"
        done = self.tmux(
            "new-session", "-d", "-s", "bench", "-x", str(SIZE[0]), "-y", str(SIZE[1]),
            "sh", "-c", script,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"tmux new-session failed: {done.stderr}")
        with open(self.fifo, "w") as go:  # blocks until the pane's shell is reading
            began = time.perf_counter()
            go.write("\n")
        return began

    def text(self) -> str:
        done = self.tmux("capture-pane", "-p", "-t", "bench")
        return done.stdout if done.returncode == 0 else ""

    def pid(self) -> int | None:
        done = self.tmux("display-message", "-p", "-t", "bench", "#{pane_pid}")
        try:
            return int(done.stdout.strip())
        except ValueError:
            return None

    def quit(self) -> None:
        """ctrl+q, then wait for the program to end (kill the session if it will not)."""
        self.tmux("send-keys", "-t", "bench", "C-q")
        deadline = time.perf_counter() + 15
        while time.perf_counter() < deadline:
            if self.tmux("has-session", "-t", "bench").returncode != 0:
                break
            time.sleep(0.05)
        else:
            self.tmux("kill-session", "-t", "bench")
        self.fifo.unlink(missing_ok=True)

    def close(self) -> None:
        """Stop the private tmux server and remove its socket file and the FIFO."""
        socket = Path(f"/tmp/tmux-{os.getuid()}") / self.socket
        if os.environ.get("TMUX_TMPDIR"):
            socket = Path(os.environ["TMUX_TMPDIR"]) / f"tmux-{os.getuid()}" / self.socket
        self.tmux("kill-server")
        socket.unlink(missing_ok=True)
        self.fifo.unlink(missing_ok=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    pane: Pane, cmd: list[str], first: list[str], populated: list[object], *, idle: float = 0.0
) -> dict[str, float]:
    """Seconds until all first markers show, then all populated ones; RSS and idle CPU if asked."""
    began = pane.start(cmd)
    t_first = t_full = None
    screen = ""
    deadline = began + TIMEOUT
    while time.perf_counter() < deadline:
        screen = pane.text()
        now = time.perf_counter() - began
        if t_first is None and all(marker in screen for marker in first):
            t_first = now
        if t_first is not None and all(
            (m.search(screen) if isinstance(m, re.Pattern) else m in screen)  # type: ignore[operator]
            for m in populated
        ):
            t_full = now
            break
        time.sleep(POLL)
    figures: dict[str, float] = {
        "first": t_first if t_first is not None else float("nan"),
        "populated": t_full if t_full is not None else float("nan"),
    }
    if t_full is None:
        (BENCH_DIR / "startup-timeout-screen.txt").write_text(screen)
        print(f"  timed out; screen saved to {BENCH_DIR / 'startup-timeout-screen.txt'}")
    pid = pane.pid()
    if idle and pid is not None:
        figures["rss"] = rss_mb(pid)
        before = cpu_seconds(pid)
        time.sleep(idle)
        figures["idle_cpu"] = 100.0 * (cpu_seconds(pid) - before) / idle
        (BENCH_DIR / "startup-screen.txt").write_text(pane.text())
    pane.quit()
    return figures


def end_live_sessions(url: str) -> None:
    """End any live session, so the next `run` starts a new one."""
    from sqlmodel import select

    from facilitator.common.timeutil import utcnow
    from facilitator.session.lifecycle import end_session
    from facilitator.store.database import Database
    from facilitator.store.models import GroupSession, SessionState

    database = Database(url)
    with database.session() as db:
        for session in db.exec(
            select(GroupSession).where(GroupSession.state == SessionState.LIVE.value)
        ).all():
            end_session(db, session=session, now=utcnow(), actor="bench")
    database.dispose()


def roster_name(url: str, group: str) -> str:
    """The name at the top of the group's roster (sorted by name)."""
    from facilitator.program.groups import get_group
    from facilitator.program.roster import members
    from facilitator.store.database import Database

    database = Database(url)
    with database.session() as db:
        name = members(db, get_group(db, group))[0].participant.name
    database.dispose()
    return name


def main() -> int:
    args = parser(__doc__.split("\n\n")[0], runs=7).parse_args()
    print_machine()
    path = db_path_from_args(args, "startup", copy=True)
    url = url_of(path)
    sys.path.insert(0, str(HERE))
    from seed import first_group_name

    group = first_group_name(url)
    top = roster_name(url, group)
    print(f"database: {path}; group {group!r} (top of roster: {top!r})")
    hello = [PYTHON, str(HERE / "hello_app.py")]
    app = [
        PYTHON, "-m", "facilitator", "--db", url, "run", group,
        "--checkin-host", "127.0.0.1", "--checkin-port", "0", "--facilitator", "Bench Facilitator",
    ]  # fmt: skip
    first_markers = [group, "Next", "Quit"]
    populated = [top, COUNTDOWN, "/c/"]
    pane = Pane()
    samples: dict[str, list[float]] = {
        k: []
        for k in (
            "hello", "start_first", "start_full", "resume_first", "resume_full", "rss", "idle_cpu",
        )
    }  # fmt: skip
    try:
        for run in range(args.runs + 1):  # run 0 warms the disk cache and byte-code; not counted
            end_live_sessions(url)
            h = measure(pane, hello, [HELLO_TEXT], [HELLO_TEXT])
            s = measure(pane, app, first_markers, populated, idle=3.0)
            r = measure(pane, app, first_markers, populated)
            line = (
                f"  run {run}{' (warm-up)' if run == 0 else ''}: hello {h['first']:.3f} s | "
                f"start: first {s['first']:.3f} s, populated {s['populated']:.3f} s | "
                f"resume: first {r['first']:.3f} s, populated {r['populated']:.3f} s | "
                f"RSS {s.get('rss', float('nan')):.0f} MB, "
                f"idle CPU {s.get('idle_cpu', float('nan')):.0f}%"
            )
            print(line, flush=True)
            if run == 0:
                continue
            samples["hello"].append(h["first"])
            samples["start_first"].append(s["first"])
            samples["start_full"].append(s["populated"])
            samples["resume_first"].append(r["first"])
            samples["resume_full"].append(r["populated"])
            samples["rss"].append(s.get("rss", float("nan")))
            samples["idle_cpu"].append(s.get("idle_cpu", float("nan")))
    finally:
        pane.close()
        end_live_sessions(url)
    floor = median(samples["hello"])
    runs = len(samples["hello"])
    results = [
        Result(
            "start-up, first screen (run, new session)", median(samples["start_first"]), "s",
            f"≤ {TARGET_FIRST}× floor",
            median(samples["start_first"]) <= TARGET_FIRST * floor, floor, runs,
            samples=samples["start_first"],
        ),
        Result(
            "start-up, populated (run, new session)", median(samples["start_full"]), "s",
            f"≤ {TARGET_POPULATED}× floor",
            median(samples["start_full"]) <= TARGET_POPULATED * floor, floor, runs,
            detail=(
                f"live screen RSS {median(samples['rss']):.0f} MB, idle CPU "
                f"{median(samples['idle_cpu']):.0f}% of one core (3 s after populated)"
            ),
            samples=samples["start_full"],
        ),
        Result(
            "start-up, first screen (run, resume)", median(samples["resume_first"]), "s",
            f"≤ {TARGET_FIRST}× floor",
            median(samples["resume_first"]) <= TARGET_FIRST * floor, floor, runs,
            samples=samples["resume_first"],
        ),
        Result(
            "start-up, populated (run, resume)", median(samples["resume_full"]), "s",
            f"≤ {TARGET_POPULATED}× floor",
            median(samples["resume_full"]) <= TARGET_POPULATED * floor, floor, runs,
            samples=samples["resume_full"],
        ),
    ]  # fmt: skip
    return emit(results, args)


if __name__ == "__main__":
    sys.exit(main())
