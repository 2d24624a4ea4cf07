"""The core never imports Textual; the command line starts without heavy imports."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

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
