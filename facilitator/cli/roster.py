"""`facilitator roster import|add|edit|discharge|readmit|list`.

MEMBER is a member's external id, code or name; dates are YYYY-MM-DD in the group's time zone.
Every change is recorded with the person at the keyboard as its actor.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from facilitator.cli.context import GroupArg, state
from facilitator.cli.options import Format, FormatOption, date_given, date_option

if TYPE_CHECKING:
    import io

    from sqlmodel import Session

    from facilitator.program.roster import Member
    from facilitator.store.models import Group, LeaveReason

roster_app = typer.Typer(
    help="Add, correct, discharge, readmit, import and list group members.",
    no_args_is_help=True,
)

MemberArg = Annotated[
    str, typer.Argument(metavar="MEMBER", help="The member's external id, code or name.")
]
"""The MEMBER argument: external id, code or name (case-insensitive)."""

MAX_EXTERNAL_ID = 64
COLUMNS = ("name", "external_id", "joined", "left", "reason")
"""The columns of `roster list` (and `code` with `--codes`)."""


def _code_option(whose: str, default: str = "") -> Any:
    """`--code`: "`whose` check-in code, 4-16 letters and digits`default`."."""
    return typer.Option("--code", help=f"{whose} check-in code, 4-16 letters and digits{default}.")


def _external_id_option(note: str) -> Any:
    """`--external-id ID`: "The clinic's id for them (`note`)."."""
    return typer.Option("--external-id", metavar="ID", help=f"The clinic's id for them ({note}).")


def _reason(text: str) -> LeaveReason:
    """The leave reason `text` names; a UserError listing the allowed ones otherwise."""
    from facilitator.errors import UserError
    from facilitator.store.models import LeaveReason

    try:
        return LeaveReason(text.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in LeaveReason)
        raise UserError(f"--reason: {text!r} is not one of {allowed}") from None


def _check_external_id(db: Session, external_id: str, *, keep: int | None = None) -> str:
    """A printable external id of at most 64 characters that nobody else (id ≠ `keep`) has."""
    from sqlmodel import select

    from facilitator.errors import UserError
    from facilitator.program.roster import clean_name
    from facilitator.store.models import Participant

    cleaned = clean_name(external_id)
    if len(cleaned) > MAX_EXTERNAL_ID or cleaned != external_id.strip():
        raise UserError(f"--external-id: must be printable, at most {MAX_EXTERNAL_ID} characters")
    if cleaned:
        holder = db.exec(select(Participant).where(Participant.external_id == cleaned)).first()
        if holder is not None and holder.id != keep:
            raise UserError(f"--external-id: {cleaned!r} is already someone else's")
    return cleaned


def _find(db: Session, group: str, member: str) -> tuple[Group, Member]:
    """The group called `group` and its member named by `member`."""
    from facilitator.program.groups import get_group
    from facilitator.program.membership import resolve_member

    target = get_group(db, group)
    return target, resolve_member(db, target, member)


@roster_app.command("import")
def import_(
    ctx: typer.Context,
    group: GroupArg,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.csv",
            help="CSV with header 'name' and optional code, external_id, joined (YYYY-MM-DD).",
        ),
    ],
    allow_short_codes: Annotated[
        bool,
        typer.Option(
            "--allow-short-codes",
            help="Keep given codes of 4-5 characters (a clinic's existing badges); shorter codes"
            " are easier to guess from the check-in page.",
        ),
    ] = False,
) -> None:
    """Add or update members from a CSV file; any bad row imports nothing."""
    from facilitator.exchange.roster_csv import import_csv
    from facilitator.program.groups import get_group

    with state(ctx).database().session() as db:
        target = get_group(db, group)
        result = import_csv(db, target, file, allow_short_codes=allow_short_codes)
    total = result.added + result.updated
    typer.echo(
        f"Imported {total} member{'' if total == 1 else 's'} into {target.name!r}: "
        f"{result.added} added, {result.updated} updated."
    )


@roster_app.command("add")
def add(
    ctx: typer.Context,
    group: GroupArg,
    name: Annotated[str, typer.Argument(help="The member's full name.")],
    code: Annotated[str | None, _code_option("Their", " (default: a new one)")] = None,
    external_id: Annotated[str | None, _external_id_option("e.g. MRN")] = None,
    joined: Annotated[str | None, date_option("--joined", "First day", "today")] = None,
) -> None:
    """Add one member to the group and print their check-in code."""
    from facilitator.program.groups import get_group
    from facilitator.program.roster import add_member
    from facilitator.program.staff import actor

    first_day = date_given(joined, "--joined")
    with state(ctx).database().session() as db:
        target = get_group(db, group)
        added = add_member(
            db,
            target,
            name=name,
            code=code,
            external_id=external_id,
            joined=first_day,
            actor=actor(db),
        )
        person, joined_on = added.participant, added.membership.joined
    typer.echo(
        f"Added {person.name!r} to {target.name!r} from {joined_on.isoformat()}; "
        f"check-in code: {person.code}"
    )


@roster_app.command("edit")
def edit(
    ctx: typer.Context,
    group: GroupArg,
    member: MemberArg,
    name: Annotated[str | None, typer.Option("--name", help="The corrected name.")] = None,
    code: Annotated[str | None, _code_option("A new")] = None,
    external_id: Annotated[str | None, _external_id_option("'' removes")] = None,
) -> None:
    """Correct a member's name, code or external id: the same person, same records."""
    from facilitator.errors import UserError
    from facilitator.program.membership import edit_member
    from facilitator.program.staff import actor

    if name is None and code is None and external_id is None:
        raise UserError("roster edit: nothing to change (give --name, --code or --external-id)")
    with state(ctx).database().session() as db:
        target, found = _find(db, group, member)
        if external_id is not None:
            _check_external_id(db, external_id, keep=found.participant.id)
        changed = edit_member(
            db, found, name=name, code=code, external_id=external_id, actor=actor(db)
        )
        shown = found.participant.name
    if not changed:
        typer.echo(f"Nothing changed: {shown!r} already has those details.")
        return
    fields = " and ".join(", ".join(changed).replace("_", " ").rsplit(", ", 1))
    typer.echo(f"Changed the {fields} of {shown!r} in {target.name!r}.")


@roster_app.command("discharge")
def discharge(
    ctx: typer.Context,
    group: GroupArg,
    member: MemberArg,
    on: Annotated[str | None, date_option("--on", "Their last day", "today")] = None,
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="Why they left: completed, transferred, referred, left or other."
        ),
    ] = "completed",
) -> None:
    """End a member's time in the group on their last day; their records stay."""
    from facilitator.program import membership
    from facilitator.program.staff import actor

    why = _reason(reason)
    last_day = date_given(on, "--on")
    with state(ctx).database().session() as db:
        target, found = _find(db, group, member)
        period = membership.discharge(db, target, found, on=last_day, reason=why, actor=actor(db))
        shown, ended = found.participant.name, period.left
    assert ended is not None
    typer.echo(
        f"Discharged {shown!r} from {target.name!r}: last day {ended.isoformat()} "
        f"({why.value}). Their records stay."
    )


@roster_app.command("readmit")
def readmit(
    ctx: typer.Context,
    group: GroupArg,
    member: MemberArg,
    on: Annotated[str | None, date_option("--on", "Their first day back", "today")] = None,
) -> None:
    """A discharged member rejoins: a new membership period; earlier ones stay."""
    from facilitator.program import membership
    from facilitator.program.staff import actor

    first_day = date_given(on, "--on")
    with state(ctx).database().session() as db:
        target, found = _find(db, group, member)
        period = membership.readmit(db, target, found, on=first_day, actor=actor(db))
        shown, joined = found.participant.name, period.joined
    typer.echo(f"Readmitted {shown!r} to {target.name!r} from {joined.isoformat()}.")


def _row(m: Member, with_code: bool) -> dict[str, str | None]:
    """One member as `roster list` shows them (dates ISO, None when not set)."""
    from facilitator.store.models import LeaveReason

    period = m.membership
    row: dict[str, str | None] = {
        "name": m.participant.name,
        "external_id": m.participant.external_id,
        "joined": period.joined.isoformat(),
        "left": period.left.isoformat() if period.left is not None else None,
        "reason": LeaveReason(period.reason).value if period.reason is not None else None,
    }
    if with_code:
        row["code"] = m.participant.code
    return row


@roster_app.command("list")
def list_(
    ctx: typer.Context,
    group: GroupArg,
    show_codes: Annotated[
        bool, typer.Option("--codes", help="Show each member's check-in code.")
    ] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list discharged members, after the current ones.")
    ] = False,
    output: FormatOption = Format.TABLE,
) -> None:
    """The group's current members (and with --all the discharged ones)."""
    from facilitator.cli.options import echo_json
    from facilitator.common.timeutil import today_in
    from facilitator.program.groups import get_group
    from facilitator.program.roster import members

    with state(ctx).database().session() as db:
        target = get_group(db, group)
        everyone = members(db, target, include_left=True)
    today = today_in(target.timezone)
    current = [m for m in everyone if m.membership.left is None or m.membership.left >= today]
    gone = [m for m in everyone if m not in current]
    shown = current + (gone if show_all else [])
    rows = [_row(m, show_codes) for m in shown]
    columns = [*COLUMNS, *(["code"] if show_codes else [])]
    if output is Format.JSON:
        echo_json(rows)
    elif output is Format.CSV:
        _print_csv(rows, columns)
    elif not everyone:
        typer.echo(
            f"{target.name} has no members yet. Add them with: facilitator roster add GROUP NAME "
            "(or facilitator roster import GROUP FILE.csv)"
        )
    elif not rows:
        typer.echo(
            f"{target.name} has no current members ({len(gone)} discharged: --all lists them)."
        )
    else:
        title = f"{target.name}: {len(current)} member{'' if len(current) == 1 else 's'}"
        if show_all:
            title += f", {len(gone)} discharged"
        _print_table(rows, columns, title)


def _print_csv(rows: list[dict[str, str | None]], columns: list[str]) -> None:
    """Rows as CSV with a header line (empty cells for unset values)."""
    import csv

    from facilitator.cli.options import echo_csv

    def write(buffer: io.StringIO) -> None:
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: value or "" for key, value in row.items()} for row in rows)

    echo_csv(write)


def _print_table(rows: list[dict[str, str | None]], columns: list[str], title: str) -> None:
    """Rows as a Rich table; names and ids shown as typed, never as markup."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(*(c.replace("_", " ") for c in columns), title=Text(title))
    table.columns[0].overflow = "fold"  # a narrow terminal wraps a long name, never cuts it
    if "code" in columns:
        table.columns[-1].no_wrap = True  # a code read off the screen must never be split
    for row in rows:
        table.add_row(*(Text(row[c] or "") for c in columns))
    Console(soft_wrap=True, highlight=False).print(table)


def register(app: typer.Typer) -> None:
    """Add `roster` to the root app."""
    app.add_typer(roster_app, name="roster")
