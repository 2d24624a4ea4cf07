"""Starting on purpose from the home screen: `enter` resumes a group's live session at once, or
shows what would start (asking for a curriculum first when the group has none)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message

from facilitator.errors import UserError
from facilitator.screens.dialogs import ChooseScreen
from facilitator.screens.table_screen import TableScreen
from facilitator.store.database import Database

if TYPE_CHECKING:
    from facilitator.screens.start_dialog import StartChoice, StartPlan
    from facilitator.session.live import LiveSession


class StartingScreen(TableScreen):
    """A table screen whose rows lead to a group's session (`start_group`)."""

    database: Database

    @dataclass
    class Planned(Message):
        """What `enter` would start for a group (posted from a thread), or why not."""

        plan: StartPlan | None
        error: str | None = None

    @dataclass
    class Opened(Message):
        """A session started or resumed, ready for the live screen (posted from a thread)."""

        live: LiveSession | None
        error: str | None = None

    def start_group(self, group_id: int) -> None:
        """Resume the group's live session at once, or show what would start."""
        self._plan(group_id, None)

    @work(thread=True, exclusive=True, group="home-open")
    def _plan(self, group_id: int, curriculum: str | None) -> None:
        from facilitator.screens.start_dialog import plan_start

        try:
            planned = self.Planned(plan_start(self.database, group_id, curriculum))
        except UserError as exc:
            planned = self.Planned(None, str(exc))
        self.post_message(planned)

    @on(Planned)
    def _planned(self, event: Planned) -> None:
        from facilitator.screens.start_dialog import StartDialog

        plan = event.plan
        if plan is None:
            self.notify(event.error or "", severity="error", markup=False)
            return
        if plan.live_session is not None:
            self._open(plan.group_id, None, None)
        elif plan.no_curriculum is not None:
            self._choose_curriculum(plan, "Which curriculum does this group follow?")
        else:
            self.app.push_screen(
                StartDialog(plan, self.app_user()), lambda choice: self._chosen(plan, choice)
            )

    def _choose_curriculum(self, plan: StartPlan, question: str) -> None:
        self.app.push_screen(
            ChooseScreen(question, plan.curricula),
            lambda chosen: self._plan(plan.group_id, chosen) if chosen else None,
        )

    def _chosen(self, plan: StartPlan, choice: StartChoice | None) -> None:
        if choice is None:
            return
        if choice.change_curriculum:
            self._choose_curriculum(plan, "Which curriculum?")
        else:
            self._open(plan.group_id, plan.curriculum_id, choice.topic_id)

    def app_user(self) -> str:
        """The person at the keyboard as the app knows them ("" until known)."""
        return str(getattr(self.app, "keyboard_user", "") or "")

    @work(thread=True, exclusive=True, group="home-open")
    def _open(self, group_id: int, curriculum: str | None, topic: str | None) -> None:
        from facilitator.common.timeutil import utcnow
        from facilitator.program.staff import actor
        from facilitator.session.lifecycle import start_or_resume
        from facilitator.session.live import open_live
        from facilitator.store.models import Group

        user = self.app_user()
        try:
            with self.database.session() as db:
                group = db.get(Group, group_id)
                if group is None:
                    raise UserError("this group is no longer in the database")
                opened = start_or_resume(
                    db,
                    group=group,
                    curriculum=curriculum,
                    topic=topic,
                    facilitator=user or None,
                    now=utcnow(),
                )
                who = user or actor(db)
            live = open_live(self.database, opened.session_id, actor=who)
            message = self.Opened(live)
        except UserError as exc:
            message = self.Opened(None, str(exc))
        self.post_message(message)

    @on(Opened)
    def _opened(self, event: Opened) -> None:
        from facilitator.screens.live import LiveScreen

        if event.live is None:
            self.notify(event.error or "", severity="error", markup=False)
            return
        self.app.push_screen(LiveScreen(event.live, exit_on_end=False))
