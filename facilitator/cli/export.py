"""`facilitator export sessions`: session logs as JSON, CSV or HTML (CONTRACT 7)."""

from __future__ import annotations

import enum
import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer

from facilitator.cli.context import state

export_app = typer.Typer(help="Export session logs.", no_args_is_help=True)


class ExportFormat(enum.StrEnum):
    """The `--format` choices."""

    CSV = "csv"
    JSON = "json"
    HTML = "html"


@contextmanager
def _stdout() -> Iterator[TextIO]:
    """Standard output as UTF-8 text with no newline translation (CSV keeps its CRLF)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        yield sys.stdout
        return
    sys.stdout.flush()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    try:
        yield stream
        stream.flush()
    finally:
        stream.detach()


@export_app.command("sessions")
def sessions(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", "-f", case_sensitive=False, help="csv, json or html."),
    ],
    group: Annotated[
        str | None, typer.Option("--group", metavar="GROUP", help="Only this group's sessions.")
    ] = None,
    date_from: Annotated[
        str | None,
        typer.Option(
            "--from", metavar="DATE", help="First day (YYYY-MM-DD, the group's time zone)."
        ),
    ] = None,
    date_to: Annotated[
        str | None,
        typer.Option("--to", metavar="DATE", help="Last day, inclusive (YYYY-MM-DD)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", metavar="PATH", help="Write here (readable by you only); else stdout."
        ),
    ] = None,
    bom: Annotated[
        bool, typer.Option("--bom", help="CSV only: start with a UTF-8 BOM for spreadsheets.")
    ] = False,
    include_live: Annotated[
        bool,
        typer.Option("--include-live", help="Also sessions still in progress (default: ended)."),
    ] = False,
    include_codes: Annotated[
        bool,
        typer.Option(
            "--include-codes",
            help="CSV only: add members' check-in codes (left out by default: they work as "
            "credentials).",
        ),
    ] = False,
) -> None:
    """Session logs: agenda, breaks, attendance, notes, addenda and signatures."""
    from facilitator.common.files import atomic_output
    from facilitator.common.timeutil import parse_date, utcnow
    from facilitator.exchange.export import ExportFilter, export_sessions
    from facilitator.program.staff import actor

    filt = ExportFilter(
        group=group,
        date_from=parse_date(date_from, "--from") if date_from is not None else None,
        date_to=parse_date(date_to, "--to") if date_to is not None else None,
        include_live=include_live,
    )
    options = {
        "fmt": fmt.value,
        "filt": filt,
        "bom": bom,
        "include_codes": include_codes,
        "now": utcnow(),
    }
    with state(ctx).database().session() as db:
        options["actor"] = actor(db)
        if out is not None:
            with atomic_output(out, option="--out: ") as stream:
                count = export_sessions(db, stream, **options)  # type: ignore[arg-type]
        else:
            try:
                with _stdout() as stream:
                    export_sessions(db, stream, **options)  # type: ignore[arg-type]
            except BrokenPipeError:
                # The reader went away (`| head`): stop quietly, without a traceback.
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                raise typer.Exit(1) from None
    if out is not None:
        typer.echo(f"Exported {count} sessions to {out}")


class AuditFormat(enum.StrEnum):
    """The `export audit --format` choices."""

    CSV = "csv"
    JSON = "json"


@export_app.command("audit")
def audit_trail(
    ctx: typer.Context,
    fmt: Annotated[
        AuditFormat, typer.Option("--format", "-f", case_sensitive=False, help="csv or json.")
    ],
    date_from: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="First day (YYYY-MM-DD, UTC).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", metavar="DATE", help="Last day, inclusive (UTC).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="PATH", help="Write here (readable by you only)."),
    ] = None,
) -> None:
    """The audit trail: check-ins, status changes, signings, addenda and exports, oldest first."""
    import datetime as dt

    from facilitator.common.files import atomic_output
    from facilitator.common.timeutil import UTC, parse_date, utcnow
    from facilitator.program.staff import actor
    from facilitator.store.audit import audit, audit_lines, write_audit

    since = until = None
    if date_from is not None:
        since = dt.datetime.combine(parse_date(date_from, "--from"), dt.time(), UTC)
    if date_to is not None:
        until = dt.datetime.combine(parse_date(date_to, "--to"), dt.time(), UTC)
        until += dt.timedelta(days=1)
    with state(ctx).database().session() as db:
        lines = audit_lines(db, since=since, until=until, limit=None, newest_first=False)
        if out is not None:
            with atomic_output(out, option="--out: ") as stream:
                count = write_audit(lines, stream, fmt.value)
        else:
            with _stdout() as stream:
                count = write_audit(lines, stream, fmt.value)
        audit(
            db,
            "export.audit",
            actor=actor(db),
            at=utcnow(),
            format=fmt.value,
            **{"from": date_from},
            to=date_to,
            count=count,
        )
    if out is not None:
        typer.echo(f"Exported {count} audit events to {out}")


def register(app: typer.Typer) -> None:
    """Add `export` to the root app."""
    app.add_typer(export_app, name="export")
