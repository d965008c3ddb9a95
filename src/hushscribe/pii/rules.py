"""Rule-based PII recognisers: regex patterns, validators and call-centre context (pure).

Why rules next to spaCy: identifiers (phones, cards, SSNs, account numbers) are defined by
their shape and by what was said just before them ("my routing number is ..."), not by
grammar, and in spoken ASR text they arrive as words ("four one five ..."). The rules run on
the output of :mod:`.spoken` (spoken numbers already turned into digits), and every span is
mapped back to the original text.

How identifiers are labelled -- the nearest *context trigger* decides:

* Every trigger phrase ("card", "security code", "routing", "member id", "passport",
  "date of birth", "zip code", "my number" ...) is found once per turn. For each digit
  group, the nearest trigger before it in the same sentence (at most ``_WINDOW`` words back)
  gives the category; a strong trigger beats the weak "number". "last four" / "ending in"
  between them allows a 4-digit group.
* The group's shape must fit the category (CVV: 3-4 digits; SSN: 9 or a last four; card:
  13-19 digits or a last four ...). Without a fitting trigger, the shape alone decides:
  NANP phone shapes -> phone, Luhn-valid 13-19 digits -> card, ``ddd-dd-dddd`` -> SSN, one
  letter + 7-13 digits -> driver's licence (the common US state format), and any other
  group of 6+ digits -> account_number (call-centre numbers are account-like; spec: the
  "order number" is redacted by default).
* In a turn that talks about a bank (routing/checking/savings/bank/IBAN), "account"
  numbers are ``banking_information``.
* ASR splits dictated numbers with stray commas, spaces and hyphens ("206 ,55, 0143",
  "3, 4, 7", "B729, 441-", "192.1, 68.1.45"): such a run is one candidate when its whole
  length fits the trigger's category (see "Numbers that ASR split" below).

Dates: month-name and numeric dates are ``date``; with a birth trigger ("born", "date of
birth", "DOB") ``date_of_birth``; with an expiry trigger ``credit_card_expiration``. A
complete date (day, month, year) whose year lies 15+ years in the past and that has no event
word ("moved", "since", "appointment", "due" ...) in its sentence is taken as a birth date:
in call-centre speech such dates answer "what's your date of birth?".

Addresses: number + name + street suffix; without a suffix (ASR mangles "Oak Avenue" into
"O'Cavin") a house number + 1-3 name words followed by a unit or a city/state, or after an
address cue ("deliver to", "I live at"), or as a whole capitalised answer turn.

Names, organisations, places: trigger phrases ("my name is", "this is", "my wife", "Dr.",
"calling from", "located in") plus the word lists of :mod:`.lexicon`; words that are also
English words need a strong cue (see the lexicon module).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from . import lexicon as lx
from .spoken import ACRONYMS, TLDS, Normalized
from .types import Span

__all__ = ["Pattern", "PATTERNS", "find_rule_spans", "luhn_ok", "Tok", "tokenize"]


@dataclass(frozen=True)
class Pattern:
    """A named regex with a base score, as in Presidio's ``Pattern``."""

    name: str
    regex: str
    score: float


# --------------------------------------------------------------------------- #
# Patterns as data
# --------------------------------------------------------------------------- #

_MONTH_RE = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_DAY_RE = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR_RE = r"(?:19\d\d|20\d\d)"

PATTERNS: dict[str, list[Pattern]] = {
    "email_address": [
        Pattern("email", r"(?<![\w.+-])[A-Za-z0-9][\w.+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w@])", 0.95),
        # ASR writes a dictated "dot" with a space before it: "john .smith@gmail .com"
        Pattern("email spaced", r"(?<![\w.+-])[A-Za-z0-9][\w+'-]*(?: ?\.[\w+'-]+)*@[A-Za-z0-9-]+(?: ?\.[A-Za-z0-9-]+)* ?\.[A-Za-z]{2,}(?![\w@])", 0.9),
    ],
    "url": [
        Pattern("url scheme", r"\b(?:https?|ftp)://[^\s<>\"']+[^\s<>\"'.,;:!?)]", 0.95),
        Pattern("url www", r"(?<![\w@.])www\d?(?: ?\.[A-Za-z0-9-]+){2,}(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)])?", 0.9),
        Pattern(
            "url bare",
            r"(?<![\w@.])[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.(?:" + "|".join(sorted(TLDS)) + r")"
            r"(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)])?(?![\w@]|\.\w)",
            0.75,
        ),
    ],
    "ip_address": [
        Pattern("ipv4", r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]\d)", 0.9),
        Pattern("ipv6", r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\w:])", 0.9),
    ],
    "banking_information": [
        Pattern("iban", r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b", 0.9),
    ],
    "date": [
        Pattern("month day year", rf"\b{_MONTH_RE}\s+(?:the\s+)?{_DAY_RE}(?:,?\s+{_YEAR_RE})?\b", 0.8),
        Pattern("day month year", rf"\b(?:the\s+)?{_DAY_RE}\s+(?:of\s+)?{_MONTH_RE}(?:,?\s+{_YEAR_RE})?\b", 0.8),
        Pattern("month year", rf"\b{_MONTH_RE},?\s+{_YEAR_RE}\b", 0.7),
        Pattern("numeric mdy", r"(?<![\d/.-])(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-](?:\d{4}|\d{2})(?![\d/-])", 0.85),
        Pattern("iso", r"(?<![\d-])(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\d-])", 0.85),
        Pattern("month/year", r"(?<![\d/.-])(?:0?[1-9]|1[0-2])/(?:\d{4}|\d{2})(?![\d/-])", 0.5),
    ],
    "filename": [
        Pattern(
            "filename",
            r"(?<![\w./])[\w-]+\.(?:pdf|docx?|xlsx?|csv|txt|jpe?g|png|gif|heic|zip|pptx?|mp3|wav|mp4|mov|json|xml|log|rtf|odt)\b",
            0.8,
        ),
    ],
    "location_coordinate": [
        Pattern(
            "lat,long",
            r"(?<![\d.])-?\d{1,2}\.\d{3,}\s*°?\s*[NS]?\s*,\s*-?\d{1,3}\.\d{3,}\s*°?\s*[EW]?(?![\d.])",
            0.8,
        ),
    ],
    "medical_code": [
        Pattern("icd10", r"\b[A-TV-Z]\d[0-9AB](?:\.[0-9A-TV-Z]{1,4})?\b", 0.5),
    ],
    "vehicle_id": [
        Pattern("vin", r"\b(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{17}\b", 0.85),
    ],
}
_COMPILED = {
    policy: [(p, re.compile(p.regex, 0 if policy in ("banking_information", "medical_code", "vehicle_id") else re.IGNORECASE)) for p in pats]
    for policy, pats in PATTERNS.items()
}

# Candidate identifiers: digit groups (optionally with letters) separated by one space,
# hyphen or dot; spoken runs arrive here already as digits.
_CHUNK = r"\(?[A-Za-z]{0,4}\d[A-Za-z\d]*\)?"
_CAND = re.compile(
    rf"(?<![\w@/.:$#€£%-])(?:\+ ?)?(?:[A-Za-z]{{1,3}}-)?{_CHUNK}(?:(?: ?[-.] ?| ){_CHUNK})*(?![\w@%]|[/:]\d|\.\d|,\d{{3}})"
)

# --------------------------------------------------------------------------- #
# Tokens and phrase matching
# --------------------------------------------------------------------------- #

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*")


@dataclass
class Tok:
    """A word of the normalised text, with what follows it and its sentence number."""

    low: str
    text: str
    start: int
    end: int
    after: str  # characters between this token and the next one
    sent: int
    index: int

    @property
    def cap(self) -> bool:
        return self.text[:1].isupper()


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    sent = 0
    matches = list(_TOKEN.finditer(text))
    for k, m in enumerate(matches):
        nxt = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        after = text[m.end() : nxt]
        toks.append(Tok(m.group().lower().replace("\u2019", "'"), m.group(), m.start(), m.end(), after, sent, k))
        abbrev = m.group().lower() in ("dr", "mr", "mrs", "ms", "st", "jr", "sr", "mt", "ft", "apt", "no")
        spelled = len(m.group()) == 1 and k + 1 < len(matches) and len(matches[k + 1].group()) == 1
        if re.search(r"[.?!]", after) and not ((abbrev or spelled) and after.strip() == "."):
            sent += 1
    return toks


class PhraseSet:
    """Token-sequence lookup for phrase lists (longest match at a position)."""

    def __init__(self, phrases):
        self.by_first: dict[str, list[tuple[str, ...]]] = {}
        for ph in phrases:
            words = tuple(m.group().lower() for m in _TOKEN.finditer(ph))
            if words:
                self.by_first.setdefault(words[0], []).append(words)
        for v in self.by_first.values():
            v.sort(key=len, reverse=True)

    def match(self, toks: list[Tok], i: int) -> int:
        """Length (in tokens) of the longest phrase starting at toks[i]; 0 if none."""
        cands = self.by_first.get(toks[i].low)
        if not cands:
            return 0
        for words in cands:
            n = len(words)
            if i + n <= len(toks) and all(toks[i + k].low == words[k] for k in range(n)):
                if n == 1 or all(toks[i + k].sent == toks[i].sent for k in range(n)):
                    return n
        return 0

    def find_all(self, toks: list[Tok]) -> list[tuple[int, int]]:
        """Non-overlapping (first, last+1) token ranges, leftmost-longest."""
        out = []
        i = 0
        while i < len(toks):
            n = self.match(toks, i)
            if n:
                out.append((i, i + n))
                i += n
            else:
                i += 1
        return out


# --------------------------------------------------------------------------- #
# Context triggers
# --------------------------------------------------------------------------- #

_TRIGGERS: dict[str, tuple[str, ...]] = {
    "card": ("card", "credit card", "debit card", "card number", "card no", "visa", "mastercard",
             "master card", "amex", "american express", "discover card", "discover", "credit", "debit",
             "cc", "card ending", "long number on the card"),
    "cvv": ("cvv", "cvc", "cvv2", "cvc2", "cid", "security code", "card verification", "verification value",
            "three digit code", "3 digit code", "four digit code", "4 digit code", "code on the back",
            "back of the card", "three digits", "3 digits on the back", "csc"),
    "expiry": ("expires", "expire", "expired", "expiring", "expiration", "expiry", "exp", "exp date",
               "expiration date", "valid thru", "valid through", "good thru", "good through", "valid until"),
    "ssn": ("social", "ssn", "social security", "social security number", "s s n", "socials"),
    "banking": ("routing", "routing number", "aba", "iban", "swift", "bic", "sort code", "checking",
                "savings", "bank account", "bank", "transit number", "checking account", "savings account",
                "direct deposit", "wire"),
    "account": ("account", "acct", "account number", "member", "member id", "membership", "customer",
                "customer id", "customer number", "policy", "policy number", "reference", "reference number",
                "ref", "confirmation", "confirmation number", "confirmation code", "order", "order number",
                "claim", "claim number", "case", "case number", "ticket", "ticket number", "invoice",
                "tracking", "tracking number", "subscriber", "contract", "loan", "loan number",
                "booking", "reservation", "record locator", "group number", "id number", "employee id",
                "student id", "badge", "serial", "serial number", "certificate", "locator"),
    "dl": ("driver's license", "drivers license", "driver license", "driving licence", "driver's licence",
           "drivers licence", "license", "licence", "dl", "license number", "licence number"),
    "passport": ("passport", "passport number"),
    "phone": ("phone", "phone number", "cell", "cellphone", "cell phone", "mobile", "telephone", "call",
              "reach", "fax", "text", "landline", "callback", "call back", "contact number", "home number",
              "work number", "extension", "dial", "reach me", "call me", "number to reach"),
    "number": ("number", "numbers", "no", "#"),
    "dob": ("date of birth", "birth date", "birthdate", "dob", "d o b", "born", "birthday", "bday", "birth"),
    "zip": ("zip", "zip code", "zipcode", "postal code", "postcode", "post code"),
    "healthcare": ("medicare", "medicaid", "health card", "health insurance number", "mrn",
                   "medical record", "medical record number", "patient id", "patient number", "nhs",
                   "health plan", "insurance id", "subscriber id", "beneficiary"),
    "vehicle": ("vin", "plate", "license plate", "licence plate", "plate number", "registration",
                "vehicle identification", "tag number"),
    "org_id": ("ein", "tax id", "employer identification", "federal tax", "tin", "ein number", "npi",
               "company registration", "business number"),
    "icd": ("icd", "icd10", "icd 10", "diagnosis code", "billing code", "cpt", "cpt code", "procedure code"),
    "last4": ("last four", "last 4", "last four digits", "last 4 digits", "ending in", "ends in",
              "ending with", "ends with", "ending", "last digits", "final four", "last four of"),
    "ip": ("ip", "ip address", "i p"),
}
_TRIGGER_SET = {cat: PhraseSet(phr) for cat, phr in _TRIGGERS.items()}
#: Words of field names ("driver's", "license", "routing"): never an entity on their own.
FIELD_WORDS = frozenset(w for phr in _TRIGGERS.values() for p in phr for w in p.split()) | frozenset(
    "driver drivers id number numbers code address email phone name date birth".split()
)
_WEAK = {"number", "last4"}
_WINDOW = 9
_BANK_TURN = PhraseSet(("routing", "checking", "savings", "bank", "iban", "swift", "sort code", "aba", "wire", "direct deposit", "bank account"))


@dataclass
class _Trig:
    cat: str
    first: int
    last: int  # exclusive token index
    sent: int


def _find_triggers(toks: list[Tok]) -> list[_Trig]:
    out: list[_Trig] = []
    for cat, ps in _TRIGGER_SET.items():
        i = 0
        while i < len(toks):
            n = ps.match(toks, i)
            if n:
                out.append(_Trig(cat, i, i + n, toks[i].sent))
                i += n
            else:
                i += 1
    return out


def _contexts(trigs: list[_Trig], first_tok: int, sent: int, last_tok: int | None = None) -> tuple[list[str], bool, bool]:
    """(strong trigger categories before first_tok, nearest first; weak 'number' seen; last-four seen)."""
    found: list[_Trig] = []
    weak = False
    last4 = False
    for t in trigs:
        if t.sent != sent or t.last > first_tok or first_tok - t.last > _WINDOW:
            continue
        if t.cat == "last4":
            last4 = True
            continue
        if t.cat == "number":
            weak = True
            continue
        found.append(t)
    found.sort(key=lambda t: (-t.last, t.first))
    cats: list[str] = []
    for t in found:
        if t.cat not in cats:
            cats.append(t.cat)
    if not cats and last_tok is not None:
        # a trigger right after the group ("4111 ... is my card") as a fallback
        for t in trigs:
            if t.sent == sent and t.first >= last_tok and t.first - last_tok <= 3 and t.cat not in _WEAK:
                cats.append(t.cat)
                break
    return cats, weak, last4


def _context(trigs: list[_Trig], first_tok: int, sent: int, last_tok: int | None = None) -> tuple[str | None, bool, bool]:
    """Like :func:`_contexts`, with only the nearest category."""
    cats, weak, last4 = _contexts(trigs, first_tok, sent, last_tok)
    return (cats[0] if cats else None), weak, last4


# --------------------------------------------------------------------------- #
# Validators
# --------------------------------------------------------------------------- #


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


def aba_ok(digits: str) -> bool:
    """ABA routing number checksum."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    w = (3, 7, 1) * 3
    return sum(int(c) * k for c, k in zip(digits, w)) % 10 == 0


def iban_ok(text: str) -> bool:
    s = text.replace(" ", "").upper()
    if len(s) < 15 or len(s) > 34:
        return False
    s = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in s)
    return int(num) % 97 == 1


def _nanp_phone(digits: str, groups: list[str], plus: bool) -> bool:
    """North-American or international phone shapes."""
    if plus and 8 <= len(digits) <= 15:
        return True
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) == 10 and digits[0] in "23456789":
        return True
    return False


def _spoken_date(digits: str) -> bool:
    """MDDYYYY / MMDDYYYY that is a real calendar date ("zero five fifteen twenty twenty five")."""
    if len(digits) not in (7, 8):
        return False
    m, d, y = (digits[:1], digits[1:3], digits[3:]) if len(digits) == 7 else (digits[:2], digits[2:4], digits[4:])
    try:
        _dt.date(int(y), int(m), int(d))
    except ValueError:
        return False
    return 1900 <= int(y) <= _THIS_YEAR + 10


# --------------------------------------------------------------------------- #
# Identifier classification
# --------------------------------------------------------------------------- #

_UNIT_AFTER = re.compile(
    r"\s*(?:dollars?|bucks|cents?|percent|%|people|persons|units|items|employees|minutes?|hours?|"
    r"seconds?|days?|weeks?|months?|years?|miles?|pounds?|lbs|kg|feet|foot|inches|times|points|"
    r"calories|grams|mg|ml|degrees|o'clock|am|pm|a\.m\.|p\.m\.|meters?|metres?|kilometers?|km|yards?|"
    r"steps?|liters?|litres?|gallons?|ounces?|oz|kilos?|tablets?|pills?|doses?)\b",
    re.IGNORECASE,
)


def _classify(
    cand: str, cat: str | None, weak: bool, last4: bool, bank_turn: bool, *, strict: bool = False
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
    if pure and _nanp_phone(digits, groups, plus) and not (13 <= nd <= 19 and luhn_ok(digits)):
        return "phone_number", 0.75
    if pure and shape in ("3-3-4", "3-4") and cat in (None, "phone"):
        return "phone_number", 0.75
    if pure and 13 <= nd <= 19 and luhn_ok(digits):
        return "credit_card_number", 0.85
    if pure and shape == "3-2-4":
        return "us_social_security_number", 0.8
    if pure and cat not in ("account", "banking", "card", "ssn", "phone", "dl", "passport") and _spoken_date(digits):
        return ("date_of_birth", 0.7) if cat == "dob" or int(digits[-4:]) <= _THIS_YEAR - 15 else ("date", 0.6)
    if nl == 1 and letters == cand[:1] and 6 <= nd <= 13:
        return "drivers_license", 0.65
    if last4 and cat in ("account", None) and nd == 4 and pure:
        return ("banking_information" if bank_turn else "account_number"), 0.6
    if nd >= 6 and (nl <= 3):
        return ("banking_information" if bank_turn and cat == "banking" else "account_number"), 0.6
    return None


# --------------------------------------------------------------------------- #
# The rule pass
# --------------------------------------------------------------------------- #

_EVENT_WORDS = frozenset(
    """moved move since started start appointment appointments due paid payment pay scheduled
    schedule ordered order shipped ship delivered delivery opened open closed close signed sign
    hired joined bought purchased renewed renew expires expired expiring until til till by
    from effective starting ending ended booked flight arrive arriving leave leaving visit
    meeting deadline last next married divorced passed died installed called""".split()
)
_THIS_YEAR = _dt.date.today().year


class _Out:
    """Collects spans in normalised coordinates and maps them to the original."""

    def __init__(self, norm: Normalized):
        self.norm = norm
        self.spans: list[Span] = []

    def add(self, start: int, end: int, policy: str, score: float, detector: str) -> None:
        if end <= start:
            return
        a, b = self.norm.to_original(start, end)
        if b > a:
            self.spans.append(Span(a, b, policy, score, detector))


def _sent_of(toks: list[Tok], pos: int) -> tuple[int, int]:
    """(index of the first token at/after pos, its sentence)."""
    for t in toks:
        if t.end > pos:
            return t.index, t.sent
    return len(toks), toks[-1].sent if toks else 0


def _tok_range(toks: list[Tok], start: int, end: int) -> tuple[int, int]:
    first = last = None
    for t in toks:
        if t.end > start and t.start < end:
            if first is None:
                first = t.index
            last = t.index
    if first is None:
        return 0, 0
    return first, last + 1


def _structured(text: str, toks: list[Tok], trigs: list[_Trig], out: _Out) -> list[tuple[int, int]]:
    """E-mail, URL, IP, IBAN, coordinates, files, VIN, ICD: regex shapes. Returns taken ranges."""
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    for policy in ("email_address", "ip_address", "url", "banking_information", "location_coordinate",
                   "filename", "vehicle_id", "medical_code"):
        for pat, rx in _COMPILED[policy]:
            for m in rx.finditer(text):
                a, b = m.span()
                if not free(a, b):
                    continue
                s = m.group()
                if policy == "banking_information" and not iban_ok(s):
                    continue
                if policy == "ip_address" and _UNIT_AFTER.match(text, b):
                    continue  # "1.5.2.5 miles": decimals run together, not an address
                if policy == "url" and pat.name == "url bare":
                    host = s.split("/")[0]
                    # "e.g", "St." or a decimal are not URLs; require a letter label of 2+ chars
                    if not re.search(r"[A-Za-z]{2,}\.", host + "."):
                        continue
                    if host.count(".") == 1 and host.split(".")[0].isdigit():
                        continue
                if policy == "medical_code":
                    ti, sent = _sent_of(toks, a)
                    cat, _, _ = _context(trigs, ti, sent)
                    if cat != "icd":
                        continue
                out.add(a, b, policy, pat.score, f"rule:{pat.name}")
                taken.append((a, b))
        if policy == "ip_address":
            _split_ips(text, toks, trigs, out, taken)
    return taken


# --------------------------------------------------------------------------- #
# Numbers that ASR split with stray commas, spaces and hyphens
# --------------------------------------------------------------------------- #
#
# Whisper writes dictated identifiers in odd shapes: "206 ,55, 0143", "021, 000, 021",
# "3, 4, 7", "5 -3 -9, 2 -2, 0 -4 -8 -1", "B729, 441-", "192.1, 68.1.45", "192 .1, 68 .1 .45".
# The plain candidate regex (one space, hyphen or dot between groups) cuts these into pieces
# that fit nothing. Here a run of digit groups joined by any of [ ,.-] is one candidate, but
# only where the category's digit count fits the whole run: after a context trigger (the
# nearest one that fits wins), or, without one, for shapes that are hard to get by chance
# (NANP 3-3-4 phone groups, a letter+digits ID chunk, four IP octets with three dots).

_LOOSE_SEP = r"(?:\s*[,-]\s*|\s*\.(?![\s.])|\s+)"
_LOOSE_CHUNK = r"[A-Za-z]{0,3}\d[A-Za-z\d]*"
_LOOSE = re.compile(
    rf"(?<![\w@/:$#€£%.])(?:(?P<pre>\b[A-Za-z])(?:\s?-\s?|\s)(?=\d))?(?P<body>{_LOOSE_CHUNK}(?:{_LOOSE_SEP}{_LOOSE_CHUNK})+)"
    rf"(?![\w@%]|[/:]\d|\.\d)"
)
_LOOSE_IP = re.compile(r"(?<![\w.,/:-])\d{1,3}(?:(?:\s*[.,]\s*|\s+)\d{1,3}){3,7}(?![\w@%]|[.,/:]\d)")
# Categories whose values may start with a letter dictated on its own ("B, 729 441").
_LETTER_LED = frozenset(("dl", "passport", "account", "healthcare", "vehicle"))


def _octet(g: str) -> bool:
    return g.isdigit() and (g == "0" or not g.startswith("0")) and int(g) <= 255


def _ip_partition(groups: list[str], dots: list[bool], any_cut: bool) -> str | None:
    """Join ``groups`` into four valid octets. Cuts go at dot boundaries (``dots[k]``: between
    groups k and k+1); the other boundaries are ASR splits inside an octet. ``any_cut`` (an IP
    cue was said) also allows cuts at comma/space boundaries and merges across dots."""
    import itertools

    n = len(groups)
    options = [tuple(k for k in range(n - 1) if dots[k])]
    if any_cut:
        options += sorted(itertools.combinations(range(n - 1), 3), key=lambda c: -sum(dots[k] for k in c))
    for cuts in options:
        if len(cuts) != 3:
            continue
        bounds = [0, *[k + 1 for k in cuts], n]
        octets = ["".join(groups[bounds[q] : bounds[q + 1]]) for q in range(4)]
        if all(_octet(o) for o in octets):
            return ".".join(octets)
    return None


def _split_ips(text: str, toks: list[Tok], trigs: list[_Trig], out: _Out, taken: list[tuple[int, int]]) -> None:
    """IPv4 addresses that ASR split: "192.1, 68.1.45", "192 .1, 68 .1 .45"."""
    for m in _LOOSE_IP.finditer(text):
        a, b = m.span()
        if any(not (b <= x or a >= y) for x, y in taken) or _UNIT_AFTER.match(text, b):
            continue
        s = m.group()
        groups = re.findall(r"\d+", s)
        seps = re.findall(r"\D+", s)
        dots = ["." in sep for sep in seps]
        first, last = _tok_range(toks, a, b)
        sent = toks[first].sent if first < len(toks) else 0
        cats, _, _ = _contexts(trigs, first, sent, last)
        cue = "ip" in cats
        if not cue and (sum(dots) != 3 or len(dots) > 4 or sum(len(g) for g in groups) < 7 or len(groups[0]) < 2):
            # without a cue: three dots and one stray split; "10.1, 10.2, 10.3" is a list
            continue
        if _ip_partition(groups, dots, cue) is None:
            continue
        out.add(a, b, "ip_address", 0.85 if cue else 0.8, "rule:ipv4:split")
        taken.append((a, b))


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
    if len(vals) >= 3 and len({b - a for a, b in zip(vals, vals[1:])}) == 1:
        return True
    if all(v % 10 == 0 and not g.startswith("0") for v, g in zip(vals, groups)):
        return True
    return all(re.fullmatch(r"(?:19|20)\d\d", g) for g in groups)


def _answer_only(toks: list[Tok], first: int, last: int) -> bool:
    """Is toks[first:last] all its sentence says, fillers aside ("Sure, it's ...", "... thanks")?"""
    sent = toks[first].sent
    before = [t for t in toks[:first] if t.sent == sent]
    after = [t for t in toks[last:] if t.sent == sent]
    return all(t.low in _ANSWER_BEFORE for t in before) and all(t.low in _ANSWER_AFTER for t in after)


def _split_identifiers(
    text: str, toks: list[Tok], trigs: list[_Trig], out: _Out, taken: list[tuple[int, int]], bank_turn: bool
) -> None:
    """Identifiers that ASR split with commas/spaces/stray hyphens (see the section note)."""
    for m in _LOOSE.finditer(text):
        body = m.group("body")
        if _CAND.fullmatch(body) and not m.group("pre"):
            continue  # an ordinary candidate: :func:`_identifiers` judges it
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", body):
            continue  # 1,234.56: an amount
        a, b = m.span()
        if any(not (b <= x or a >= y) for x, y in taken) or _UNIT_AFTER.match(text, b):
            continue
        first, last = _tok_range(toks, m.start("body"), b)
        if first >= len(toks):
            continue
        sent = toks[first].sent
        cats, weak, last4 = _contexts(trigs, first, sent, last)
        # "member ID is 123, 456": a field name was said, not just "account"
        named = weak or any(t.low in ("id", "code") and t.sent == sent for t in toks[max(0, first - 6) : first])
        pre = m.group("pre")
        res = None
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
            res = _classify(cand, cat, weak, last4, bank_turn, strict=True)
            if res is not None:
                start = m.start("pre") if lead else m.start("body")
                res = (start, res[0], res[1], f"rule:id:{cat}:split")
                break
        if res is None and not cats:
            groups = re.findall(r"[A-Za-z\d]+", body)
            digits = "".join(g for g in groups if g.isdigit())
            shape = "-".join(str(len(g)) for g in groups)
            if all(g.isdigit() for g in groups):
                if shape in ("3-3-4", "1-3-3-4") and _nanp_phone(digits, groups, False):
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
                    r = _classify("-".join(groups), None, weak, last4, bank_turn)
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
                r = _classify("-".join(groups), None, weak, last4, bank_turn)
                if r is not None:
                    res = (m.start("body"), r[0], r[1] - 0.05, "rule:id:shape:split")
        if res is None:
            continue
        start, policy, score, det = res
        out.add(start, b, policy, score, det)
        taken.append((start, b))


def _dates(text: str, toks: list[Tok], trigs: list[_Trig], out: _Out, taken: list[tuple[int, int]]) -> None:
    found: list[tuple[int, int, str]] = []
    for pat, rx in _COMPILED["date"]:
        for m in rx.finditer(text):
            a, b = m.span()
            if any(not (b <= x or a >= y) for x, y, _ in found) or any(not (b <= x or a >= y) for x, y in taken):
                continue
            found.append((a, b, pat.name))
    for a, b, name in found:
        s = text[a:b]
        ti, sent = _sent_of(toks, a)
        cat, _, _ = _context(trigs, ti, sent)
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
        full = year_m is not None and has_day
        sent_words = {t.low for t in toks if t.sent == sent}
        if full and int(year_m.group()) <= _THIS_YEAR - 15 and not (sent_words & _EVENT_WORDS):
            out.add(a, b, "date_of_birth", 0.65, f"rule:{name}:old-full-date")
        else:
            out.add(a, b, "date", 0.75, f"rule:{name}")
        taken.append((a, b))


def _identifiers(text: str, toks: list[Tok], trigs: list[_Trig], out: _Out, taken: list[tuple[int, int]], bank_turn: bool) -> None:
    for m in _CAND.finditer(text):
        a, b = m.span()
        s = m.group()
        # trim brackets that are not balanced inside the match
        if any(not (b <= x or a >= y) for x, y in taken):
            continue
        if re.fullmatch(r"\d+(?:\.\d+)?", s) and "." in s:
            continue  # decimals
        if _UNIT_AFTER.match(text, b):
            continue
        first, last = _tok_range(toks, a, b)
        sent = toks[first].sent if first < len(toks) else 0
        cats, weak, last4 = _contexts(trigs, first, sent, last)
        # the nearest trigger whose category fits the shape wins ("my passport expires in
        # 2029 and the number is ..." -> passport, not expiry); else the shape alone
        res = None
        cat = None
        for c in cats:
            res = _classify(s, c, weak, last4, bank_turn, strict=True)
            if res is not None:
                cat = c
                break
        if res is None:
            cat = cats[0] if cats else None
            res = _classify(s, cat, weak, last4, bank_turn)
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


def _ages(text: str, out: _Out, taken: list[tuple[int, int]]) -> None:
    for m in _AGE_YEARS.finditer(text):
        if 0 < int(m.group(1)) <= 120:
            out.add(m.start(), m.end(), "person_age", 0.9, "rule:age:years-old")
            taken.append(m.span())
    for m in _AGE_TRIG.finditer(text):
        a, b = m.span(1)
        if any(not (b <= x or a >= y) for x, y in taken):
            continue
        if not (0 < int(m.group(1)) <= 120):
            continue
        if not _AGE_NEXT_OK.match(text, b):
            continue
        out.add(a, b, "person_age", 0.8, "rule:age:subject")
        taken.append((a, b))


# --- credentials ------------------------------------------------------------ #

_CRED = re.compile(
    r"\b(?P<kind>user\s?name|user\s?id|login(?:\s+id)?|handle|screen\s?name|password|passcode|"
    r"pass\s?code|passphrase|pin(?:\s+number|\s+code)?|security\s+answer)"
    r"(?:\s+(?:is|was|would be|will be|should be)|\s*[:=]|'s)\s+",
    re.IGNORECASE,
)
_CRED_STOP = frozenset(
    "and but so or please thanks thank then okay ok is was if because which that".split()
)
_CRED_NOT_VALUE = frozenset(
    """incorrect wrong correct invalid expired not too the same required case locked blank empty
    working reset changed right fine ok okay still also just a an my your his her their our what
    different new old long short weak strong saved stored""".split()
)


def _credentials(text: str, out: _Out, taken: list[tuple[int, int]]) -> None:
    for m in _CRED.finditer(text):
        kind = m.group("kind").lower()
        policy = "username" if kind.startswith(("user", "login", "handle", "screen")) else "password"
        pos = m.end()
        start = end = None
        count = 0
        for tm in re.finditer(r"\S+", text[pos:]):
            raw = tm.group()
            core = raw.rstrip(".,!?;:")
            low = core.lower()
            if count == 0 and low in _CRED_NOT_VALUE:
                break
            if low in _CRED_STOP or not core:
                break
            s, e = pos + tm.start(), pos + tm.start() + len(core)
            start = s if start is None else start
            end = e
            count += 1
            if core != raw or count >= 4:  # punctuation ends the value
                break
        if start is not None:
            if any(not (end <= x or start >= y) for x, y in taken):
                continue
            out.add(start, end, policy, 0.9, f"rule:{policy}")
            taken.append((start, end))


# --- names -------------------------------------------------------------------- #

_NAME_TRIGGERS_STRONG = PhraseSet((
    "my name is", "my name's", "name is", "name's", "first name is", "last name is", "surname is",
    "full name is", "middle name is", "maiden name is", "i'm called", "named", "by the name of",
    "under the name", "under the name of", "goes by", "cardholder is", "account holder is",
    "first name", "last name", "the name is", "name on the account is", "name on the card is",
))
_NAME_TRIGGERS = PhraseSet((
    "this is", "it's", "i'm", "i am", "speaking with", "speak with", "speak to", "talk to",
    "talking to", "talking with", "transfer me to", "ask for", "asking for", "looking for",
    "under", "hi", "hello", "hey", "thanks", "thank you", "dear", "with", "for", "employee",
    "patient", "customer", "caller", "call", "called", "tell", "told", "ask", "asked", "and",
    "mr", "mrs", "ms", "miss", "dr", "doctor", "prof", "professor", "mister",
    "my wife", "my husband", "my son", "my daughter", "my mother", "my mom", "my mum", "my father",
    "my dad", "my brother", "my sister", "my partner", "my boyfriend", "my girlfriend", "my fiance",
    "my fiancee", "my friend", "my boss", "my manager", "my colleague", "my coworker", "my neighbor",
    "my neighbour", "my grandson", "my granddaughter", "my grandmother", "my grandfather",
    "my grandma", "my grandpa", "my aunt", "my uncle", "my cousin", "my nephew", "my niece",
    "my child", "my kid", "my baby", "my landlord", "my roommate", "my spouse", "my lawyer",
    "my attorney", "my doctor", "my dentist", "my therapist", "my caregiver", "her name is",
    "his name is", "their name is", "wife", "husband", "son", "daughter", "agent", "representative",
    "rep", "technician", "nurse", "supervisor", "manager", "colleague", "named",
    "spoke to", "spoke with", "talked to", "talked with", "helped by", "assisted by", "signed by",
))
_TITLE_WORDS = frozenset(("mr", "mrs", "ms", "miss", "dr", "doctor", "prof", "professor", "mister"))


_MULTI_PLACES = PhraseSet(lx.CITIES | lx.US_STATES | lx.COUNTRIES)


def _is_lexname(t: Tok) -> bool:
    return t.low in lx.FIRST_NAMES or t.low in lx.SURNAMES


def _is_strong_first(t: Tok) -> bool:
    return t.low in lx.FIRST_NAMES and t.low not in lx.AMBIGUOUS_FIRST_NAMES and t.low not in lx.NOT_NAME_WORDS


def _is_capname(toks: list[Tok], t: Tok) -> bool:
    if not t.cap or not t.text.replace("'", "").isalpha() or t.low in lx.NOT_NAME_WORDS:
        return False
    if t.text.isupper() and len(t.text) > 1:
        return False  # acronyms
    if t.index == 0 or toks[t.index - 1].sent != t.sent:
        return _is_lexname(t)  # sentence-initial capital proves nothing
    return t.low not in lx.MONTHS and t.low not in lx.WEEKDAYS


def _name_word(toks: list[Tok], t: Tok, *, formatted: bool) -> bool:
    """Could t continue a name? (surname or first name, or a capitalised unknown word)."""
    if t.low in lx.NOT_NAME_WORDS or not t.text.replace("'", "").isalpha():
        return False
    if len(t.low) == 1:
        return False
    if formatted:
        return _is_capname(toks, t) or (_is_lexname(t) and not t.text.islower() and t.low not in lx.AMBIGUOUS_SURNAMES)
    return _is_lexname(t) and (t.low not in lx.AMBIGUOUS_SURNAMES or t.low in lx.SURNAMES and t.low not in lx.AMBIGUOUS_SURNAMES)


def _names(toks: list[Tok], out: _Out, formatted: bool) -> list[tuple[int, int]]:
    """Person names from triggers and the name lists. Returns token ranges found."""
    found: list[tuple[int, int, float, str]] = []
    used = [False] * len(toks)

    def extend(j: int, limit: int = 3) -> int:
        k = j
        while k < len(toks) and k - j < limit and toks[k].sent == toks[j].sent and _name_word(toks, toks[k], formatted=formatted):
            if k > j and re.search(r"[,.;:!?]", toks[k - 1].after):
                break
            k += 1
        return k

    def can_follow(prev_k: int) -> bool:
        return not re.search(r"[.;:!?]", toks[prev_k].after)

    i = 0
    n = len(toks)
    while i < n:
        ns = _NAME_TRIGGERS_STRONG.match(toks, i)
        nw = 0 if ns else _NAME_TRIGGERS.match(toks, i)
        if ns or nw:
            j = i + (ns or nw)
            trig_low = " ".join(t.low for t in toks[i:j])
            title_dot = trig_low in _TITLE_WORDS and toks[j - 1].after.strip() == "."
            if j < n and (can_follow(j - 1) or title_dot) and toks[j].sent == toks[i].sent:
                t = toks[j]
                ok = False
                if ns:
                    ok = t.low not in lx.NOT_NAME_WORDS and t.text.replace("'", "").isalpha() and len(t.low) > 1
                elif trig_low in _TITLE_WORDS:
                    ok = t.low not in lx.NOT_NAME_WORDS and t.text.replace("'", "").isalpha() and len(t.low) > 1
                else:
                    ok = _is_strong_first(t) or (formatted and _is_capname(toks, t) and (_is_lexname(t) or trig_low not in ("with", "for", "and", "call", "called", "tell", "told", "ask", "asked", "under", "it's", "i'm", "i am", "this is")))
                    if not ok and t.low in lx.AMBIGUOUS_FIRST_NAMES and t.low in lx.FIRST_NAMES:
                        # "this is Bill" (capitalised) or "bill smith": a cue plus evidence
                        nxt = toks[j + 1] if j + 1 < n else None
                        ok = (formatted and t.cap and trig_low in ("this is", "i'm", "i am", "speak with", "speak to", "speaking with", "hi", "hello", "thanks", "thank you")) or (
                            nxt is not None and nxt.low in lx.SURNAMES and nxt.low not in lx.AMBIGUOUS_SURNAMES and can_follow(j)
                        )
                    if ok and trig_low in ("with", "for", "and", "call", "called", "tell", "told", "ask", "asked", "under", "agent", "nurse", "rep"):
                        # weak cue: the word must be a known first name or followed by a surname
                        ok = _is_strong_first(t) or (t.low in lx.FIRST_NAMES and j + 1 < n and toks[j + 1].low in lx.SURNAMES)
                    nxt = toks[j + 1] if j + 1 < n else None
                    if (
                        not ok
                        and nxt is not None
                        and trig_low not in ("with", "for", "and", "call", "tell", "told", "ask", "asked")
                        and t.low not in lx.NOT_NAME_WORDS
                        and t.text.replace("'", "").isalpha()
                        and len(t.low) > 1
                        and can_follow(j)
                        and nxt.low in lx.SURNAMES
                        and nxt.low not in lx.AMBIGUOUS_SURNAMES
                    ):
                        ok = True  # "this is siobhan o'neill": unknown first name + known surname
                    if not ok and trig_low in ("under", "named", "called", "surname") and t.low in lx.SURNAMES and t.low not in lx.AMBIGUOUS_SURNAMES:
                        ok = True  # "the account's under kowalski"
                if ok:
                    k = j + 1
                    if can_follow(j):
                        k = max(k, extend(j + 1, 2) if j + 1 < n and toks[j + 1].sent == t.sent else k)
                    score = 0.85 if ns or trig_low in _TITLE_WORDS else 0.75
                    found.append((j, k, score, "rule:name:trigger"))
                    for q in range(j, k):
                        used[q] = True
                    i = k
                    continue
            i = j
            continue
        i += 1
    # context-free: a known first name, optionally followed by a surname
    for a, b in _MULTI_PLACES.find_all(toks):
        if b - a > 1:
            for q in range(a, b):
                used[q] = True
    for i, t in enumerate(toks):
        if used[i]:
            continue
        if _is_strong_first(t) and (not formatted or t.cap):
            k = i + 1
            if k < n and can_follow(i) and toks[k].sent == t.sent and _name_word(toks, toks[k], formatted=formatted) and (
                toks[k].low in lx.SURNAMES or (formatted and _is_capname(toks, toks[k]))
            ):
                k += 1
            prev = toks[i - 1].low if i else ""
            if prev in ("the", "a", "an") and k == i + 1:
                continue
            found.append((i, k, 0.7 if k > i + 1 else 0.6, "rule:name:lexicon"))
            for q in range(i, k):
                used[q] = True
        elif formatted and t.cap and t.low in lx.FIRST_NAMES and t.low in lx.AMBIGUOUS_FIRST_NAMES and i + 1 < n:
            nxt = toks[i + 1]
            if nxt.low in lx.SURNAMES and nxt.low not in lx.AMBIGUOUS_SURNAMES and nxt.cap and can_follow(i):
                found.append((i, i + 2, 0.7, "rule:name:lexicon"))
    ranges = []
    for a, b, score, det in found:
        out.add(toks[a].start, toks[b - 1].end, "person_name", score, det)
        ranges.append((a, b))
    return ranges


_SPELL_CUES = frozenset("spell spelled spelt spelling that's thats name is".split())


def _spelled(toks: list[Tok], out: _Out, name_ranges: list[tuple[int, int]]) -> None:
    """Letter-by-letter spellings ("K, I, M", "n g u y e n") after a name or a spelling cue."""
    name_end = {b for _, b in name_ranges}
    i, n = 0, len(toks)
    while i < n:
        if len(toks[i].low) == 1 and toks[i].low.isalpha():
            j = i
            while j < n and len(toks[j].low) == 1 and toks[j].low.isalpha() and toks[j].sent == toks[i].sent:
                j += 1
            length = j - i
            if length >= 2:
                letters = "".join(t.low for t in toks[i:j])
                prev = [t for t in toks[max(0, i - 4) : i]]
                spells_prev = any(p.low.replace("'", "") == letters for p in prev)
                after_name = i in name_end or (i - 1) in {b - 1 for _, b in name_ranges}
                cue = any(p.low in _SPELL_CUES for p in prev)
                if spells_prev or (after_name and length >= 2) or (cue and length >= 3):
                    if letters not in ACRONYMS and letters not in ("atm", "usa", "pm", "am", "tv", "ok"):
                        out.add(toks[i].start, toks[j - 1].end, "person_name", 0.8, "rule:name:spelled")
            i = max(j, i + 1)
        else:
            i += 1


# --- organisations ---------------------------------------------------------- #

_KNOWN_ORGS = PhraseSet(lx.KNOWN_ORGS)
_AMBIGUOUS_ORGS = frozenset(
    """chase square stripe shell delta spectrum charter nationwide fidelity vanguard sprint
    southwest ups citi hp bp kaiser progressive target apple discover square dish cox
    medicare medicaid""".split()
)
_ORG_CUES = frozenset(
    """from at with for by called calling join joined work works worked employed insured bank banks
    banking customer member reached welcome to morning afternoon evening hello hi thanks""".split()
)
_GENERIC_ORG_WORDS = frozenset(
    """travel health life car auto home dental medical renters pet business student credit debit
    savings checking online mobile local federal state national the my your our their a an this
    that some any new old big small other same private public general good best cheap full
    liability homeowners homeowner flood vision term whole supplemental insurance bank
    company group services service energy power gas water phone cell""".split()
)
_ORG_SUFFIX = frozenset(lx.ORG_SUFFIXES)
# Hospitals, clinics, pharmacies: the organization_medical_facility sub-type.
_MEDICAL_SUFFIX = frozenset("hospital hospitals clinic clinics pharmacy pharmacies dental medical health healthcare labs laboratories".split())
_MEDICAL_ORGS = frozenset(("kaiser permanente", "kaiser", "mayo clinic", "cleveland clinic", "walgreens", "cvs"))


def _orgs(toks: list[Tok], out: _Out, formatted: bool) -> None:
    n = len(toks)
    for a, b in _KNOWN_ORGS.find_all(toks):
        phrase = " ".join(t.low for t in toks[a:b])
        if phrase in _AMBIGUOUS_ORGS:
            prev = toks[a - 1].low if a else ""
            if not ((formatted and toks[a].cap and a > 0 and toks[a - 1].sent == toks[a].sent) or prev in _ORG_CUES):
                continue
        policy = "organization_medical_facility" if phrase in _MEDICAL_ORGS else "organization"
        out.add(toks[a].start, toks[b - 1].end, policy, 0.8, "rule:org:known")
    # Name + suffix ("Northwind Energy", "calling from acme insurance")
    for i in range(n):
        t = toks[i]
        if t.low not in _ORG_SUFFIX:
            continue
        if formatted and not t.cap:
            continue
        j = i
        while j > 0 and i - j < 3:
            p = toks[j - 1]
            if p.sent != t.sent or re.search(r"[,.;:!?]", p.after):
                break
            if formatted:
                if not p.cap or p.low in lx.NOT_NAME_WORDS or (p.index == 0 or toks[p.index - 1].sent != p.sent) and p.low in _GENERIC_ORG_WORDS:
                    if p.cap and p.low not in lx.NOT_NAME_WORDS and p.low not in _GENERIC_ORG_WORDS:
                        j -= 1
                    break
            else:
                if p.low in lx.NOT_NAME_WORDS or p.low in _GENERIC_ORG_WORDS or not p.low.isalpha() or p.low in _ORG_CUES:
                    break
            j -= 1
        if j == i:
            continue
        if not formatted:
            prev = toks[j - 1].low if j > 0 else ""
            turn_start = j == 0
            if prev not in _ORG_CUES and prev not in ("this", "is", "it's") and not turn_start:
                continue
        # a lone generic word before the suffix is not a name ("Claims Department")
        if all(toks[q].low in _GENERIC_ORG_WORDS for q in range(j, i)):
            continue
        policy = "organization_medical_facility" if t.low in _MEDICAL_SUFFIX else "organization"
        out.add(toks[j].start, t.end, policy, 0.75, "rule:org:suffix")


# --- places ------------------------------------------------------------------- #

_CITY = PhraseSet(lx.CITIES)
_STATE = PhraseSet(lx.US_STATES)
_COUNTRY = PhraseSet(lx.COUNTRIES)
_AMBIG_PLACE = frozenset(lx.AMBIGUOUS_PLACES)
_STREET_RE = re.compile(
    r"\b(?:\d{1,6}[A-Za-z]?(?:-\d{1,5})?\s+)"
    r"(?:(?:north|south|east|west|n|s|e|w|ne|nw|se|sw)\.?\s+)?"
    r"(?:[A-Za-z0-9][\w'.-]*\s+){0,3}?"
    r"(?:" + "|".join(sorted(lx.STREET_SUFFIXES, key=len, reverse=True)) + r")\b\.?"
    r"(?:\s+(?:north|south|east|west|n|s|e|w|ne|nw|se|sw)\b\.?)?"
    r"(?:,?\s+(?:apartment|apt|suite|ste|unit|floor|fl|building|bldg|room|rm|#)\.?\s*#?\s*[A-Za-z0-9-]+(?:\s[A-Za-z](?=\W|$))?)?",
    re.IGNORECASE,
)
_POBOX_RE = re.compile(r"\bp\.?\s?o\.?\s+box\s+\d+\b", re.IGNORECASE)
_STREET_NONUM_RE = re.compile(
    r"\b(?:on|at|off|near|to)\s+((?:[A-Z][a-z]+\s+){1,2}(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Parkway|Highway|Place|Terrace|Way)\b)"
)
_ZIP_RE = re.compile(r"^\s*,?\s*(\d{5}(?:-\d{4})?)\b")


_STREET_NOT_NAME = frozenset(
    """and or but the a an to of in on at for with from by is it it's that this my your our minute
    minutes hour hours mile miles block blocks year years day days week weeks month months second
    seconds foot feet percent dollar dollars times more less about around long short quick
    hundred thousand""".split()
)
_AMBIGUOUS_SUFFIX = frozenset(
    "drive close way place walk row loop square circle court plaza pike route trail alley crescent terrace dr ct pl sq".split()
)
_ADDRESS_CUES = frozenset(
    "at on to address live lives living located ship send deliver delivery mail is was moved from in near still".split()
)


def _plausible_street(text: str, toks: list[Tok], a: int, b: int, formatted: bool) -> bool:
    """Reject "a twenty minute drive" / "nine and close": the words between number and
    suffix must look like a street name, and common-word suffixes need more evidence."""
    first, last = _tok_range(toks, a, b)
    words = toks[first:last]
    # words between the house number and the suffix
    suffix_idx = None
    for k, t in enumerate(words):
        if k > 0 and t.low in lx.STREET_SUFFIXES:
            suffix_idx = k
            break
    if suffix_idx is None:
        return False
    name = [t for t in words[1:suffix_idx] if t.low not in ("north", "south", "east", "west", "n", "s", "e", "w", "ne", "nw", "se", "sw")]
    if not name or any(t.low in _STREET_NOT_NAME for t in name):
        return False
    suffix = words[suffix_idx]
    if suffix.low in _AMBIGUOUS_SUFFIX:
        if formatted:
            return suffix.cap and all(t.cap or t.low[:1].isdigit() for t in name)
        prev = toks[first - 1].low if first > 0 else ""
        return prev in _ADDRESS_CUES
    return True


def _place_at(toks: list[Tok], i: int) -> tuple[int, str] | None:
    """(length, policy) of a gazetteer place starting at toks[i]."""
    best = None
    for ps, policy in ((_CITY, "location_city"), (_STATE, "location_state"), (_COUNTRY, "location_country")):
        k = ps.match(toks, i)
        if k and (best is None or k > best[0]):
            best = (k, policy)
    if best is None and toks[i].text in lx.US_STATE_ABBR and len(toks[i].text) == 2:
        if i > 0 and "," in toks[i - 1].after:
            best = (1, "location_state")
    return best


def _addresses(text: str, toks: list[Tok], out: _Out, formatted: bool, taken: list[tuple[int, int]]) -> None:
    """Street addresses (number + name + suffix [+ unit]) extended over city/state/ZIP."""
    n = len(toks)
    for rx in (_STREET_RE, _POBOX_RE):
        for m in rx.finditer(text):
            a, b = m.span()
            if any(not (b <= x or a >= y) for x, y in taken):
                continue
            if rx is _STREET_RE and not _plausible_street(text, toks, a, b, formatted):
                continue
            # extend over following places and a ZIP
            first, last = _tok_range(toks, a, b)
            end = _extend_places(toks, first, last, b, formatted)
            out.add(a, end, "location_address", 0.85, "rule:address")
            taken.append((a, end))
    _addresses_without_suffix(text, toks, out, formatted, taken)
    for m in _STREET_NONUM_RE.finditer(text):
        a, b = m.span(1)
        if any(not (b <= x or a >= y) for x, y in taken):
            continue
        out.add(a, b, "location_address_street", 0.7, "rule:street")


def _extend_places(toks: list[Tok], first: int, k: int, end: int, formatted: bool) -> int:
    """End offset of an address extended over the city/state/ZIP that follow toks[k-1]."""
    n = len(toks)
    steps = 0
    while k < n and steps < 4 and toks[k].sent == toks[first].sent:
        pl = _place_at(toks, k)
        if pl:
            end = toks[k + pl[0] - 1].end
            k += pl[0]
            steps += 1
            continue
        if re.fullmatch(r"\d{5}", toks[k].low):
            end = toks[k].end
            k += 1
            steps += 1
            continue
        if formatted and toks[k].cap and toks[k].low not in lx.NOT_NAME_WORDS and k + 1 < n and "," in toks[k].after and _place_at(toks, k + 1):
            end = toks[k].end
            k += 1
            continue
        break
    return end


# Address cues strong enough that "<number> <words>" after them is a street address even when
# ASR mangled the street suffix ("deliver to 1850 O'Cavin", "I live at 420-2 Spring Field").
_ADDRESS_CUE_PHRASES = PhraseSet((
    "live at", "lives at", "living at", "live on", "lives on", "deliver to", "deliver it to",
    "delivered to", "deliver them to", "delivery to", "ship to", "ship it to", "shipped to", "ship them to",
    "send it to", "send them to", "mail it to", "mailed to", "address is", "address", "my address",
    "located at", "moved to", "staying at", "billing address", "shipping address", "mailing address",
    "home address", "new address", "address is still", "bring it to", "drop it off at",
))
_TURN_FILLERS = frozenset("it's its it is um uh sure yes yeah okay ok so that's thats well oh".split())
_STREET_NAME_STOP = _STREET_NOT_NAME | frozenset(
    "am pm o'clock please thanks thank you yes no okay right".split()
)


def _house_number(toks: list[Tok], i: int) -> int | None:
    """Index after a house number starting at toks[i] ("1850", "420-2", "12B"), else None."""
    t = toks[i]
    if not re.fullmatch(r"\d{1,6}[a-z]?", t.low):
        return None
    k = i + 1
    if k < len(toks) and t.after == "-" and re.fullmatch(r"\d{1,5}", toks[k].low):
        k += 1
    return k


def _street_word(toks: list[Tok], t: Tok, formatted: bool) -> bool:
    low = t.low
    if not t.text.replace("'", "").replace("\u2019", "").isalpha() or len(low) < 2:
        return False
    if low in lx.NOT_NAME_WORDS or low in _STREET_NAME_STOP or low in lx.MONTHS or low in lx.WEEKDAYS:
        return False
    if low in lx.UNIT_WORDS or low in FIELD_WORDS:
        return False
    if formatted:
        return t.cap and not (t.text.isupper() and len(t.text) > 1)
    return True


def _addresses_without_suffix(text: str, toks: list[Tok], out: _Out, formatted: bool, taken: list[tuple[int, int]]) -> None:
    """"<house number> <1-3 name words>" without a street suffix, when the context makes it an
    address: a unit ("apartment 3B") or a city/state after it, or an address cue before it
    ("deliver to", "I live at") or nothing but fillers before it in the turn (the answer to
    "what's the address?"). ASR mangles suffixes ("Oak Avenue" -> "O'Cavin")."""
    n = len(toks)
    cue_end = {b for _, b in _ADDRESS_CUE_PHRASES.find_all(toks)}
    i = 0
    while i < n:
        k = _house_number(toks, i)
        if k is None or k >= n or toks[k].sent != toks[i].sent:
            i += 1
            continue
        a = toks[i].start
        if any(not (toks[k - 1].end <= x or a >= y) for x, y in taken) or _UNIT_AFTER.match(text, toks[k - 1].end):
            i += 1
            continue
        number = "".join(t.low for t in toks[i:k])
        year_like = re.fullmatch(r"(?:19|20)\d\d", number) is not None
        # name words: 1-3, stopping at punctuation
        j = k
        while j < n and j - k < 3 and toks[j].sent == toks[i].sent and _street_word(toks, toks[j], formatted):
            if _place_at(toks, j) and j > k:
                break
            j += 1
            if re.search(r"[,.;:!?]", toks[j - 1].after):
                break
        if j == k:
            i += 1
            continue
        end_tok = j
        # what follows: a unit, places
        unit = False
        if j < n and toks[j].sent == toks[i].sent and toks[j].low in lx.UNIT_WORDS and j + 1 < n:
            v = j + 1
            if re.fullmatch(r"[a-z]?\d{1,5}[a-z]?|[a-z]", toks[v].low):
                unit = True
                end_tok = v + 1
                if end_tok < n and len(toks[end_tok].low) == 1 and toks[end_tok].low.isalpha() and not toks[v].after.strip():
                    end_tok += 1  # "3 b"
        place_after = end_tok < n and toks[end_tok].sent == toks[i].sent and _place_at(toks, end_tok) is not None
        names_are_place = _place_at(toks, k) is not None
        before = [t for t in toks[:i] if t.sent == toks[i].sent]
        turn_start = all(t.low in _TURN_FILLERS for t in before)
        cue = i in cue_end
        clause_end = end_tok >= n or toks[end_tok].sent != toks[i].sent or bool(re.search(r"[,.;:!?]", toks[end_tok - 1].after)) or toks[end_tok].low in ("and", "but", "please", "so")
        turn_start = turn_start and len(re.sub(r"\D", "", number)) >= 2  # not "5 Stars."
        ok = False
        if unit or place_after:
            ok = cue or turn_start or (formatted and not year_like) or (names_are_place and not year_like)
        elif names_are_place or clause_end:
            # a turn that is only "<number> <Capitalised Words>" answers "what's the address?";
            # unformatted text has no capitals to tell "one two three testing" from a street
            ok = (cue and len(re.sub(r"\D", "", number)) >= 2) or (
                turn_start and (formatted or names_are_place) and not year_like and clause_end
            )
        if ok and year_like and not (cue or unit):
            ok = False
        if not ok:
            i += 1
            continue
        end = _extend_places(toks, i, end_tok, toks[end_tok - 1].end, formatted)
        out.add(a, end, "location_address", 0.8, "rule:address:nosuffix")
        taken.append((a, end))
        i = end_tok


def _gazetteer(toks: list[Tok], out: _Out, formatted: bool) -> None:
    """Cities, states, countries from the word lists (on the original words)."""
    n = len(toks)
    i = 0
    while i < n:
        pl = _place_at(toks, i)
        if not pl:
            i += 1
            continue
        k, policy = pl
        a, b = toks[i].start, toks[i + k - 1].end
        phrase = " ".join(t.low for t in toks[i : i + k])
        prev = toks[i - 1].low if i else ""
        nxt_pl = _place_at(toks, i + k) if i + k < n else None
        prev_place = i > 0 and _place_at(toks, i - 1) is not None
        cue = prev in lx.LOCATION_CUES or nxt_pl is not None or prev_place
        if phrase in _AMBIG_PLACE or (k == 1 and toks[i].low in lx.FIRST_NAMES | lx.SURNAMES):
            if not cue:
                i += k
                continue
            if prev in ("with", "to", "at") and phrase in lx.FIRST_NAMES and nxt_pl is None:
                i += k
                continue
        if formatted and not toks[i].cap and not toks[i].text.isupper():
            # lower-case "turkey", "china" in formatted text are nouns
            if not cue:
                i += k
                continue
        out.add(a, b, policy, 0.75, "rule:place")
        i += k


# --- medical and personal attributes ------------------------------------------ #

_CONDITIONS = PhraseSet(lx.CONDITIONS)
_AMBIG_COND = frozenset(lx.AMBIGUOUS_CONDITIONS)
_DRUGS = PhraseSet(lx.DRUGS)
_PROCS = PhraseSet(lx.MEDICAL_PROCEDURES)
_INJURY_RE = re.compile(
    r"\b(?:broke|broken|fractured|fracture|sprained|sprain|twisted|dislocated|tore|torn|bruised|injured|"
    r"hurt|pulled|strained|ruptured|herniated)\s+(?:my|his|her|their|the|a)?\s*(?:left|right)?\s*"
    r"(?:arm|leg|wrist|ankle|hip|ribs?|nose|fingers?|toes?|knee|shoulder|elbow|back|neck|foot|hand|"
    r"collarbone|jaw|skull|pelvis|acl|mcl|meniscus|ligament|rotator cuff|hamstring|muscle|tendon|achilles|disc|disk)\b"
    r"|\b(?:whiplash|concussion|broken bone|hairline fracture|stress fracture|torn acl|herniated disc|"
    r"slipped disc|second degree burns?|third degree burns?)\b",
    re.IGNORECASE,
)
_BLOOD_RE = re.compile(r"\bblood\s+(?:type|group)\s+(?:is\s+|was\s+)?((?:ab|a|b|o)\s*(?:positive|negative|pos|neg|\+|-)?)(?![\w+-])", re.IGNORECASE)
_BLOOD2_RE = re.compile(r"\b((?:ab|a|b|o)\s*(?:positive|negative))\s+blood\b", re.IGNORECASE)
_PHYS_RE = re.compile(
    r"\b\d\s*(?:feet|foot|ft|')\s*(?:\d{1,2}\s*(?:inches|inch|in|\")?)?\s*(?:tall)\b"
    r"|\b(?:i|he|she|they)\s+(?:weigh|weighs)\s+(?:about\s+|around\s+)?\d{2,3}\s*(?:pounds|lbs|kilos|kg)\b"
    r"|\b(?:blue|brown|green|hazel|gr[ae]y|black|dark)\s+eyes\b"
    r"|\b(?:blonde?|brown|black|red|gr[ae]y|white|auburn|brunette|curly|long|short)\s+hair\b",
    re.IGNORECASE,
)

_ATTR_CUE_BEFORE = r"(?:i'm|im|i am|he's|he is|she's|she is|they're|they are|we're|we are|you're|identify as|identifies as|i was|was)\s+(?:a\s+|an\s+)?(?:practicing\s+|devout\s+|registered\s+|proud\s+|recently\s+|happily\s+|newly\s+|legally\s+|currently\s+|now\s+|openly\s+)?"


def _attr_lexicon(phrases, *, ambiguous=(), cue_words: tuple[str, ...] = ()):
    words = sorted(phrases, key=len, reverse=True)
    alt = "|".join(re.escape(w) for w in words)
    free = [w for w in words if w not in set(ambiguous)]
    free_rx = re.compile(r"\b(" + "|".join(re.escape(w) for w in free) + r")\b", re.IGNORECASE) if free else None
    cue = _ATTR_CUE_BEFORE if not cue_words else r"(?:" + "|".join(cue_words) + r")\s+(?:is\s+|are\s+|a\s+|an\s+)?"
    cue_rx = re.compile(r"\b" + cue + r"(" + alt + r")\b", re.IGNORECASE)
    return free_rx, cue_rx


_GENDER = _attr_lexicon(lx.GENDERS, ambiguous=())
_GENDER_CUE = re.compile(r"\b(?:gender|sex)\s+(?:is\s+)?(male|female|man|woman|other|nonbinary|non-binary)\b", re.IGNORECASE)
_SEXUALITY = _attr_lexicon(lx.SEXUALITIES, ambiguous=lx.AMBIGUOUS_SEXUALITY)
_RELIGION = _attr_lexicon(
    lx.RELIGIONS,
    ambiguous=("christian", "orthodox", "greek orthodox", "baptist", "methodist", "evangelical", "protestant",
               "pagan", "quaker", "adventist", "unitarian", "catholic", "roman catholic", "lutheran",
               "presbyterian", "episcopalian", "pentecostal", "amish", "mennonite"),
)
_POLITICAL = _attr_lexicon(lx.POLITICAL, ambiguous=lx.AMBIGUOUS_POLITICAL)
_POLITICAL_CUE = re.compile(
    r"\b(?:vote|voted|voting|voter|registered|lean|leaning|support|supporter of|member of the)\s+(?:as\s+(?:a|an)\s+)?(?:for\s+(?:the\s+)?)?("
    + "|".join(re.escape(w) for w in sorted(lx.POLITICAL, key=len, reverse=True)) + r")s?\b",
    re.IGNORECASE,
)
_MARITAL = _attr_lexicon(lx.MARITAL, ambiguous=lx.MARITAL)
_MARITAL_CUE = re.compile(r"\b(?:marital status is|status is|got|getting|recently|just got)\s+(married|divorced|separated|engaged|widowed|single)\b", re.IGNORECASE)
_ZODIAC_CUE = re.compile(
    r"\b(?:sign is|i'm a|i am a|she's a|he's a|as a|typical|zodiac sign is|star sign is|zodiac is)\s+("
    + "|".join(sorted(lx.ZODIAC)) + r")\b",
    re.IGNORECASE,
)
_LANG_CUE = re.compile(
    r"\b(?:speak|speaks|speaking|spoke|in|language is|fluent in|native|translator for|interpreter for|interpreter in|habla)\s+("
    + "|".join(re.escape(w) for w in sorted(lx.LANGUAGES, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_NATIONALITY = _attr_lexicon(lx.NATIONALITIES, ambiguous=lx.NATIONALITIES)
_OCCUPATION_CUE = re.compile(
    r"\b(?:i'm|im|i am|he's|he is|she's|she is|they're|i was|i work as|works as|worked as|working as|"
    r"job is|occupation is|profession is|employed as|retired|a retired|by profession|as)\s+(?:a\s+|an\s+)?(?:retired\s+|former\s+|registered\s+|licensed\s+)?("
    + "|".join(re.escape(w) for w in sorted(lx.OCCUPATIONS, key=len, reverse=True)) + r")s?\b",
    re.IGNORECASE,
)


def _medical_and_attributes(text: str, toks: list[Tok], out: _Out) -> None:
    for a, b in _CONDITIONS.find_all(toks):
        phrase = " ".join(t.low for t in toks[a:b])
        if phrase in _AMBIG_COND:
            before = {t.low for t in toks[max(0, a - 4) : a]}
            if not before & lx.MEDICAL_CUES:
                continue
        out.add(toks[a].start, toks[b - 1].end, "medical_condition", 0.75, "rule:condition")
    for a, b in _DRUGS.find_all(toks):
        out.add(toks[a].start, toks[b - 1].end, "drug", 0.8, "rule:drug")
    for a, b in _PROCS.find_all(toks):
        out.add(toks[a].start, toks[b - 1].end, "medical_process", 0.7, "rule:procedure")
    for m in _INJURY_RE.finditer(text):
        out.add(m.start(), m.end(), "injury", 0.7, "rule:injury")
    for rx in (_BLOOD_RE, _BLOOD2_RE):
        for m in rx.finditer(text):
            out.add(m.start(1), m.end(1), "blood_type", 0.85, "rule:blood")

    def lex(pair, policy, score=0.7):
        free_rx, cue_rx = pair
        if free_rx:
            for m in free_rx.finditer(text):
                out.add(m.start(1), m.end(1), policy, score, f"rule:{policy}")
        for m in cue_rx.finditer(text):
            out.add(m.start(1), m.end(1), policy, score + 0.1, f"rule:{policy}:cue")

    lex(_GENDER, "gender")
    for m in _GENDER_CUE.finditer(text):
        out.add(m.start(1), m.end(1), "gender", 0.8, "rule:gender:cue")
    lex(_SEXUALITY, "sexuality")
    lex(_RELIGION, "religion")
    lex(_POLITICAL, "political_affiliation")
    for m in _POLITICAL_CUE.finditer(text):
        out.add(m.start(1), m.end(1), "political_affiliation", 0.8, "rule:political:cue")
    lex(_MARITAL, "marital_status")
    for m in _MARITAL_CUE.finditer(text):
        out.add(m.start(1), m.end(1), "marital_status", 0.8, "rule:marital:cue")
    for m in _ZODIAC_CUE.finditer(text):
        out.add(m.start(1), m.end(1), "zodiac_sign", 0.85, "rule:zodiac")
    for m in _LANG_CUE.finditer(text):
        out.add(m.start(1), m.end(1), "language", 0.75, "rule:language")
    lex(_NATIONALITY, "nationality")
    for m in _OCCUPATION_CUE.finditer(text):
        out.add(m.start(1), m.end(1), "occupation", 0.75, "rule:occupation")


# --------------------------------------------------------------------------- #
# Entry point
# --------------------------------------------------------------------------- #


def is_formatted(text: str) -> bool:
    """Formatted ASR text has capitals or punctuation; the unformatted final has neither."""
    return any(c.isupper() for c in text) or bool(re.search(r"[.,?!]", text))


def find_rule_spans(norm: Normalized) -> list[Span]:
    """All rule detections for one turn, in original-text coordinates (overlaps allowed)."""
    text = norm.text
    out = _Out(norm)
    toks = tokenize(text)
    if not toks:
        return []
    formatted = is_formatted(norm.original)
    trigs = _find_triggers(toks)
    bank_turn = bool(_BANK_TURN.find_all(toks))
    taken = _structured(text, toks, trigs, out)
    _credentials(text, out, taken)
    _dates(text, toks, trigs, out, taken)
    _ages(text, out, taken)
    _addresses(text, toks, out, formatted, taken)
    _split_identifiers(text, toks, trigs, out, taken, bank_turn)
    _identifiers(text, toks, trigs, out, taken, bank_turn)
    for m in _PHYS_RE.finditer(text):
        out.add(m.start(), m.end(), "physical_attribute", 0.65, "rule:physical")
    # Word-list rules run on the original words: "capital one" must not become "capital 1".
    orig = norm.original
    if norm.changed:
        oout = _Out(Normalized(orig, orig, tuple(range(len(orig))), tuple(range(1, len(orig) + 1))))
        otoks = tokenize(orig)
    else:
        oout, otoks = out, toks
    name_ranges = _names(otoks, oout, formatted)
    _spelled(otoks, oout, name_ranges)
    _orgs(otoks, oout, formatted)
    _gazetteer(otoks, oout, formatted)
    _medical_and_attributes(orig, otoks, oout)
    return out.spans + (oout.spans if oout is not out else [])
