"""The key footer: the live screen's keys shown and clickable, and no replaced key kept alive."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any

import pytest
from textual.widgets import TextArea
from textual.widgets._footer import FooterKey

from facilitator.app import make_live_app
from facilitator.common.clock import FakeClock
from facilitator.screens.help import HelpScreen
from facilitator.screens.live import LiveScreen
from facilitator.store.database import Database
from facilitator.widgets.footer import Footer, stale_key_watchers
from tests.conftest import pilot_until

from .livefixtures import make_session

SIZE = (120, 40)


@pytest.fixture
def session_id(database: Database, clock: FakeClock) -> str:
    return make_session(database, clock)


def shown_keys(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The footer's keys on the current screen, as `key description`."""
    footer = app.screen.query_one(Footer)
    return [f"{key.key_display} {key.description}".strip() for key in footer.query(FooterKey)]


@contextlib.asynccontextmanager
async def live_footer(
    database: Database, clock: FakeClock, session_id: str
) -> AsyncIterator[tuple[Any, Any]]:
    """The live screen running, its footer keys shown: (app, pilot)."""
    app = make_live_app(database, session_id, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot_until(pilot, lambda: shown_keys(app), "footer keys")
        yield app, pilot


async def test_footer_shows_the_live_keys_and_clicking_one_runs_it(
    database, clock, session_id
) -> None:
    async with live_footer(database, clock, session_id) as (app, pilot):
        shown = shown_keys(app)
        assert {"? Help", "n Next", "p Pause", "+ +5", "tab Notes", "e End"} <= set(shown)
        help_key = next(k for k in app.screen.query(FooterKey) if k.key == "question_mark")
        await pilot_until(pilot, lambda: help_key.region.width, "footer laid out")
        await pilot.click(help_key)
        await pilot_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help on click")


async def test_moving_in_and_out_of_the_notes_keeps_no_replaced_footer_key(
    database, clock, session_id
) -> None:
    async with live_footer(database, clock, session_id) as (app, pilot):
        before = shown_keys(app)
        gc.collect()
        earlier = {id(o) for o in gc.get_objects() if isinstance(o, FooterKey)}  # other apps'
        for _ in range(10):
            await pilot.press("tab")
            await pilot_until(pilot, lambda: isinstance(app.focused, TextArea), "notes focused")
            await pilot.press("escape")
            await pilot_until(pilot, lambda: shown_keys(app) == before, "roster keys again")
        assert isinstance(app.screen, LiveScreen)
        assert stale_key_watchers(app.screen.query_one(Footer)) == 0
        gc.collect()
        detached = [
            o
            for o in gc.get_objects()
            if isinstance(o, FooterKey) and not o.is_attached and id(o) not in earlier
        ]
        assert detached == []
