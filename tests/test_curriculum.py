"""Curriculum files: strict validation with placed errors, discovery, resolving, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from facilitator import config
from facilitator.cli import app
from facilitator.curriculum.catalog import discover, resolve
from facilitator.curriculum.loading import check_file, load_curriculum
from facilitator.curriculum.model import (
    ITEM_MINUTES,
    KINDS,
    PLAN_MINUTES,
    SLUG_PATTERN,
    Curriculum,
    Item,
    Topic,
    shipped_dir,
)
from facilitator.errors import ManyErrors, UserError

runner = CliRunner()
WIDE = {"COLUMNS": "200"}  # so Rich tables never wrap an id in the middle

# Line numbers below refer to this file; keep it in step with the cases.
BASE = """\
schema = 1
id = "coping-skills"
title = "Coping Skills"
minutes = 60

[[session]]
id = "grounding"
title = "Grounding"

[[session.item]]
title = "Check-in"
minutes = 15
kind = "check-in"

[[session.item]]
title = "Five senses"
minutes = 30
kind = "skills"
handouts = ["Grounding card"]

[[session]]
id = "urge-surfing"
title = "Urge Surfing"
goals = ["Ride out one craving"]

[[session.item]]
title = "Practice"
minutes = 45
kind = "practice"
prompts = \"\"\"
[[session]]
minutes = 0
\"\"\"
"""


def variant(old: str, new: str) -> str:
    """BASE with one exact, unique piece of text replaced."""
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


def shipped_files() -> list[Path]:
    """The curriculum files shipped in the package."""
    return sorted(shipped_dir().glob("*.toml"))


def check(*files: Path | str) -> Any:
    """Run `facilitator curriculum check FILE...` in-process."""
    return runner.invoke(app, ["curriculum", "check", *map(str, files)], env=WIDE)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real entry point, where a UserError becomes exit status 1 and a stderr line."""
    return subprocess.run(
        [sys.executable, "-m", "facilitator", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **WIDE},
        timeout=60,
    )


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """A valid two-session curriculum file."""
    path = tmp_path / "coping.toml"
    path.write_text(BASE, encoding="utf-8")
    return path


# (case id, file content, what the one problem line must contain after "bad.toml")
BROKEN: list[tuple[str, str | bytes, str]] = [
    ("bad-toml-syntax", variant("minutes = 15\n", "minutes = \n"), ":12: invalid TOML"),
    ("missing-schema", variant("schema = 1\n", ""), ": missing required key 'schema'"),
    ("schema-2", variant("schema = 1\n", "schema = 2\n"), ":1: schema: unsupported schema 2"),
    ("schema-bool", variant("schema = 1\n", "schema = true\n"), ":1: schema: must be a whole"),
    ("missing-id", variant('id = "coping-skills"\n', ""), ": missing required key 'id'"),
    ("missing-title", variant('title = "Coping Skills"\n', ""), ": missing required key 'title'"),
    ("no-session", BASE.split("[[session]]")[0], ": no [[session]]"),
    (
        "top-level-typo",
        variant("minutes = 60\n", "minuts = 60\n"),
        ":4: unknown key 'minuts' (did you mean 'minutes'?)",
    ),
    (
        "item-key-typo",
        variant('kind = "skills"\n', 'knid = "skills"\n'),
        ":18: session[1].item[2]: unknown key 'knid' (did you mean 'kind'?)",
    ),
    (
        "bad-curriculum-slug",
        variant('id = "coping-skills"', 'id = "Relapse Prevention"'),
        ':2: id: "Relapse Prevention" is not a valid id',
    ),
    (
        "bad-session-slug",
        variant('id = "urge-surfing"', 'id = "Urge Surfing"'),
        ':22: session[2].id: "Urge Surfing" is not a valid id',
    ),
    (
        "duplicate-session-id",
        variant('id = "urge-surfing"', 'id = "grounding"'),
        ":22: session[2].id: duplicate session id 'grounding'",
    ),
    ("minutes-0", variant("minutes = 15\n", "minutes = 0\n"), ":12: session[1].item[1].minutes"),
    (
        "minutes-241",
        variant("minutes = 30\n", "minutes = 241\n"),
        ":17: session[1].item[2].minutes: must be a whole number of minutes from 1 to 240, not 241",
    ),
    (
        "minutes-string",
        variant("minutes = 15\n", 'minutes = "15"\n'),
        ":12: session[1].item[1].minutes: must be a whole number of minutes from 1 to 240, "
        'not "15"',
    ),
    ("minutes-float", variant("minutes = 15\n", "minutes = 1.5\n"), ":12: session[1].item[1]."),
    ("minutes-bool", variant("minutes = 45\n", "minutes = true\n"), ":28: session[2].item[1]."),
    (
        "planned-minutes-string",
        variant("minutes = 60\n", 'minutes = "3h"\n'),
        ':4: minutes: must be a whole number of minutes from 1 to 1440, not "3h"',
    ),
    (
        "unknown-kind",
        variant('kind = "practice"', 'kind = "brake"'),
        ":29: session[2].item[1].kind: unknown kind \"brake\" (did you mean 'break'?)",
    ),
    (
        "empty-session",
        BASE.split('\n[[session.item]]\ntitle = "Practice"')[0],
        ":21: session[2]: no [[session.item]]",
    ),
    (
        "item-missing-title",
        variant('title = "Check-in"\n', ""),
        ":10: session[1].item[1]: missing required key 'title'",
    ),
    (
        "blank-title",
        variant('title = "Grounding"', 'title = "   "'),
        ":8: session[1].title: must not be empty",
    ),
    (
        "single-bracket-session",
        BASE.split("[[session]]")[0] + '[session]\nid = "a"\ntitle = "A"\n',
        ":6: session: must be an array of tables: write [[session]]",
    ),
    (
        "goals-not-a-list",
        variant('goals = ["Ride out one craving"]', 'goals = "Ride out one craving"'),
        ":24: session[2].goals: must be a list",
    ),
    (
        "inline-item-bad-minutes",
        BASE.split("[[session]]")[0]
        + '[[session]]\nid = "a"\ntitle = "A"\nitem = [{ title = "x", minutes = 0 }]\n',
        ":9: session[1].item[1].minutes",
    ),
    (
        "non-utf8",
        BASE.replace("Coping Skills", "Caf\udce9").encode("utf-8", "surrogateescape"),
        ":3: not UTF-8",
    ),
    ("empty-file", "", ": the file is empty"),
    ("comments-only", "# nothing yet\n", ": no keys in the file"),
]


@pytest.mark.parametrize(
    ("content", "expected"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_check_reports_each_broken_file_with_its_place(
    tmp_path: Path, content: str | bytes, expected: str
) -> None:
    """One clear line naming the file and the line or field; exit status 1, no traceback."""
    path = tmp_path / "bad.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")

    result = check(path)

    assert result.exit_code == 1, result.output
    assert f"{path}{expected}" in result.stderr, result.stderr
    assert "OK" not in result.stdout
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    """A file with three mistakes gets three lines, in file order, not just the first."""
    text = variant("minutes = 60\n", "minuts = 60\n")
    text = text.replace('kind = "skills"', 'kind = "lecture"')
    text = text.replace('id = "urge-surfing"', 'id = "grounding"')
    path = tmp_path / "three.toml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ManyErrors) as caught:
        load_curriculum(path)

    problems = caught.value.problems
    assert [p.split(": ")[0] for p in problems] == [f"{path}:4", f"{path}:18", f"{path}:22"]


def test_multiline_prompts_do_not_confuse_line_numbers(tmp_path: Path) -> None:
    """A `[[session]]` inside a prompts string is text, not a header: later lines stay right."""
    text = variant('kind = "practice"\n', 'kind = "practise"\n')
    path = tmp_path / "p.toml"
    path.write_text(text + 'handouts = ["x"]\nextra = 1\n', encoding="utf-8")

    problems, _ = check_file(path)

    assert problems == [
        f"{path}:29: session[2].item[1].kind: unknown kind \"practise\" (did you mean 'practice'?)",
        f"{path}:35: session[2].item[1]: unknown key 'extra' (allowed: title, minutes, kind, "
        "prompts, handouts)",
    ]


def test_missing_file_and_folder_are_one_line_each(tmp_path: Path) -> None:
    """A typo in the path or a folder name is a plain message, not a crash."""
    missing = tmp_path / "nope.toml"
    result = check(missing, tmp_path)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{missing}: no such file",
        f"{tmp_path}: is a folder, not a curriculum file",
    ]


def test_valid_file_prints_ok(good: Path) -> None:
    """A good file gets exactly `FILE: OK` and exit status 0."""
    result = check(good)

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{good}: OK\n"
    assert result.stderr == ""


def test_good_and_bad_files_together(good: Path, tmp_path: Path) -> None:
    """Each file gets its verdict; one bad file makes the exit status 1."""
    bad = tmp_path / "bad.toml"
    bad.write_text(variant("minutes = 15\n", "minutes = 0\n"), encoding="utf-8")

    result = check(good, bad)

    assert result.exit_code == 1
    assert f"{good}: OK" in result.stdout
    assert f"{bad}:12:" in result.stderr


def test_over_planned_length_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    """Items adding up to more than `minutes` warn per session, and the file still passes."""
    path = tmp_path / "long.toml"
    path.write_text(variant("minutes = 60\n", "minutes = 40\n"), encoding="utf-8")

    result = check(path)

    assert result.exit_code == 0
    assert f"{path}: OK" in result.stdout
    assert result.stderr.splitlines() == [
        f"{path}: session[1] 'grounding': items add up to 45 minutes, more than the planned 40",
        f"{path}: session[2] 'urge-surfing': items add up to 45 minutes, more than the planned 40",
    ]


def test_loaded_curriculum_has_defaults_and_totals(good: Path) -> None:
    """Optional keys default as documented; a session's length is the sum of its items."""
    curriculum = load_curriculum(good)

    assert curriculum.path == good
    assert curriculum.source == "file"
    assert curriculum.description == ""
    first, second = curriculum.sessions
    assert first.minutes == 45
    assert first.goals == []
    assert [i.kind for i in first.items] == ["check-in", "skills"]
    assert first.items[0].handouts == []
    assert first.items[1].handouts == ["Grounding card"]
    assert second.items[0].prompts == "[[session]]\nminutes = 0\n"


def test_kind_defaults_to_other(tmp_path: Path) -> None:
    """An item without `kind` is `other`."""
    path = tmp_path / "k.toml"
    path.write_text(variant('kind = "check-in"\n', ""), encoding="utf-8")

    assert load_curriculum(path).sessions[0].items[0].kind == "other"


def test_next_topic_follows_the_order_and_wraps(good: Path) -> None:
    """After the last session comes the first again; with no history, the first."""
    curriculum = load_curriculum(good)

    assert curriculum.next_topic(None).id == "grounding"
    assert curriculum.next_topic("grounding").id == "urge-surfing"
    assert curriculum.next_topic("urge-surfing").id == "grounding"
    assert curriculum.next_topic("no-longer-there").id == "grounding"


def test_topic_lookup_names_the_valid_ids(good: Path) -> None:
    """Asking for a session that is not there lists the ones that are."""
    curriculum = load_curriculum(good)

    assert curriculum.topic("urge-surfing").title == "Urge Surfing"
    with pytest.raises(
        UserError, match=r"no session 'surfing' \(sessions: grounding, urge-surfing\)"
    ):
        curriculum.topic("surfing")


def test_models_can_be_built_in_code() -> None:
    """Python code (the demo, tests) builds curricula by field name, with the same rules."""
    topic = Topic(id="t", title="T", items=[Item(title="a", minutes=5), Item(title="b", minutes=7)])
    curriculum = Curriculum(schema_version=1, id="c", title="C", sessions=[topic])

    assert curriculum.sessions[0].minutes == 12
    assert curriculum.path is None
    with pytest.raises(ValueError, match="duplicate session id 't'"):
        Curriculum(schema_version=1, id="c", title="C", sessions=[topic, topic])


# --- shipped curricula and discovery ------------------------------------------------------


def test_at_least_eight_curricula_ship_and_all_pass_check() -> None:
    """`curriculum check facilitator/curricula/*.toml`: every shipped file OK, no warnings."""
    files = shipped_files()
    assert len(files) >= 8, [f.name for f in files]

    result = check(*files)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"{f}: OK" for f in files]
    assert result.stderr == ""


def test_list_shows_every_shipped_curriculum() -> None:
    """`curriculum list` names each shipped id with its title, session count and source."""
    files = shipped_files()
    assert len(files) >= 8

    result = runner.invoke(app, ["curriculum", "list"], env=WIDE)

    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    for file in files:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
        row = rows[data["id"]]
        assert data["title"] in row
        assert f" {len(data['session'])} " in row
        assert "shipped" in row
    assert result.stderr == ""


def test_user_curricula_are_listed_and_a_broken_one_is_a_warning(good: Path) -> None:
    """A user's file shows as `user`; a broken one is named on stderr and the list still works."""
    user_dir = config.user_curricula_dir()
    user_dir.mkdir(parents=True)
    (user_dir / "coping.toml").write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    (user_dir / "broken.toml").write_text("schema = 1\nid = \n", encoding="utf-8")

    result = runner.invoke(app, ["curriculum", "list"], env=WIDE)

    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "coping-skills" in line)
    assert "Coping Skills" in row and "user" in row
    assert f"warning: {user_dir / 'broken.toml'}:2: invalid TOML" in result.stderr


def test_id_clash_with_a_shipped_curriculum_names_both_files(tmp_path: Path) -> None:
    """A user file reusing a shipped id is reported with both paths; the shipped one is kept."""
    shipped = shipped_files()[0]
    shipped_id = tomllib.loads(shipped.read_text(encoding="utf-8"))["id"]
    clash = tmp_path / "mine.toml"
    clash.write_text(variant('id = "coping-skills"', f'id = "{shipped_id}"'), encoding="utf-8")

    catalog = discover(user_dir=tmp_path)

    assert catalog.curricula[shipped_id].source == "shipped"
    assert catalog.curricula[shipped_id].path == shipped
    [problem] = [p for p in catalog.problems if shipped_id in p]
    assert str(clash) in problem and str(shipped) in problem


def test_id_clash_is_shown_by_list(good: Path) -> None:
    """The clash reaches the user as a warning from `curriculum list`."""
    shipped_id = tomllib.loads(shipped_files()[0].read_text(encoding="utf-8"))["id"]
    user_dir = config.user_curricula_dir()
    user_dir.mkdir(parents=True)
    (user_dir / "mine.toml").write_text(
        variant('id = "coping-skills"', f'id = "{shipped_id}"'), encoding="utf-8"
    )

    result = runner.invoke(app, ["curriculum", "list"], env=WIDE)

    assert result.exit_code == 0
    assert f"curriculum id '{shipped_id}' is already used by" in result.stderr
    assert str(user_dir / "mine.toml") in result.stderr


# --- resolve and show ---------------------------------------------------------------------


def test_resolve_by_path_and_by_id(good: Path, tmp_path: Path) -> None:
    """A path loads that file; a bare word is an id among shipped and user curricula."""
    assert resolve(str(good)).id == "coping-skills"
    user_dir = tmp_path / "user"
    user_dir.mkdir()
    (user_dir / "c.toml").write_text(BASE, encoding="utf-8")
    catalog = discover(user_dir=user_dir)

    found = resolve("coping-skills", catalog)

    assert found.source == "user"
    assert found.path == user_dir / "c.toml"


def test_resolve_unknown_id_lists_known_ones() -> None:
    """An unknown id is a UserError naming every known id."""
    catalog = discover()
    with pytest.raises(UserError) as caught:
        resolve("no-such-thing", catalog)
    message = str(caught.value)
    assert message.startswith("unknown curriculum 'no-such-thing' (known: ")
    for curriculum_id in catalog.curricula:
        assert curriculum_id in message


def test_resolve_missing_toml_path_says_so(tmp_path: Path) -> None:
    """Something ending in .toml is a path even when the file is missing."""
    with pytest.raises(ManyErrors, match="no such file"):
        resolve(str(tmp_path / "typo.toml"))


def test_show_prints_sessions_items_and_totals(good: Path) -> None:
    """`show FILE`: title, each session with its timed items, kinds, start times and total."""
    result = runner.invoke(app, ["curriculum", "show", str(good)], env=WIDE)

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Coping Skills" in out
    assert "Session 1 of 2: Grounding" in out and "Session 2 of 2: Urge Surfing" in out
    five = next(line for line in out.splitlines() if "Five senses" in line)
    assert "0:15" in five and "skills" in five and "30" in five and "Grounding card" in five
    totals = [line for line in out.splitlines() if "total" in line]
    assert len(totals) == 2 and all("45 min" in line for line in totals)
    assert "Ride out one craving" in out


def test_show_by_shipped_id() -> None:
    """`show ID` finds a shipped curriculum and prints every session title."""
    shipped = shipped_files()[0]
    data = tomllib.loads(shipped.read_text(encoding="utf-8"))

    result = runner.invoke(app, ["curriculum", "show", data["id"]], env=WIDE)

    assert result.exit_code == 0, result.output
    for session in data["session"]:
        assert session["title"] in result.stdout


def test_show_unknown_id_exits_1_with_a_clear_message() -> None:
    """Through the real entry point: one line on stderr, exit status 1, no traceback."""
    result = run_cli("curriculum", "show", "no-such-curriculum")

    assert result.returncode == 1
    assert "unknown curriculum 'no-such-curriculum' (known: " in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_show_broken_file_exits_1_with_each_problem(tmp_path: Path) -> None:
    """A broken file passed to show reports its problems like check does."""
    bad = tmp_path / "bad.toml"
    bad.write_text(variant("minutes = 15\n", "minutes = 0\n"), encoding="utf-8")

    result = run_cli("curriculum", "show", str(bad))

    assert result.returncode == 1
    assert f"{bad}:12: session[1].item[1].minutes" in result.stderr
    assert "Traceback" not in result.stderr


# --- the JSON Schema shipped for editors -------------------------------------------------


def _aliases(model: type[Any]) -> set[str]:
    """The TOML keys of a model."""
    return {f.alias or name for name, f in model.model_fields.items()}


def _required(model: type[Any]) -> set[str]:
    """The TOML keys a model requires."""
    return {f.alias or name for name, f in model.model_fields.items() if f.is_required()}


def test_json_schema_matches_the_models() -> None:
    """The editor schema has exactly the models' keys, requirements, kinds and bounds."""
    schema = json.loads((shipped_dir() / "curriculum.schema.json").read_text(encoding="utf-8"))
    session = schema["$defs"]["session"]
    item = schema["$defs"]["item"]

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for level, model in [(schema, Curriculum), (session, Topic), (item, Item)]:
        assert set(level["properties"]) == _aliases(model)
        assert set(level["required"]) == _required(model)
        assert level["additionalProperties"] is False
        assert all(p.get("description") for p in level["properties"].values())
    assert schema["properties"]["schema"]["const"] == 1
    assert schema["$defs"]["slug"]["pattern"] == SLUG_PATTERN
    assert tuple(item["properties"]["kind"]["enum"]) == KINDS
    minutes = item["properties"]["minutes"]
    assert (minutes["minimum"], minutes["maximum"]) == ITEM_MINUTES
    planned = schema["properties"]["minutes"]
    assert (planned["minimum"], planned["maximum"]) == PLAN_MINUTES


def test_core_module_imports_no_ui_libraries() -> None:
    """Loading curricula must not pull in Textual, Rich or Typer (core stays UI-free)."""
    code = (
        "import sys, facilitator.curriculum.catalog\n"
        "print(sorted(m for m in ('textual', 'rich', 'typer') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
