"""Starting on purpose from the home screen: `enter` resumes a group's live session at once, or
shows what would start (asking for a curriculum first when the group has none)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from facilitator.errors import UserError
from facilitator.screens.dialogs import ChooseScreen
from facilitator.screens.table_screen import TableScreen
from facilitator.store.database import Database

if TYPE_CHECKING:
    from facilitator.screens.start_dialog import StartChoice, StartPlan
    from facilitator.session.live import LiveSession


class StartingScreen(TableScreen):
    """A table screen whose rows lead to a group's session (`start_group`)."""

    def start_group(self, group_id: int) -> None:
        """Resume the group's live session at once, or show what would start."""
        self._plan(group_id, None)

    def _plan(self, group_id: int, curriculum: str | None) -> None:
        """Read what would start (off the event loop), then act on it."""
        from facilitator.screens.start_dialog import plan_start

        self.work.submit(
            lambda: plan_start(self.database, group_id, curriculum), self._planned, change=False
        )

    def _planned(self, plan: StartPlan | None) -> None:
        from facilitator.screens.start_dialog import StartDialog

        if plan is None:
            return  # refused, and said so
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

    def _open(self, group_id: int, curriculum: str | None, topic: str | None) -> None:
        """Start or resume the session (off the event loop), then show the live screen."""
        user = self.app_user()
        self.work.submit(
            lambda: _start(self.database, group_id, curriculum, topic, user),
            self._opened,
            change=False,
        )

    def _opened(self, live: LiveSession | None) -> None:
        from facilitator.screens.live import LiveScreen

        if live is not None:
            self.app.push_screen(LiveScreen(live, exit_on_end=False))


def _start(
    database: Database, group_id: int, curriculum: str | None, topic: str | None, user: str
) -> LiveSession:
    """Start the group's session (or resume its live one) as `user` (if known)."""
    from facilitator.common.timeutil import utcnow
    from facilitator.program.staff import actor
    from facilitator.session.lifecycle import start_or_resume
    from facilitator.session.live import open_live
    from facilitator.store.models import Group

    with database.session() as db:
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
    return open_live(database, opened.session_id, actor=who)
