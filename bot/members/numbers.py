"""Member numbers: 13 digits with an EAN-13 check digit, printable as a JAN barcode.

New numbers start with a prefix from the GS1 in-store range (20-29 by default
"29"), so they never collide with a product's JAN code at the register.
"""

from __future__ import annotations

import secrets

MEMBER_NO_LENGTH = 13


def ean13_check_digit(first_twelve: str) -> str:
    """Return the EAN-13 check digit for twelve digits."""
    if len(first_twelve) != 12 or not first_twelve.isascii():
        raise ValueError("an EAN-13 body is exactly twelve digits")
    if not first_twelve.isdigit():
        raise ValueError("an EAN-13 body is exactly twelve digits")
    # Weights 1 and 3 alternate from the left; the check digit tops up to ten.
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first_twelve))
    return str((10 - total % 10) % 10)


def is_valid_member_no(value: str) -> bool:
    """Tell whether a string is 13 ASCII digits whose last one checks."""
    if len(value) != MEMBER_NO_LENGTH or not value.isascii() or not value.isdigit():
        return False
    return ean13_check_digit(value[:12]) == value[12]


def random_member_no(prefix: str = "29") -> str:
    """Return a random, valid member number that starts with the prefix."""
    if not prefix.isdigit() or not 1 <= len(prefix) <= 6:
        raise ValueError("a member number prefix is 1 to 6 digits")
    body = prefix + "".join(str(secrets.randbelow(10)) for _ in range(12 - len(prefix)))
    return body + ean13_check_digit(body)


def normalize_member_no(raw: str) -> str:
    """Drop spaces and hyphens a customer may type from a printed card."""
    table = str.maketrans("０１２３４５６７８９", "0123456789", " -－ー　")
    return raw.translate(table).strip()
