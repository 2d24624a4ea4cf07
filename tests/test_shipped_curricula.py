"""The curricula shipped with the package: each is clean, timed to its block and runnable as is.

Every shipped file is loaded through the catalog and checked for what a facilitator relies on:
no problems or warnings, sessions that fill (and never overrun) the planned minutes, a check-in
first and a check-out last, a break in every 3-hour block, prompts on every agenda item, and the
DBT skills cycle with mindfulness revisited before each module.
"""

from __future__ import annotations

from functools import cache
from itertools import groupby

import pytest
from typer.testing import CliRunner

from facilitator.cli import app
from facilitator.curriculum.catalog import discover
from facilitator.curriculum.loading import check_file, timing_warnings
from facilitator.curriculum.model import Curriculum, shipped_dir

runner = CliRunner()
WIDE = {"COLUMNS": "200"}

EXPECTED = {
    "addiction-education": (11, 180),
    "codependency-family-support": (8, 90),
    "dbt-skills": (24, 120),
    "early-recovery-skills": (10, 180),
    "family-education": (6, 90),
    "project-group": (5, 90),
    "relapse-prevention": (10, 180),
    "twelve-step-facilitation": (12, 180),
}
"""Every shipped curriculum: (sessions, planned minutes per session)."""

TOPIC_KINDS = {"education", "skills"}
WORK_KINDS = {"practice", "discussion"}

DBT_MODULES = ("distress-tolerance", "emotion-regulation", "interpersonal-effectiveness")


@cache
def shipped() -> dict[str, Curriculum]:
    """The shipped curricula by id, as the catalog finds them (loaded once)."""
    return {c.id: c for c in discover().curricula.values() if c.source == "shipped"}


def test_catalog_finds_every_shipped_file_with_no_problems() -> None:
    """One curriculum per file, ids unique among curricula, nothing reported."""
    catalog = discover()
    files = sorted(shipped_dir().glob("*.toml"))

    assert catalog.problems == []
    assert sorted(shipped()) == sorted(EXPECTED)
    assert len(files) == len(EXPECTED)
    assert {c.path.name for c in shipped().values() if c.path} == {f.name for f in files}


@pytest.mark.parametrize("curriculum_id", sorted(EXPECTED))
def test_file_passes_check_with_no_warning(curriculum_id: str) -> None:
    """`curriculum check FILE` finds neither a problem nor a timing warning."""
    curriculum = shipped()[curriculum_id]
    assert curriculum.path is not None

    assert check_file(curriculum.path) == ([], [])
    assert timing_warnings(curriculum) == []


def test_cli_check_says_ok_for_every_shipped_file() -> None:
    """`facilitator curriculum check` over the shipped folder: OK per file, exit 0, no stderr."""
    files = sorted(shipped_dir().glob("*.toml"))

    result = runner.invoke(app, ["curriculum", "check", *map(str, files)], env=WIDE)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"{f}: OK" for f in files]
    assert result.stderr == ""


@pytest.mark.parametrize("curriculum_id", sorted(EXPECTED))
def test_sessions_fill_the_declared_block(curriculum_id: str) -> None:
    """Session count as listed; every session adds up to exactly the planned minutes."""
    curriculum = shipped()[curriculum_id]
    sessions, minutes = EXPECTED[curriculum_id]

    assert len(curriculum.sessions) == sessions
    assert curriculum.minutes == minutes
    totals = {topic.id: topic.minutes for topic in curriculum.sessions}
    assert totals == {topic.id: minutes for topic in curriculum.sessions}


@pytest.mark.parametrize("curriculum_id", sorted(EXPECTED))
def test_each_session_is_a_full_agenda(curriculum_id: str) -> None:
    """Check-in first, wrap-up last, a topic, practice or process, and a break in 3-hour blocks."""
    curriculum = shipped()[curriculum_id]
    needs_break = (curriculum.minutes or 0) >= 180

    for topic in curriculum.sessions:
        kinds = [item.kind for item in topic.items]
        assert kinds[0] == "check-in", topic.id
        assert kinds[-1] == "wrap-up", topic.id
        assert TOPIC_KINDS & set(kinds), topic.id
        assert WORK_KINDS & set(kinds), topic.id
        if needs_break:
            assert "break" in kinds, topic.id
        assert "other" not in kinds, topic.id


@pytest.mark.parametrize("curriculum_id", sorted(EXPECTED))
def test_every_item_but_a_break_has_prompts(curriculum_id: str) -> None:
    """The facilitator always has something to say: prompts on every non-break item, goals too."""
    curriculum = shipped()[curriculum_id]

    assert curriculum.description.strip()
    for topic in curriculum.sessions:
        assert topic.goals, topic.id
        for item in topic.items:
            if item.kind == "break":
                continue
            assert item.prompts.strip(), f"{topic.id}: {item.title}"
            assert item.prompts.lstrip().startswith("- "), f"{topic.id}: {item.title}"


def test_twelve_step_facilitation_covers_the_listed_topics_in_order() -> None:
    """From acceptance to continuing care, one session each."""
    ids = [t.id for t in shipped()["twelve-step-facilitation"].sessions]

    assert ids == [
        "acceptance",
        "surrender",
        "getting-active",
        "meetings-and-sponsors",
        "people-places-routines",
        "working-the-steps",
        "service",
        "slips-and-honesty",
        "spirituality-on-my-terms",
        "dealing-with-resentment",
        "family-and-the-program",
        "continuing-care",
    ]


def _module(topic_id: str) -> str:
    """The DBT module a session belongs to, from its id's prefix."""
    for module in ("mindfulness", *DBT_MODULES):
        if topic_id.startswith(f"{module}-"):
            return module
    raise AssertionError(f"session '{topic_id}' belongs to no module")


def test_dbt_runs_four_modules_with_mindfulness_before_each() -> None:
    """Mindfulness, then each other module preceded by a mindfulness session, in one cycle."""
    dbt = shipped()["dbt-skills"]
    modules = [_module(t.id) for t in dbt.sessions]

    runs = [name for name, _ in groupby(modules)]
    assert runs == [
        "mindfulness",
        "distress-tolerance",
        "mindfulness",
        "emotion-regulation",
        "mindfulness",
        "interpersonal-effectiveness",
    ]
    for module in DBT_MODULES:
        first = modules.index(module)
        before = dbt.sessions[first - 1]
        assert before.id == f"mindfulness-before-{module}"
        assert before.title.startswith("Mindfulness Revisited")
    for topic in dbt.sessions:
        assert topic.title.split(":")[0] in {
            "Mindfulness",
            "Mindfulness Revisited",
            "Distress Tolerance",
            "Emotion Regulation",
            "Interpersonal Effectiveness",
        }, topic.title
    assert 90 <= (dbt.minutes or 0) <= 120


def test_dbt_cycle_wraps_round_to_mindfulness() -> None:
    """After the last interpersonal session the next proposed topic is the first mindfulness one."""
    dbt = shipped()["dbt-skills"]

    assert dbt.next_topic(dbt.sessions[-1].id).id == "mindfulness-states-of-mind"


def test_project_group_goes_goal_plan_work_report() -> None:
    """A handful of sessions that start with the goal and end with the report back."""
    ids = [t.id for t in shipped()["project-group"].sessions]

    assert 4 <= len(ids) <= 6
    assert ids[0] == "choosing-the-goal"
    assert ids[1] == "making-the-plan"
    assert ids[-1] == "report-back"


def test_list_shows_each_shipped_curriculum_with_sessions_and_minutes() -> None:
    """`facilitator curriculum list`: one row per shipped id with its session count and minutes."""
    result = runner.invoke(app, ["curriculum", "list"], env=WIDE)

    assert result.exit_code == 0, result.output
    rows = {
        cells[0]: cells
        for line in result.stdout.splitlines()
        if "│" in line
        for cells in [[c.strip() for c in line.split("│")[1:-1]]]
    }
    for curriculum_id, (sessions, minutes) in EXPECTED.items():
        row = rows[curriculum_id]
        assert row[1] == shipped()[curriculum_id].title
        assert row[2:] == [str(sessions), str(minutes), "shipped"]
    assert result.stderr == ""
