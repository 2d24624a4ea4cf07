"""A crash prints where it happened, never the values of local variables."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Label

from facilitator.screens.crash import fatal_error_without_locals


class Crashing(App[None]):
    _fatal_error = fatal_error_without_locals

    def compose(self) -> ComposeResult:
        yield Label("about to fail")

    def on_mount(self) -> None:
        member_code = "-".join(["QX7", "KPM"])  # a value the crash report must not show
        raise RuntimeError(f"failed after {len(member_code)} characters")


async def test_a_crash_report_shows_no_locals(capsys: pytest.CaptureFixture[str]) -> None:
    app = Crashing()
    with pytest.raises(RuntimeError):
        async with app.run_test() as pilot:
            await pilot.pause()
    report = capsys.readouterr().err
    assert "Traceback" in report and "on_mount" in report and "RuntimeError" in report
    assert "QX7-KPM" not in report
    assert "─ locals ─" not in report  # the panel Textual draws around every frame's locals
