"""`--meets` specs: what is read, what is stored, and the one message a bad spec gets."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator.errors import UserError
from facilitator.program.schedule import Block, blocks_on, canonical, parse


def test_one_block_of_three_days() -> None:
    assert parse("mon,wed,fri 18:00-21:00") == (Block(dt.time(18, 0), dt.time(21, 0), (0, 2, 4)),)


def test_blocks_by_start_time_full_names_and_ranges() -> None:
    blocks = parse("Thursday 13:00-16:00; mon-wed 9:00-12:00")
    assert [b.spec() for b in blocks] == ["mon,tue,wed 09:00-12:00", "thu 13:00-16:00"]
    assert blocks[0].minutes == 180


def test_canonical_form_and_none() -> None:
    assert canonical(" MON,wed 09:00-12:00 ;thu 13:00-16:00 ") == (
        "mon,wed 09:00-12:00; thu 13:00-16:00"
    )
    assert canonical("none") is None
    assert canonical(None) is None


def test_blocks_on_a_day() -> None:
    spec = "mon,wed 09:00-12:00; wed 13:00-14:30"
    wednesday = dt.date(2026, 12, 2)
    assert [b.spec() for b in blocks_on(spec, wednesday)] == [
        "mon,wed 09:00-12:00",
        "wed 13:00-14:30",
    ]
    assert blocks_on(spec, dt.date(2026, 12, 3)) == []
    assert blocks_on(None, wednesday) == []


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("mox 09:00-12:00", "unknown day 'mox'"),
        ("mon 25:00-26:00", "'25:00'"),
        ("mon 09:60-10:00", "'09:60'"),
        ("mon 12:00-09:00", "the end 09:00 is not after the start 12:00"),
        ("mon 09:00-09:00", "the end 09:00 is not after the start 09:00"),
        ("mon", "'mon' should be weekdays and a start-end"),
        ("mon 9-12", "'9'"),
        ("fri-mon 09:00-12:00", "'fri-mon' runs backwards"),
        ("mon,,wed 09:00-12:00", "an empty day"),
        ("mon 09:00-12:00; mon 11:00-13:00", "overlap on mon"),
        (";", "no meeting times"),
    ],
)
def test_bad_specs_name_the_part(spec: str, named: str) -> None:
    with pytest.raises(UserError) as caught:
        parse(spec)
    assert named in str(caught.value)
    assert str(caught.value).startswith("--meets: ")


@given(
    st.lists(
        st.tuples(
            st.sets(st.integers(0, 6), min_size=1),
            st.integers(0, 22),
            st.integers(1, 60),
        ),
        min_size=1,
        max_size=1,
    )
)
def test_canonical_reads_back_the_same(blocks: list[tuple[set[int], int, int]]) -> None:
    days, hour, length = blocks[0]
    end = min(hour * 60 + length, 23 * 60 + 59)
    names = ",".join(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d] for d in days)
    spec = f"{names} {hour:02d}:00-{end // 60:02d}:{end % 60:02d}"
    stored = canonical(spec)
    assert stored is not None
    assert canonical(stored) == stored
    assert parse(stored) == parse(spec)
