"""A synthetic PII evaluation set: templates x values x (written, spoken) forms, split dev/test.

Why: the hand-written sets (``eval.jsonl``, the audio ``pii.jsonl``, ``tests/pii/data``) are the
sentences the rules were tuned on, so 100 % recall there says nothing about new speech. This
generator writes many call-centre turns from phrasings and values the rules never saw, and
keeps a *test* part that rule work must not look at.

**Split rule** (deterministic, written here so it cannot drift): every pooled value (a name,
a street, a city, an organisation ...) is assigned to a part by ``sha256(kind + ":" + text)``:
the first byte modulo 10 below 4 -> ``test``, else ``dev``. Templates are grouped by the label
of their first slot (so every kind of PII is in both parts); within a group they are ordered
by ``sha256("template:" + text)`` and the first ``ceil(40 %)`` go to ``test``. A test turn uses
only test templates and test values; a dev turn only dev ones. Random numbers
(phones, cards ...) come from a per-part random generator (seed ``SEED`` + part). So the test
part measures phrasings *and* values never seen while changing rules. Improve rules on
``dev`` only; report ``test``.

Forms: ``formatted`` (capitals, punctuation, digits as people write them) and ``spoken``
(lower case, no punctuation, numbers as words as a caller says them -- or, for about a third
of the numeric values, as digit groups the way Whisper writes them in an unformatted final);
both forms sometimes start with a filler ("um", "okay so"). ``negative`` turns carry numbers,
times, amounts and name-like words ("Will you mark the bill ...") but no PII.

Output rows have the ``eval.jsonl`` schema (``form``, ``text``, ``spans`` with ``start``,
``end``, ``label``, ``text``), so ``hushscribe bench pii --data`` scores them.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SEED", "part_of", "generate", "write_parts"]

SEED = 20261204
TEST_SHARE = 4  # of 10


def part_of(kind: str, text: str) -> str:
    """``test`` or ``dev`` for a template or pooled value (see the module doc's split rule)."""
    return "test" if hashlib.sha256(f"{kind}:{text}".encode()).digest()[0] % 10 < TEST_SHARE else "dev"


# --------------------------------------------------------------------------- #
# Spoken forms of numbers
# --------------------------------------------------------------------------- #

_DIGIT = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEEN = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORD = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth",
        9: "ninth", 10: "tenth", 11: "eleventh", 12: "twelfth", 13: "thirteenth", 14: "fourteenth",
        15: "fifteenth", 16: "sixteenth", 17: "seventeenth", 18: "eighteenth", 19: "nineteenth", 20: "twentieth",
        30: "thirtieth"}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _below_100(n: int) -> str:
    if n < 10:
        return _DIGIT[n]
    if n < 20:
        return _TEEN[n - 10]
    return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _DIGIT[n % 10])


def _cardinal(n: int) -> str:
    if n < 100:
        return _below_100(n)
    if n < 1000:
        return _DIGIT[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + _below_100(n % 100))
    return _cardinal(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + _cardinal(n % 1000))


def _ordinal(n: int) -> str:
    if n in _ORD:
        return _ORD[n]
    return _TENS[n // 10] + " " + _ORD[n % 10]


def _year(y: int) -> str:
    if 2000 <= y < 2010:
        return "two thousand" + ("" if y == 2000 else " " + _DIGIT[y % 10])
    hi, lo = divmod(y, 100)
    return _below_100(hi) + " " + ("hundred" if lo == 0 else ("oh " + _DIGIT[lo] if lo < 10 else _below_100(lo)))


def _digits(s: str, rng: random.Random) -> str:
    """Digit by digit, sometimes "oh" for zero and "double"/"triple" for repeats."""
    out: list[str] = []
    i = 0
    style_oh = rng.random() < 0.4
    style_double = rng.random() < 0.4
    while i < len(s):
        d = s[i]
        run = 1
        while i + run < len(s) and s[i + run] == d and run < 3:
            run += 1
        word = "oh" if d == "0" and style_oh else _DIGIT[int(d)]
        if style_double and run >= 2:
            out.append(("double " if run == 2 else "triple ") + word)
            i += run
            continue
        out.append(word)
        i += 1
    return " ".join(out)


def _house(n: int, rng: random.Random) -> str:
    """House numbers as people say them: "four twenty", "twelve", "one oh five", "fifteen hundred"."""
    if n < 100:
        return _below_100(n)
    if n % 100 == 0 and n < 10000:
        return _below_100(n // 100) + " hundred"
    if n < 1000:
        return _DIGIT[n // 100] + " " + ("oh " + _DIGIT[n % 10] if n % 100 < 10 else _below_100(n % 100))
    hi, lo = divmod(n, 100)
    return _below_100(hi) + " " + ("oh " + _DIGIT[lo] if lo < 10 else _below_100(lo))


# --------------------------------------------------------------------------- #
# Values: (written, spoken) pairs per slot
# --------------------------------------------------------------------------- #

_FIRST = """James Mary Robert Patricia Michael Jennifer David Linda William Elizabeth Richard Barbara Joseph Susan
Thomas Jessica Christopher Sarah Daniel Karen Matthew Lisa Anthony Nancy Mark Betty Donald Sandra Steven Ashley
Andrew Kimberly Joshua Emily Kevin Donna Brian Michelle George Carol Timothy Amanda Ronald Melissa Jason Deborah
Priya Aisha Mateo Sofia Hiroshi Yuki Oluwaseun Chidi Fatima Omar Ingrid Lars Siobhan Declan Anjali Rahul Mei
Wei Camila Diego Nadia Ivan Zainab Kwame Leilani Tariq Esperanza Bjorn Astrid Thanh Minh Gabriela Rafael Noor
Hamza Elena Dmitri Keiko Kenji Ananya Vikram Amara Kofi Lucia Marco Sven Freya Imani Malik Rosa Jorge""".split()
_LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson
Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell
Mitchell Carter Roberts Patel Okafor Kowalczyk Nakamura Tanaka Haddad Lindqvist Fitzgerald Obrien Mbeki Castillo
Delgado Novak Petrov Yamamoto Chaudhry Abernathy Whitfield Oyelaran Srinivasan Hoffmann Schneider Dubois Moreau
Rossi Bianchi Kaur Singh Achebe Mensah Varga Horvath Eriksen Sato Kimura Ibrahim Farouk Quispe Mamani""".split()
_STREETS = """Maple Oak Pine Cedar Elm Willow Birch Walnut Chestnut Magnolia Sycamore Hickory Juniper Aspen Laurel
Highland Lakeview Riverside Sunset Meadow Prospect Franklin Washington Lincoln Jefferson Madison Jackson Monroe
Adams Hamilton Cherry Spruce Poplar Hawthorne Fairview Park Church Mill Spring Ridge Valley Forest Hillcrest
Orchard Briarwood Kingsley Thornton Ashford Wexford Carroway Dunmore Pemberton Whitmore Ellsworth""".split()
_SUFFIX = [("Street", "street"), ("Avenue", "avenue"), ("Road", "road"), ("Drive", "drive"), ("Lane", "lane"),
           ("Boulevard", "boulevard"), ("Court", "court"), ("Way", "way"), ("Place", "place"), ("St.", "street"),
           ("Ave", "avenue"), ("Rd.", "road")]
_CITIES = [("Springfield", "Illinois"), ("Portland", "Oregon"), ("Austin", "Texas"), ("Denver", "Colorado"),
           ("Phoenix", "Arizona"), ("Columbus", "Ohio"), ("Nashville", "Tennessee"), ("Madison", "Wisconsin"),
           ("Albany", "New York"), ("Boise", "Idaho"), ("Tucson", "Arizona"), ("Raleigh", "North Carolina"),
           ("Omaha", "Nebraska"), ("Richmond", "Virginia"), ("Tampa", "Florida"), ("Savannah", "Georgia"),
           ("Spokane", "Washington"), ("Fresno", "California"), ("Dayton", "Ohio"), ("Reno", "Nevada"),
           ("Chattanooga", "Tennessee"), ("Burlington", "Vermont"), ("Billings", "Montana"), ("Tulsa", "Oklahoma"),
           ("Lansing", "Michigan"), ("Provo", "Utah"), ("Eugene", "Oregon"), ("Durham", "North Carolina"),
           ("Sacramento", "California"), ("Pittsburgh", "Pennsylvania"), ("Baltimore", "Maryland"),
           ("Louisville", "Kentucky"), ("Memphis", "Tennessee"), ("Wichita", "Kansas"), ("Anchorage", "Alaska")]
_ORGS = """Northwind Energy|Blue Ridge Insurance|Summit Health Partners|Acme Logistics|Pinecrest Bank|Harbor Mutual
|Redwood Telecom|Granite State Credit Union|Silverline Mortgage|Evergreen Dental Group|Lakeshore Medical Center
|Brightpath Solar|Cascade Water Company|Ironwood Security|Meridian Financial|Oakmont Realty|Clearview Optical
|Horizon Airlines|Keystone Auto Insurance|Bluebird Pharmacy|Sterling Legal Services|Crestview Hospital
|Maple Leaf Movers|Atlas Freight|Riverbend Family Clinic|Copperfield Utilities|Westbrook College
|Starlight Cable|Fairway Home Loans|Juniper Networks Support""".replace("\n", "").split("|")


@dataclass(frozen=True)
class Value:
    written: str
    spoken: str


class Values:
    """Draws slot values for one part (dev/test) from its share of the pools."""

    def __init__(self, part: str, rng: random.Random) -> None:
        self.rng = rng
        self.first = [n for n in _FIRST if part_of("first", n) == part]
        self.last = [n for n in _LAST if part_of("last", n) == part]
        self.streets = [n for n in _STREETS if part_of("street", n) == part]
        self.cities = [c for c in _CITIES if part_of("city", c[0]) == part]
        self.orgs = [o for o in _ORGS if part_of("org", o) == part]

    def slot(self, name: str) -> Value:
        return getattr(self, "v_" + name)()

    # names and organisations
    def v_name(self) -> Value:
        n = f"{self.rng.choice(self.first)} {self.rng.choice(self.last)}"
        return Value(n, n.lower())

    def v_first(self) -> Value:
        n = self.rng.choice(self.first)
        return Value(n, n.lower())

    def v_org(self) -> Value:
        o = self.rng.choice(self.orgs)
        return Value(o, o.lower())

    def v_city(self) -> Value:
        c = self.rng.choice(self.cities)[0]
        return Value(c, c.lower())

    # numbers
    def _num(self, n: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(n))

    def v_phone(self) -> Value:
        a = str(self.rng.randrange(2, 10)) + self._num(2)
        b = str(self.rng.randrange(2, 10)) + self._num(2)
        c = self._num(4)
        written = self.rng.choice([f"{a}-{b}-{c}", f"({a}) {b}-{c}", f"{a} {b} {c}", f"{a}.{b}.{c}",
                                   f"+1 {a} {b} {c}"])
        spoken = _digits(a + b + c, self.rng)
        return Value(written, spoken)

    def v_card(self) -> Value:
        body = "4" + self._num(14)
        total = 0
        for i, ch in enumerate(reversed(body)):
            d = int(ch)
            if i % 2 == 0:
                d = d * 2 - 9 if d * 2 > 9 else d * 2
            total += d
        num = body + str((10 - total % 10) % 10)
        groups = [num[i:i + 4] for i in range(0, 16, 4)]
        written = self.rng.choice([" ".join(groups), "-".join(groups), num])
        return Value(written, " ".join(_digits(g, self.rng) for g in groups))

    def v_last4(self) -> Value:
        d = self._num(4)
        return Value(d, _digits(d, self.rng))

    def v_ssn4(self) -> Value:
        return self.v_last4()

    def v_bankacct(self) -> Value:
        return self.v_account()

    def v_cvv(self) -> Value:
        d = str(self.rng.randrange(1, 10)) + self._num(2)
        return Value(d, _digits(d, self.rng))

    def v_expiry(self) -> Value:
        m, y = self.rng.randrange(1, 13), self.rng.randrange(26, 33)
        written = self.rng.choice([f"{m:02d}/{y}", f"{_MONTHS[m - 1]} 20{y}"])
        spoken = self.rng.choice([f"{_digits(f'{m:02d}', self.rng)} {_below_100(y)}",
                                  f"{_MONTHS[m - 1].lower()} {_year(2000 + y)}"])
        return Value(written, spoken)

    def v_ssn(self) -> Value:
        a, b, c = str(self.rng.randrange(1, 9)) + self._num(2), self._num(2), self._num(4)
        return Value(self.rng.choice([f"{a}-{b}-{c}", f"{a} {b} {c}"]), _digits(a + b + c, self.rng))

    def v_dob(self) -> Value:
        y, m, d = self.rng.randrange(1940, 2004), self.rng.randrange(1, 13), self.rng.randrange(1, 29)
        written = self.rng.choice([f"{_MONTHS[m - 1]} {d}, {y}", f"{m}/{d}/{y}", f"{m:02d}/{d:02d}/{y}",
                                   f"{_MONTHS[m - 1]} {d}th, {y}" if d > 3 and d < 21 else f"{_MONTHS[m - 1]} {d}, {y}"])
        spoken = self.rng.choice([f"{_MONTHS[m - 1].lower()} {_ordinal(d)} {_year(y)}",
                                  f"{_MONTHS[m - 1].lower()} {_below_100(d)} {_year(y)}",
                                  f"the {_ordinal(d)} of {_MONTHS[m - 1].lower()} {_year(y)}"])
        return Value(written, spoken)

    def v_account(self) -> Value:
        d = self._num(self.rng.choice([7, 8, 9, 10]))
        return Value(d, _digits(d, self.rng))

    def v_routing(self) -> Value:
        d = "0" + self._num(8)
        return Value(d, _digits(d, self.rng))

    def v_age(self) -> Value:
        a = self.rng.randrange(18, 95)
        return Value(str(a), _below_100(a))

    def v_address(self) -> Value:
        n = self.rng.choice([self.rng.randrange(10, 100), self.rng.randrange(100, 1000), self.rng.randrange(1000, 9999)])
        street = self.rng.choice(self.streets)
        suf_w, suf_s = self.rng.choice(_SUFFIX)
        city, state = self.rng.choice(self.cities)
        if self.rng.random() < 0.5:
            return Value(f"{n} {street} {suf_w}", f"{_house(n, self.rng)} {street.lower()} {suf_s}")
        return Value(f"{n} {street} {suf_w}, {city}, {state}",
                     f"{_house(n, self.rng)} {street.lower()} {suf_s} {city.lower()} {state.lower()}")

    def v_email(self) -> Value:
        first, last = self.rng.choice(self.first).lower(), self.rng.choice(self.last).lower()
        dom = self.rng.choice(["gmail", "yahoo", "outlook", "hotmail", "icloud", "proton"])
        tld = self.rng.choice(["com", "com", "net", "org"])
        local, local_s = self.rng.choice([(f"{first}.{last}", f"{first} dot {last}"), (f"{first}{last}", f"{first}{last}"),
                                          (f"{first[0]}{last}", f"{first[0]} {last}"),
                                          (f"{first}_{last}", f"{first} underscore {last}"),
                                          (f"{first}{self.rng.randrange(10, 99)}", None)])
        if local_s is None:
            digits = local[len(first):]
            local_s = f"{first} {_below_100(int(digits))}"
        return Value(f"{local}@{dom}.{tld}", f"{local_s} at {dom} dot {tld}")

    def v_license(self) -> Value:
        letter = self.rng.choice("ABCDEFGHJKLMNPRSTWY")
        d = self._num(7)
        return Value(f"{letter}{d}", f"{letter.lower()} {_digits(d, self.rng)}")


# --------------------------------------------------------------------------- #
# Templates: written form; the spoken form is derived (lower case, no punctuation)
# --------------------------------------------------------------------------- #

#: (template, slot -> label). Slots are ``{slot}``; every slot in a template is PII.
LABELS = {
    "name": "person_name", "first": "person_name", "org": "organization", "city": "location",
    "phone": "phone_number", "card": "credit_card_number", "last4": "credit_card_number",
    "cvv": "credit_card_cvv", "expiry": "credit_card_expiration", "ssn": "us_social_security_number",
    "dob": "date_of_birth", "account": "account_number", "routing": "banking_information", "age": "person_age",
    "address": "location", "ssn4": "us_social_security_number", "bankacct": "banking_information", "email": "email_address", "license": "drivers_license",
}

TEMPLATES: tuple[str, ...] = (
    # names
    "Hi, my name is {name} and I'm calling about my bill.",
    "Yes, this is {name}.",
    "The account is under {name}.",
    "Can I speak with {name}, please?",
    "I'm calling on behalf of my mother, {name}.",
    "You were helping me yesterday, I spoke to {name}.",
    "Hello, {name} speaking, how can I help?",
    "It's {name}, I called earlier about the refund.",
    "Please put it under the name {name}.",
    "My husband {first} usually handles this.",
    "Thanks {first}, that's very helpful.",
    "Could you transfer me to {name} in accounts?",
    "The policy holder is {name}.",
    "I'd like to add my daughter {first} to the plan.",
    # organisations
    "I'm calling from {org} about your claim.",
    "Thank you for calling {org}, this is {first}.",
    "I used to have my account with {org}.",
    "My employer is {org}.",
    "We switched over to {org} last spring.",
    "Is this the number for {org}?",
    # phones
    "My phone number is {phone}.",
    "You can reach me at {phone}.",
    "Call me back on {phone} after five.",
    "The best number for me is {phone}.",
    "It's {phone}, that's my cell.",
    "Can you text me at {phone}?",
    "My work number is {phone}, extension twelve.",
    "If I don't pick up, try {phone}.",
    "The number on file should be {phone}.",
    "My mobile is {phone}.",
    # cards
    "My card number is {card}.",
    "The Visa number is {card}.",
    "Sure, the credit card is {card}.",
    "It's the card ending in {last4}.",
    "I'd like to pay with my Mastercard, {card}.",
    "The long number on the front is {card}.",
    "The one that ends with {last4}, please.",
    "Charge it to {card}.",
    # cvv / expiry
    "The security code is {cvv}.",
    "The CVV on the back is {cvv}.",
    "The three digit code is {cvv}.",
    "It expires {expiry}.",
    "The expiration date is {expiry}.",
    "Expiry is {expiry}, and the code is {cvv}.",
    "Valid through {expiry}.",
    # ssn
    "My social security number is {ssn}.",
    "The last four of my social are {ssn4}.",
    "My SSN is {ssn}.",
    "Sure, my social is {ssn}.",
    "For verification, social security {ssn}.",
    # dob
    "My date of birth is {dob}.",
    "I was born on {dob}.",
    "Date of birth, {dob}.",
    "Her birthday is {dob}.",
    "DOB is {dob}.",
    "He was born {dob}, in case you need it.",
    # account / banking
    "My account number is {account}.",
    "The member ID is {account}.",
    "My policy number is {account}.",
    "The order number was {account}.",
    "My customer number is {account}, I think.",
    "Reference number {account}.",
    "The routing number is {routing}.",
    "My bank routing number is {routing} and the checking account is {bankacct}.",
    "The claim number is {account}.",
    "I have the confirmation number here, it's {account}.",
    # age
    "I'm {age} years old.",
    "My father is {age} and lives alone.",
    "She just turned {age}.",
    "The patient is {age} years old.",
    "I am {age}, if that matters.",
    # addresses and places
    "I live at {address}.",
    "My address is {address}.",
    "Please ship it to {address}.",
    "The billing address is {address}.",
    "We moved to {address} last month.",
    "Send the paperwork to {address}.",
    "My new address is {address}.",
    "It should be delivered to {address}.",
    "I'm calling from {city}.",
    "We're located in {city}.",
    "I just moved here from {city}.",
    "Is there a branch in {city}?",
    # e-mail
    "My email is {email}.",
    "You can email me at {email}.",
    "Send it to {email}, please.",
    "The email on the account is {email}.",
    "My email address is {email}.",
    "Please use {email} for the receipt.",
    # driver's license
    "My driver's license number is {license}.",
    "The license number is {license}.",
    "My driver's license is {license}.",
)

#: PII-free turns with the things rules confuse with PII: numbers, times, amounts, durations.
NEGATIVE_TEMPLATES: tuple[str, ...] = (
    "Press {n1} for billing.",
    "I'll call you back in {n1} minutes.",
    "The total came to {n2} dollars.",
    "We're open from {n1} to {n1} on weekdays.",
    "I've been a customer for {n1} years.",
    "Can you repeat that, please?",
    "I need {n1} more boxes for the move.",
    "It's about {n2} miles from here.",
    "The package weighs {n1} pounds.",
    "Room {n3} is on the left.",
    "My internet has been down for {n1} days.",
    "I was on hold for {n1} minutes.",
    "Can you send me a new statement?",
    "The fee went up by {n1} percent.",
    "I'd like to cancel my subscription.",
    "We have {n1} kids and a dog.",
    "The meeting is at {n1} o'clock.",
    "Is that the right number to call?",
    "What's the balance on my account?",
    "I paid the bill last week.",
    "My order still hasn't arrived.",
    "I'll hold, thank you.",
    "The technician never showed up.",
    "It took {n1} tries to log in.",
    "Channel {n3} isn't working.",
    "The form has {n1} pages.",
    "I think there's a mistake on the invoice.",
    "How long will the refund take?",
    "Can I get a discount if I pay today?",
    "We bought {n1} tickets for the show.",
    "Please read the terms again.",
    "The price was {n2} dollars and {n1} cents.",
    "My password isn't working.",
    "I want to update my address.",
    "Can you verify my date of birth?",
    "I'll need my account number, hold on.",
    "Will you mark the bill as paid?",
    "Can I grant access to my wife?",
    "I'll be home on Sunday after {n1}.",
    "The bill for March was {n2} dollars.",
    "I'd like to speak to a manager, please.",
    "Hope you have a good day.",
    "Is the May promotion still running?",
    "I have {n1} questions about my plan.",
    "Please press {n1} and then the pound key.",
    "That's {n1} out of {n1} stars from me.",
    "I'm calling about the status of my order.",
    "The storm knocked out power on our street.",
    "My son starts college in the fall.",
    "We'll be away for {n1} weeks in June.",
    "It feels like they rob me every month.",
    "The new plan is {n2} dollars a month.",
    "Can you hold for {n1} seconds?",
    "I have been waiting since {n1} this morning.",
)


def _spoken_template(t: str) -> str:
    """The spoken form of a template: lower case, no punctuation (slots untouched)."""
    parts = re.split(r"(\{\w+\})", t)
    out = []
    for p in parts:
        if p.startswith("{"):
            out.append(p)
        else:
            out.append(re.sub(r"[.,?!;:]", "", p.lower()))
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _fill(template: str, vals: Callable[[str], str]) -> tuple[str, list[tuple[int, int, str, str]]]:
    text = ""
    spans = []
    for p in re.split(r"(\{\w+\})", template):
        if p.startswith("{"):
            slot = p[1:-1]
            v = vals(slot)
            spans.append((len(text), len(text) + len(v), LABELS.get(slot, ""), v))
            text += v
        else:
            text += p
    return text, spans


def _negative_value(slot: str, rng: random.Random, spoken: bool) -> str:
    n = {"n1": rng.randrange(2, 13), "n2": rng.randrange(15, 400), "n3": rng.randrange(100, 400)}[slot]
    return _cardinal(n) if spoken else str(n)


def _template_parts() -> dict[str, str]:
    groups: dict[str, list[str]] = {}
    for t in TEMPLATES:
        first = re.search(r"\{(\w+)\}", t)
        groups.setdefault(LABELS[first.group(1)] if first else "", []).append(t)
    groups["negative"] = list(NEGATIVE_TEMPLATES)
    parts: dict[str, str] = {}
    for ts in groups.values():
        ts = sorted(ts, key=lambda t: hashlib.sha256(f"template:{t}".encode()).hexdigest())
        n_test = -(-len(ts) * TEST_SHARE // 10)
        for i, t in enumerate(ts):
            parts[t] = "test" if i < n_test else "dev"
    return parts


#: Slots whose spoken form Whisper often writes as digits even in the unformatted final.
_ASR_DIGIT_SLOTS = frozenset(("phone", "card", "last4", "ssn4", "cvv", "ssn", "account", "bankacct", "routing",
                              "age", "address", "dob", "expiry", "license", "email"))
_SPOKEN_FILLERS = ("", "", "", "", "um ", "uh ", "yeah ", "okay so ", "sure ")
_WRITTEN_FILLERS = ("", "", "", "", "Um, ", "Yeah, ", "Okay, so ", "Sure, ")


def _asr_digits(written: str) -> str:
    """The unformatted-final look of a written value: lower case, digits kept, no punctuation
    between digit groups ("(415) 555-0137" -> "415 555 0137")."""
    s = written.lower().replace("(", "").replace(")", "")
    s = re.sub(r"(?<=\d)[-./,](?=\d)", " ", s)
    s = re.sub(r",", "", s) if "@" not in s else s
    return re.sub(r"\s+", " ", s).strip()


def _with_filler(template: str, filler: str) -> str:
    if not filler:
        return template
    first = template[:1]
    rest = template if first == "{" or template.startswith("I ") or template.startswith("I'") else first.lower() + template[1:]
    return filler + rest


def generate(part: str, per_template: int = 6) -> Iterator[dict]:
    """Rows of one part: each of its templates filled ``per_template`` times, both forms."""
    rng = random.Random(f"{SEED}:{part}")
    values = Values(part, rng)
    template_part = _template_parts()
    k = 0
    for t in TEMPLATES:
        if template_part[t] != part:
            continue
        for _ in range(per_template):
            drawn: dict[str, Value] = {}

            def pick(slot: str, drawn: dict[str, Value] = drawn) -> Value:
                if slot not in drawn:
                    drawn[slot] = values.slot(slot)
                return drawn[slot]

            asr = {slot for slot in sorted(_ASR_DIGIT_SLOTS) if rng.random() < 0.35}
            fillers = (rng.choice(_WRITTEN_FILLERS), rng.choice(_SPOKEN_FILLERS))

            def spoken(slot: str, asr: set[str] = asr) -> str:
                return _asr_digits(pick(slot).written) if slot in asr else pick(slot).spoken

            for form, tmpl in (("formatted", _with_filler(t, fillers[0])),
                               ("spoken", fillers[1] + _spoken_template(t))):

                def value(slot: str, form: str = form) -> str:
                    return pick(slot).written if form == "formatted" else spoken(slot)

                text, spans = _fill(tmpl, value)
                yield {"id": f"{part}-{k}", "form": form, "text": text, "template": t,
                       "spans": [{"start": a, "end": b, "label": lab, "text": v} for a, b, lab, v in spans]}
                k += 1
    for t in NEGATIVE_TEMPLATES:
        if template_part[t] != part:
            continue
        for _ in range(max(1, per_template // 2)):
            for as_spoken, tmpl in ((False, t), (True, _spoken_template(t))):

                def number(slot: str, as_spoken: bool = as_spoken) -> str:
                    return _negative_value(slot, rng, as_spoken)

                text, _ = _fill(tmpl, number)
                yield {"id": f"{part}-{k}", "form": "negative", "text": text, "template": t, "spans": []}
                k += 1


def write_parts(out_dir: Path, per_template: int = 6) -> dict[str, int]:
    """Write ``dev.jsonl`` and ``test.jsonl`` under ``out_dir``; returns rows per part."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for part in ("dev", "test"):
        rows = list(generate(part, per_template))
        with open(out_dir / f"{part}.jsonl", "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r) + "\n")
        counts[part] = len(rows)
    return counts
