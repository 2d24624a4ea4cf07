"""`facilitator sign` and `facilitator addendum`: lock a session's record, correct it after."""

from __future__ import annotations

from typing import Annotated

import typer

from facilitator.cli.context import state

SessionId = Annotated[
    str, typer.Argument(metavar="SESSION_ID", help="The session's id (or its first 6+ characters).")
]


def sign(
    ctx: typer.Context,
    session_id: SessionId,
    by: Annotated[str, typer.Option("--by", metavar="NAME", help="Who signs (required).")],
) -> None:
    """Sign an ended session: its attendance and notes are locked from then on."""
    from facilitator.common.timeutil import local, utcnow
    from facilitator.session.signing import sign_session
    from facilitator.store.models import Group

    with state(ctx).database().session() as db:
        session = sign_session(db, session_id, by=by, now=utcnow())
        group = db.get(Group, session.group_id)
        assert group is not None and session.signed_at is not None
        when = local(session.signed_at, group.timezone).format("YYYY-MM-DD HH:mm")
        label = f"{group.name}, {session.local_date.isoformat()}"
        signer, full_id = session.signed_by, session.id
    typer.echo(f"Signed session {full_id} ({label}) by {signer} at {when}.")


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
