"""Starting a session on purpose: what will start (group, curriculum, topic), `enter` starts it.

`plan_start` reads what would start (plain core calls, for a thread); `StartDialog` shows it,
with the proposed topic highlighted among the curriculum's topics, and returns the choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from facilitator.errors import UserError
from facilitator.store.database import Database
from facilitator.widgets.footer import Footer
from facilitator.widgets.plain import plain

if TYPE_CHECKING:
    from facilitator.curriculum.model import Topic


@dataclass(frozen=True)
class StartPlan:
    """What `enter` would do for a group: resume its live session, or start this topic."""

    group_id: int
    group_name: str
    live_session: str | None = None
    """The id of the group's live session: resumed at once, no dialog."""
    curriculum_id: str | None = None
    curriculum_title: str = ""
    topics: list[Topic] = field(default_factory=list)
    """The curriculum's topics, in order."""
    proposed: str | None = None
    """The topic after the last one the group held (the first if none)."""
    members: int = 0
    no_curriculum: str | None = None
    """Why no curriculum could be chosen (the group has none yet): the lead picks one."""
    curricula: list[tuple[str, str]] = field(default_factory=list)
    """(id, label) of every curriculum found, to choose from."""


def _curricula() -> list[tuple[str, str]]:
    from facilitator.curriculum.catalog import discover

    return [
        (c.id, f"{c.title} ({len(c.sessions)} sessions)") for c in discover().curricula.values()
    ]


def plan_start(database: Database, group_id: int, curriculum: str | None = None) -> StartPlan:
    """What starting the group's session means now (`curriculum` as chosen by the lead)."""
    from facilitator.program.roster import members
    from facilitator.session.lifecycle import choose_curriculum, live_session, propose_topic
    from facilitator.store.models import Group

    with database.session() as db:
        group = db.get(Group, group_id)
        if group is None:
            raise UserError("this group is no longer in the database")
        live = live_session(db, group)
        if live is not None:
            return StartPlan(group_id, group.name, live_session=live.id)
        try:
            chosen = choose_curriculum(db, group, curriculum)
        except UserError as exc:
            if curriculum is not None:
                raise
            return StartPlan(group_id, group.name, no_curriculum=str(exc), curricula=_curricula())
        proposed = propose_topic(db, group, chosen)
        return StartPlan(
            group_id,
            group.name,
            curriculum_id=chosen.id,
            curriculum_title=chosen.title,
            topics=list(chosen.sessions),
            proposed=proposed.id,
            members=len(members(db, group)),
            curricula=_curricula(),
        )


@dataclass(frozen=True)
class StartChoice:
    """The lead's answer: start this topic, or choose another curriculum first."""

    topic_id: str | None = None
    change_curriculum: bool = False


class StartDialog(ModalScreen[StartChoice | None]):
    """Shows the group, curriculum and topic that will start; `enter` starts, `escape` cancels."""

    CSS_PATH = "setup.tcss"
    BINDINGS = [
        Binding("enter", "start", "Start", key_display="enter", id="start.start"),
        Binding("c", "curriculum", "Other curriculum", id="start.curriculum"),
        Binding("escape", "cancel", "Cancel", id="start.cancel"),
    ]

    def __init__(self, plan: StartPlan, facilitator: str = "") -> None:
        super().__init__()
        self.plan = plan
        self.facilitator = facilitator

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="start-dialog"):
            yield Label("Start a session", id="start-title")
            yield Label(
                Text.assemble(
                    ("Group: ", "bold"), plain(plan.group_name), f"  ({plan.members} members)"
                ),
                id="start-group",
            )
            yield Label(
                Text.assemble(
                    ("Curriculum: ", "bold"), plain(plan.curriculum_title), "  (c changes it)"
                ),
                id="start-curriculum",
            )
            if self.facilitator:
                yield Label(
                    Text.assemble(("Facilitator: ", "bold"), plain(self.facilitator)),
                    id="start-facilitator",
                )
            yield Label("Topic (↑/↓ to choose another):", id="start-topic-label")
            options = []
            for number, topic in enumerate(plan.topics, start=1):
                label = Text.assemble(f"{number}. ", plain(topic.title), f"  {topic.minutes} min")
                if topic.id == plan.proposed:
                    label.append("  (next)", style="bold")
                options.append(Option(label, id=topic.id))
            yield OptionList(*options, id="start-topics")
            yield Label(
                "enter starts the session · c other curriculum · escape cancels", id="form-hint"
            )
        yield Footer()

    def on_mount(self) -> None:
        topics = self.query_one("#start-topics", OptionList)
        ids = [t.id for t in self.plan.topics]
        if self.plan.proposed in ids:
            topics.highlighted = ids.index(self.plan.proposed)
        topics.focus()

    def chosen_topic(self) -> str | None:
        """The topic highlighted in the list."""
        topics = self.query_one("#start-topics", OptionList)
        if topics.highlighted is None:
            return self.plan.proposed
        return topics.get_option_at_index(topics.highlighted).id

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(StartChoice(topic_id=event.option.id))

    def action_start(self) -> None:
        """Start the session on the highlighted topic."""
        self.dismiss(StartChoice(topic_id=self.chosen_topic()))

    def action_curriculum(self) -> None:
        """Choose another curriculum (then its next topic is proposed)."""
        self.dismiss(StartChoice(change_curriculum=True))

    def action_cancel(self) -> None:
        """Close without starting anything."""
        self.dismiss(None)
