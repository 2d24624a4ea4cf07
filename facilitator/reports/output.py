"""The attendance report written out: JSON and CSV (CONTRACT section 6) and a one-line summary."""

from __future__ import annotations

import csv
from dataclasses import fields
from typing import Any, TextIO

from facilitator.common.text import safe_cell
from facilitator.reports.attendance import AttendanceReport, ParticipantAttendance

FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ParticipantAttendance))
"""The participant field names: the JSON keys and the CSV header."""


def participant_json(row: ParticipantAttendance) -> dict[str, Any]:
    """One participant as in CONTRACT sections 6 and 8 (dates as YYYY-MM-DD)."""
    values = {name: getattr(row, name) for name in FIELDS}
    for name in ("joined", "left"):
        if values[name] is not None:
            values[name] = values[name].isoformat()
    return values


def to_json(report: AttendanceReport) -> dict[str, Any]:
    """The report as the JSON object of CONTRACT section 6."""
    return {
        "group": report.group,
        "from": report.date_from.isoformat(),
        "to": report.date_to.isoformat(),
        "participants": [participant_json(p) for p in report.participants],
    }


def csv_rows(report: AttendanceReport) -> list[list[str]]:
    """The header (the participant field names) and one row per member."""
    rows = [list(FIELDS)]
    for p in report.participants:
        values = participant_json(p)
        for empty in ("external_id", "left", "reason"):
            values[empty] = values[empty] or ""
        values["hours"] = f"{p.hours:.2f}"
        rows.append([safe_cell(values[name]) for name in FIELDS])
    return rows


def write_csv(report: AttendanceReport, out: TextIO) -> None:
    """Write the report as CSV (one line per member after the header)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(csv_rows(report))


def summary_line(report: AttendanceReport) -> str:
    """`Evening IOP, 2026-11-02 to 2026-11-15: 5 members` (for titles)."""
    count = len(report.participants)
    return (
        f"{report.group}, {report.date_from.isoformat()} to {report.date_to.isoformat()}: "
        f"{count} member{'s' if count != 1 else ''}"
    )
