"""Reading a user's file and writing one safely: the one reader and the one atomic writer.

Every file facilitator reads from a user (curricula, roster CSV, session imports) fails the same
way, with one line naming the file: missing, a folder, unreadable, not UTF-8, empty. Every file it
writes (exports, badge sheets) appears whole or not at all, readable by its owner only, and every
failure to write it is one line naming the file.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

from facilitator.errors import UserError


def read_bytes(path: Path, *, kind: str, limit: int | None = None) -> bytes:
    """The bytes of `path`; a UserError `PATH: problem` when it cannot be read.

    `kind` names what was expected ("a CSV file") for a folder given by mistake; `limit` refuses
    a file larger than that many bytes.
    """
    where = str(path)
    try:
        if path.is_dir():
            raise UserError(f"{where}: is a folder, not {kind}")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{where}: no such file") from None
    except PermissionError:
        raise UserError(f"{where}: permission denied") from None
    except OSError as exc:
        raise UserError(f"{where}: cannot read the file ({exc.strerror or exc})") from None
    if limit is not None and len(raw) > limit:
        raise UserError(f"{where}: file is larger than {limit // (1024 * 1024)} MB")
    return raw


def not_utf8_line(raw: bytes, error: UnicodeDecodeError) -> int:
    """The line number (from 1) at which decoding `raw` failed."""
    return raw[: error.start].count(b"\n") + 1


def not_empty(path: Path, text: str, *, empty: str) -> str:
    """`text` itself; a UserError when it is only whitespace (`empty` says what was expected)."""
    if not text.strip():
        raise UserError(f"{path}: the file is empty ({empty})")
    return text


def read_text(path: Path, *, kind: str, empty: str, limit: int | None = None) -> str:
    """The UTF-8 text of `path` (a byte-order mark dropped); a UserError when there is none.

    `empty` says what a file of this kind needs, for the message about an empty file.
    """
    raw = read_bytes(path, kind=kind, limit=limit)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = not_utf8_line(raw, exc)
        raise UserError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
            "save the file with UTF-8 encoding"
        ) from None
    return not_empty(path, text, empty=empty)


def _exists(target: Path, option: str) -> UserError:
    """The error for a file that is there already and must not be replaced."""
    return UserError(f"{option}{target}: already exists (use --force to replace it)")


def _cannot_write(target: Path, option: str, exc: OSError) -> UserError:
    """The error for any failure of the file system while writing `target`."""
    return UserError(f"{option}{target}: cannot write: {exc.strerror or exc}")


def _check_target(target: Path, *, option: str, replace: bool) -> Path:
    """The folder to write `target` in; a UserError when it cannot be written there."""
    if target.is_dir():
        raise UserError(f"{option}{target}: is a folder; give a file name")
    if not replace and target.exists():
        raise _exists(target, option)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"{option}{target}: cannot write: the folder {folder} does not exist")
    return folder


def _link_new(temp: Path, target: Path, *, option: str) -> None:
    """Put `temp` at `target` only if nothing is there (no race with another writer)."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise _exists(target, option) from None
    except OSError:
        # A file system without hard links: check, then replace (a tiny race, still atomic).
        if target.exists():
            raise _exists(target, option) from None
        os.replace(temp, target)
    else:
        temp.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    """Make the new directory entry durable where the platform allows it."""
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


try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

STALE_SECONDS = 3600.0
"""Where a temp file cannot be locked, one untouched this long belongs to a dead writer."""

FRESH_SECONDS = 5.0
"""A temp file younger than this is left alone (its writer may not have locked it yet)."""


def _hold(fd: int) -> None:
    """Mark a temp file as being written (the lock dies with the process, however it ends)."""
    if fcntl is not None:
        with suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _abandoned(temp: Path) -> bool:
    """Whether no live writer holds `temp` (a killed export left it behind)."""
    if fcntl is None:  # pragma: no cover - Windows
        try:
            return time.time() - temp.stat().st_mtime > STALE_SECONDS
        except OSError:
            return False
    try:
        fd = os.open(temp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # still being written
    else:
        return True
    finally:
        os.close(fd)


def sweep_temp_files(target: Path) -> int:
    """Remove the temp files that killed writers left beside `target`; returns how many.

    Only files named as `atomic_output` names them for this target, owned by this user.
    """
    folder = target.parent if str(target.parent) else Path(".")
    pattern = re.compile(re.escape(f".{target.name}.") + r"[A-Za-z0-9_]+\.tmp")
    removed = 0
    owner = os.getuid() if hasattr(os, "getuid") else None
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not entry.is_file(follow_symlinks=False) or owner not in (None, info.st_uid):
            continue
        if time.time() - info.st_mtime < FRESH_SECONDS:
            continue
        temp = Path(entry.path)
        if _abandoned(temp):
            temp.unlink(missing_ok=True)
            removed += 1
    return removed


@contextmanager
def atomic_output(
    path: Path, *, newline: str | None = "", replace: bool = True, option: str = ""
) -> Iterator[TextIO]:
    """A UTF-8 text stream to a temp file beside `path`, moved into place (0600) on success.

    On any failure the temp file is removed and `path` is untouched; a failure of the file
    system is a UserError naming `path`. With `replace` False an existing file is never
    overwritten. `option` prefixes messages (e.g. "--out: "). Temp files that a killed writer
    left beside `path` are removed first (the one being written is locked until it is done).
    """
    target = Path(path).expanduser()
    folder = _check_target(target, option=option, replace=replace)
    sweep_temp_files(target)
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _cannot_write(target, option, exc) from None
    _hold(fd)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as stream:
            if hasattr(os, "fchmod"):
                os.fchmod(stream.fileno(), 0o600)  # mkstemp makes it 0600 already; be explicit
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        if replace:
            os.replace(temp, target)
        else:
            _link_new(temp, target, option=option)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise _cannot_write(target, option, exc) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
