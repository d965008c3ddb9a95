"""Checksums and shape validators (Presidio's ``validate_result`` hooks), pure functions.

Why separate: the identifier, credential and date recognisers share them, and each is
tested on its own against published examples.
"""

from __future__ import annotations

import datetime as _dt

__all__ = ["luhn_ok", "iban_ok", "nanp_phone", "spoken_date"]


def luhn_ok(digits: str) -> bool:
    """Luhn checksum (credit cards)."""
    if not digits.isdigit() or len(digits) < 12:
        return False
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    """IBAN mod-97 check (ISO 13616)."""
    s = text.replace(" ", "").upper()
    if len(s) < 15 or len(s) > 34:
        return False
    s = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in s)
    return int(num) % 97 == 1


def nanp_phone(digits: str, plus: bool) -> bool:
    """North-American or international phone shapes."""
    if plus and 8 <= len(digits) <= 15:
        return True
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) == 10 and digits[0] in "23456789":
        return True
    return False


def spoken_date(digits: str, year: int) -> bool:
    """MDDYYYY / MMDDYYYY that is a real calendar date ("zero five fifteen twenty twenty five"), at most
    ten years after ``year`` (today's)."""
    if len(digits) not in (7, 8):
        return False
    m, d, y = (digits[:1], digits[1:3], digits[3:]) if len(digits) == 7 else (digits[:2], digits[2:4], digits[4:])
    try:
        _dt.date(int(y), int(m), int(d))
    except ValueError:
        return False
    return 1900 <= int(y) <= year + 10
