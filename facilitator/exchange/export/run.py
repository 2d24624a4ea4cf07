"""The whole export: check the options, write the chosen format, and audit it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import TextIO

from sqlmodel import Session

from facilitator.errors import UserError
from facilitator.exchange.export.html import write_html
from facilitator.exchange.export.json_csv import write_csv
from facilitator.exchange.export.json_text import write_json
from facilitator.exchange.export.rows import (
    BATCH_SIZE,
    ExportFilter,
    SessionLog,
    iter_sessions,
)
from facilitator.exchange.export.streams import csv_logs, json_logs
from facilitator.store.audit import audit

FORMATS: tuple[str, ...] = ("csv", "json", "html")
"""The export formats, as `--format` spells them."""


def export_sessions(
    db: Session,
    out: TextIO,
    *,
    fmt: str,
    filt: ExportFilter | None = None,
    bom: bool = False,
    include_codes: bool = False,
    batch_size: int = BATCH_SIZE,
    actor: str = "",
    now: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the matching sessions to `out` in `fmt`; audit it; return the number of sessions.

    `progress`, if given, is called with the number of sessions written so far. The CSV carries
    members' check-in codes only with `include_codes` (the JSON always does: import matches on it).
    """
    filt = filt or ExportFilter()
    if fmt not in FORMATS:
        raise UserError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if filt.date_from and filt.date_to and filt.date_from > filt.date_to:
        raise UserError(
            f"--from {filt.date_from.isoformat()} is after --to {filt.date_to.isoformat()}"
        )
    if bom and fmt != "csv":
        raise UserError("--bom applies to --format csv only")
    if include_codes and fmt != "csv":
        raise UserError(
            "--include-codes applies to --format csv only (json always has codes, html never)"
        )
    # The CSV streams one joined query; the JSON and the HTML read keyset pages.
    if fmt == "csv":
        logs = csv_logs(db, filt)
    else:
        logs = (
            json_logs(db, filt) if fmt == "json" else iter_sessions(db, filt, batch_size=batch_size)
        )
    if progress is not None:
        logs = _counted(logs, progress)
    if fmt == "json":
        count = write_json(logs, out)
    elif fmt == "csv":
        count = write_csv(logs, out, bom=bom, include_codes=include_codes)
    else:
        count = write_html(logs, out, filt)
    audit(
        db,
        "export",
        actor=actor,
        at=now,
        format=fmt,
        group=filt.group,
        **{"from": filt.date_from.isoformat() if filt.date_from else None},
        to=filt.date_to.isoformat() if filt.date_to else None,
        include_live=filt.include_live,
        include_codes=include_codes,
        count=count,
    )
    db.flush()
    return count


def _counted(logs: Iterator[SessionLog], progress: Callable[[int], None]) -> Iterator[SessionLog]:
    """The same sessions, calling `progress` with the count after each one."""
    for done, log in enumerate(logs, 1):
        yield log
        progress(done)
