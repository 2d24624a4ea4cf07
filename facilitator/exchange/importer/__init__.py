"""Import session logs in the `json` export format (CONTRACT 7).

Moving records between laptops, into a clinic server, or from earlier records. The whole file is
checked first (strict pydantic models plus consistency rules) and every problem is reported with
its place, `FILE: [3].attendance[2].status: ...` (indexes count from 0, as in `jq '.[3]'`); bad
JSON is `FILE:LINE: ...`. Nothing is written unless the whole file is good, and everything is
written in the caller's one transaction.

Rules and choices:

- Idempotent by session `id`: a session already in the database is skipped, so importing a file
  twice adds nothing. Only ended sessions can be imported (a live one is still changing).
- A group missing from the database is created. Its time zone is guessed from the offsets in the
  file: the machine's zone if every offset fits it, else the first of a short list of common zones
  (US zones first), then any IANA zone, that fits them all; if none fits, the machine's zone.
  Each session keeps the local date its own offsets give.
- A member is matched by `external_id` (anywhere in the database), else by `code` among the
  group's members, else by name (ignoring case) among the group's members, and created if none
  matches, joining on the date of their first imported session. A new member keeps the recorded
  code unless it is missing or already someone else's; then a code is generated.
- `curriculum` and `topic` are kept as recorded, installed or not; titles are filled in from an
  installed curriculum when there is one. Signed sessions stay signed, with their addenda; notes
  keep `created_at`; attendance keeps its recorded service minutes, `modality` and `scales`
  (a file from before them: in person, nothing answered).

Modules: `schema` (the strict models, errors in plain words), `reading` (the file, checked),
`timezones` (guessing a new group's zone), `planning` (who is who), `writing` (rows, in bulk),
`run` (`import_sessions`, the whole import).
"""

from facilitator.exchange.importer.reading import read_sessions
from facilitator.exchange.importer.run import SESSIONS_PER_WRITE, ImportResult, import_sessions
from facilitator.exchange.importer.schema import (
    FORMATS,
    MAX_TEXT,
    METHODS,
    STATUSES,
    AddendumIn,
    AgendaIn,
    AttendanceIn,
    BreakIn,
    FormatName,
    Line,
    Loc,
    LongRequired,
    MethodName,
    Minutes,
    Name,
    NoteIn,
    Required,
    ServiceMinutes,
    SessionIn,
    StatusName,
    Text,
    When,
    format_loc,
)
from facilitator.exchange.importer.timezones import COMMON_ZONES, guess_timezone
from facilitator.exchange.importer.writing import INSERT_CHUNK

__all__ = [
    "COMMON_ZONES",
    "FORMATS",
    "INSERT_CHUNK",
    "MAX_TEXT",
    "METHODS",
    "SESSIONS_PER_WRITE",
    "STATUSES",
    "AddendumIn",
    "AgendaIn",
    "AttendanceIn",
    "BreakIn",
    "FormatName",
    "ImportResult",
    "Line",
    "Loc",
    "LongRequired",
    "MethodName",
    "Minutes",
    "Name",
    "NoteIn",
    "Required",
    "ServiceMinutes",
    "SessionIn",
    "StatusName",
    "Text",
    "When",
    "format_loc",
    "guess_timezone",
    "import_sessions",
    "read_sessions",
]
