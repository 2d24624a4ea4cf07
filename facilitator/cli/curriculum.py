"""`facilitator curriculum list|check|show`: find, validate and read curriculum files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from facilitator.curriculum.model import Curriculum, Topic

curriculum_app = typer.Typer(
    help="List, check and show curricula (TOML files of timed sessions).", no_args_is_help=True
)


def _consoles(wrap: bool = False) -> tuple[Console, Console]:
    """(stdout, stderr) consoles; without `wrap`, each line stays one line for scripts."""
    from rich.console import Console

    return Console(soft_wrap=not wrap, highlight=False), Console(
        stderr=True, soft_wrap=True, highlight=False
    )


def _minutes_label(curriculum: Curriculum) -> str:
    """The planned session length, else the range of the sessions' totals."""
    if curriculum.minutes is not None:
        return str(curriculum.minutes)
    totals = sorted({topic.minutes for topic in curriculum.sessions})
    return str(totals[0]) if len(totals) == 1 else f"{totals[0]}-{totals[-1]}"


@curriculum_app.command("list")
def list_() -> None:
    """Shipped and user curricula: id, title, sessions, minutes and where each comes from."""
    from rich.table import Table
    from rich.text import Text

    from facilitator.curriculum.catalog import discover

    out, err = _consoles()
    catalog = discover()
    for problem in catalog.problems:
        err.print(Text(f"warning: {problem}"), style="yellow")
    if not catalog.curricula:
        out.print("No curricula found.")
        return
    table = Table("id", "title", "sessions", "minutes", "source")
    table.columns[0].no_wrap = True
    for column in table.columns[2:]:
        column.justify = "right" if column.header != "source" else "left"
    for curriculum in sorted(
        catalog.curricula.values(), key=lambda c: (c.source != "shipped", c.id)
    ):
        table.add_row(
            Text(curriculum.id),
            Text(curriculum.title),
            str(len(curriculum.sessions)),
            _minutes_label(curriculum),
            curriculum.source,
        )
    out.print(table)


@curriculum_app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Curriculum TOML files.")],
) -> None:
    """Validate files: `FILE: OK`, or one line per problem (exit status 1 if any)."""
    from rich.text import Text

    from facilitator.curriculum.loading import check_file

    out, err = _consoles()
    bad = False
    for path in files:
        problems, warnings = check_file(path)
        for line in problems:
            err.print(Text(line), style="red")
        for line in warnings:
            err.print(Text(line), style="yellow")
        if problems:
            bad = True
        else:
            out.print(Text.assemble(f"{path}: ", ("OK", "green")))
    if bad:
        raise typer.Exit(1)


def _clock(minutes: int) -> str:
    """Minutes from the start as h:mm."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def _print_topic(
    out: Console, curriculum: Curriculum, number: int, topic: Topic, prompts: bool
) -> None:
    """One session: its goals, then a table of timed items with their start and the total."""
    from rich.markdown import Markdown
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    heading = Text.assemble(
        (f"Session {number} of {len(curriculum.sessions)}: ", "bold"),
        (topic.title, "bold"),
        f"  ({topic.id})",
    )
    out.print()
    out.print(heading)
    for goal in topic.goals:
        out.print(Padding(Text(f"• {goal}"), (0, 0, 0, 2)))
    planned = curriculum.minutes
    total = f"{topic.minutes} min"
    if planned is not None and topic.minutes > planned:
        total += f" ({topic.minutes - planned} over the planned {planned})"
    table = Table(show_footer=True, expand=False)
    table.add_column("#", justify="right", footer="")
    table.add_column("at", justify="right", footer="")
    table.add_column("item", footer="total", ratio=3)
    table.add_column("kind", no_wrap=True, footer="")
    table.add_column("min", justify="right", footer=total, no_wrap=True)
    table.add_column("handouts", ratio=2, footer="")
    elapsed = 0
    for index, item in enumerate(topic.items, start=1):
        table.add_row(
            str(index),
            _clock(elapsed),
            Text(item.title),
            item.kind,
            str(item.minutes),
            Text(", ".join(item.handouts)),
        )
        elapsed += item.minutes
    out.print(table)
    if prompts:
        for index, item in enumerate(topic.items, start=1):
            if item.prompts.strip():
                out.print(Text(f"{index}. {item.title}", style="bold"))
                out.print(Markdown(item.prompts))


@curriculum_app.command("show")
def show(
    id_or_file: Annotated[
        str, typer.Argument(metavar="ID_OR_FILE", help="A curriculum id or file.")
    ],
    prompts: Annotated[
        bool, typer.Option("--prompts", "-p", help="Also print each item's facilitator prompts.")
    ] = False,
) -> None:
    """The sessions of a curriculum and their timed items."""
    from rich.text import Text

    from facilitator.curriculum.catalog import resolve

    out, _ = _consoles(wrap=True)
    curriculum = resolve(id_or_file)
    out.print(Text(curriculum.title, style="bold underline"))
    details = [f"id {curriculum.id}", f"{len(curriculum.sessions)} sessions", curriculum.source]
    if curriculum.minutes is not None:
        details.insert(2, f"{curriculum.minutes} min each")
    if curriculum.path is not None:
        details.append(str(curriculum.path))
    out.print(Text(" · ".join(details), style="dim"))
    if curriculum.description.strip():
        out.print()
        out.print(Text(curriculum.description.strip()))
    for number, topic in enumerate(curriculum.sessions, start=1):
        _print_topic(out, curriculum, number, topic, prompts)


def register(app: typer.Typer) -> None:
    """Add `curriculum` to the root app."""
    app.add_typer(curriculum_app, name="curriculum")
