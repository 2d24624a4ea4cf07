"""Rosters: members of a group, CSV import (all-or-nothing), walk-ins, look-up by code."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pendulum
from sqlmodel import Session, select

from facilitator import codes
from facilitator.errors import ManyErrors, UserError
from facilitator.models import AuditEvent, Group, Membership, Participant

COLUMNS = ("name", "code", "external_id", "joined")
MAX_NAME = 120
MAX_FILE_BYTES = 5 * 1024 * 1024


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


def today_in(group: Group) -> dt.date:
    """Today's date in the group's time zone."""
    return pendulum.now(group.timezone).date()


def clean_name(raw: str) -> str:
    """A name with control characters removed and whitespace collapsed."""
    printable = "".join(ch if ch.isprintable() else " " for ch in raw)
    return " ".join(printable.split())


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
        group_id=group.id, participant_id=participant.id, joined=joined or today_in(group)
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
    if len(raw) > MAX_FILE_BYTES:
        raise UserError(f"{where}: file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserError(f"{where}:{line}: not UTF-8 text (save the file as CSV UTF-8)") from None
    if not text.strip():
        raise UserError(f"{where}: the file is empty (expected a header row with 'name')")
    if "\x00" in text:
        raise UserError(f"{where}: contains NUL bytes; not a CSV file")

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[str] = []
    try:
        header_raw = next(reader)
    except csv.Error as exc:
        raise UserError(f"{where}:1: {exc}") from None
    header = [h.strip().lower() for h in header_raw]
    for column in header:
        if column not in COLUMNS:
            close = [c for c in COLUMNS if c.replace("_", "") == column.replace("_", "").replace(" ", "")]
            hint = f" (did you mean {close[0]!r}?)" if close else f" (columns: {', '.join(COLUMNS)})"
            problems.append(f"{where}:1: unknown column {column!r}{hint}")
    if "name" not in header:
        problems.append(f"{where}:1: the header has no 'name' column")
    if len(set(header)) != len(header):
        problems.append(f"{where}:1: a column appears twice in the header")
    if problems:
        return [], problems

    rows: list[_Row] = []
    seen_codes: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
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
        if len(values) > len(header):
            problems.append(f"{where}:{start}: {len(values)} fields, but the header has {len(header)}")
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
                problems.append(f"{where}:{start}: external_id must be printable, at most 64 characters")
            elif external_id in seen_ids:
                problems.append(
                    f"{where}:{start}: duplicate external_id {external_id!r} "
                    f"(also on row {seen_ids[external_id]})"
                )
            else:
                seen_ids[external_id] = start
        joined = None
        if record.get("joined"):
            try:
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
    """Add or update the group's members from a CSV file; any bad row imports nothing."""
    rows, problems = _read_rows(path)
    where = str(path)
    current = {m.participant.name.casefold(): m for m in members(db, group, include_left=True)}
    all_codes = {p.code: p for p in db.exec(select(Participant)).all()}
    plan: list[tuple[_Row, Participant | None]] = []
    for row in rows:
        target: Participant | None = None
        if row.external_id:
            target = db.exec(
                select(Participant).where(Participant.external_id == row.external_id)
            ).first()
        if target is None and row.name.casefold() in current:
            found = current[row.name.casefold()].participant
            if not (row.external_id and found.external_id and found.external_id != row.external_id):
                target = found
        if row.code is not None:
            owner = all_codes.get(row.code)
            if owner is not None and (target is None or owner.id != target.id):
                problems.append(f"{where}:{row.line}: code {row.code!r} is already someone else's")
                continue
        plan.append((row, target))
    if problems:
        raise ManyErrors(problems)

    result = ImportResult()
    taken = set(all_codes)
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
                taken.discard(target.code)
                target.code = row.code
                taken.add(row.code)
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
                group_id=group.id, participant_id=target.id, joined=row.joined or today_in(group)
            )
        else:
            membership.left = None
            if row.joined:
                membership.joined = row.joined
        db.add(membership)
        db.add(
            AuditEvent(actor=actor, action=action, participant_id=target.id, detail={"group_id": group.id})
        )
        result.names.append(row.name)
    db.flush()
    return result
