"""Footer keeps every FooterKey it has replaced alive (its `data_bind` watchers are never pruned).

    python benchmarks/footer_leak.py [--switches 1000] [--footer stock|workaround|both]

Textual version: 8.2.8 (Textual's `main` is at the same release, with the same `Footer` and
`reactive._watch`), Python 3.11, Linux. About 3 minutes per footer with the defaults. Related:
Textualize/textual#6666 (watchers of removed nodes are pruned only when the observed reactive
changes); this is the `Footer` case of it, on its own, with numbers.

Steps: a screen with a `Footer` and two focusable widgets that have different `BINDINGS`; `tab`
moves the focus between them N times (headless `run_test`, 80x24). After every 250 moves the
script runs `gc.collect()` and counts the `FooterKey` objects still alive, the ones attached to
the DOM, the watchers registered on the `Footer`, and the process RSS.

Expected: the live `FooterKey`s stay at the 3 the footer shows (the focused pane's two keys and
`q`); the footer's watcher list and the RSS stay flat.

Actual: every focus change publishes `bindings_updated_signal` twice and the footer recomposes
twice. The removed keys leave the DOM, but each was bound with `.data_bind(compact=Footer.compact)`,
which calls `key.watch(footer, "compact", setter)` and stores `(key, setter)` in the footer's
`__watchers["compact"]`. That list is pruned (of closed nodes) only in `Reactive._check_watchers`,
i.e. when `Footer.compact` changes, which for most apps is never. So the footer holds every key it
ever composed, and the setter closure holds it again. Measured with the defaults (1,000 focus
changes): stock `Footer` 6 → 6,006 `FooterKey`s alive (3 attached), 6 → 6,006 watchers, RSS
35.9 → 172.0 MB, i.e. 6 keys and about 136 kB per focus change, without bound, for as long as the
screen is up; with the workaround below 3 keys, 3 watchers, RSS 35.9 → 44.5 MB (flat after the
first 250: 44.2 → 44.5).

Suggested fix: drop the node's watchers from the objects it watches when the node is removed
(or have `Footer.compose` set `compact` on the keys and propagate it from `watch_compact`, with no
`data_bind`). Workaround (`--footer workaround`, facilitator/widgets/footer.py): a `Footer`
subclass that prunes the list after each rebuild:

    class Footer(textual.widgets.Footer):
        async def recompose(self) -> None:
            await super().recompose()
            for entries in getattr(self, "__watchers", {}).values():
                entries[:] = [(n, cb) for n, cb in entries
                              if not (isinstance(n, FooterKey) and not n.is_attached)]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import subprocess
import sys
from importlib.metadata import version

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey


class Pane(Static, can_focus=True):
    """A focusable box with its own keys."""


class Left(Pane):
    BINDINGS = [Binding("a", "noop('add')", "Add"), Binding("d", "noop('delete')", "Delete")]


class Right(Pane):
    BINDINGS = [Binding("e", "noop('edit')", "Edit"), Binding("s", "noop('save')", "Save")]


def make_app(footer: type[Footer]) -> App[None]:
    """Two panes and a footer of the given class."""

    class FooterApp(App[None]):
        BINDINGS = [Binding("q", "quit", "Quit")]
        ENABLE_COMMAND_PALETTE = False

        def compose(self) -> ComposeResult:
            yield Left("left")
            yield Right("right")
            yield footer()

        def action_noop(self, name: str) -> None:
            """The panes' keys do nothing."""

    return FooterApp()


def rss_mb() -> float:
    """This process's resident set size in MB (Linux)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def key_counts() -> tuple[int, int]:
    """(FooterKey objects alive, those attached to the DOM), after a full collection."""
    gc.collect()
    keys = [o for o in gc.get_objects() if isinstance(o, FooterKey)]
    return len(keys), sum(key.is_attached for key in keys)


async def run(footer: type[Footer], switches: int, every: int) -> None:
    """Move the focus `switches` times; print the counts every `every` moves."""
    app = make_app(footer)
    print(f"{footer.__module__}.{footer.__qualname__}, Textual {version('textual')}")
    print(f"{'switches':>9} {'FooterKey alive':>16} {'attached':>9} {'watchers':>9} {'RSS MB':>7}")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for done in range(switches + 1):
            if done % every == 0:
                alive, attached = key_counts()
                watchers = getattr(app.query_one(Footer), "__watchers", {}).get("compact", [])
                print(f"{done:9,} {alive:16,} {attached:9} {len(watchers):9,} {rss_mb():7.1f}")
            if done < switches:
                await pilot.press("tab")
                await pilot.pause()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--switches", type=int, default=1000, help="focus changes (default 1000)")
    p.add_argument(
        "--every", type=int, default=250, help="print counts every N changes (default 250)"
    )
    p.add_argument(
        "--footer",
        choices=["stock", "workaround", "both"],
        default="both",
        help="Textual's Footer, the workaround, or each in its own process (default)",
    )
    args = p.parse_args()
    if args.switches < 0 or args.every < 1:
        p.error("--switches must be 0 or more and --every 1 or more")
    if args.footer == "both":
        for footer in ("stock", "workaround"):
            cmd = [sys.executable, __file__, "--footer", footer]
            cmd += ["--switches", str(args.switches), "--every", str(args.every)]
            if subprocess.run(cmd, check=False).returncode:
                return 1
            print()
        return 0
    if args.footer == "stock":
        cls = Footer
    else:
        from facilitator.widgets.footer import Footer as cls
    asyncio.run(run(cls, args.switches, args.every))
    return 0


if __name__ == "__main__":
    sys.exit(main())
