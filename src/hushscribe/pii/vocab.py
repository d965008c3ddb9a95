"""Vocabularies that several PII modules share, defined once: months, weekdays, number words.

Why one module: the spoken-form normaliser, the date recogniser, the name lists and the spaCy
adapter all need the month names; when each kept its own copy they drifted apart.
"""

from __future__ import annotations

__all__ = [
    "MONTHS", "MONTH_NAMES", "MONTH_ABBREVIATIONS", "WEEKDAYS", "month_regex",
    "UNITS", "TEENS", "TENS", "SCALES", "ORD_UNITS", "ORD_TEENS", "ORD_TENS",
]

#: Full month names in calendar order.
MONTH_NAMES: tuple[str, ...] = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)
#: Abbreviations as people write and Whisper prints them ("Sept" as well as "Sep").
MONTH_ABBREVIATIONS: dict[str, int] = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sept": 9, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
#: Every month word (full or abbreviated) -> month number.
MONTHS: dict[str, int] = {**{m: i + 1 for i, m in enumerate(MONTH_NAMES)}, **MONTH_ABBREVIATIONS}

WEEKDAYS: frozenset[str] = frozenset(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))


def month_regex(*, abbreviations: bool = True) -> str:
    """A non-capturing regex alternative of the month words (full names first, so the longest wins)."""
    words = list(MONTH_NAMES)
    if abbreviations:
        words += ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sept", "sep", "oct", "nov", "dec"]
    return "(?:" + "|".join(words) + ")"


# Spoken number words (the normaliser turns them into digits; the audio bench reads them back).
UNITS: dict[str, int] = {
    "zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
}
TEENS: dict[str, int] = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
SCALES: dict[str, int] = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
ORD_UNITS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9,
}
ORD_TEENS: dict[str, int] = {
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
}
ORD_TENS: dict[str, int] = {"twentieth": 20, "thirtieth": 30}
