"""Spoken-form normalisation with an offset map back to the original text (pure).

Why: the unformatted final of a turn reads "my number is four one five, five five five, zero
one nine two" and "john dot smith at gmail dot com". Regex recognisers (phone, card, SSN,
e-mail, dates) only work on "415-555-0192" and "john.smith@gmail.com". This module rewrites
the spoken forms into written ones and remembers, for every character of the rewritten text,
which part of the original it came from, so a match can be mapped back to original words.

What is rewritten (everything else passes through unchanged, character for character):

* Runs of number words become digits. Digits are read the way people dictate them:
  "four one five" -> 415, "oh"/"o" is zero between digits, "double five" -> 55, "triple
  seven" -> 777, "twenty three" -> 23, "twelve thirty four" -> 1234 (groups concatenate, as
  in house numbers and years), "nineteen sixty one" -> 1961, "eight hundred" -> 800,
  "four hundred twenty two" -> 422, "two thousand five" -> 2005. Hyphenated compounds
  ("sixty-five") count as one number.
* A comma, "dash", "hyphen" or "minus" between number words does not end the run; it
  becomes a ``-`` group separator: "five three nine, two two, one zero four eight" ->
  539-22-1048; "five minus three minus nine" (how :func:`hushscribe.core.formatting.unformat_text`
  reads ASR's "5 -3 -9") -> 5-3-9. A sentence end (``.?!``) does end it.
* Single letters directly before a run of at least four digits join it (IDs dictated as
  "h z five two three five..." -> hz5235..., "b minus seven two nine ..." -> b-729...). A
  lone "a"/"i" never joins (articles).
* "dot"/"point" between two digit runs joins them (IP addresses: 192.168.1.10).
* Ordinals in date context (after a month name or "the", before "of", or "twenty first")
  become "7th", "21st", so "march seventh nineteen sixty one" -> "march 7th 1961".
* Spoken e-mail addresses ("<local words> at <domain words> dot <tld>") become one token
  ("sarahlee@outlook.com"); spoken URLs ("www dot example dot com slash account",
  "speedtest dot northwind dot net") likewise. "at" is only an "@" when a "dot <tld>"
  follows, so "call me tomorrow at ten" is untouched. ASR writes a dictated "dot" as a dot
  with a space before it ("speedtest .northwind .net", "HR .Verfi at Kaiser example .org"):
  such a dot counts as "dot". The unformatted rendering drops those dots altogether ("hr
  verfi at kaiser example org", "go to speedtest northwind net"): a final com/org/edu/gov
  word after "at", or any TLD word after an e-mail cue ("email", "send") or a web cue ("go
  to", "visit", "website"), ends an address too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .vocab import MONTHS, ORD_TEENS, ORD_TENS, ORD_UNITS, SCALES, TEENS, TENS, UNITS

__all__ = ["Normalized", "normalize_spoken", "TLDS", "ACRONYMS"]

_ORDINALS = {**ORD_UNITS, **ORD_TEENS, **ORD_TENS}
_MONTHS = frozenset(MONTHS)
_DIGIT_WORDS = {k for k in UNITS if k not in ("oh", "o")}
_NUMBER_WORDS = set(_DIGIT_WORDS) | set(TEENS) | set(TENS)

TLDS = frozenset(
    """
    com org net edu gov io co us uk ca info biz me ai app dev tv de fr au in mil int ly xyz
    online site store tech cloud shop nl es it ie nz za mx br jp cn ru ch se no dk fi be at
    pl pt gr""".split()
)

# Words that end the local part of a spoken e-mail address when walking back from "at".
_LOCAL_STOP = frozenset(
    """
    at is me to my email e-mail mail address it's its it send sent the and or was be use
    try reach contact write us him her them you your our his their on in for of that's thats
    that so um uh okay ok yes yeah sure this as by with from new id username is it's was
    are its was i'm im i we they he she can could please just also then there here
    """.split()
)
# TLDs that an unformatted rendering may leave as a bare word ("kaiser example org"), and
# the cues that make such a run an address at all.
_DOTLESS_TLDS = frozenset("com org net edu gov io".split())
_UNAMBIGUOUS_TLDS = frozenset("com org edu gov".split())
# TLDs accepted after a spaced dot (no English words such as "it", "in", "me", "no").
_SPACED_TLDS = frozenset("com net org edu gov io co uk ca info biz app dev ai tv xyz online site store tech cloud shop".split())
_EMAIL_CUES = frozenset("email emails emailed e-mail mail mailed send sent write contact reach".split())
_URL_CUES = frozenset("website site url link page visit browse browser".split())
_AFTER_ADDRESS = frozenset("please thanks thank okay ok right and or".split())
_DOMAIN_STOP = frozenset(
    "at is me to my the and or it it's its this that you your our his her their a an of on in for with from".split()
)
# Letter-by-letter acronyms that name a PII field ("c v c", "s s n"): joined so the
# context rules see the field name, and never mistaken for a spelled-out name.
ACRONYMS = frozenset(
    "cvv cvc ssn dob ip id vin pin ein mrn dl aba iban swift zip url www cc bic npi tin sin".split()
)
_SEPARATOR_WORDS = {"dot": ".", "underscore": "_", "dash": "-", "hyphen": "-", "plus": "+"}
# Words that stand for a group separator between dictated digits.
_DASH_WORDS = frozenset(("dash", "hyphen", "slash", "minus"))
_SENTENCE_END = re.compile(r"[.?!]")
_GROUP_BREAK = re.compile(r"[,;:\-/]")


@dataclass
class _W:
    """One word of the original: its core (alphanumerics plus inner punctuation) and edges."""

    low: str
    raw: str
    start: int  # core start in the original
    end: int  # core end
    lead: str
    lead_start: int
    trail: str
    compound_next: bool = False  # joined to the next word by an inner hyphen ("sixty-five")


@dataclass
class _P:
    """One piece of the normalised text."""

    text: str
    start: int
    end: int
    lead: str
    lead_start: int
    trail: str
    exact: bool
    kind: str  # word | num | ord | email | url
    digits_only: bool = False
    low: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus, per character, the original [start, end) it stands for."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of :attr:`text` to the smallest covering span of :attr:`original`."""
        if end <= start or not self.text:
            return (0, 0)
        start = max(0, min(start, len(self.text) - 1))
        end = max(start + 1, min(end, len(self.text)))
        return self.starts[start], self.ends[end - 1]


# --------------------------------------------------------------------------- #
# Tokenisation
# --------------------------------------------------------------------------- #

_TOKEN = re.compile(r"\S+")


def _split_token(tok: str, offset: int) -> list[_W]:
    i, j = 0, len(tok)
    while i < j and not tok[i].isalnum():
        i += 1
    while j > i and not tok[j - 1].isalnum():
        j -= 1
    if i == j:  # punctuation only
        return [_W("", "", offset + len(tok), offset + len(tok), tok, offset, "")]
    core = tok[i:j]
    low = core.lower()
    parts = low.split("-")
    if len(parts) > 1 and all(p in _NUMBER_WORDS or p in _ORDINALS for p in parts):
        out: list[_W] = []
        pos = offset + i
        for k, part in enumerate(parts):
            w = _W(part, core[pos - offset - i : pos - offset - i + len(part)], pos, pos + len(part),
                   tok[:i] if k == 0 else "", offset, tok[j:] if k == len(parts) - 1 else "")
            w.compound_next = k < len(parts) - 1
            out.append(w)
            pos += len(part) + 1
        return out
    return [_W(low, core, offset + i, offset + j, tok[:i], offset, tok[j:])]


def _tokenize(text: str) -> list[_W]:
    words: list[_W] = []
    for m in _TOKEN.finditer(text):
        words.extend(_split_token(m.group(), m.start()))
    return words


# --------------------------------------------------------------------------- #
# Number runs
# --------------------------------------------------------------------------- #


def _head(ws: list[str], i: int) -> tuple[int, int] | None:
    """A cardinal head: non-zero unit, teen, or tens [unit]. Returns (value, next index)."""
    if i >= len(ws):
        return None
    w = ws[i]
    if w in _DIGIT_WORDS and UNITS[w] > 0:
        return UNITS[w], i + 1
    if w in TEENS:
        return TEENS[w], i + 1
    if w in TENS:
        if i + 1 < len(ws) and ws[i + 1] in _DIGIT_WORDS and UNITS[ws[i + 1]] > 0:
            return TENS[w] + UNITS[ws[i + 1]], i + 2
        return TENS[w], i + 1
    return None


def _below_hundred(ws: list[str], i: int, *, last_only_unit: bool) -> tuple[int, int] | None:
    """Tens [unit] | teen | (a unit, only when it ends the segment)."""
    if i >= len(ws):
        return None
    w = ws[i]
    if w in TENS or w in TEENS:
        return _head(ws, i)
    if w in _DIGIT_WORDS and UNITS[w] > 0 and (not last_only_unit or i == len(ws) - 1):
        return UNITS[w], i + 1
    return None


def _cardinal(ws: list[str], i: int) -> tuple[int, int] | None:
    """A cardinal with a scale word ("four hundred twenty two", "two thousand five")."""
    head = _head(ws, i)
    if head is None:
        return None
    value, k = head
    if k >= len(ws) or ws[k] not in SCALES:
        return None
    used_scale = False
    if ws[k] == "hundred":
        value *= 100
        k += 1
        used_scale = True
        if k < len(ws) - 1 and ws[k] == "and":
            k += 1
        tail = _below_hundred(ws, k, last_only_unit=True)
        if tail:
            value += tail[0]
            k = tail[1]
    if k < len(ws) and ws[k] in ("thousand", "million"):
        value *= SCALES[ws[k]]
        k += 1
        used_scale = True
        if k < len(ws) - 1 and ws[k] == "and":
            k += 1
        sub = _head(ws, k)
        if sub and sub[1] < len(ws) and ws[sub[1]] == "hundred":
            value += sub[0] * 100
            k = sub[1] + 1
            if k < len(ws) - 1 and ws[k] == "and":
                k += 1
            tail = _below_hundred(ws, k, last_only_unit=False)
            if tail:
                value += tail[0]
                k = tail[1]
        else:
            tail = _below_hundred(ws, k, last_only_unit=False)
            if tail:
                value += tail[0]
                k = tail[1]
    return (value, k) if used_scale else None


def segment_digits(ws: list[str]) -> str:
    """Digits for one separator-free segment of number words (see module doc)."""
    out: list[str] = []
    i, n = 0, len(ws)
    while i < n:
        w = ws[i]
        nxt = ws[i + 1] if i + 1 < n else None
        if w in ("double", "triple") and nxt in UNITS:
            out.append(str(UNITS[nxt]) * (2 if w == "double" else 3))
            i += 2
            continue
        if w == "and":
            i += 1
            continue
        card = _cardinal(ws, i)
        if card:
            out.append(str(card[0]))
            i = card[1]
            continue
        if w in TENS:
            if nxt in _DIGIT_WORDS and UNITS[nxt] > 0:
                out.append(str(TENS[w] + UNITS[nxt]))
                i += 2
            else:
                out.append(str(TENS[w]))
                i += 1
        elif w in TEENS:
            out.append(str(TEENS[w]))
            i += 1
        elif w in UNITS:
            out.append(str(UNITS[w]))
            i += 1
        else:  # a stray scale word
            i += 1
    return "".join(out)


def _split_day_year(ws: list[str]) -> tuple[int, str, str] | None:
    """After a month name, "seven nineteen sixty one" is day 7 + year 1961, not 71961."""
    whole = segment_digits(ws)
    if len(whole) <= 4:
        return None
    for k in range(1, min(3, len(ws))):
        day, year = segment_digits(ws[:k]), segment_digits(ws[k:])
        if day and 1 <= int(day) <= 31 and len(year) == 4 and year[:2] in ("19", "20"):
            return k, day, year
    return None


def _ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _date_ordinal_context(words: list[_W], i: int) -> bool:
    prev = words[i - 1].low if i > 0 else ""
    nxt = words[i + 1].low if i + 1 < len(words) else ""
    return prev in _MONTHS or prev == "the" or nxt == "of"


def _hard_break(w: _W) -> bool:
    return bool(_SENTENCE_END.search(w.trail))


def _soft_break(w: _W) -> bool:
    return bool(_GROUP_BREAK.search(w.trail)) and not _hard_break(w)


def _is_run_word(words: list[_W], i: int, in_run: bool) -> bool:
    """Can words[i] be part of a number run (given whether a run is open)?"""
    w = words[i].low
    if w in _NUMBER_WORDS:
        return True
    nxt = words[i + 1].low if i + 1 < len(words) else ""
    nxt_ok = i + 1 < len(words) and not _hard_break(words[i]) and not _soft_break(words[i])
    if w in ("oh", "o"):
        prev_digit = in_run
        next_digit = nxt_ok and (nxt in _NUMBER_WORDS or nxt in ("oh", "double", "triple"))
        if w == "o":
            return prev_digit and next_digit
        return prev_digit or next_digit
    if w in ("double", "triple"):
        return nxt_ok and nxt in UNITS
    if w in ("hundred", "thousand", "million"):
        return in_run
    if w == "and":
        prev = words[i - 1].low if i > 0 else ""
        return in_run and prev in ("hundred", "thousand") and nxt_ok and nxt in _NUMBER_WORDS
    return False


def _ordinal_at(words: list[_W], i: int) -> tuple[int, int] | None:
    """(value, words used) when an ordinal in date context starts at i."""
    w = words[i].low
    if w in TENS and i + 1 < len(words) and words[i + 1].low in ORD_UNITS and not _hard_break(words[i]):
        return TENS[w] + ORD_UNITS[words[i + 1].low], 2  # "twenty first" is always an ordinal
    if w in _ORDINALS and _date_ordinal_context(words, i):
        return _ORDINALS[w], 1
    return None


def _build_pieces(text: str, words: list[_W]) -> list[_P]:
    pieces: list[_P] = []
    i, n = 0, len(words)

    def word_piece(w: _W) -> _P:
        return _P(w.raw, w.start, w.end, w.lead, w.lead_start, w.trail, True, "word", low=w.low)

    while i < n:
        w = words[i]
        ordv = _ordinal_at(words, i)
        if ordv is not None:
            value, used = ordv
            last = words[i + used - 1]
            pieces.append(_P(f"{value}{_ordinal_suffix(value)}", w.start, last.end, w.lead,
                             w.lead_start, last.trail, False, "ord", low=str(value)))
            i += used
            continue
        if not _is_run_word(words, i, False):
            pieces.append(word_piece(w))
            i += 1
            continue
        # Collect a run: segments of number words split by soft breaks.
        segments: list[list[str]] = [[]]
        seps: list[str] = [""]  # separator written before each segment
        j = i
        while j < n:
            if j > i and _ordinal_at(words, j) is not None and words[j].low not in _NUMBER_WORDS:
                break
            if j > i and words[j].low in TENS and _ordinal_at(words, j) is not None:
                break
            if not _is_run_word(words, j, j > i):
                # "dash"/"hyphen"/"slash"/"minus" between number words is a group separator
                # ("minus" is how a spelled-out rendering reads the "-" of "5-3-9")
                if (
                    words[j].low in _DASH_WORDS
                    and j + 1 < n
                    and j > i
                    and _is_run_word(words, j + 1, True)
                    and not _hard_break(words[j - 1])
                ):
                    segments.append([])
                    seps.append("/" if words[j].low == "slash" else "-")
                    j += 1
                    continue
                break
            segments[-1].append(words[j].low)
            if _hard_break(words[j]):
                j += 1
                break
            if _soft_break(words[j]) and not words[j].compound_next:
                if j + 1 < n and _is_run_word(words, j + 1, True) and words[j + 1].low not in ("hundred", "thousand", "million", "and"):
                    segments.append([])
                    seps.append("/" if "/" in words[j].trail else "-")
                    j += 1
                    continue
                j += 1
                break
            j += 1
        parts = [(sep, seg) for sep, seg in zip(seps, segments, strict=False) if seg]
        segments = [seg for _, seg in parts]
        prev_low = pieces[-1].low if pieces else ""
        if prev_low in _MONTHS and len(segments) == 1:
            split = _split_day_year(segments[0])
            if split is not None:
                k, day, year = split
                mid = words[i + k - 1]
                pieces.append(_P(day, w.start, mid.end, w.lead, w.lead_start, mid.trail, False, "num",
                                 digits_only=True, low=day))
                nxt = words[i + k]
                last = words[j - 1]
                pieces.append(_P(year, nxt.start, last.end, nxt.lead, nxt.lead_start, last.trail, False, "num",
                                 digits_only=True, low=year))
                i = j
                continue
        groups = [(sep, segment_digits(seg)) for sep, seg in parts]
        groups = [(sep, g) for sep, g in groups if g]
        last = words[j - 1]
        if not groups:
            for k in range(i, j):
                pieces.append(word_piece(words[k]))
            i = j
            continue
        digits = "".join((sep if k else "") + g for k, (sep, g) in enumerate(groups))
        first = w
        if pieces and pieces[-1].low == "plus" and not pieces[-1].trail and sum(len(g) for _, g in groups) >= 8:
            # "plus four four ..." is an international prefix
            plus = pieces.pop()
            pieces.append(_P("+" + digits, plus.start, last.end, plus.lead, plus.lead_start, last.trail, False,
                             "num", low="+" + digits))
            i = j
            continue
        pieces.append(_P(digits, first.start, last.end, w.lead, w.lead_start, last.trail, False, "num",
                         digits_only=digits.isdigit(), low=digits.lower()))
        i = j
    return pieces


def _is_letter_piece(p: _P) -> bool:
    return p.kind == "word" and len(p.text) == 1 and p.text.isalpha()


def _is_id_piece(p: _P) -> bool:
    return _is_letter_piece(p) or (p.kind == "num" and re.fullmatch(r"[\d-]+", p.text) is not None)


def _merge_alnum_ids(pieces: list[_P]) -> list[_P]:
    """Letters dictated around digits form one ID: "h z five two three five" -> hz5235,
    "k seven m two two nine" -> k7m229. Needs 4+ digits; a leading lone "a"/"i" is an
    article or pronoun, not part of the ID."""
    out: list[_P] = []
    i = 0
    n = len(pieces)
    while i < n:
        if not _is_id_piece(pieces[i]):
            out.append(pieces[i])
            i += 1
            continue
        j = i
        while j < n and (
            _is_id_piece(pieces[j])
            # "b minus seven two nine": a dash word between an ID part and digits
            or (j > i and pieces[j].low in _DASH_WORDS and j + 1 < n and pieces[j + 1].kind == "num"
                and re.fullmatch(r"[\d-]+", pieces[j + 1].text) and not pieces[j + 1].lead)
        ):
            if j > i and (pieces[j].lead or _SENTENCE_END.search(pieces[j - 1].trail)):
                break
            j += 1
        seq = pieces[i:j]
        # drop a leading article/pronoun ("it's a 5 star", "i 2")
        start = 0
        while start < len(seq) and _is_letter_piece(seq[start]) and seq[start].low in ("a", "i") and (
            start + 1 >= len(seq) or not _is_letter_piece(seq[start + 1])
        ):
            start += 1
        core = seq[start:]
        # trailing letters after the last number belong to the ID only if few ("4 b" apartment is not an ID)
        ndig = sum(ch.isdigit() for p in core for ch in p.text)
        has_letter = any(_is_letter_piece(p) for p in core)
        has_num = any(p.kind == "num" for p in core)
        if ndig >= 4 and has_letter and has_num and len(core) >= 2:
            out.extend(seq[:start])
            first, last = core[0], core[-1]
            text = "".join("-" if p.low in _DASH_WORDS else p.text for p in core)
            out.append(_P(text, first.start, last.end, first.lead, first.lead_start, last.trail, False, "num",
                          low=text.lower()))
        else:
            out.extend(seq)
        i = j
    return out


def _join_dotted_numbers(pieces: list[_P]) -> list[_P]:
    """num dot num (dot num ...) -> one piece ("192.168.1.10")."""
    out: list[_P] = []
    i = 0
    while i < len(pieces):
        p = pieces[i]
        if p.kind == "num" and p.digits_only and not p.trail:
            parts = [p.text]
            j = i
            while (
                j + 2 < len(pieces)
                and pieces[j + 1].low in ("dot", "point")
                and not pieces[j + 1].trail
                and not pieces[j + 1].lead
                and pieces[j + 2].kind == "num"
                and pieces[j + 2].digits_only
                and not pieces[j + 2].lead
                and (j == i or not pieces[j].trail)
            ):
                parts.append(pieces[j + 2].text)
                j += 2
                if pieces[j].trail:
                    break
            if j > i:
                last = pieces[j]
                out.append(_P(".".join(parts), p.start, last.end, p.lead, p.lead_start, last.trail,
                              False, "num", low=".".join(parts)))
                i = j + 1
                continue
        out.append(p)
        i += 1
    return out


def _is_label(p: _P) -> bool:
    return p.kind in ("word", "num") and p.text.isalnum() and not p.lead


def _parse_domain(pieces: list[_P], k: int, *, multiword_first: bool) -> tuple[list[str], int] | None:
    """Parse "label [label..] dot label ... dot tld" starting at k; returns (labels, last idx)."""
    n = len(pieces)
    max_first = 3 if multiword_first else 1
    first: list[str] = []
    j = k
    while True:
        if j >= n or not _is_label(pieces[j]) or pieces[j].low in _DOMAIN_STOP or pieces[j].low == "dot":
            return None
        first.append(pieces[j].low)
        if pieces[j].trail:
            return None
        if j + 1 < n and pieces[j + 1].low == "dot":
            break
        if len(first) >= max_first:
            return None
        j += 1
    labels = ["".join(first)]
    last = j
    while (
        last + 2 < n
        and pieces[last + 1].low == "dot"
        and not pieces[last + 1].trail
        and not pieces[last].trail
        and _is_label(pieces[last + 2])
    ):
        labels.append(pieces[last + 2].low)
        last += 2
    # the address ends at the last label that is a TLD
    while len(labels) > 1 and labels[-1] not in TLDS:
        labels.pop()
        last -= 2
    if len(labels) < 2:
        return None
    return labels, last


def _parse_domain_dotless(pieces: list[_P], k: int, *, joined: bool, www: bool = False) -> tuple[list[str], int] | None:
    """"label [label..] tld" with the dots dropped (an unformatted rendering of "x.y.org"):
    1-3 labels, then a TLD word that ends the clause. Only used after a cue (see callers)."""
    n = len(pieces)
    labels: list[str] = []
    j = k
    while j < n and len(labels) < 4:
        q = pieces[j]
        if not _is_label(q) or q.low in _DOMAIN_STOP or q.low in _LOCAL_STOP:
            break
        labels.append(q.low)
        if q.low in _DOTLESS_TLDS and len(labels) >= 2:
            nxt = pieces[j + 1] if j + 1 < n else None
            if www or nxt is None or q.trail.strip() or nxt.low in _LOCAL_STOP or nxt.low in _DOMAIN_STOP or nxt.low in _AFTER_ADDRESS:
                tld = labels.pop()
                return (["".join(labels), tld] if joined else labels + [tld]), j
            return None
        if q.trail.strip():
            break
        j += 1
    return None


def _split_lead_dots(pieces: list[_P]) -> list[_P]:
    """ASR writes "speedtest .northwind .net" / "HR .Verfi at x .org": a word led by a dot,
    after a word with nothing between, is "dot" + word for the address assembly."""
    out: list[_P] = []
    for p in pieces:
        if (
            p.lead == "."
            and p.kind in ("word", "num")
            and p.text.isalnum()
            and any(c.isalpha() for c in p.text)
            and out
            and not out[-1].trail
            and _is_label(out[-1])
        ):
            out.append(_P(".", p.lead_start, p.lead_start + 1, "", p.lead_start, "", True, "word", low="dot",
                          extra={"lead_dot": True}))
            out.append(_P(p.text, p.start, p.end, "", p.start, p.trail, p.exact, p.kind, p.digits_only, p.low, p.extra))
            continue
        out.append(p)
    return out


def _spaced_tld_ok(pieces: list[_P], k: int, dom: tuple[list[str], int]) -> bool:
    """A domain written with ASR's spaced dots must end in a common TLD: "Hello .It works"
    is a sentence, not "hello.it"."""
    labels, last = dom
    if not any(p.extra.get("lead_dot") for p in pieces[k : last + 1]):
        return True
    return labels[-1] in _SPACED_TLDS


def _restore_lead_dots(pieces: list[_P]) -> list[_P]:
    """Undo :func:`_split_lead_dots` where no address was assembled."""
    out: list[_P] = []
    k = 0
    while k < len(pieces):
        p = pieces[k]
        if p.extra.get("lead_dot") and k + 1 < len(pieces):
            q = pieces[k + 1]
            out.append(_P(q.text, q.start, q.end, ".", p.start, q.trail, q.exact, q.kind, q.digits_only, q.low, q.extra))
            k += 2
            continue
        out.append(p)
        k += 1
    return out


def _assemble_addresses(pieces: list[_P]) -> list[_P]:
    """Spoken e-mail addresses and URLs -> one piece each."""
    has_lead_dot = any(p.lead == "." for p in pieces)
    out = _split_lead_dots(pieces) if has_lead_dot else list(pieces)
    # e-mail: local at domain dot tld
    i = 0
    while i < len(out):
        p = out[i]
        if p.kind == "word" and p.low == "at" and not p.lead and i > 0 and not out[i - 1].trail.strip(" "):
            dom = _parse_domain(out, i + 1, multiword_first=True)
            if dom and not _spaced_tld_ok(out, i + 1, dom):
                dom = None
            if dom is None:
                # an unformatted rendering drops the dots: "hr verify at kaiser example org";
                # "net"/"io" are words too, so they need a cue ("email", "send ... to")
                dom = _parse_domain_dotless(out, i + 1, joined=True)
                if dom and dom[0][-1] not in _UNAMBIGUOUS_TLDS and not any(
                    q.low in _EMAIL_CUES for q in out[max(0, i - 8) : i]
                ):
                    dom = None
            if dom:
                labels, last = dom
                # local part: walk back
                k = i - 1
                local: list[str] = []
                nwords = 0
                while k >= 0:
                    q = out[k]
                    if q.lead or (k < i - 1 and q.trail):
                        break
                    if q.low in _SEPARATOR_WORDS and local and k > 0 and _is_label(out[k - 1]):
                        local.insert(0, _SEPARATOR_WORDS[q.low])
                        k -= 1
                        continue
                    if not _is_label(q) or q.low in _LOCAL_STOP or nwords >= 4:
                        break
                    local.insert(0, q.low)
                    nwords += 1
                    k -= 1
                k += 1
                if nwords:
                    first, lastp = out[k], out[last]
                    email = "".join(local) + "@" + ".".join(labels)
                    out[k : last + 1] = [
                        _P(email, first.start, lastp.end, first.lead, first.lead_start, lastp.trail,
                           False, "email", low=email)
                    ]
                    i = k + 1
                    continue
        i += 1
    # URL: [www] label dot label ... dot tld [slash word]*
    i = 0
    while i < len(out):
        p = out[i]
        prev_low = out[i - 1].low if i > 0 else ""
        if (
            _is_label(p)
            and p.low not in _LOCAL_STOP
            and len(p.low) >= 2
            and prev_low not in ("dot", "at")
            and i + 1 < len(out)
            and out[i + 1].low == "dot"
            and not p.trail
        ):
            dom = _parse_domain(out, i, multiword_first=False)
            if dom and not _spaced_tld_ok(out, i, dom):
                dom = None
            if dom:
                labels, last = dom
                url = ".".join(labels)
                while (
                    last + 2 < len(out)
                    and not out[last].trail
                    and out[last + 1].low == "slash"
                    and not out[last + 1].trail
                    and _is_label(out[last + 2])
                ):
                    url += "/" + out[last + 2].low
                    last += 2
                first, lastp = out[i], out[last]
                out[i : last + 1] = [
                    _P(url, first.start, lastp.end, first.lead, first.lead_start, lastp.trail,
                       False, "url", low=url)
                ]
        elif _is_label(p) and p.kind == "word" and prev_low not in ("dot", "at") and (p.low == "www" or _url_cue(out, i)):
            # an unformatted rendering drops the dots: "go to speedtest northwind net"
            dom = _parse_domain_dotless(out, i, joined=False, www=p.low == "www")
            if dom:
                labels, last = dom
                url = ".".join(labels)
                first, lastp = out[i], out[last]
                out[i : last + 1] = [
                    _P(url, first.start, lastp.end, first.lead, first.lead_start, lastp.trail,
                       False, "url", low=url)
                ]
        i += 1
    return _restore_lead_dots(out) if has_lead_dot else out


def _url_cue(pieces: list[_P], i: int) -> bool:
    """A web-address cue right before pieces[i] ("go to", "visit", "the website is")."""
    before = [q.low for q in pieces[max(0, i - 4) : i]]
    if any(q.trail.strip() for q in pieces[max(0, i - 2) : i - 1]):
        return False
    return before[-2:] == ["go", "to"] or any(w in _URL_CUES for w in before)


def _join_acronyms(pieces: list[_P]) -> list[_P]:
    """Runs of single letters that spell a field acronym ("s s n") -> one word ("ssn")."""
    out: list[_P] = []
    i = 0
    while i < len(pieces):
        j = i
        while (
            j < len(pieces)
            and pieces[j].kind == "word"
            and len(pieces[j].text) == 1
            and pieces[j].text.isalpha()
            and (j == i or not pieces[j - 1].trail.strip())
            and (j == i or not pieces[j].lead)
        ):
            j += 1
        word = "".join(p.low for p in pieces[i:j])
        if j - i >= 2 and word in ACRONYMS:
            first, last = pieces[i], pieces[j - 1]
            out.append(_P(word, first.start, last.end, first.lead, first.lead_start, last.trail, False,
                          "word", low=word))
            i = j
            continue
        out.append(pieces[i])
        i += 1
    return out


def normalize_spoken(text: str) -> Normalized:
    """Rewrite spoken numbers, e-mails and URLs (see module doc); map offsets back."""
    words = _tokenize(text)
    pieces = _build_pieces(text, words)
    pieces = _join_acronyms(pieces)
    pieces = _merge_alnum_ids(pieces)
    pieces = _join_dotted_numbers(pieces)
    pieces = _assemble_addresses(pieces)
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for idx, p in enumerate(pieces):
        if idx:
            gap = starts[-1] if not ends else ends[-1]
            chars.append(" ")
            starts.append(gap)
            ends.append(gap)
        for k, c in enumerate(p.lead):
            chars.append(c)
            starts.append(p.lead_start + k)
            ends.append(p.lead_start + k + 1)
        if p.exact:
            for k, c in enumerate(p.text):
                chars.append(c)
                starts.append(p.start + k)
                ends.append(p.start + k + 1)
        else:
            for c in p.text:
                chars.append(c)
                starts.append(p.start)
                ends.append(p.end)
        for k, c in enumerate(p.trail):
            chars.append(c)
            starts.append(p.end + k)
            ends.append(p.end + k + 1)
    return Normalized(text, "".join(chars), tuple(starts), tuple(ends))
