"""Vietnamese phone numbers as people type them ("0912 345 678", "+84 912.345.678", "(024) 3825 1234"),
kept in one form, the national one with its leading 0, so that a sign-in by phone finds the person
whichever way the number was written in the ward's file or typed on the sign-in page.

Written here rather than with a phone-number library: the only numbers are Vietnamese, the rule fits in a
few lines (mobiles have 10 digits, landlines 11 with the area code), and nothing is dialled."""

from __future__ import annotations

import re

from tracker.errors import InvalidInputError

_SEPARATORS = re.compile(r"[\s.\-()]")
_NATIONAL = re.compile(r"0\d{9,10}")


def phone_number(text: str) -> str | None:
    """`text` in the national form ("0912345678") when it is a Vietnamese phone number, written with
    spaces, dots, dashes or brackets and with or without +84; None otherwise."""
    digits = _SEPARATORS.sub("", text.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if _NATIONAL.fullmatch(digits) else None


def required_phone_number(text: str) -> str:
    """`phone_number(text)`, or InvalidInputError with one line saying what a number looks like."""
    found = phone_number(text)
    if found is None:
        raise InvalidInputError(f"Số điện thoại «{text.strip()}» không đúng: cần 10 chữ số (di động) hoặc 11 chữ "
                                "số (cố định), bắt đầu bằng 0 hoặc +84.")
    return found
