"""Rosters: members of a group, CSV import (all-or-nothing), walk-ins, look-up by code."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from facilitator.common.text import one_line
from facilitator.common.timeutil import today_in
from facilitator.errors import ManyErrors, UserError
from facilitator.program import codes
from facilitator.store.models import AuditEvent, Group, Membership, Participant

COLUMNS = ("name", "code", "external_id", "joined")
MAX_NAME = 120
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
"""A roster is a group's members (a dozen or so): a file far longer is a mistake, refused fast."""
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# ANSI/VT escape sequences: CSI (`ESC [ ... final`, or the 8-bit CSI), OSC/DCS/APC/PM/SOS
# strings up to their terminator, and two-character `ESC x` sequences.


@dataclass(frozen=True)
class Member:
    """A participant as a member of one group."""

    participant: Participant
    membership: Membership


@dataclass
class ImportResult:
    """What an import changed."""

    added: int = 0
    updated: int = 0
    names: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    name: str
    code: str | None
    external_id: str | None
    joined: dt.date | None


def clean_name(raw: str) -> str:
    """A name with terminal escape sequences and control characters removed, spaces collapsed.

    Names come from spreadsheets and walk-in typing and end up on a terminal and on a
    projected screen: `\x1b[2J` must not clear it, and `Zoë O'Brien-Ruiz` must stay as is.
    """
    return one_line(raw)


def members(db: Session, group: Group, *, include_left: bool = False) -> list[Member]:
    """The group's members, by name."""
    query = (
        select(Participant, Membership)
        .join(Membership, Membership.participant_id == Participant.id)  # type: ignore[arg-type]
        .where(Membership.group_id == group.id)
    )
    if not include_left:
        query = query.where(Membership.left.is_(None))  # type: ignore[union-attr]
    rows = db.exec(query.order_by(Participant.name)).all()
    return [Member(participant=p, membership=m) for p, m in rows]


def taken_codes(db: Session) -> set[str]:
    """Every personal code in the database."""
    return set(db.exec(select(Participant.code)).all())


def find_by_code(db: Session, code: str) -> Participant | None:
    """The participant with this personal code (case, spaces and dashes ignored)."""
    wanted = codes.normalise(code)
    if not wanted:
        return None
    return db.exec(select(Participant).where(Participant.code == wanted)).first()


def find_member_by_code(db: Session, group: Group, code: str) -> Participant | None:
    """The current member of `group` with this personal code (another group's code: None)."""
    wanted = codes.normalise(code)
    if not codes.is_valid(wanted):
        return None
    return db.exec(
        select(Participant)
        .join(Membership, Membership.participant_id == Participant.id)  # type: ignore[arg-type]
        .where(
            Participant.code == wanted,
            Membership.group_id == group.id,
            Membership.left.is_(None),  # type: ignore[union-attr]
        )
    ).first()


def add_member(
    db: Session,
    group: Group,
    *,
    name: str,
    code: str | None = None,
    external_id: str | None = None,
    joined: dt.date | None = None,
    actor: str = "",
) -> Member:
    """Add a new participant to the group, with a generated code unless one is given."""
    name = clean_name(name)
    if not name:
        raise UserError("a member needs a name")
    if len(name) > MAX_NAME:
        raise UserError(f"a name is at most {MAX_NAME} characters")
    if code is not None:
        code = codes.normalise(code)
        if not codes.is_valid(code):
            raise UserError(f"code {code!r} must be 4-16 letters and digits")
        if find_by_code(db, code) is not None:
            raise UserError(f"code {code!r} is already someone else's")
    participant = Participant(
        name=name, code=code or codes.generate(taken_codes(db)), external_id=external_id
    )
    db.add(participant)
    db.flush()
    membership = Membership(
        group_id=group.id, participant_id=participant.id, joined=joined or today_in(group.timezone)
    )
    db.add(membership)
    db.flush()
    db.add(
        AuditEvent(
            actor=actor,
            action="member.add",
            participant_id=participant.id,
            detail={"group_id": group.id},
        )
    )
    return Member(participant=participant, membership=membership)


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


def _read_rows(path: Path) -> tuple[list[_Row], list[str]]:
    """Parse and check every row of the CSV; return the rows and every problem found."""
    where = str(path)
    try:
        if path.is_dir():
            raise UserError(f"{where}: is a folder, not a CSV file")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{where}: no such file") from None
    except PermissionError:
        raise UserError(f"{where}: permission denied") from None
    except OSError as exc:
        raise UserError(f"{where}: cannot read the file ({exc.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise UserError(f"{where}: file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    text = _decode(raw, where)
    if not text.strip():
        raise UserError(f"{where}: the file is empty (expected a header row with 'name')")
    if "\x00" in text:
        raise UserError(f"{where}: contains NUL bytes; not a CSV file")

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header_raw = next(reader)
    except csv.Error as exc:
        raise UserError(f"{where}:1: {exc}") from None
    header = [h.strip().lower() for h in header_raw]
    problems = _header_problems(header, where)
    if problems:
        return [], problems

    rows: list[_Row] = []
    seen_codes: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, tuple[int, str | None]] = {}
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"{where}:{start}: {exc}")
            break
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(
                f"{where}:{start}: more than {MAX_ROWS} members in one file; "
                "is this the right file? (split it if it really is a roster)"
            )
            break
        if len(values) > len(header):
            problems.append(
                f"{where}:{start}: {len(values)} fields, but the header has {len(header)}"
            )
            continue
        unnamed = [i + 1 for i, v in enumerate(values) if not header[i] and v.strip()]
        if unnamed:
            problems.append(f"{where}:{start}: a value in column {unnamed[0]}, which has no header")
            continue
        record = dict(zip(header, (v.strip() for v in values), strict=False))
        before = len(problems)
        name = clean_name(record.get("name", ""))
        if not name:
            problems.append(f"{where}:{start}: missing name")
        elif len(name) > MAX_NAME:
            problems.append(f"{where}:{start}: name longer than {MAX_NAME} characters")
        code = codes.normalise(record.get("code", "")) or None
        if code is not None:
            if not codes.is_valid(code):
                problems.append(
                    f"{where}:{start}: code {record['code']!r} must be 4-16 letters and digits"
                )
            elif code in seen_codes:
                problems.append(
                    f"{where}:{start}: duplicate code {code!r} (also on row {seen_codes[code]})"
                )
            else:
                seen_codes[code] = start
        external_id = record.get("external_id") or None
        if external_id is not None:
            if len(external_id) > 64 or not external_id.isprintable():
                problems.append(
                    f"{where}:{start}: external_id must be printable, at most 64 characters"
                )
            elif external_id in seen_ids:
                problems.append(
                    f"{where}:{start}: duplicate external_id {external_id!r} "
                    f"(also on row {seen_ids[external_id]})"
                )
            else:
                seen_ids[external_id] = start
        if name:
            # Two rows with one name are one person, unless external ids tell them apart.
            earlier = seen_names.get(name.casefold())
            if earlier is not None and (external_id is None or earlier[1] is None):
                problems.append(
                    f"{where}:{start}: duplicate name {name!r} (also on row {earlier[0]}; "
                    "give each an external_id if they are different people)"
                )
            else:
                seen_names.setdefault(name.casefold(), (start, external_id))
        joined = None
        if record.get("joined"):
            try:
                # 3.11's fromisoformat also takes `20260105` and `2026-W02-1`: insist on the form.
                if not _DATE.match(record["joined"]):
                    raise ValueError(record["joined"])
                joined = dt.date.fromisoformat(record["joined"])
            except ValueError:
                problems.append(
                    f"{where}:{start}: joined {record['joined']!r} is not a date (use YYYY-MM-DD)"
                )
        if len(problems) == before:
            rows.append(_Row(start, name, code, external_id, joined))
    if not rows and not problems:
        problems.append(f"{where}: no members in the file (only a header)")
    return rows, problems


def import_csv(db: Session, group: Group, path: Path, *, actor: str = "") -> ImportResult:
    """Add or update the group's members from a CSV file; any bad row imports nothing.

    A row updates the participant with its `external_id`, else the group's member with its
    name (case-insensitive); otherwise it adds a new participant. Existing codes are kept
    unless the row gives one. Every problem is raised at once, sorted by line, as ManyErrors.
    """
    rows, problems = _read_rows(path)
    where = str(path)
    current = {m.participant.name.casefold(): m for m in members(db, group, include_left=True)}
    everyone = db.exec(select(Participant)).all()
    by_code = {p.code: p for p in everyone}
    by_external_id = {p.external_id: p for p in everyone if p.external_id}
    plan: list[tuple[_Row, Participant | None]] = []
    planned: dict[int, int] = {}  # participant id → the row that updates them
    for row in rows:
        target: Participant | None = None
        if row.external_id:
            target = by_external_id.get(row.external_id)
        if target is None and row.name.casefold() in current:
            found = current[row.name.casefold()].participant
            if not (row.external_id and found.external_id and found.external_id != row.external_id):
                target = found
        if target is not None and target.id in planned:
            problems.append(
                f"{where}:{row.line}: the same member as row {planned[target.id]}"  # type: ignore[index]
            )
            continue
        if row.code is not None:
            owner = by_code.get(row.code)
            if owner is not None and (target is None or owner.id != target.id):
                problems.append(f"{where}:{row.line}: code {row.code!r} is already someone else's")
                continue
        if target is not None:
            planned[target.id] = row.line  # type: ignore[index]
        plan.append((row, target))
    if problems:
        problems.sort(key=lambda problem: _line_of(problem, where))
        raise ManyErrors(problems)

    result = ImportResult()
    # A generated code must differ from every code in the database (old ones too: a printed
    # badge may still carry it) and from every code given further down the file.
    taken = set(by_code) | {row.code for row, _ in plan if row.code}
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
        membership = db.exec(
            select(Membership).where(
                Membership.group_id == group.id, Membership.participant_id == target.id
            )
        ).first()
        if membership is None:
            membership = Membership(
                group_id=group.id,
                participant_id=target.id,
                joined=row.joined or today_in(group.timezone),
            )
        else:
            membership.left = None
            if row.joined:
                membership.joined = row.joined
        db.add(membership)
        db.add(
            AuditEvent(
                actor=actor, action=action, participant_id=target.id, detail={"group_id": group.id}
            )
        )
        result.names.append(row.name)
    db.flush()
    return result
