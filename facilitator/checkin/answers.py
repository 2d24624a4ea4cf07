"""The scales answered from the greeting page, against the database, in a worker thread.

One scale is asked per page, each a row of one-tap buttons: tapping a number (or skip) posts the
receipt, that scale and the answers of the earlier pages. While a scale of the group is still
missing from the form, the next page is asked (nothing stored yet); once every scale is in the
form, the answers are stored at once and the receipt is used up (`session.receipts.answer`).
Every step checks the receipt and the values, so a bad one is refused before anything is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from facilitator.session.receipts import Refusal
    from facilitator.store.database import Database

MAX_RECEIPT_LENGTH = 64
"""A longer `receipt` is not looked up: it is unknown."""


@dataclass(frozen=True)
class Step:
    """What the phone sees next: the next scale, the thank-you page, or a refusal."""

    ask: str | None = None
    """The scale to ask next (None: done, or refused)."""
    carried: tuple[tuple[str, str], ...] = ()
    """The answers so far, as the next page sends them on ("" for skipped)."""
    refused: Refusal | None = None
    attendance_id: int | None = None
    """The record whose answers were stored (when done)."""


def take_answers(
    database: Database,
    session_id: str,
    receipt: str,
    fields: Mapping[str, str],
    now: dt.datetime,
) -> Step:
    """Check the receipt and the answers in `fields`; ask the next scale, or store them all."""
    from facilitator.session.receipts import (
        AnswerRefused,
        Refusal,
        answer,
        check_answers,
        receipt_scales,
    )
    from facilitator.session.scales import SCALES

    if not receipt or len(receipt) > MAX_RECEIPT_LENGTH:
        return Step(refused=Refusal.UNKNOWN)
    given = {scale: fields[scale] for scale in SCALES if scale in fields}
    try:
        with database.session() as db:
            scales = receipt_scales(db, session_id, receipt)
            checked = check_answers(scales, given)
            missing = [scale for scale in scales if scale not in checked]
            if missing:
                carried = tuple(
                    (scale, "" if checked[scale] is None else str(checked[scale]))
                    for scale in scales
                    if scale in checked
                )
                return Step(ask=missing[0], carried=carried)
            row = answer(db, session_id, receipt, checked, now=now)
    except AnswerRefused as refusal:
        return Step(refused=refusal.reason)
    return Step(attendance_id=row.id)
