"""Curriculum files' format (CONTRACT section 3) as pydantic models, checked strictly.

A curriculum is a series of sessions (topics), each a timed agenda of items. Unknown keys are
refused and nothing is coerced, so a typo is reported rather than silently ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictInt,
    StrictStr,
    field_validator,
)
from pydantic_core import PydanticCustomError

from facilitator import config
from facilitator.common.text import shorten
from facilitator.common.validators import one_line, plain_text
from facilitator.errors import UserError

SCHEMA_VERSION = 1
"""The only `schema = N` this version reads."""

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
"""Curriculum and session ids: lowercase letters, digits and dashes."""

ITEM_MINUTES = (1, 240)
"""Inclusive bounds of one agenda item's length."""

PLAN_MINUTES = (1, 1440)
"""Inclusive bounds of a curriculum's planned session length."""

Kind = Literal[
    "check-in", "education", "discussion", "skills", "practice", "break", "wrap-up", "other"
]
"""What sort of agenda item this is."""

KINDS: tuple[str, ...] = get_args(Kind)
"""Every allowed `kind`, in the order the format lists them."""

Source = Literal["shipped", "user", "file"]
"""Where a curriculum came from."""

Slug = Annotated[StrictStr, Field(pattern=SLUG_PATTERN)]


def _not_blank(value: str) -> str:
    """Reject a title that is only spaces."""
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value


Line = Annotated[StrictStr, AfterValidator(one_line)]
"""One line of text with no control characters (handouts, goals)."""

Prose = Annotated[StrictStr, AfterValidator(plain_text)]
"""Text that may span lines (prompts, description), with no other control characters."""

Title = Annotated[
    StrictStr, Field(min_length=1), AfterValidator(_not_blank), AfterValidator(one_line)
]


class _Strict(BaseModel):
    """Shared settings: unknown keys forbidden, no type coercion, TOML keys as aliases."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class Item(_Strict):
    """One timed agenda item of a session (`[[session.item]]`)."""

    title: Title
    minutes: Annotated[StrictInt, Field(ge=ITEM_MINUTES[0], le=ITEM_MINUTES[1])]
    kind: Kind = "other"
    prompts: Prose = ""
    handouts: list[Line] = Field(default_factory=list)


class Topic(_Strict):
    """One session of a curriculum (`[[session]]`): a titled, timed agenda."""

    id: Slug
    title: Title
    goals: list[Line] = Field(default_factory=list)
    items: list[Item] = Field(alias="item", min_length=1)

    @property
    def minutes(self) -> int:
        """The planned length: the sum of the items' minutes."""
        return sum(item.minutes for item in self.items)


class Curriculum(_Strict):
    """A whole curriculum file: metadata and its sessions, in order."""

    schema_version: StrictInt = Field(alias="schema")
    id: Slug
    title: Title
    description: Prose = ""
    minutes: Annotated[StrictInt, Field(ge=PLAN_MINUTES[0], le=PLAN_MINUTES[1])] | None = None
    sessions: list[Topic] = Field(alias="session", min_length=1)

    _path: Path | None = PrivateAttr(default=None)
    _source: Source | None = PrivateAttr(default=None)

    @field_validator("schema_version")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        """Only schema 1 exists; a newer file needs a newer facilitator."""
        if value != SCHEMA_VERSION:
            raise PydanticCustomError(
                "schema_version",
                "unsupported schema {value}: this version of facilitator reads schema = {known}",
                {"value": shorten(str(value)), "known": SCHEMA_VERSION},
            )
        return value

    @field_validator("sessions")
    @classmethod
    def _unique_ids(cls, sessions: list[Topic]) -> list[Topic]:
        """Session ids must be unique within the file."""
        seen: set[str] = set()
        for topic in sessions:
            if topic.id in seen:
                raise PydanticCustomError(
                    "duplicate_session", "duplicate session id '{id}'", {"id": topic.id}
                )
            seen.add(topic.id)
        return sessions

    @property
    def path(self) -> Path | None:
        """The file this curriculum was loaded from, if any."""
        return self._path

    @path.setter
    def path(self, value: Path | None) -> None:
        """Remember where the curriculum was loaded from."""
        self._path = value

    @property
    def source(self) -> Source:
        """`shipped` (in the package), `user` (the user's curricula folder) or `file`."""
        if self._source is not None:
            return self._source
        if self._path is not None:
            folder = self._path.resolve().parent
            if folder == shipped_dir().resolve():
                return "shipped"
            if folder == config.user_curricula_dir().resolve():
                return "user"
        return "file"

    @source.setter
    def source(self, value: Source) -> None:
        """Say where the curriculum was found (discovery knows which folder it searched)."""
        self._source = value

    def topic(self, topic_id: str) -> Topic:
        """The session with this id; a UserError naming the valid ids if there is none."""
        for topic in self.sessions:
            if topic.id == topic_id:
                return topic
        known = ", ".join(t.id for t in self.sessions)
        raise UserError(f"curriculum '{self.id}' has no session '{topic_id}' (sessions: {known})")

    def next_topic(self, after_topic_id: str | None) -> Topic:
        """The session after `after_topic_id`, wrapping round; the first if None or unknown."""
        ids = [t.id for t in self.sessions]
        if after_topic_id in ids:
            return self.sessions[(ids.index(after_topic_id) + 1) % len(ids)]
        return self.sessions[0]


def shipped_dir() -> Path:
    """The folder of curricula shipped inside the package."""
    return Path(__file__).resolve().parent.parent / "curricula"
