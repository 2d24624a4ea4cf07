"""An existing database file with loose permissions is tightened to owner-only, with a notice."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_loose_database_file_and_its_wal_are_made_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    url = f"sqlite:///{db}"
    env = {**os.environ, "FACILITATOR_USER": "Sam Rivera"}
    first = subprocess.run(
        [sys.executable, "-m", "facilitator", "--db", url, "group", "add", "Evening IOP"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert _mode(db) == 0o600
    wal = tmp_path / "clinic.db-wal"
    wal.touch()
    os.chmod(db, 0o666)
    os.chmod(wal, 0o644)
    again = subprocess.run(
        [sys.executable, "-m", "facilitator", "--db", url, "group", "list"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert f"facilitator: {db} could be read by other users (mode 0666); now owner-only (0600)" in (
        again.stderr
    )
    assert _mode(db) == 0o600
    assert not wal.exists() or _mode(wal) == 0o600
    assert "Evening IOP" in again.stdout
    quiet = subprocess.run(
        [sys.executable, "-m", "facilitator", "--db", url, "group", "list"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert quiet.stderr == ""
