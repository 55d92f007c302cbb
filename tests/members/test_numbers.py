"""Member numbers: EAN-13 check digits, valid as JAN barcodes."""

from __future__ import annotations

import pytest
from barcode import EAN13

from bot.members.numbers import (
    ean13_check_digit,
    is_valid_member_no,
    normalize_member_no,
    random_member_no,
)


@pytest.mark.parametrize("code", ["4006381333931", "9780306406157", "4901234567894"])
def test_known_codes_check(code: str) -> None:
    assert ean13_check_digit(code[:12]) == code[12]
    assert is_valid_member_no(code)


@pytest.mark.parametrize(
    "value", ["4006381333932", "400638133393", "40063813339310", "4OO6381333931", ""]
)
def test_wrong_codes_do_not_check(value: str) -> None:
    assert not is_valid_member_no(value)


def test_full_width_digits_are_not_member_numbers() -> None:
    assert not is_valid_member_no("４００６３８１３３３９３１")
    assert normalize_member_no("４００６ ３８１３-３３９３１") == "4006381333931"


def test_new_numbers_are_valid_in_store_codes_a_barcode_library_accepts() -> None:
    numbers = {random_member_no() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert number.startswith("29") and is_valid_member_no(number)
        assert EAN13(number).get_fullcode() == number


def test_prefix_is_checked() -> None:
    assert random_member_no("2001").startswith("2001")
    with pytest.raises(ValueError):
        random_member_no("x9")
