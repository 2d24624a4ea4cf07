"""`facilitator report attendance GROUP [--from DATE] [--to DATE] [--format table|csv|json]`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from facilitator.cli.context import GroupArg, state
from facilitator.cli.options import Format, FormatOption, date_given, date_option

if TYPE_CHECKING:
    from facilitator.reports.attendance import AttendanceReport
    from facilitator.reports.cycle import Coverage
    from facilitator.store.models import Group

FIRST_DAY = "the group's first session or join date"
"""Where the report starts when `--from` is not given."""
LAST_DAY = "today in the group's zone"
"""Where it ends when `--to` is not given."""

report_app = typer.Typer(
    help="Reports: a group's attendance, and each person across the program.", no_args_is_help=True
)


def _print_table(
    report: AttendanceReport,
    group: Group,
    topics: dict[int, Coverage],
    extra: dict[str, dict[int, str]],
) -> None:
    """A compact Rich table (fits 80 columns) and a legend; user strings are plain text."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from facilitator.reports.output import summary_line

    console = Console(highlight=False)
    if not report.participants:
        console.print(Text(f"{summary_line(report)}: no members in this range."))
        return
    daily, weekly = f"{group.daily_hours:g}h", f"{group.weekly_hours:g}h"
    headings = ["held", "pres", "late", "exc", "abs", "left", "hours"]
    headings += [f"d<{daily}", f"w<{weekly}", "streak", *(["topics"] if topics else []), *extra]
    table = Table(
        title=Text(summary_line(report)),
        box=box.SIMPLE_HEAD,
        padding=(0, 0),
        show_edge=False,
    )
    table.add_column("name", min_width=12, overflow="fold")
    table.add_column("ext id", overflow="fold")
    for heading in headings:
        table.add_column(heading, justify="right", no_wrap=True)
    for pid, p in report.rows():
        covered = topics.get(pid)
        table.add_row(
            Text(p.name),
            Text(p.external_id or ""),
            str(p.sessions),
            str(p.present),
            str(p.late),
            str(p.excused),
            str(p.absent),
            str(p.left_early),
            f"{p.hours:.2f}",
            str(p.days_below_daily_minimum),
            str(p.weeks_below_minimum),
            str(p.consecutive_absences),
            *([f"{covered.covered}/{covered.total}" if covered else ""] if topics else []),
            *(column.get(pid, "") for column in extra.values()),
        )
    console.print(table)
    done = [(p.name, topics[pid].completed_on) for pid, p in report.rows() if pid in topics]
    finished = [f"{name} on {day.isoformat()}" for name, day in done if day]
    if finished:
        console.print(Text("Completed the curriculum: " + ", ".join(finished)))
    console.print(
        Text(
            "held: sessions held while a member · pres/late/exc/abs/left: present, late, "
            "excused, absent, left early · hours: service hours (breaks excluded) · "
            f"d<{daily}: days attended below {daily} · w<{weekly}: ISO weeks below {weekly} · "
            "streak: current absences in a row (excused sessions skipped)"
            + (" · topics: curriculum topics attended of the total" if topics else "")
            + (" · video: sessions attended by telehealth" if "video" in extra else "")
            + (" · craving, mood: latest answer (mean)" if set(extra) - {"video"} else ""),
            style="dim",
        )
    )


def _video_and_scales(db: Any, group: Group, report: AttendanceReport) -> dict[str, dict[int, str]]:
    """Extra columns: sessions by video (when any), each asked scale's latest (mean)."""
    from facilitator.session.modality import telehealth_counts
    from facilitator.session.scales import scale_summaries, scales_of

    assert group.id is not None
    span = {"group_id": group.id, "date_from": report.date_from, "date_to": report.date_to}
    columns: dict[str, dict[int, str]] = {}
    video = telehealth_counts(db, **span)
    if any(video.values()):
        columns["video"] = {pid: str(n) for pid, n in video.items()}
    asked = scales_of(group)
    found = scale_summaries(db, **span) if asked else {}
    for scale in asked:
        columns[scale] = {
            pid: f"{s[scale].latest} ({s[scale].mean:g})" for pid, s in found.items() if scale in s
        }
    return columns


@report_app.command("attendance")
def attendance(
    ctx: typer.Context,
    group: GroupArg,
    date_from: Annotated[str | None, date_option("--from", "First day", FIRST_DAY)] = None,
    date_to: Annotated[str | None, date_option("--to", "Last day", LAST_DAY)] = None,
    output: FormatOption = Format.TABLE,
) -> None:
    """Per-participant attendance: sessions, statuses, service hours and minimum-hours flags."""
    from facilitator.cli.options import echo_csv, echo_json
    from facilitator.program.groups import get_group
    from facilitator.reports.attendance import attendance_report
    from facilitator.reports.output import to_json, write_csv

    start, end = date_given(date_from, "--from"), date_given(date_to, "--to")
    topics: dict[int, Coverage] = {}
    extra: dict[str, dict[int, str]] = {}
    with state(ctx).database().session() as db:
        target = get_group(db, group)
        report = attendance_report(db, target, date_from=start, date_to=end)
        if output is Format.TABLE:  # only the table has the topics, video and scale columns
            from facilitator.reports.cycle import group_coverage

            topics = group_coverage(db, target, report.participant_ids)
            extra = _video_and_scales(db, target, report)
    if output is Format.JSON:
        echo_json(to_json(report))
    elif output is Format.CSV:
        echo_csv(lambda buffer: write_csv(report, buffer))
    else:
        _print_table(report, target, topics, extra)


def register(app: typer.Typer) -> None:
    """Add `report` to the root app."""
    app.add_typer(report_app, name="report")
