"""The root command's sub-commands, each loaded when it is asked for (by name, or by `--help`).

A command's module (and the checkers Typer builds for its options) is imported only when that
command runs, so `facilitator report attendance` loads the report commands and none of the others.
The names stand here in the order `facilitator --help` lists them: the commands, then the groups
of commands, each in the order its part is added.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperGroup

Register = Callable[[typer.Typer], None]
"""Adds one part's commands to an app."""


def _module(name: str) -> Register:
    """A part that is one module's `register(app)`."""
    return lambda app: importlib.import_module(f"facilitator.cli.{name}").register(app)


def _reports_and_schedule(app: typer.Typer) -> None:
    """`report` (with `report program`, from the schedule module), `schedule` and `session`."""
    from facilitator.cli import report, schedule

    report.register(app)
    schedule.register(app, report.report_app)


PARTS: dict[str, Register] = {
    "groups": _module("groups"),
    "roster": _module("roster"),
    "curriculum": _module("curriculum"),
    "session": _module("session"),
    "schedule": _reports_and_schedule,
    "export": _module("export"),
    "imports": _module("imports"),
    "badges": _module("badges"),
    "sign": _module("sign"),
    "database": _module("database"),
}
"""Each part of the command line by the module that defines it."""

COMMANDS: dict[str, str] = {
    "run": "session",
    "demo": "session",
    "schedule": "schedule",
    "badges": "badges",
    "sign": "sign",
    "addendum": "sign",
    "group": "groups",
    "roster": "roster",
    "curriculum": "curriculum",
    "report": "schedule",
    "session": "schedule",
    "export": "export",
    "import": "imports",
    "db": "database",
}
"""Each root command (in `--help` order) and the part that defines it."""

_built: dict[str, Any] = {}
"""The commands built so far, by name (built once per process, as Typer builds at import)."""
_loaded: set[str] = set()


def _command(name: str) -> Any:
    """The click command `name`, building its part first if need be."""
    part = COMMANDS[name]
    if part not in _loaded:
        staging = typer.Typer()
        PARTS[part](staging)
        _built.update(typer.main.get_group(staging).commands)
        _loaded.add(part)
    return _built[name]


class LazyCommands(MutableMapping[str, Any]):
    """The root's commands by name: every name known at once, each built on first use."""

    def __init__(self) -> None:
        self._added: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name in self._added:
            return self._added[name]
        if name not in COMMANDS:
            raise KeyError(name)
        return _command(name)

    def __setitem__(self, name: str, command: Any) -> None:
        self._added[name] = command

    def __delitem__(self, name: str) -> None:
        del self._added[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (name for name in self._added if name not in COMMANDS)

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._added))


class LazyGroup(TyperGroup):
    """The root group: its commands are a `LazyCommands`."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands()

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)
