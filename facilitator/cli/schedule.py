"""`facilitator schedule`, `facilitator session cancel` and `facilitator report program`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from facilitator.cli.context import GroupArg, state
from facilitator.cli.options import Format, FormatOption, date_given, date_option

if TYPE_CHECKING:
    from facilitator.reports.program import ProgramReport
    from facilitator.reports.today import Meeting

session_app = typer.Typer(help="Scheduled meetings that did not happen.", no_args_is_help=True)


@session_app.command("cancel")
def cancel(
    ctx: typer.Context,
    group: GroupArg,
    day: Annotated[str, typer.Argument(metavar="DATE", help="The scheduled day, YYYY-MM-DD.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why the group did not meet (holiday, weather, staff).")
    ] = "",
    undo: Annotated[
        bool, typer.Option("--undo", help="Take back a cancellation made by mistake.")
    ] = False,
) -> None:
    """The group did not meet on that scheduled day: nobody is absent, no streak changes."""
    from facilitator.common.timeutil import parse_date
    from facilitator.program.groups import get_group
    from facilitator.program.staff import actor
    from facilitator.session.cancel import cancel_meeting, uncancel_meeting

    when = parse_date(day, "DATE")
    with state(ctx).database().session() as db:
        target = get_group(db, group)
        name = target.name
        if undo:
            uncancel_meeting(db, target, when, actor=actor(db))
            typer.echo(f"{name!r} on {when.isoformat()} is scheduled again.")
            return
        cancel_meeting(db, target, when, reason=reason, actor=actor(db))
    because = f" ({' '.join(reason.split())})" if reason.strip() else ""
    typer.echo(f"Cancelled {name!r} on {when.isoformat()}{because}: nobody is absent that day.")


def _print_meetings(meetings: list[Meeting], day: str) -> None:
    """A table of the day's meetings; group names and reasons as plain text."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    if not meetings:
        console.print(
            Text(f"No meetings on {day} (give a group its days with `group edit GROUP --meets`).")
        )
        return
    table = Table(title=Text(f"Meetings on {day}"), box=box.SIMPLE_HEAD, show_edge=False)
    for heading in ("time", "group", "state", "reason"):
        table.add_column(heading, overflow="fold")
    for m in meetings:
        times = f"{m.starts}-{m.ends}" if m.ends else f"{m.starts}-"
        table.add_row(times, Text(m.group), m.state.word, Text(m.reason or ""))
    console.print(table)


def schedule(
    ctx: typer.Context,
    day: Annotated[str | None, date_option("--date", "The day", "today")] = None,
    output: Annotated[
        Format,
        typer.Option("--format", case_sensitive=False, help="Output format: table or json."),
    ] = Format.TABLE,
) -> None:
    """The meetings of one day across all groups, by start time, with their state."""
    from facilitator.cli.options import echo_json
    from facilitator.common.timeutil import machine_timezone, today_in
    from facilitator.errors import UserError
    from facilitator.reports.today import meetings_on

    if output is Format.CSV:
        raise UserError("--format: schedule prints a table or json")
    when = date_given(day, "--date") or today_in(machine_timezone())
    with state(ctx).database().session() as db:
        meetings = meetings_on(db, when)
    if output is Format.JSON:
        echo_json([m.as_json() for m in meetings])
    else:
        _print_meetings(meetings, when.isoformat())


def _print_program(report: ProgramReport) -> None:
    """One row per person: hours, days and weeks below the minimums, groups."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    span = f"{report.date_from.isoformat()} to {report.date_to.isoformat()}"
    if not report.people:
        console.print(Text(f"Program {span}: nobody was a member of any group."))
        return
    daily, weekly = f"{report.daily_hours:g}h", f"{report.weekly_hours:g}h"
    table = Table(
        title=Text(f"Program {span}"), box=box.SIMPLE_HEAD, padding=(0, 1), show_edge=False
    )
    table.add_column("name", min_width=12, overflow="fold")
    for heading in ("hours", "days", f"d<{daily}", "weeks", f"w<{weekly}", *report.scales):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("groups", overflow="fold")
    for p in report.people:
        table.add_row(
            Text(p.name),
            f"{p.hours:.2f}",
            str(p.days_attended),
            str(p.days_below_daily_minimum),
            str(len(p.weeks)),
            str(p.weeks_below_minimum),
            *(p.scale_text(scale) for scale in report.scales),
            Text(p.groups_text()),
        )
    console.print(table)
    console.print(
        Text(
            "hours: service hours across all groups (breaks excluded) · days: days attended · "
            f"d<{daily}: days below {daily} summed over the day's groups · weeks: ended ISO "
            f"weeks with a session scheduled or held · w<{weekly}: those below {weekly} · "
            + (
                f"{', '.join(report.scales)}: latest answer (mean) across groups · "
                if report.scales
                else ""
            )
            + "groups: each with the curriculum topics covered of its total",
            style="dim",
        )
    )


def _write_program_csv(report: ProgramReport, out: object) -> None:
    """One CSV row per person (weeks as `2026-W45=7.00` pairs separated by spaces)."""
    import csv

    from facilitator.common.text import safe_cell

    writer = csv.writer(out)  # type: ignore[arg-type]
    writer.writerow(
        [
            "name",
            "external_id",
            "groups",
            "hours",
            "days_attended",
            "days_below_daily_minimum",
            "weeks",
            "weeks_below_minimum",
        ]
    )
    for p in report.people:
        writer.writerow(
            [
                safe_cell(p.name),
                safe_cell(p.external_id or ""),
                safe_cell("; ".join(p.groups)),
                f"{p.hours:.2f}",
                p.days_attended,
                p.days_below_daily_minimum,
                " ".join(f"{w.week}={w.hours:.2f}" for w in p.weeks),
                p.weeks_below_minimum,
            ]
        )


def program(
    ctx: typer.Context,
    date_from: Annotated[
        str | None, date_option("--from", "First day", "the earliest session or joining")
    ] = None,
    date_to: Annotated[str | None, date_option("--to", "Last day", "today")] = None,
    weekly_hours: Annotated[
        float, typer.Option("--weekly-hours", help="A person's minimum service hours a week.")
    ] = 9.0,
    daily_hours: Annotated[
        float, typer.Option("--daily-hours", help="A person's minimum service hours a day.")
    ] = 3.0,
    output: FormatOption = Format.TABLE,
) -> None:
    """One person across all their groups: hours by day and ISO week against the minimums."""
    from facilitator.cli.options import echo_csv, echo_json
    from facilitator.errors import UserError
    from facilitator.reports.program import program_report

    if not 0 < weekly_hours <= 40:
        raise UserError(f"--weekly-hours: {weekly_hours:g} must be more than 0 and at most 40")
    if not 0 < daily_hours <= 12:
        raise UserError(f"--daily-hours: {daily_hours:g} must be more than 0 and at most 12")
    start, end = date_given(date_from, "--from"), date_given(date_to, "--to")
    with state(ctx).database().session() as db:
        report = program_report(
            db, date_from=start, date_to=end, weekly_hours=weekly_hours, daily_hours=daily_hours
        )
    if output is Format.JSON:
        echo_json(report.as_json())
    elif output is Format.CSV:
        echo_csv(lambda buffer: _write_program_csv(report, buffer))
    else:
        _print_program(report)


def register(app: typer.Typer, report_app: typer.Typer) -> None:
    """Add `schedule`, `session cancel` and `report program`."""
    app.command("schedule")(schedule)
    app.add_typer(session_app, name="session")
    report_app.command("program")(program)
