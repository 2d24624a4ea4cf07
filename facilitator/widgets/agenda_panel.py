"""The agenda: every item with its planned minutes, and the current one counting down."""

from __future__ import annotations

import datetime as dt
import re

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Digits, Label, Markdown, ProgressBar, Static

from facilitator.common.timeutil import mmss
from facilitator.session.agenda import (
    OVER,
    WARNING,
    Agenda,
    Phase,
    budget_seconds,
    elapsed_seconds,
    remaining_seconds,
)
from facilitator.store.models import AgendaRun
from facilitator.widgets.plain import plain


def countdown_text(item: AgendaRun | None, now: dt.datetime) -> str:
    """Plain text for screen readers and scripts: `22:41 left`, `+02:13 over`, `(paused)`."""
    if item is None:
        return "agenda complete"
    remaining = remaining_seconds(item, now)
    text = f"{mmss(remaining)} over" if remaining < 0 else f"{mmss(remaining)} left"
    if item.paused_at is not None:
        text += " (paused)"
    return text


class AgendaList(Static):
    """The items of the session: done, current and to come, with planned minutes."""

    def show(self, agenda: Agenda) -> None:
        """Redraw from the agenda."""
        text = Text()
        for item in agenda.items:
            if item.ended_at is not None:
                mark, style = ("–" if item.skipped else "✓"), "dim"
            elif item.started_at is not None:
                mark, style = "▶", "bold"
            else:
                mark, style = "·", ""
            minutes = item.planned_minutes + item.extra_minutes
            text.append(f"{mark} {minutes:>3}′ ", style=style)
            text.append(plain(item.title, style))
            text.append("\n")
        text.rstrip()
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.update(text)


class AgendaPanel(Vertical):
    """Agenda list, current item title, big countdown, progress, prompts and handouts."""

    def compose(self) -> ComposeResult:
        yield AgendaList(id="agenda-list")
        yield Label("", id="item-title")
        yield Digits("00:00", id="countdown")
        yield Label("", id="countdown-text")
        yield ProgressBar(total=100, show_eta=False, show_percentage=False, id="item-progress")
        with VerticalScroll(id="prompts-scroll"):
            yield Markdown("", id="prompts")

    def on_mount(self) -> None:
        self._list = self.query_one(AgendaList)
        self._title = self.query_one("#item-title", Label)
        self._digits = self.query_one(Digits)
        self._text = self.query_one("#countdown-text", Label)
        self._progress = self.query_one(ProgressBar)
        self._prompts = self.query_one(Markdown)
        self._shown_item: int | None = -1

    def show(self, agenda: Agenda, now: dt.datetime) -> None:
        """Redraw everything (after an agenda change)."""
        self._list.show(agenda)
        item = agenda.current
        if item is None:
            self._title.update("Agenda complete — press e to end the session")
        else:
            number = agenda.items.index(item) + 1
            self._title.update(
                Text.assemble(
                    f"{number}/{len(agenda.items)} ",
                    plain(item.title, "bold"),
                    (f"  ({item.kind})", "dim"),
                )
            )
        key = None if item is None else item.position
        if key != self._shown_item:
            self._shown_item = key
            self._prompts.update(self._prompt_markdown(item))
        self.tick(agenda, now)

    def tick(self, agenda: Agenda, now: dt.datetime) -> Phase:
        """Update the countdown and progress; returns the item's phase."""
        item = agenda.current
        if item is None:
            self._digits.update("--:--")
            self._text.update("agenda complete")
            self._progress.update(total=1, progress=1)
            self.set_class(False, "-warning", "-over")
            return Phase("none")
        remaining = remaining_seconds(item, now)
        self._digits.update(mmss(remaining))
        self._text.update(countdown_text(item, now))
        self._progress.update(total=budget_seconds(item), progress=elapsed_seconds(item, now))
        phase = Phase.of(remaining)
        self.set_class(phase is WARNING, "-warning")
        self.set_class(phase is OVER, "-over")
        self.set_class(item.paused_at is not None, "-paused")
        return phase

    @staticmethod
    def _prompt_markdown(item: AgendaRun | None) -> str:
        if item is None:
            return ""
        parts = [plain(item.prompts, lines=True).plain.strip() or "_No prompts for this item._"]
        if item.handouts:
            names = (
                re.sub(r"([\\`*_{}\[\]<>()#+\-.!|])", r"\\\1", plain(h).plain)
                for h in item.handouts
            )
            parts.append("**Handouts:** " + ", ".join(names))
        return "\n\n".join(parts)
