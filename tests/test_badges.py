"""`facilitator badges`: printable check-in cards showing nothing but first name, code and QR."""

from __future__ import annotations

import datetime as dt
import re
import stat
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from facilitator.common.qr import qr_matrix
from facilitator.program import codes
from facilitator.program.badges import TITLE, Card, group_code, render_cards
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.store.database import Database
from facilitator.store.models import Membership

from .conftest import run_obeying_permissions
from .test_qr import decode, svg_modules

GROUP = "Tuesday Evening IOP Relapse Prevention"
# Fictional people only.
MEMBERS = [
    ("Avery Quinn", "QX7KPM"),
    ("Blake Moreno", "WT4HNR"),
    ("<i>Casey</i> Lindqvist", "KD9FYC7M"),
    ("Devon O'Hara", None),
]
LEFT = ("Rowan Ellery", "NV4GHK")
# Words that would tell a reader what the card is for, or where it comes from.
TELLTALES = [
    "Tuesday",
    "Evening",
    "IOP",
    "Relapse",
    "Prevention",
    "treatment",
    "therapy",
    "recovery",
    "clinic",
    "program",
    "addiction",
    "substance",
    "counsel",
    "facilitator",
]


@pytest.fixture
def group_codes(database: Database) -> dict[str, str]:
    """The group with its members (one who has left); returns codes by full name."""
    found: dict[str, str] = {}
    with database.session() as db:
        group = create_group(db, name=GROUP, timezone="America/Chicago")
        for name, code in [*MEMBERS, LEFT]:
            member = add_member(db, group, name=name, code=code, joined=dt.date(2026, 11, 2))
            found[name] = member.participant.code
        left = db.exec(
            select(Membership).where(Membership.participant_id == member.participant.id)
        ).one()
        left.left = dt.date(2026, 11, 10)
        db.add(left)
        empty = create_group(db, name="Empty Group", timezone="America/Chicago")
        assert empty.id is not None
    return found


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """An empty folder for the sheet (the database lives beside it)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def run_cli(
    args: list[str],
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:
    """Run `facilitator --db URL ARGS...` in-process, as the console script does."""
    from facilitator.cli import main

    monkeypatch.setattr(sys, "argv", ["facilitator", "--db", db_url, *args])
    try:
        main()
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return status, out, err


def cards_in(page: str) -> list[tuple[str, str, str]]:
    """(first name, shown code, svg) of each card on the page."""
    return re.findall(
        r'<p class="name">(.*?)</p>.*?<p class="code"[^>]*>(.*?)</p>.*?(<svg.*?</svg>)', page, re.S
    )


# -- the page ---------------------------------------------------------------------------------


def test_page_shows_first_names_codes_and_qr_codes_of_exactly_the_code() -> None:
    page = render_cards([Card("Avery", "QX7KPM"), Card("Blake", "ABCD1234EFGH5678")])
    found = cards_in(page)
    assert [(name, shown) for name, shown, _ in found] == [
        ("Avery", "QX7-KPM"),
        ("Blake", "ABCD-1234-EFGH-5678"),
    ]
    for (_, shown, markup), code in zip(found, ["QX7KPM", "ABCD1234EFGH5678"], strict=True):
        assert codes.normalise(shown) == code
        matrix = qr_matrix(code)
        assert svg_modules(markup, len(matrix)) == matrix
        assert decode(matrix) == [(code, "M")]


def test_page_is_printable_self_contained_and_names_nothing() -> None:
    page = render_cards([Card("Avery", "QX7KPM")])
    assert re.search(r"<title>(.*?)</title>", page).group(1) == TITLE == "Check-in cards"  # type: ignore[union-attr]
    assert "@page" in page and "size: auto" in page
    assert "85mm" in page and "54mm" in page
    assert "page-break-inside: avoid" in page and "break-inside: avoid" in page
    for external in ("<script", " src=", " href=", "url(", "@import", "http://", "https://"):
        assert external not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for word in TELLTALES:
        assert word.lower() not in page.lower()


def test_names_are_escaped() -> None:
    page = render_cards([Card("<i>Casey</i>", "KD9FYC")])
    assert "&lt;i&gt;Casey&lt;/i&gt;" in page and "<i>" not in page


@pytest.mark.parametrize("length", range(4, 17))
def test_grouped_codes_read_back_as_the_code(length: int) -> None:
    code = "ACDEFGHJKMNPQRTU"[:length]
    shown = group_code(code)
    assert codes.normalise(shown) == code
    if length > 5:
        assert all(3 <= len(part) <= 4 for part in shown.split("-"))


# -- the command ----------------------------------------------------------------------------------


def test_badges_command_writes_one_card_per_current_member(
    db_url: str,
    group_codes: dict[str, str],
    out_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = out_dir / "cards.html"
    status, stdout, stderr = run_cli(
        ["badges", GROUP, "--out", str(out)], db_url, monkeypatch, capsys
    )
    assert status == 0, stderr
    assert "4 check-in cards" in stdout
    for name, _ in MEMBERS:
        assert name.split()[0] not in stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    page = out.read_text(encoding="utf-8")
    found = cards_in(page)
    expected = sorted((name.split()[0], group_codes[name]) for name, _ in MEMBERS)
    assert (
        sorted(
            (name.replace("&lt;", "<").replace("&gt;", ">"), codes.normalise(shown))
            for name, shown, _ in found
        )
        == expected
    )
    for _, shown, markup in found:
        code = codes.normalise(shown)
        assert svg_modules(markup, len(qr_matrix(code))) == qr_matrix(code)
    # First names only, nobody who has left, nothing that names the group or the program.
    for name, _ in [*MEMBERS, LEFT]:
        assert name.split()[-1] not in page
    assert "Rowan" not in page and group_codes[LEFT[0]] not in page
    for word in TELLTALES:
        assert word.lower() not in page.lower()
    assert [p.name for p in out_dir.iterdir()] == ["cards.html"]  # no temp file left behind


def test_an_existing_file_is_kept_unless_forced(
    db_url: str,
    group_codes: dict[str, str],
    out_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = out_dir / "cards.html"
    out.write_text("keep me", encoding="utf-8")
    out.chmod(0o644)
    status, _, stderr = run_cli(["badges", GROUP, "--out", str(out)], db_url, monkeypatch, capsys)
    assert status == 1
    assert "already exists" in stderr and "--force" in stderr
    assert "Traceback" not in stderr
    assert out.read_text(encoding="utf-8") == "keep me"

    status, _, stderr = run_cli(
        ["badges", GROUP, "--out", str(out), "--force"], db_url, monkeypatch, capsys
    )
    assert status == 0, stderr
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in out_dir.iterdir()) == ["cards.html"]


def test_unknown_group_is_exit_1_and_writes_nothing(
    db_url: str,
    group_codes: dict[str, str],
    out_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = out_dir / "cards.html"
    status, _, stderr = run_cli(["badges", "Nope", "--out", str(out)], db_url, monkeypatch, capsys)
    assert status == 1
    assert "no group named 'Nope'" in stderr and "Traceback" not in stderr
    assert not out.exists()


def test_a_group_without_members_is_exit_1(
    db_url: str,
    group_codes: dict[str, str],
    out_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = out_dir / "cards.html"
    status, _, stderr = run_cli(
        ["badges", "Empty Group", "--out", str(out)], db_url, monkeypatch, capsys
    )
    assert status == 1 and "no members" in stderr
    assert not out.exists()


@pytest.mark.parametrize("where", ["missing-folder/cards.html", "a-folder"])
def test_an_unwritable_out_is_exit_1(
    db_url: str,
    group_codes: dict[str, str],
    out_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    where: str,
) -> None:
    (out_dir / "a-folder").mkdir()
    out = out_dir / where
    status, _, stderr = run_cli(["badges", GROUP, "--out", str(out)], db_url, monkeypatch, capsys)
    assert status == 1
    assert str(out) in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["a-folder"]


def test_a_read_only_folder_is_exit_1(
    db_url: str, group_codes: dict[str, str], out_dir: Path
) -> None:
    folder = out_dir / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:  # as root too (CI): without the capabilities that let root write anywhere
        run = run_obeying_permissions(
            "--db", db_url, "badges", GROUP, "--out", str(folder / "cards.html")
        )
    finally:
        folder.chmod(0o700)
    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith("error: ") and run.stderr.count("\n") == 1, run.stderr
    assert "cannot write" in run.stderr and str(folder / "cards.html") in run.stderr
    assert run.stdout == "" and list(folder.iterdir()) == []


def test_out_is_required(
    db_url: str,
    group_codes: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, stderr = run_cli(["badges", GROUP], db_url, monkeypatch, capsys)
    assert status == 2
    assert "--out" in stderr
