"""Context triggers: the field names said before a value ("routing number", "date of birth").

Why one table for all families: the nearest trigger before a digit group decides what the
group is (card, CVV, SSN, account, phone ...), and dates and medical codes ask the same
question. Each category's phrases are data; :func:`contexts` answers "what was said just
before token i in this sentence?" for every recogniser.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import PhraseSet, Tok

__all__ = ["TRIGGERS", "FIELD_WORDS", "BANK_TURN", "Trigger", "find_triggers", "contexts", "context"]


TRIGGERS: dict[str, tuple[str, ...]] = {
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
_TRIGGER_SET = {cat: PhraseSet(phr) for cat, phr in TRIGGERS.items()}
#: Words of field names ("driver's", "license", "routing"): never an entity on their own.
FIELD_WORDS = frozenset(w for phr in TRIGGERS.values() for p in phr for w in p.split()) | frozenset(
    "driver drivers id number numbers code address email phone name date birth".split()
)
_WEAK = {"number", "last4"}
_WINDOW = 9
BANK_TURN = PhraseSet(("routing", "checking", "savings", "bank", "iban", "swift", "sort code", "aba", "wire", "direct deposit", "bank account"))


@dataclass
class Trigger:
    cat: str
    first: int
    last: int  # exclusive token index
    sent: int


def find_triggers(toks: list[Tok]) -> list[Trigger]:
    out: list[Trigger] = []
    for cat, ps in _TRIGGER_SET.items():
        i = 0
        while i < len(toks):
            n = ps.match(toks, i)
            if n:
                out.append(Trigger(cat, i, i + n, toks[i].sent))
                i += n
            else:
                i += 1
    return out


def contexts(trigs: list[Trigger], first_tok: int, sent: int, last_tok: int | None = None) -> tuple[list[str], bool, bool]:
    """(strong trigger categories before first_tok, nearest first; weak 'number' seen; last-four seen)."""
    found: list[Trigger] = []
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


def context(trigs: list[Trigger], first_tok: int, sent: int, last_tok: int | None = None) -> tuple[str | None, bool, bool]:
    """Like :func:`contexts`, with only the nearest category."""
    cats, weak, last4 = contexts(trigs, first_tok, sent, last_tok)
    return (cats[0] if cats else None), weak, last4
