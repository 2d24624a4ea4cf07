"""Personal check-in codes: normalising, validating and generating them."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from facilitator.program import codes

LOOK_ALIKES = set("0O1IL5S2Z8B")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ab-cd 12", "ABCD12"),
        ("  abcd12\n", "ABCD12"),
        ("AB-CD-12", "ABCD12"),
        ("ab\tcd\u00a012", "ABCD12"),  # tab and a no-break space pasted from a document
        ("ab\u2013cd\u201412", "ABCD12"),  # en and em dashes a word processor substitutes
        ("ＡＢ１２ｃｄ", "AB12CD"),  # full-width letters and digits from a phone keyboard
        ("7731-0042", "77310042"),  # a clinic's badge number
        ("", ""),
    ],
)
def test_normalise_ignores_case_spaces_and_dashes(typed: str, stored: str) -> None:
    assert codes.normalise(typed) == stored


def test_normalise_keeps_other_punctuation_so_it_can_be_refused() -> None:
    assert codes.normalise("ab.cd!") == "AB.CD!"


@pytest.mark.parametrize("code", ["ABCD", "abcd", "ab-cd", "A1B2C3D4E5F6G7H8", "7731 0042"])
def test_is_valid_accepts_4_to_16_letters_and_digits(code: str) -> None:
    assert codes.is_valid(code)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "ABC",  # too short
        "A1B2C3D4E5F6G7H8J",  # 17: too long
        "AB.CD",
        "ABCD!",
        "AB_CD",
        "ÄBCD",  # letters, but not ones every keyboard can type
        "AB\x1bCD",
    ],
)
def test_is_valid_refuses_short_long_and_punctuated_codes(code: str) -> None:
    assert not codes.is_valid(code)


def test_generated_codes_are_valid_unambiguous_and_distinct() -> None:
    taken: set[str] = set()
    for _ in range(2000):
        code = codes.generate(taken)
        assert codes.is_valid(code)
        assert len(code) == codes.GENERATED_LENGTH
        assert not LOOK_ALIKES & set(code), code
        assert code not in taken
        taken.add(code)
    assert len(taken) == 2000


def test_alphabet_has_no_look_alike_characters() -> None:
    assert not LOOK_ALIKES & set(codes.ALPHABET)
    assert len(set(codes.ALPHABET)) == len(codes.ALPHABET) >= 20


def test_generate_draws_again_when_the_code_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    draws: Iterator[str] = iter("AAAAAA" + "CCCCCC")
    monkeypatch.setattr(codes, "secrets", SimpleNamespace(choice=lambda _alphabet: next(draws)))
    assert codes.generate({"AAAAAA"}) == "CCCCCC"
