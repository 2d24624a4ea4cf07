"""The person at the keyboard: the default facilitator and the actor of every audit event.

Their name (with credentials, e.g. "Sam Rivera, LCSW") comes from `--facilitator`, else the
`FACILITATOR_USER` environment variable, else the name saved in the database; never the
operating system's login name.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from facilitator.common.text import one_line
from facilitator.errors import UserError

if TYPE_CHECKING:
    from sqlmodel import Session

ENVIRONMENT = "FACILITATOR_USER"
KEY = "keyboard_user"
MAX_NAME = 120
PHONE = "phone"
"""The actor of a check-in from a member's own phone."""
UNNAMED = "(name not given)"
"""The actor when no name is known and none could be asked (a script without FACILITATOR_USER)."""


def clean_user(raw: str) -> str:
    """A person's name as given, on one line; a UserError when empty or too long."""
    name = one_line(raw)
    if not name:
        raise UserError("your name is needed: it signs the session log and the audit trail")
    if len(name) > MAX_NAME:
        raise UserError(f"a name is at most {MAX_NAME} characters")
    return name


def saved_user(db: Session) -> str | None:
    """The name saved in this database, if any."""
    from facilitator.store.models import Setting

    setting = db.get(Setting, KEY)
    return setting.value if setting is not None else None


def save_user(db: Session, raw: str) -> str:
    """Save the name of the person at this keyboard; returns it cleaned."""
    from facilitator.store.models import Setting

    name = clean_user(raw)
    setting = db.get(Setting, KEY) or Setting(key=KEY, value=name)
    setting.value = name
    db.add(setting)
    return name


def keyboard_user(db: Session, given: str | None = None) -> str | None:
    """`given` (e.g. `--facilitator`), else `FACILITATOR_USER`, else the saved name, else None."""
    for candidate in (given, os.environ.get(ENVIRONMENT)):
        if candidate is not None and one_line(candidate):
            return clean_user(candidate)
    return saved_user(db)


def actor(db: Session, given: str | None = None) -> str:
    """Who to record as having done something at this laptop: never empty."""
    return keyboard_user(db, given) or UNNAMED
