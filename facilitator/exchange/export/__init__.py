"""Session log export (CONTRACT 7): JSON, CSV and HTML, streamed batch by batch.

Five years of a busy clinic never sit in memory at once, and every session is written to the
output stream as soon as it is built. Every format reads plain Core rows of only the columns it
writes. The CSV and the JSON (`streams`) read the sessions and each child table with one query
each, streamed from the cursor in the sessions' order and merged session by session; times stay
as the database gives them and are shown through a cache of each zone's hours (`stamps`), and
the JSON text is filled into templates (`json_text`). The HTML (`rows`) reads keyset pages of
`batch_size` ordered by (started_at, id) with each page's agenda, breaks, attendance, notes and
addenda in one IN-query per table. The history screen reads one session's records (ORM
objects, `loading`), since it corrects them.

Choices (the contract leaves them open):

- `curriculum` and `topic` hold the curriculum id and the topic (curriculum session) id, exactly
  as recorded, so an export imported elsewhere exports the same again. Titles appear in the CSV
  (`topic_title`) and in the HTML only.
- Only ended sessions are exported unless `include_live` is set; a live session is still changing.
- `--from`/`--to` compare with each session's local date in its group's time zone, inclusive.
- Times are ISO 8601 to the second in the group's time zone with its offset. `minutes` is
  service minutes as stored. Attendance is ordered by name (then external id, code); notes put
  the group note first, then member notes by name; agenda by position; breaks and addenda by
  time.
- The CSV has one row per attendance record; any cell that a spreadsheet could read as a formula
  (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`. Members' check-in codes
  (which work as credentials) are in the CSV only with `include_codes`; the JSON keeps them,
  since import matches members on them.
- The HTML shows no personal check-in codes (not needed on a printed record); it shows each
  member's modality and how many attended (and how many of them by telehealth).
- Attendance carries `modality` and the answered check-in `scales` (JSON `{"craving": 7}`,
  `{}` when none; CSV columns `modality`, `craving`, `mood`, empty when not answered).

Modules: `rows` (the filter, the shared columns, the HTML's pages), `streams` (the CSV's and
the JSON's streamed queries), `stamps` (local ISO times in bulk), `loading` (one session's
records for the history screen), `json_csv` (the JSON shape and the CSV), `json_text` (the JSON
text), `html` (the HTML, from `templates/`), `run` (`export_sessions`, the whole export). The
file itself is written with `facilitator.common.files.atomic_output`. Plain Python: no Textual,
no Typer.
"""

from facilitator.common.text import FORMULA_STARTS, safe_cell
from facilitator.exchange.export.html import session_html, write_html
from facilitator.exchange.export.json_csv import (
    CSV_COLUMNS,
    CSV_COLUMNS_WITH_CODES,
    JSON_KEYS,
    csv_text,
    session_record,
    write_csv,
)
from facilitator.exchange.export.json_text import write_json
from facilitator.exchange.export.loading import load_session_log
from facilitator.exchange.export.rows import (
    BATCH_SIZE,
    ExportFilter,
    SessionLog,
    count_sessions,
    iter_sessions,
)
from facilitator.exchange.export.run import FORMATS, export_sessions

__all__ = [
    "BATCH_SIZE",
    "CSV_COLUMNS",
    "CSV_COLUMNS_WITH_CODES",
    "FORMATS",
    "FORMULA_STARTS",
    "JSON_KEYS",
    "ExportFilter",
    "SessionLog",
    "count_sessions",
    "csv_text",
    "export_sessions",
    "iter_sessions",
    "load_session_log",
    "safe_cell",
    "session_html",
    "session_record",
    "write_csv",
    "write_html",
    "write_json",
]
