"""Writing an export file safely: all or nothing, readable by the owner only."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from facilitator.errors import UserError


@contextmanager
def atomic_output(path: Path, *, newline: str | None = "") -> Iterator[TextIO]:
    """A UTF-8 text stream to a temp file beside `path`, moved into place (0600) on success."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise UserError(f"--out: {target} is a folder")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"--out: no folder {folder}")
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UserError(f"--out: cannot write in {folder}: {exc.strerror}") from None
    temp = Path(temp_name)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # mkstemp makes it 0600 already; be explicit
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
