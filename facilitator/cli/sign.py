"""`facilitator sign` and `facilitator addendum`: lock a session's record, correct it after."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from facilitator.cli.context import state

if TYPE_CHECKING:
    from sqlmodel import Session

SessionId = Annotated[
    str, typer.Argument(metavar="SESSION_ID", help="The session's id (or its first 6+ characters).")
]


def sign(
    ctx: typer.Context,
    session_id: SessionId,
    by: Annotated[str, typer.Option("--by", metavar="NAME", help="Who signs (required).")],
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            "-y",
            help="Sign without asking, even with notes missing or cloned.",
        ),
    ] = False,
) -> None:
    """Sign an ended session: its attendance and notes are locked from then on.

    Members who attended and have no progress note, and near-identical notes, are listed first;
    signing then asks to confirm (or takes --yes)."""
    from facilitator.common.timeutil import local, utcnow
    from facilitator.session.signing import find_session, sign_session
    from facilitator.store.models import Group, SessionState

    with state(ctx).database().session() as db:
        found = find_session(db, session_id)
        if found.state == SessionState.ENDED and found.signed_at is None and by.strip():
            _check_notes(db, found.id, yes=yes)
        session = sign_session(db, found.id, by=by, now=utcnow())
        group = db.get(Group, session.group_id)
        assert group is not None and session.signed_at is not None
        when = local(session.signed_at, group.timezone).format("YYYY-MM-DD HH:mm")
        label = f"{group.name}, {session.local_date.isoformat()}"
        signer, full_id = session.signed_by, session.id
    typer.echo(f"Signed session {full_id} ({label}) by {signer} at {when}.")


def _check_notes(db: Session, session_id: str, *, yes: bool) -> None:
    """Warn about missing and cloned notes; without --yes, ask (a terminal) or refuse."""
    from facilitator.errors import UserError
    from facilitator.session.notes import note_problems

    problems = note_problems(db, session_id)
    if not problems:
        return
    for line in problems.lines():
        typer.echo(f"warning: {line}", err=True)
    if yes:
        return
    if sys.stdin is None or not sys.stdin.isatty():
        raise UserError("nothing was signed: to sign as it is, confirm with --yes")
    if not typer.confirm("Sign it as it is?", default=False, err=True):
        raise UserError("nothing was signed")


def addendum(
    ctx: typer.Context,
    session_id: SessionId,
    text: Annotated[str, typer.Option("--text", help="The correction or addition.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is needed.")],
    by: Annotated[str, typer.Option("--by", metavar="NAME", help="Who writes it.")],
) -> None:
    """Add an addendum to a signed session; the signed record stays as it was."""
    from facilitator.common.timeutil import utcnow
    from facilitator.session.signing import add_addendum

    with state(ctx).database().session() as db:
        added = add_addendum(db, session_id, text=text, reason=reason, author=by, now=utcnow())
        full_id = added.session_id
    typer.echo(f"Addendum added to session {full_id}.")


def register(app: typer.Typer) -> None:
    """Add `sign` and `addendum` to the root app."""
    app.command("sign")(sign)
    app.command("addendum")(addendum)
