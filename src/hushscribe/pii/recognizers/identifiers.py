"""Identifiers and numbers: cards, CVVs, SSNs, phones, account/bank/ID numbers, IBANs, VINs.

How a digit group is labelled -- the nearest *context trigger* decides (see :mod:`.context`):

* For each digit group, the nearest trigger before it in the same sentence (at most nine
  words back) gives the category; a strong trigger beats the weak "number". "last four" /
  "ending in" between them allows a 4-digit group.
* The group's shape must fit the category (CVV: 3-4 digits; SSN: 9 or a last four; card:
  13-19 digits or a last four ...). Without a fitting trigger, the shape alone decides:
  NANP phone shapes -> phone, Luhn-valid 13-19 digits -> card, ``ddd-dd-dddd`` -> SSN, one
  letter + 7-13 digits -> driver's licence (the common US state format), and any other
  group of 6+ digits -> account_number (call-centre numbers are account-like; spec: the
  "order number" is redacted by default).
* In a turn that talks about a bank (routing/checking/savings/bank/IBAN), "account"
  numbers are ``banking_information``.
* ASR splits dictated numbers with stray commas, spaces and hyphens ("206 ,55, 0143",
  "3, 4, 7", "B729, 441-"): such a run is one candidate when its whole length fits the
  trigger's category (:class:`SplitIdentifierRecognizer`).
"""

from __future__ import annotations

import re

from .base import (
    UNIT_AFTER,
    Analysis,
    Pattern,
    PatternRecognizer,
    Recognizer,
    SpanSink,
    Tok,
    free,
    tok_range,
)
from .context import Trigger, contexts
from .validators import iban_ok, luhn_ok, nanp_phone, spoken_date

__all__ = ["IBAN", "VIN", "SplitIdentifierRecognizer", "IdentifierRecognizer", "classify"]

# Candidate identifiers: digit groups (optionally with letters) separated by one space,
# hyphen or dot; spoken runs arrive here already as digits.
_CHUNK = r"\(?[A-Za-z]{0,4}\d[A-Za-z\d]*\)?"
_CAND = re.compile(
    rf"(?<![\w@/.:$#€£%-])(?:\+ ?)?(?:[A-Za-z]{{1,3}}-)?{_CHUNK}(?:(?: ?[-.] ?| ){_CHUNK})*(?![\w@%]|[/:]\d|\.\d|,\d{{3}})"
)


def classify(
    cand: str, cat: str | None, weak: bool, last4: bool, bank_turn: bool, year: int, *, strict: bool = False
) -> tuple[str, float] | None:
    """Policy for an identifier candidate given its trigger category (see module doc).

    ``strict``: only answer when the category itself fits (no shape-only fallback)."""
    digits = re.sub(r"\D", "", cand)
    letters = re.sub(r"[^A-Za-z]", "", cand)
    nd, nl = len(digits), len(letters)
    groups = re.findall(r"[A-Za-z\d]+", cand)
    plus = cand.lstrip().startswith("+")
    if nd < 3 or (nl > max(nd, 4) and cat not in ("healthcare", "vehicle", "account", "dl", "passport")):
        return None
    pure = nl == 0
    shape = "-".join(str(len(g)) for g in groups)
    if cat == "cvv" and pure and nd in (3, 4):
        return "credit_card_cvv", 0.9
    if cat == "expiry" and pure and nd in (4, 6):
        mm = int(digits[:2])
        if 1 <= mm <= 12:
            return "credit_card_expiration", 0.85
    if cat == "card" and pure:
        if 13 <= nd <= 19:
            return "credit_card_number", 0.95 if luhn_ok(digits) else 0.8
        if nd == 4:  # "card ending in 4242"
            return "credit_card_number", 0.75
    if cat == "ssn" and pure:
        if nd == 9:
            return "us_social_security_number", 0.95
        if nd == 4:
            return "us_social_security_number", 0.8
    if cat == "banking" and 4 <= nd <= 34:
        return "banking_information", 0.85
    if cat == "account" and nd + nl >= 4 and nd >= 3:
        return ("banking_information" if bank_turn else "account_number"), 0.85
    if cat == "dl" and nd + nl >= 5:
        return "drivers_license", 0.85
    if cat == "passport" and 6 <= nd + nl <= 12:
        return "passport_number", 0.85
    if cat == "healthcare" and nd >= 4:
        return "healthcare_number", 0.85
    if cat == "vehicle" and nd + nl >= 4:
        return "vehicle_id", 0.8
    if cat == "org_id" and nd >= 6:
        return "organization_id", 0.8
    if cat == "zip" and pure and nd in (5, 9):
        return "location_zip", 0.85
    if cat == "dob" and pure and (nd in (6, 8) or (nd == 4 and digits[:2] in ("19", "20"))):
        return "date_of_birth", 0.8
    if cat == "phone" and pure and 7 <= nd <= 15:
        return "phone_number", 0.9
    if strict:
        return None
    if weak and cat is None and pure and 7 <= nd <= 15 and not luhn_ok(digits):
        return "phone_number", 0.8
    # shape alone
    if pure and nanp_phone(digits, plus) and not (13 <= nd <= 19 and luhn_ok(digits)):
        return "phone_number", 0.75
    if pure and shape in ("3-3-4", "3-4") and cat in (None, "phone"):
        return "phone_number", 0.75
    if pure and 13 <= nd <= 19 and luhn_ok(digits):
        return "credit_card_number", 0.85
    if pure and shape == "3-2-4":
        return "us_social_security_number", 0.8
    if pure and cat not in ("account", "banking", "card", "ssn", "phone", "dl", "passport") and spoken_date(digits, year):
        return ("date_of_birth", 0.7) if cat == "dob" or int(digits[-4:]) <= year - 15 else ("date", 0.6)
    if nl == 1 and letters == cand[:1] and 6 <= nd <= 13:
        return "drivers_license", 0.65
    if last4 and cat is None and nd == 4 and pure and not bank_turn:
        return "credit_card_number", 0.6  # "the one ending in 4242": people name cards by their last four
    if last4 and cat in ("account", None) and nd == 4 and pure:
        return ("banking_information" if bank_turn else "account_number"), 0.6
    if nd >= 6 and (nl <= 3):
        return ("banking_information" if bank_turn and cat == "banking" else "account_number"), 0.6
    return None


_LOOSE_SEP = r"(?:\s*[,-]\s*|\s*\.(?![\s.])|\s+)"
_LOOSE_CHUNK = r"[A-Za-z]{0,3}\d[A-Za-z\d]*"
_LOOSE = re.compile(
    rf"(?<![\w@/:$#€£%.])(?:(?P<pre>\b[A-Za-z])(?:\s?-\s?|\s)(?=\d))?(?P<body>{_LOOSE_CHUNK}(?:{_LOOSE_SEP}{_LOOSE_CHUNK})+)"
    rf"(?![\w@%]|[/:]\d|\.\d)"
)
# Categories whose values may start with a letter dictated on its own ("B, 729 441").
_LETTER_LED = frozenset(("dl", "passport", "account", "healthcare", "vehicle"))


# Length (letters + digits) of a complete value per category: a split run whose part before
# the first comma already has it is not one value cut by ASR.
_FULL_LEN = {"cvv": 3, "ssn": 9, "card": 13, "phone": 10, "banking": 9, "expiry": 4, "zip": 5,
             "account": 6, "healthcare": 6, "org_id": 6, "vehicle": 6, "dl": 7, "passport": 6}


def _loose_fits(cat: str, groups: list[str], nd: int, nl: int, last4: bool, weak: bool) -> bool:
    """Does a whole split run have the length of a ``cat`` value?"""
    ng = len(groups)
    if cat == "cvv":
        return nl == 0 and nd in (3, 4)
    if cat == "ssn":
        return nl == 0 and (nd == 9 or (nd == 4 and last4))
    if cat == "card":
        return nl == 0 and (13 <= nd <= 19 or (nd == 4 and last4))
    if cat == "phone":
        # "206 ,55, 0143" or digit by digit; not clock hours "10, 11, 12, 1"
        return nl == 0 and 7 <= nd <= 11 and (
            (ng <= 4 and max(len(g) for g in groups) >= 3) or (nd >= 9 and all(len(g) == 1 for g in groups))
        )
    if cat == "banking":
        return nl == 0 and (nd == 9 or (weak and 6 <= nd <= 17) or (nd == 4 and last4))
    if cat == "expiry":
        return nl == 0 and nd in (4, 6) and ng <= 3
    if cat == "zip":
        return nl == 0 and nd in (5, 9)
    if cat in ("account", "healthcare", "org_id", "vehicle"):
        # "the account was opened with 500, 200": amounts, unless "number"/"ID" was said
        return nd >= 5 and 6 <= nd + nl <= 20 and (weak or nl > 0)
    if cat in ("dl", "passport"):
        return nd >= 4 and 5 <= nd + nl <= 15
    return False


_ANSWER_BEFORE = frozenset(
    "it's its it is um uh sure yes yeah okay ok so that's thats well oh the number mine hers his that "
    "ours theirs".split()
)
_ANSWER_AFTER = frozenset("please thanks thank you".split())


def _looks_like_list(groups: list[str]) -> bool:
    """"104, 105, 106", "100, 200, 300", "2019, 2020, 2021": an enumeration, not one number."""
    vals = [int(g) for g in groups]
    if len(vals) >= 3 and len({b - a for a, b in zip(vals, vals[1:], strict=False)}) == 1:
        return True
    if all(v % 10 == 0 and not g.startswith("0") for v, g in zip(vals, groups, strict=True)):
        return True
    return all(re.fullmatch(r"(?:19|20)\d\d", g) for g in groups)


def _answer_only(toks: list[Tok], first: int, last: int) -> bool:
    """Is toks[first:last] all its sentence says, fillers aside ("Sure, it's ...", "... thanks")?"""
    sent = toks[first].sent
    before = [t for t in toks[:first] if t.sent == sent]
    after = [t for t in toks[last:] if t.sent == sent]
    return all(t.low in _ANSWER_BEFORE for t in before) and all(t.low in _ANSWER_AFTER for t in after)


def _split_identifiers(
    text: str, toks: list[Tok], trigs: list[Trigger], out: SpanSink, taken: list[tuple[int, int]], bank_turn: bool,
    year: int
) -> None:
    """Identifiers that ASR split with commas/spaces/stray hyphens (see the section note)."""
    for m in _LOOSE.finditer(text):
        body = m.group("body")
        if _CAND.fullmatch(body) and not m.group("pre"):
            continue  # an ordinary candidate: :func:`_identifiers` judges it
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", body):
            continue  # 1,234.56: an amount
        a, b = m.span()
        if not free(taken, a, b) or UNIT_AFTER.match(text, b):
            continue
        first, last = tok_range(toks, m.start("body"), b)
        if first >= len(toks):
            continue
        sent = toks[first].sent
        cats, weak, last4 = contexts(trigs, first, sent, last)
        # "member ID is 123, 456": a field name was said, not just "account"
        named = weak or any(t.low in ("id", "code") and t.sent == sent for t in toks[max(0, first - 6) : first])
        pre = m.group("pre")
        res: tuple[int, str, float, str] | None = None
        for cat in cats:
            lead = pre if pre and cat in _LETTER_LED and (pre.isupper() or pre.lower() not in ("a", "i")) else ""
            groups = re.findall(r"[A-Za-z\d]+", lead + body)
            cand = "-".join(groups)
            nd = sum(c.isdigit() for c in cand)
            nl = sum(c.isalpha() for c in cand)
            if not _loose_fits(cat, groups, nd, nl, last4, named):
                continue
            head = re.split(r"\s*,\s*", lead + body)[0]
            if sum(c.isalnum() for c in head) >= _FULL_LEN.get(cat, 99):
                # "card number is 4111 1111 1111 1111, 123 is the CVV": the part before the
                # comma is already a whole value; the ordinary candidate pass judges it
                continue
            fit = classify(cand, cat, weak, last4, bank_turn, year, strict=True)
            if fit is not None:
                start = m.start("pre") if lead else m.start("body")
                res = (start, fit[0], fit[1], f"rule:id:{cat}:split")
                break
        if res is None and not cats:
            groups = re.findall(r"[A-Za-z\d]+", body)
            digits = "".join(g for g in groups if g.isdigit())
            shape = "-".join(str(len(g)) for g in groups)
            if all(g.isdigit() for g in groups):
                if shape in ("3-3-4", "1-3-3-4") and nanp_phone(digits, False):
                    res = (m.start("body"), "phone_number", 0.75, "rule:id:phone:split")
                elif (
                    7 <= len(digits) <= 19
                    and all(len(g) >= 3 for g in groups[:-1])
                    and len(groups[-1]) >= 2
                    and _answer_only(toks, first, last)
                    and not _looks_like_list(groups)
                ):
                    # "Sure, it's 774, 391, 208.": the whole turn answers a question about a
                    # number asked in the previous turn; the shape decides what it is
                    r = classify("-".join(groups), None, weak, last4, bank_turn, year)
                    if r is not None:
                        res = (m.start("body"), r[0], r[1] - 0.05, "rule:id:shape:split")
                elif weak and 2 <= len(groups) <= 4 and 9 <= len(digits) <= 11 and not luhn_ok(digits):
                    # "my number is 206 ,55, 0143": ASR dropped a digit, the cue still says phone
                    res = (m.start("body"), "phone_number", 0.8, "rule:id:number:split")
            elif (
                re.fullmatch(r"[A-Za-z]\d{3,}", groups[0])
                and all(g.isdigit() for g in groups[1:])
                and len(groups) <= 3
                and 6 <= sum(c.isdigit() for c in body) <= 13
            ):
                # "B729, 441-": a letter+digits chunk continued by digit groups
                r = classify("-".join(groups), None, weak, last4, bank_turn, year)
                if r is not None:
                    res = (m.start("body"), r[0], r[1] - 0.05, "rule:id:shape:split")
        if res is None:
            continue
        start, policy, score, det = res
        out.add(start, b, policy, score, det)
        taken.append((start, b))



def _identifiers(text: str, toks: list[Tok], trigs: list[Trigger], out: SpanSink, taken: list[tuple[int, int]], bank_turn: bool,
                 year: int) -> None:
    for m in _CAND.finditer(text):
        a, b = m.span()
        s = m.group()
        # trim brackets that are not balanced inside the match
        if not free(taken, a, b):
            continue
        if re.fullmatch(r"\d+(?:\.\d+)?", s) and "." in s:
            continue  # decimals
        if UNIT_AFTER.match(text, b):
            continue
        first, last = tok_range(toks, a, b)
        sent = toks[first].sent if first < len(toks) else 0
        cats, weak, last4 = contexts(trigs, first, sent, last)
        # the nearest trigger whose category fits the shape wins ("my passport expires in
        # 2029 and the number is ..." -> passport, not expiry); else the shape alone
        res = None
        cat = None
        for c in cats:
            res = classify(s, c, weak, last4, bank_turn, year, strict=True)
            if res is not None:
                cat = c
                break
        if res is None:
            cat = cats[0] if cats else None
            res = classify(s, cat, weak, last4, bank_turn, year)
        if res is None:
            continue
        policy, score = res
        # a bare 4-digit year-like number is only an identifier with an explicit cue
        digits = re.sub(r"\D", "", s)
        if len(digits) == 4 and cat is None and not last4:
            continue
        if policy == "location_zip":
            out.add(a, b, policy, score, "rule:zip")
        else:
            # "my number is ..." is context too (it outranks shape-only guesses, see detector)
            out.add(a, b, policy, score, f"rule:id:{cat or ('number' if weak else 'shape')}")
        taken.append((a, b))


def _iban_valid(a: Analysis, pat: Pattern, m: re.Match[str]) -> bool:
    return iban_ok(m.group())


IBAN = PatternRecognizer(
    "iban", "banking_information",
    [Pattern("iban", r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b", 0.9)],
    ignore_case=False, validate=_iban_valid,
)
VIN = PatternRecognizer(
    "vin", "vehicle_id",
    [Pattern("vin", r"\b(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{17}\b", 0.85)],
    ignore_case=False,
)


class SplitIdentifierRecognizer(Recognizer):
    """Identifiers that ASR split with commas/spaces/stray hyphens."""

    name = "split_identifiers"
    policies = ("credit_card_number", "credit_card_cvv", "credit_card_expiration", "us_social_security_number",
                "phone_number", "banking_information", "account_number", "drivers_license", "passport_number",
                "healthcare_number", "vehicle_id", "organization_id", "location_zip", "date_of_birth", "date")

    def analyze(self, a: Analysis) -> None:
        _split_identifiers(a.text, a.toks, a.trigs, a.out, a.taken, a.bank_turn, a.year)


class IdentifierRecognizer(Recognizer):
    """Digit groups (optionally with letters) labelled by context trigger and shape."""

    name = "identifiers"
    policies = SplitIdentifierRecognizer.policies

    def analyze(self, a: Analysis) -> None:
        _identifiers(a.text, a.toks, a.trigs, a.out, a.taken, a.bank_turn, a.year)
