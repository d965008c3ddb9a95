"""Addresses and locations: street addresses, P.O. boxes, streets, coordinates, and cities, states
and countries from the gazetteer.

Addresses: number + name + street suffix; without a suffix (ASR mangles "Oak Avenue" into
"O'Cavin") a house number + 1-3 name words followed by a unit or a city/state, or after an
address cue ("deliver to", "I live at"), or as a whole capitalised answer turn. An address
extends over the city, state and ZIP that follow it.
"""

from __future__ import annotations

import re

from .. import lexicon as lx
from ..vocab import MONTHS, WEEKDAYS
from .base import (
    UNIT_AFTER,
    Analysis,
    Pattern,
    PatternRecognizer,
    PhraseSet,
    Recognizer,
    SpanSink,
    Tok,
    free,
    tok_range,
)
from .context import FIELD_WORDS

__all__ = ["COORDINATE", "AddressRecognizer", "PlaceRecognizer"]

COORDINATE = PatternRecognizer("coordinate", "location_coordinate", [
    Pattern("lat,long", r"(?<![\d.])-?\d{1,2}\.\d{3,}\s*°?\s*[NS]?\s*,\s*-?\d{1,3}\.\d{3,}\s*°?\s*[EW]?(?![\d.])", 0.8),
])


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
    first, last = tok_range(toks, a, b)
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


def _addresses(text: str, toks: list[Tok], out: SpanSink, formatted: bool, taken: list[tuple[int, int]]) -> None:
    """Street addresses (number + name + suffix [+ unit]) extended over city/state/ZIP."""
    for rx in (_STREET_RE, _POBOX_RE):
        for m in rx.finditer(text):
            a, b = m.span()
            if not free(taken, a, b):
                continue
            if rx is _STREET_RE and not _plausible_street(text, toks, a, b, formatted):
                continue
            # extend over following places and a ZIP
            first, last = tok_range(toks, a, b)
            end = _extend_places(toks, first, last, b, formatted)
            out.add(a, end, "location_address", 0.85, "rule:address")
            taken.append((a, end))
    _addresses_without_suffix(text, toks, out, formatted, taken)
    for m in _STREET_NONUM_RE.finditer(text):
        a, b = m.span(1)
        if not free(taken, a, b):
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
    if low in lx.NOT_NAME_WORDS or low in _STREET_NAME_STOP or low in MONTHS or low in WEEKDAYS:
        return False
    if low in lx.UNIT_WORDS or low in FIELD_WORDS:
        return False
    if formatted:
        return t.cap and not (t.text.isupper() and len(t.text) > 1)
    return True


def _addresses_without_suffix(text: str, toks: list[Tok], out: SpanSink, formatted: bool, taken: list[tuple[int, int]]) -> None:
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
        if not free(taken, a, toks[k - 1].end) or UNIT_AFTER.match(text, toks[k - 1].end):
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


def _gazetteer(toks: list[Tok], out: SpanSink, formatted: bool) -> None:
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


class AddressRecognizer(Recognizer):
    """Street addresses (with or without a suffix), P.O. boxes and bare street names."""

    name = "addresses"
    policies = ("location_address", "location_address_street")

    def analyze(self, a: Analysis) -> None:
        _addresses(a.text, a.toks, a.out, a.formatted, a.taken)


class PlaceRecognizer(Recognizer):
    """Cities, states and countries from the word lists (on the words as heard)."""

    name = "places"
    policies = ("location_city", "location_state", "location_country")
    view = "original"
    claims = False

    def analyze(self, a: Analysis) -> None:
        _gazetteer(a.otoks, a.oout, a.formatted)
