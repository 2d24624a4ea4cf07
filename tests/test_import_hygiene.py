"""The core never imports Textual or the UI; the command line starts without heavy imports."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import facilitator

UI = ("facilitator.app", "facilitator.screens", "facilitator.widgets", "facilitator.__main__")


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(facilitator.__path__, "facilitator."):
        if not info.name.startswith(UI):
            names.append(info.name)
    return names


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_core_modules_never_import_textual() -> None:
    modules = core_modules()
    assert "facilitator.session.live" in modules and "facilitator.session.agenda" in modules
    loaded = _loaded_after("\n".join(f"import {m}" for m in modules))
    assert not any(m == "textual" or m.startswith("textual.") for m in loaded)


def test_cli_import_is_light() -> None:
    loaded = _loaded_after("import facilitator.cli")
    for heavy in ("textual", "sqlmodel", "sqlalchemy", "aiohttp", "pendulum"):
        assert heavy not in loaded, f"importing the CLI pulls in {heavy}"


def test_import_contracts_hold() -> None:
    """pyproject.toml's import-linter contracts: the core never imports the UI or the CLI, and
    the core's packages stand in layers (common < store < program, curriculum < session <
    reports, exchange, checkin)."""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command; lint_imports_command()",
        ],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
