"""Roster CSV import: a group's members from a spreadsheet, all or nothing.

Every problem in the file is reported at once, one line each, as `FILE:LINE: problem`, sorted by
line; a file with any problem imports nothing. Plain Python: no Textual.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from facilitator.common.files import not_empty, read_bytes
from facilitator.common.timeutil import today_in
from facilitator.errors import ManyErrors, UserError
from facilitator.program import codes
from facilitator.program.roster import MAX_NAME, clean_name, members
from facilitator.store.audit import audit
from facilitator.store.models import Group, LeaveReason, Membership, Participant

COLUMNS = ("name", "code", "external_id", "joined", "left")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
"""A roster is a group's members (a dozen or so): a file far longer is a mistake, refused fast."""
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class ImportResult:
    """What an import changed."""

    added: int = 0
    updated: int = 0
    names: list[str] = field(default_factory=list)


@dataclass
class _Row:
    """One checked data row of the file."""

    line: int
    name: str
    code: str | None
    external_id: str | None
    joined: dt.date | None
    left: dt.date | None = None
    """The member's last day: imported as discharged."""


@dataclass
class _Seen:
    """What earlier rows of the file hold, to catch a second row for the same person."""

    codes: dict[str, int] = field(default_factory=dict)
    external_ids: dict[str, int] = field(default_factory=dict)
    names: dict[str, tuple[int, str | None]] = field(default_factory=dict)


def _line_of(problem: str, where: str) -> int:
    """The line number of a `FILE:LINE: problem` message (0 when it names no line)."""
    rest = problem[len(where) + 1 :]
    number = rest.split(":", 1)[0]
    return int(number) if number.isdigit() else 0


def _decode(raw: bytes, where: str) -> str:
    """The file's text; every line that is not UTF-8 is reported by its number."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError(f"{where}:1: UTF-16 text (save the file as CSV UTF-8)")
    bad: list[str] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            bad.append(f"{where}:{number}: not UTF-8 text (save the file as CSV UTF-8)")
    raise ManyErrors(bad)


SAFE_CODE_LENGTH = 6
"""Given codes shorter than this are refused at import unless allowed: with 10 wrong tries a
minute, a 4-digit code space (10,000) is swept in days; 6 letters and digits take centuries."""


def _read_text(path: Path) -> str:
    """The file's text; a UserError (or ManyErrors, one per line) when it is not a CSV file."""
    where = str(path)
    raw = read_bytes(path, kind="a CSV file", limit=MAX_FILE_BYTES)
    text = not_empty(path, _decode(raw, where), empty="expected a header row with 'name'")
    if "\x00" in text:
        raise UserError(f"{where}: contains NUL bytes; not a CSV file")
    return text


def _header_problems(header: list[str], where: str) -> list[str]:
    """What is wrong with the header row (line 1), if anything."""
    problems: list[str] = []
    for column in header:
        if not column or column in COLUMNS:
            continue
        squeezed = column.replace(" ", "_").replace("-", "_")
        close = [squeezed] if squeezed in COLUMNS else []
        close = close or difflib.get_close_matches(column, COLUMNS, n=1, cutoff=0.6)
        if any(sep in column for sep in ";\t|"):
            hint = " (columns must be separated by commas: save the file as CSV)"
        elif close:
            hint = f" (did you mean {close[0]!r}?)"
        else:
            hint = f" (columns: {', '.join(COLUMNS)})"
        problems.append(f"{where}:1: unknown column {column!r}{hint}")
    if "name" not in header:
        problems.append(f"{where}:1: the header has no 'name' column")
    named = [c for c in header if c]
    for column in sorted({c for c in named if named.count(c) > 1}):
        problems.append(f"{where}:1: column {column!r} appears twice in the header")
    return problems


def _check_record(
    record: dict[str, str], where: str, line: int, seen: _Seen, *, short_codes: bool = False
) -> tuple[_Row | None, list[str]]:
    """One data row checked on its own and against the rows above it: the row, or its problems."""
    at = f"{where}:{line}"
    problems: list[str] = []
    name = clean_name(record.get("name", ""))
    if not name:
        problems.append(f"{at}: missing name")
    elif len(name) > MAX_NAME:
        problems.append(f"{at}: name longer than {MAX_NAME} characters")
    code = codes.normalise(record.get("code", "")) or None
    if code is not None:
        if not codes.is_valid(code):
            problems.append(f"{at}: code {record['code']!r} must be 4-16 letters and digits")
        elif len(code) < SAFE_CODE_LENGTH and not short_codes:
            problems.append(
                f"{at}: code {record['code']!r} is shorter than {SAFE_CODE_LENGTH} characters:"
                " a short code can be guessed from the check-in page (import with"
                " --allow-short-codes to keep a clinic's existing badges)"
            )
        elif code in seen.codes:
            problems.append(f"{at}: duplicate code {code!r} (also on row {seen.codes[code]})")
        else:
            seen.codes[code] = line
    external_id = record.get("external_id") or None
    if external_id is not None:
        if len(external_id) > 64 or not external_id.isprintable():
            problems.append(f"{at}: external_id must be printable, at most 64 characters")
        elif external_id in seen.external_ids:
            problems.append(
                f"{at}: duplicate external_id {external_id!r} "
                f"(also on row {seen.external_ids[external_id]})"
            )
        else:
            seen.external_ids[external_id] = line
    if name:
        # Two rows with one name are one person, unless external ids tell them apart.
        earlier = seen.names.get(name.casefold())
        if earlier is not None and (external_id is None or earlier[1] is None):
            problems.append(
                f"{at}: duplicate name {name!r} (also on row {earlier[0]}; "
                "give each an external_id if they are different people)"
            )
        else:
            seen.names.setdefault(name.casefold(), (line, external_id))
    joined, left = (_date(record, key, at, problems) for key in ("joined", "left"))
    if joined is not None and left is not None and left < joined:
        problems.append(f"{at}: left {left.isoformat()} is before joined {joined.isoformat()}")
    if problems:
        return None, problems
    return _Row(line, name, code, external_id, joined, left), []


def _date(record: dict[str, str], key: str, at: str, problems: list[str]) -> dt.date | None:
    """The row's `key` column as a date (None when empty); a bad one joins `problems`."""
    text = record.get(key)
    if not text:
        return None
    # 3.11's fromisoformat also takes `20260105` and `2026-W02-1`: insist on the form.
    if _DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    problems.append(f"{at}: {key} {text!r} is not a date (use YYYY-MM-DD)")
    return None


def _read_rows(path: Path, *, short_codes: bool = False) -> tuple[list[_Row], list[str]]:
    """Parse and check every row of the CSV; return the rows and every problem found."""
    where = str(path)
    reader = csv.reader(io.StringIO(_read_text(path), newline=""), strict=True)
    try:
        header_raw = next(reader)
    except csv.Error as exc:
        raise UserError(f"{where}:1: {exc}") from None
    header = [h.strip().lower() for h in header_raw]
    problems = _header_problems(header, where)
    if problems:
        return [], problems

    rows: list[_Row] = []
    seen = _Seen()
    line = reader.line_num
    while True:
        start = line + 1
        at = f"{where}:{start}"
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"{at}: {exc}")
            break
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(
                f"{at}: more than {MAX_ROWS} members in one file; "
                "is this the right file? (split it if it really is a roster)"
            )
            break
        if len(values) > len(header):
            problems.append(f"{at}: {len(values)} fields, but the header has {len(header)}")
            continue
        unnamed = [i + 1 for i, v in enumerate(values) if not header[i] and v.strip()]
        if unnamed:
            problems.append(f"{at}: a value in column {unnamed[0]}, which has no header")
            continue
        record = dict(zip(header, (v.strip() for v in values), strict=False))
        row, found = _check_record(record, where, start, seen, short_codes=short_codes)
        problems.extend(found)
        if row is not None:
            rows.append(row)
    if not rows and not problems:
        problems.append(f"{where}: no members in the file (only a header)")
    return rows, problems


def _plan(
    db: Session, group: Group, rows: list[_Row], problems: list[str], where: str
) -> tuple[list[tuple[_Row, Participant | None]], set[str]]:
    """Each row with the participant it updates (None: a new one), and every code in use.

    A problem found here (two rows for one member, a code someone else has) joins `problems`.
    """
    group_members = members(db, group, include_left=True)
    current = {m.participant.name.casefold(): m for m in group_members}
    in_group = {m.participant.code: m.participant for m in group_members}
    everyone = db.exec(select(Participant)).all()
    by_code = {p.code: p for p in everyone}
    by_external_id = {p.external_id: p for p in everyone if p.external_id}
    plan: list[tuple[_Row, Participant | None]] = []
    planned: dict[int | None, int] = {}  # participant id → the row that updates them
    for row in rows:
        target: Participant | None = None
        if row.external_id:
            target = by_external_id.get(row.external_id)
        if target is None and row.code is not None:
            # A member's own code names them: a corrected name updates the same person.
            target = in_group.get(row.code)
        if target is None and row.name.casefold() in current:
            found = current[row.name.casefold()].participant
            if not (row.external_id and found.external_id and found.external_id != row.external_id):
                target = found
        if target is not None and target.id in planned:
            problems.append(f"{where}:{row.line}: the same member as row {planned[target.id]}")
            continue
        if row.code is not None:
            owner = by_code.get(row.code)
            if owner is not None and (target is None or owner.id != target.id):
                problems.append(f"{where}:{row.line}: code {row.code!r} is already someone else's")
                continue
        if target is not None:
            planned[target.id] = row.line
        plan.append((row, target))
    return plan, set(by_code)


def import_csv(
    db: Session, group: Group, path: Path, *, actor: str = "", allow_short_codes: bool = False
) -> ImportResult:
    """Add or update the group's members from a CSV file; any bad row imports nothing.

    A row updates the participant with its `external_id`, else the group's member with its
    code, else the one with its name (case-insensitive); otherwise it adds a new participant.
    A row with `left` imports that member as discharged on that day. Existing codes are kept
    unless the row gives one. Every problem is raised at once, sorted by line, as ManyErrors.
    A given code shorter than `SAFE_CODE_LENGTH` is refused unless `allow_short_codes`.
    """
    rows, problems = _read_rows(path, short_codes=allow_short_codes)
    where = str(path)
    plan, in_use = _plan(db, group, rows, problems, where)
    if problems:
        problems.sort(key=lambda problem: _line_of(problem, where))
        raise ManyErrors(problems)

    result = ImportResult()
    # A generated code must differ from every code in the database (old ones too: a printed
    # badge may still carry it) and from every code given further down the file.
    taken = in_use | {row.code for row, _ in plan if row.code}
    for row, target in plan:
        if target is None:
            code = row.code or codes.generate(taken)
            taken.add(code)
            target = Participant(name=row.name, code=code, external_id=row.external_id)
            db.add(target)
            db.flush()
            result.added += 1
            action = "member.import.add"
        else:
            if row.code and row.code != target.code:
                target.code = row.code
            target.name = row.name
            if row.external_id:
                target.external_id = row.external_id
            db.add(target)
            result.updated += 1
            action = "member.import.update"
        _join(db, group, target, row)
        audit(db, action, participant_id=target.id, actor=actor, group_id=group.id)
        result.names.append(row.name)
    db.flush()
    return result


def _join(db: Session, group: Group, participant: Participant, row: _Row) -> None:
    """Make `participant` a member of `group` from the row's join date (to its last day, if
    given).

    A member whose last period has ended comes back with a new period when the row's join date
    (or today) is after their last day; otherwise the file corrects the latest period.
    """
    joined, left = row.joined, row.left
    latest = db.exec(
        select(Membership)
        .where(Membership.group_id == group.id, Membership.participant_id == participant.id)
        .order_by(col(Membership.joined).desc())
    ).first()
    start = joined or today_in(group.timezone)
    if latest is None or (latest.left is not None and start > latest.left):
        latest = Membership(group_id=group.id, participant_id=participant.id, joined=start)  # type: ignore[arg-type]
    elif joined:
        latest.joined = joined
    latest.left = left
    latest.reason = LeaveReason.COMPLETED if left is not None else None
    db.add(latest)
