"""`facilitator run` and `facilitator demo` read straight from the command line, before Typer loads.

Only a plain command line is read here (by the standard library's `argparse`, which loads in a
few milliseconds): `[--db URL] run GROUP` with `run`'s own options, or `[--db URL] demo`.
Anything else (`--help`, `--encrypt`, an unknown option, a missing value, a port out of range)
returns None, and Typer parses it, with its messages and exit status 2 for a usage error.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn

Command = Callable[[], int]
"""Runs the command; its exit status."""

RUN_OPTIONS = ("--curriculum", "--topic", "--facilitator", "--checkin-host")
"""The options of `run` that take text (`--checkin-port` takes a port)."""


class _NotPlain(Exception):
    """The command line is not a plain `run` or `demo`: Typer reads it."""


class _Parser(argparse.ArgumentParser):
    """A parser that gives up (for Typer to explain) instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise _NotPlain(message)


def _port(value: str) -> int:
    port = int(value, 10)
    if not 0 <= port <= 65535:
        raise ValueError(value)
    return port


def _parser() -> _Parser:
    parser = _Parser(prog="facilitator", add_help=False, allow_abbrev=False)
    parser.add_argument("--db")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", add_help=False, allow_abbrev=False)
    run = commands.add_parser("run", add_help=False, allow_abbrev=False)
    run.add_argument("group")
    for name in RUN_OPTIONS:
        run.add_argument(name)
    run.add_argument("--checkin-port", type=_port)
    return parser


def quick_command(args: list[str]) -> Command | None:
    """The command `args` (the command line without the program name) asks for, when it is a
    plain `run` or `demo`; else None."""
    try:
        line = _parser().parse_args(args)
    except _NotPlain:
        return None
    if line.command == "demo":
        return _demo
    return lambda: _run(line)


def _run(line: argparse.Namespace) -> int:
    from facilitator.checkin.options import CheckinOptions
    from facilitator.cli.live_start import run_live
    from facilitator.cli.state import AppState

    port = {} if line.checkin_port is None else {"port": line.checkin_port}
    return run_live(
        AppState(db_url=line.db),
        line.group,
        curriculum=line.curriculum,
        topic=line.topic,
        facilitator=line.facilitator,
        checkin=CheckinOptions(host=line.checkin_host, **port),
    )


def _demo() -> int:
    from facilitator.cli.live_start import run_demo

    run_demo()
    return 0
