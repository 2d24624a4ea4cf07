"""WHERE conditions that reports and exports share."""

from __future__ import annotations

import datetime as dt
from typing import Any


def in_dates(column: Any, date_from: dt.date | None, date_to: dt.date | None) -> list[Any]:
    """The conditions that a date column lies in the inclusive range; a None end is open."""
    conditions: list[Any] = []
    if date_from is not None:
        conditions.append(column >= date_from)
    if date_to is not None:
        conditions.append(column <= date_to)
    return conditions
