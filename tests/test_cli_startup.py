"""The command line starts light: `run` and `demo` without the parser, each command with only its
own code, and the same messages, help and exit statuses either way."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from facilitator.cli.lazy import COMMANDS
from facilitator.program.groups import create_group
from facilitator.store.database import Database

GROUP = "Tuesday Evening"
WIDE = {"COLUMNS": "200"}
HEAVY_FOR_A_REPORT = ("textual", "aiohttp", "jinja2", "qrcode", "markdown_it")
"""What a report printed on the terminal has no use for."""


def cli(*args: str, show_modules: bool = False) -> subprocess.CompletedProcess[str]:
    """The real entry point in a new process, not on a terminal; with `show_modules`, the
    modules it loaded are the last line of stderr (as JSON)."""
    code = (
        "import json, sys\n"
        f"sys.argv = ['facilitator', *{list(args)!r}]\n"
        "from facilitator.cli import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        f"    if {show_modules}:\n"
        "        print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **WIDE},
        timeout=60,
    )


def loaded(done: subprocess.CompletedProcess[str]) -> set[str]:
    """The modules a `cli(..., show_modules=True)` process had loaded."""
    return set(json.loads(done.stderr.splitlines()[-1]))


def without_modules(done: subprocess.CompletedProcess[str]) -> str:
    """stderr without the module list."""
    return "\n".join(done.stderr.splitlines()[:-1])


@pytest.fixture
def group_db(database: Database, db_url: str) -> str:
    with database.session() as db:
        create_group(db, name=GROUP, timezone="America/Chicago")
        db.commit()
    return db_url


def test_run_refuses_a_pipe_before_loading_the_parser(group_db: str) -> None:
    args = ("--db", group_db, "run", GROUP, "--curriculum", "relapse-prevention")
    done = cli(*args, "--checkin-port=0", show_modules=True)
    assert done.returncode == 1
    assert without_modules(done).startswith("error: run opens the live session screen")
    assert "typer" not in loaded(done)


def test_run_with_an_unknown_group_names_it_on_either_path(group_db: str) -> None:
    quick = cli("--db", group_db, "run", "Nobody", "--topic", "x")
    # A repeated option is left to Typer (the last one counts): the same check, the same words.
    parsed = cli("--db", group_db, "run", "Nobody", "--topic", "y", "--topic=x")
    assert quick.returncode == parsed.returncode == 1
    assert quick.stderr == parsed.stderr
    assert quick.stderr.startswith(f"error: no group named 'Nobody' (groups: {GROUP})")


def test_run_with_a_bad_facilitator_name_says_so_on_either_path(group_db: str) -> None:
    quick = cli("--db", group_db, "run", GROUP, "--facilitator", "   ")
    parsed = cli("--db", group_db, "run", GROUP, "--facilitator", "x", "--facilitator", "   ")
    assert quick.returncode == parsed.returncode == 1
    assert quick.stderr == parsed.stderr
    assert quick.stderr.startswith("error: --facilitator: ")


@pytest.mark.parametrize(
    "args",
    [
        ["run", GROUP, "--checkin-port", "70000"],
        ["run", GROUP, "--checkin-port", "-1"],
        ["run", GROUP, "--checkin-port", "port"],
        ["run", GROUP, "--checkin-prot", "1"],
        ["run", GROUP, "--topic"],
        ["run", GROUP, "Extra"],
        ["run"],
    ],
)
def test_a_bad_run_line_is_a_usage_error(group_db: str, args: list[str]) -> None:
    done = cli("--db", group_db, *args)
    assert done.returncode == 2
    assert "Error" in done.stderr and "Traceback" not in done.stderr


def test_run_help_comes_from_the_parser() -> None:
    done = cli("run", "--help")
    assert done.returncode == 0
    assert "--checkin-port" in done.stdout and "Open the live session screen" in done.stdout


def test_root_help_lists_every_command_in_order() -> None:
    done = cli("--help")
    assert done.returncode == 0
    listed = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("│ ")]
    names = [name for name in listed if name in COMMANDS]
    assert names == list(COMMANDS)
    assert "report" in COMMANDS and "db" in COMMANDS


def test_a_report_loads_neither_the_tui_nor_other_commands(group_db: str) -> None:
    done = cli(
        "--db", group_db, "report", "attendance", GROUP, "--format", "json", show_modules=True
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["group"] == GROUP
    modules = loaded(done)
    for heavy in HEAVY_FOR_A_REPORT:
        assert heavy not in modules, f"report attendance loads {heavy}"
    assert "facilitator.cli.roster" not in modules and "facilitator.cli.export" not in modules


def test_report_help_needs_no_database_or_tui() -> None:
    done = cli("report", "attendance", "--help", show_modules=True)
    assert done.returncode == 0
    assert "Per-participant attendance" in done.stdout
    modules = loaded(done)
    assert not {"textual", "sqlalchemy", "sqlmodel", "aiohttp"} & modules


def test_a_mistyped_command_is_still_suggested() -> None:
    done = cli("reprot")
    assert done.returncode == 2
    assert "No such command 'reprot'" in done.stderr and "'report'" in done.stderr


def test_the_app_object_is_the_whole_command_line() -> None:
    from typer.testing import CliRunner

    from facilitator.cli import app

    result = CliRunner().invoke(app, ["report", "--help"], env=WIDE)
    assert result.exit_code == 0
    assert "attendance" in result.stdout and "program" in result.stdout
