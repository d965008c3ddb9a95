"""Dates and ages: month-name and numeric dates, birth dates, card expiry dates, "42 years old".

Month-name and numeric dates are ``date``; with a birth trigger ("born", "date of birth",
"DOB") ``date_of_birth``; with an expiry trigger ``credit_card_expiration``. A complete date
(day, month, year) whose year lies 15+ years before the turn's year and that has no event
word ("moved", "since", "appointment", "due" ...) in its sentence is taken as a birth date:
in call-centre speech such dates answer "what's your date of birth?".
"""

from __future__ import annotations

import re

from ..vocab import month_regex
from .base import Analysis, Pattern, Recognizer, SpanSink, Tok, free, sent_of
from .context import Trigger, context

__all__ = ["DATE_PATTERNS", "DateRecognizer", "AgeRecognizer"]

_MONTH_RE = month_regex() + r"\.?"
_DAY_RE = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR_RE = r"(?:19\d\d|20\d\d)"

DATE_PATTERNS: list[Pattern] = [
    Pattern("month day year", rf"\b{_MONTH_RE}\s+(?:the\s+)?{_DAY_RE}(?:,?\s+{_YEAR_RE})?\b", 0.8),
    Pattern("day month year", rf"\b(?:the\s+)?{_DAY_RE}\s+(?:of\s+)?{_MONTH_RE}(?:,?\s+{_YEAR_RE})?\b", 0.8),
    Pattern("month year", rf"\b{_MONTH_RE},?\s+{_YEAR_RE}\b", 0.7),
    Pattern("numeric mdy", r"(?<![\d/.-])(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-](?:\d{4}|\d{2})(?![\d/-])", 0.85),
    Pattern("iso", r"(?<![\d-])(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\d-])", 0.85),
    Pattern("month/year", r"(?<![\d/.-])(?:0?[1-9]|1[0-2])/(?:\d{4}|\d{2})(?![\d/-])", 0.5),
]
_DATE_COMPILED = [(p, re.compile(p.regex, re.IGNORECASE)) for p in DATE_PATTERNS]

_EVENT_WORDS = frozenset(
    """moved move since started start appointment appointments due paid payment pay scheduled
    schedule ordered order shipped ship delivered delivery opened open closed close signed sign
    hired joined bought purchased renewed renew expires expired expiring until til till by
    from effective starting ending ended booked flight arrive arriving leave leaving visit
    meeting deadline last next married divorced passed died installed called""".split()
)


def _dates(text: str, toks: list[Tok], trigs: list[Trigger], out: SpanSink, taken: list[tuple[int, int]], year: int) -> None:
    found: list[tuple[int, int, str]] = []
    for pat, rx in _DATE_COMPILED:
        for m in rx.finditer(text):
            a, b = m.span()
            if not free(((x, y) for x, y, _ in found), a, b) or not free(taken, a, b):
                continue
            found.append((a, b, pat.name))
    for a, b, name in found:
        s = text[a:b]
        ti, sent = sent_of(toks, a)
        cat, _, _ = context(trigs, ti, sent)
        year_m = re.search(r"(19|20)\d\d", s)
        has_day = bool(re.search(r"\b(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?\b", re.sub(r"(19|20)\d\d", "", s)))
        if cat == "expiry" and name in ("month year", "month/year", "numeric mdy", "month day year"):
            out.add(a, b, "credit_card_expiration", 0.85, f"rule:{name}")
            taken.append((a, b))
            continue
        if name == "month/year":
            continue  # "8/27" alone is too ambiguous
        if cat == "dob":
            out.add(a, b, "date_of_birth", 0.9, f"rule:{name}")
            taken.append((a, b))
            continue
        if name == "month year" or not has_day:
            # lone "May" / "March 2026" without a birth/expiry cue
            if name == "month year":
                out.add(a, b, "date", 0.6, f"rule:{name}")
            continue
        sent_words = {t.low for t in toks if t.sent == sent}
        if year_m is not None and has_day and int(year_m.group()) <= year - 15 and not (sent_words & _EVENT_WORDS):
            out.add(a, b, "date_of_birth", 0.65, f"rule:{name}:old-full-date")
        else:
            out.add(a, b, "date", 0.75, f"rule:{name}")
        taken.append((a, b))



# --- age ------------------------------------------------------------------- #

_AGE_YEARS = re.compile(r"\b(\d{1,3})(?:\s+|-)(?:years?|yrs?)(?:\s+|-)old\b", re.IGNORECASE)
_AGE_SUBJ = (
    r"(?:i'm|im|i am|he's|he is|she's|she is|they're|they are|you're|you are|we're|"
    r"(?:my|his|her|our|their|the)\s+(?:son|daughter|wife|husband|kid|child|baby|mother|mom|mum|father|"
    r"dad|brother|sister|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|boy|girl|"
    r"partner|patient|spouse|niece|nephew|friend|dog|cat)\s+(?:is|was|'s|turned|turns|just turned)|"
    r"(?:just\s+)?turned|turning|turns|aged|age|ages|age is|at the age of|at age)"
)
_AGE_TRIG = re.compile(
    rf"\b{_AGE_SUBJ}\s+(?:just\s+|only\s+|about\s+|almost\s+|nearly\s+|now\s+|going to be\s+|gonna be\s+)?(\d{{1,3}})\b",
    re.IGNORECASE,
)
_AGE_NEXT_OK = re.compile(
    r"\s*(?:$|[.,;:!?]|and\b|or\b|but\b|so\b|now\b|next\b|this\b|in\b|last\b|soon\b|already\b|too\b|"
    r"myself\b|years\b|yesterday\b|today\b|on\b|as\b|if\b|when\b|which\b|because\b|though\b)",
    re.IGNORECASE,
)


def _ages(text: str, out: SpanSink, taken: list[tuple[int, int]]) -> None:
    for m in _AGE_YEARS.finditer(text):
        if 0 < int(m.group(1)) <= 120:
            out.add(m.start(), m.end(), "person_age", 0.9, "rule:age:years-old")
            taken.append(m.span())
    for m in _AGE_TRIG.finditer(text):
        a, b = m.span(1)
        if not free(taken, a, b):
            continue
        if not (0 < int(m.group(1)) <= 120):
            continue
        if not _AGE_NEXT_OK.match(text, b):
            continue
        out.add(a, b, "person_age", 0.8, "rule:age:subject")
        taken.append((a, b))


class DateRecognizer(Recognizer):
    """Dates, labelled date / date_of_birth / credit_card_expiration by their trigger."""

    name = "dates"
    policies = ("date", "date_of_birth", "credit_card_expiration")

    def analyze(self, a: Analysis) -> None:
        _dates(a.text, a.toks, a.trigs, a.out, a.taken, a.year)


class AgeRecognizer(Recognizer):
    """Ages: "42 years old", "my son is 7", "I just turned 60"."""

    name = "ages"
    policies = ("person_age",)

    def analyze(self, a: Analysis) -> None:
        _ages(a.text, a.out, a.taken)
