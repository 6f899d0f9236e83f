"""Numbers written with a magnitude or in scientific notation (`lamagent.numerals`)."""

from __future__ import annotations

from decimal import Decimal

from lamagent.numerals import magnitude_numbers, scientific_numbers


def test_magnitudes_are_read_in_order_with_the_digits_written() -> None:
    text = "Revenues of $1.2M, then 50 million users, 3 Billion views and $300K raised."
    assert magnitude_numbers(text) == [
        (Decimal("1.2"), Decimal("1200000")),
        (Decimal("50"), Decimal("50000000")),
        (Decimal("3"), Decimal("3000000000")),
        (Decimal("300"), Decimal("300000")),
    ]


def test_what_is_no_magnitude_is_left() -> None:
    # a letter without a currency sign may be a unit ("5m" is five metres), a word must follow
    # the digits, and a number inside another is not read ("1,500 million" is not 500 million)
    assert magnitude_numbers("Run 5m, then 5M steps, the millionth user, 3Mbps") == []
    assert magnitude_numbers("$5Mb of storage") == []
    assert magnitude_numbers("1,500 million") == []


def test_scientific_notation() -> None:
    assert scientific_numbers("charges of 1e-9 and 2.5E+3, not x1e5 or 3e") == [
        Decimal("1E-9"),
        Decimal("2.5E+3"),
    ]
