"""Derive AssemblyAI-style *unformatted* text from Whisper's formatted words.

Whisper writes formatted text ("I paid $25.50 on March 3rd, 2024."), but the
Universal-Streaming models send an unformatted final first: lower case, no
punctuation, numbers spelled out ("i paid twenty five dollars and fifty cents on
march third twenty twenty four"). When ``format_turns=true`` a formatted final
follows (protocol §6.3). This module makes the unformatted words from
Whisper's words and keeps the timestamps, so that both finals cover the same
audio.

Rules, applied to each whitespace-separated token:

* Text is NFKC-normalised. Curly apostrophes become ``'`` and Unicode dashes
  become ``-``. Letters are lower-cased. Apostrophes inside words are kept
  ("don't", "i'm"). All other punctuation is dropped, and a word that is only
  punctuation ("-", "...", "—") produces nothing. Hyphens, slashes and similar
  separators split words ("well-known" -> "well known").
* Cardinals up to 999,999,999,999,999 are read without "and" ("105" -> "one
  hundred five", "1,200" -> "one thousand two hundred").
* Identifiers are read digit by digit: digit groups joined by ``-`` (phone,
  SSN), three or more groups joined by ``.`` (IP or version numbers, with "dot"
  between the groups), digit strings with a leading zero ("0137"), and digit
  strings of 5 or more digits without commas ("48213"). Exception: two
  hyphenated groups that form a range are read as numbers: both groups have
  1-2 digits ("9-11", "5-10"), or both are years in increasing order
  ("2019-2020"). Neighbouring bare digit tokens of 3 or more digits each
  ("4111 1111 1111 1111", "(415) 555-0137") are also read digit by digit,
  except a lone pair of years ("1999 2000").
* Years: a bare 4-digit token from 1100 to 2099 is read as a year ("1961" ->
  "nineteen sixty one", "2024" -> "twenty twenty four", "2005" -> "two thousand
  five", "1900" -> "nineteen hundred"). When the next word is a unit or count
  noun ("2024 people", "1500 dollars") it is read as a cardinal. A 4-digit
  number outside that range is always a cardinal.
* Decimals: "3.5" -> "three point five", "0.25" -> "zero point two five",
  ".5" -> "point five".
* Money ($ € £ ¥ ₹, before or after the amount): "$25.50" -> "twenty five dollars and
  fifty cents", "$0.99" -> "ninety nine cents", "$1" -> "one dollar". In
  "$5 million" the currency moves after the scale word ("five million
  dollars"); "$10k" / "$5M" / "$2bn" -> "ten thousand dollars" etc. Cents are
  read only for 1-2 decimals ("$1.999" -> "one point nine nine nine dollars").
* Percent, degrees, cents: "15%" -> "fifteen percent", "20°C" -> "twenty
  degrees celsius", "50¢" -> "fifty cents".
* Ordinals: "21st" -> "twenty first", "100th" -> "one hundredth".
* Plurals of numbers: "1990s" / "'90s" -> "nineteen nineties" / "nineties".
* Times: "10:30" -> "ten thirty", "9:05" -> "nine oh five", "10:00" -> "ten".
  am/pm is spelled as letters: "10:30pm", "10 p.m.", "10 PM" -> "... p m"
  (a separate "am"/"AM" only right after a number, so "i am" stays).
  Other colon groups ("3:2", "John 3:16") are read group by group.
* Slashes: simple fractions with a denominator from 2 to 10 ("1/2" -> "one
  half", "3/4" -> "three quarters", "2/3" -> "two thirds"). Other slash groups
  are read group by group with the bare-number rules ("09/27" -> "zero nine
  twenty seven", "24/7" -> "twenty four seven").
* Alphanumerics: a number followed by letters is a quantity with a unit ("5kg"
  -> "five kg", "4B" -> "four b", "3.5GB" -> "three point five gb"). Any other
  mix of letters and digits is an identifier, and its digits are read one by
  one ("A12" -> "a one two", "MP3" -> "mp three"). A run of letters always
  stays one word. Hyphenated codes split at the hyphen, so the number part is
  read normally ("B-52" -> "b fifty two", "COVID-19" -> "covid nineteen").
* Symbols: "&" -> "and", "=" -> "equals", "+" before a number or between
  words -> "plus", "-" before a number -> "minus", "#" before a number ->
  "number". A standalone "&", "%", "+", "@" or "=" is read as its word.
  URLs need a scheme, "www." or a lower-case TLD ("assemblyai.com"), so
  abbreviations ("U.S.", "p.m.") are split into letters. In e-mails and URLs "@" -> "at",
  "." -> "dot", "/" -> "slash", ":" -> "colon", "-" -> "dash", "_" ->
  "underscore", and digits are read one by one ("david.chen@gmail.com" ->
  "david dot chen at gmail dot com").

When one input word becomes several output words, the word's time span is
split evenly among them (see ``unformat_words``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["TimedWord", "unformat_words", "unformat_text", "spell_number_token"]


@dataclass(frozen=True)
class TimedWord:
    """One word with its timestamps (milliseconds) and ASR confidence."""

    text: str
    start_ms: int
    end_ms: int
    confidence: float


# --------------------------------------------------------------------------- #
# Number words
# --------------------------------------------------------------------------- #

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve "
    "thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (10**3, "thousand"))
_MAX_CARDINAL = 10**15 - 1
_ORDINAL_IRREGULAR = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def _cardinal(n: int) -> list[str]:
    """Spell a non-negative integer <= _MAX_CARDINAL, US style without "and"."""
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return [_ONES[hundreds], "hundred"] + (_cardinal(rest) if rest else [])
    for value, name in _SCALES:
        if n >= value:
            head, rest = divmod(n, value)
            return _cardinal(head) + [name] + (_cardinal(rest) if rest else [])
    raise AssertionError("unreachable")  # pragma: no cover


def _digits(s: str) -> list[str]:
    """Read a digit string one digit at a time ("0137" -> zero one three seven)."""
    return [_ONES[int(c)] for c in s if _is_digit(c)]


def _int_words(s: str) -> list[str]:
    """Read an integer string (commas allowed) as a cardinal; too large -> digits."""
    plain = s.replace(",", "")
    if not plain:
        return []
    n = int(plain)
    return _cardinal(n) if n <= _MAX_CARDINAL else _digits(plain)


def _year(n: int) -> list[str]:
    """Read 1100..2099 the way years are spoken ("nineteen oh five", "twenty ten")."""
    if 2000 <= n <= 2009:
        return _cardinal(n)
    hi, lo = divmod(n, 100)
    if lo == 0:
        return _cardinal(hi) + ["hundred"]
    if lo < 10:
        return _cardinal(hi) + ["oh", _ONES[lo]]
    return _cardinal(hi) + _cardinal(lo)


def _is_year(s: str) -> bool:
    return len(s) == 4 and s.isascii() and s.isdigit() and 1100 <= int(s) <= 2099


def _ordinalize(words: list[str]) -> list[str]:
    """Turn the last word of a cardinal into its ordinal ("twenty one" -> "twenty first")."""
    last = words[-1]
    if last in _ORDINAL_IRREGULAR:
        last = _ORDINAL_IRREGULAR[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return words[:-1] + [last]


def _pluralize(words: list[str]) -> list[str]:
    """Plural of a spelled number ("nineteen ninety" -> "nineteen nineties")."""
    last = words[-1]
    if last.endswith("y"):
        last = last[:-1] + "ies"
    elif last.endswith(("x", "s")):
        last += "es"
    else:
        last += "s"
    return words[:-1] + [last]


def _quantity(num: str) -> list[str]:
    """Read a number that is clearly an amount: cardinal, optional "point d d"."""
    int_part, _, frac = num.partition(".")
    words = _int_words(int_part) if int_part else []
    if frac:
        words += ["point"] + _digits(frac)
    return words


def _bare_number(s: str, *, quantity: bool = False, digit_mode: bool = False) -> list[str]:
    """Read a bare digit string: identifier, year or cardinal (see module doc)."""
    if digit_mode or (len(s) > 1 and s[0] == "0") or len(s) >= 5:
        return _digits(s)
    if not quantity and _is_year(s):
        return _year(int(s))
    return _cardinal(int(s))


# --------------------------------------------------------------------------- #
# Patterns
# --------------------------------------------------------------------------- #

_INT = r"\d{1,3}(?:,\d{3})+|\d+"
_NUM = rf"(?:{_INT})(?:\.\d+)?|\.\d+"
_CUR = "$€£¥₹"
_CURRENCY = {
    # symbol: (singular, plural, minor singular, minor plural)
    "$": ("dollar", "dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "¥": ("yen", "yen", "", ""),
    "₹": ("rupee", "rupees", "paisa", "paise"),
}
_MONEY_SUFFIX = {"k": "thousand", "m": "million", "mm": "million", "b": "billion", "bn": "billion"}

_RE_MONEY = re.compile(
    rf"(?P<cur>[{_CUR}])(?P<num>{_NUM})(?P<suffix>k|m|mm|b|bn)?"
    rf"|(?P<num2>{_NUM})(?P<cur2>[{_CUR}])",
    re.IGNORECASE,
)
_RE_CENTS = re.compile(rf"(?P<num>{_NUM})¢")
_RE_PERCENT = re.compile(rf"(?P<num>{_NUM})%")
_RE_DEGREES = re.compile(rf"(?P<num>{_NUM})°(?P<scale>[CFK])?", re.IGNORECASE)
_RE_ORDINAL = re.compile(rf"(?P<num>{_INT})(?:st|nd|rd|th)", re.IGNORECASE)
_RE_PLURAL = re.compile(r"(?P<num>\d+)'?s", re.IGNORECASE)
_AMPM = r"(?P<ampm>[ap])\.?m\.?"
_RE_TIME = re.compile(rf"(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?::(?P<s>\d{{2}}))?(?:{_AMPM})?", re.IGNORECASE)
_RE_HOUR_AMPM = re.compile(rf"(?P<h>\d{{1,2}}){_AMPM}", re.IGNORECASE)
_RE_COMMA_NUM = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_RE_DECIMAL = re.compile(r"\d*\.\d+")
_RE_DIGITS = re.compile(r"\d+")
_RE_DASH_GROUPS = re.compile(r"\d+(?:-\d+)+")
_RE_DOT_GROUPS = re.compile(r"\d+(?:\.\d+){2,}")
_RE_SLASH_GROUPS = re.compile(r"\d+(?:/\d+)+")
_RE_DIGIT_GROUP = re.compile(r"\d{3,}(?:-\d+)*")
_RE_COLON_GROUPS = re.compile(r"\d+(?::\d+)+")
_RE_UNIT = re.compile(rf"(?P<num>{_NUM})(?P<unit>[^\W\d_]+)")
_RE_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_RE_URL = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)?(?P<www>www\.)?"
    r"(?P<host>[\w-]+(?:\.[\w-]+)+)(?P<path>[/?#]\S*)?",
    re.IGNORECASE,
)

_SCALE_WORDS = {"thousand", "million", "billion", "trillion"}
# Next words that make a bare 4-digit token a count rather than a year.
_COUNT_NOUNS = {
    "percent", "dollars", "dollar", "euros", "pounds", "cents", "bucks", "people",
    "persons", "times", "miles", "meters", "metres", "feet", "kilometers",
    "kilometres", "kilograms", "grams", "calories", "units", "words", "points",
    "items", "pages", "employees", "members", "users", "customers", "students",
    "votes", "hours", "minutes", "seconds", "days", "weeks", "months", "years",
    "rpm", "mph", "volts", "watts", "degrees",
}

_SYMBOL_WORDS = {"&": "and", "%": "percent", "+": "plus", "@": "at", "=": "equals"}
_SIGN_WORDS = {"+": "plus", "-": "minus", "#": "number"}
_ADDRESS_SEPARATORS = {
    ".": "dot", "@": "at", "/": "slash", ":": "colon", "-": "dash", "_": "underscore", "+": "plus",
}

_APOSTROPHES = "\u2018\u2019\u02bc\u2032\uff07`\u00b4"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_PRE_NFKC = {"\u2122": " ", "\u00ae": " ", "\u00a9": " ", "\u00b2": " squared", "\u00b3": " cubed"}
_TRANSLATE = str.maketrans(
    {**{c: "'" for c in _APOSTROPHES}, **{c: "-" for c in _DASHES}, "\u2044": "/", "\u2215": "/"}
)


# --------------------------------------------------------------------------- #
# Character helpers
# --------------------------------------------------------------------------- #


def _is_letter(c: str) -> bool:
    """Letters of any script, including combining marks (Devanagari vowel signs etc.)."""
    return len(c) == 1 and (c.isalpha() or unicodedata.category(c)[0] == "M")


def _is_digit(c: str) -> bool:
    return len(c) == 1 and "0" <= c <= "9"


def _is_alnum(c: str) -> bool:
    return _is_digit(c) or _is_letter(c)


def _normalize(text: str) -> str:
    """NFKC plus ASCII apostrophes/dashes/digits, so later rules see one spelling."""
    for src, dst in _PRE_NFKC.items():
        text = text.replace(src, dst)
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    if not text.isascii():
        chars = []
        for c in text:
            if not _is_digit(c) and c.isdecimal():
                chars.append(str(unicodedata.decimal(c)))
            else:
                chars.append(c)
        text = "".join(chars)
    return text


def _strip_outer(tok: str) -> tuple[str, str, str]:
    """Split a token into (leading punctuation, core, trailing punctuation).

    Signs and currency symbols that belong to a following number ("$5", "-3",
    "+1", "#1", ".5") and unit symbols that follow a number ("5%", "20°",
    "50¢", "18+", "5€") stay in the core.
    """
    i, j = 0, len(tok)
    while i < j:
        c = tok[i]
        if _is_alnum(c):
            break
        if c in "$€£¥₹+-#." and re.match(rf"[{_CUR}]?\.?\d", tok[i + 1 : j]):
            break
        i += 1
    while j > i:
        c = tok[j - 1]
        if _is_alnum(c):
            break
        if c in "%°¢+€$£¥₹" and j - 2 >= i and _is_digit(tok[j - 2]):
            break
        j -= 1
    return tok[:i], tok[i:j], tok[j:]


# --------------------------------------------------------------------------- #
# Token spelling
# --------------------------------------------------------------------------- #


@dataclass
class _Ctx:
    """What a token's neighbours say about how to read it."""

    quantity: bool = False  # bare 4-digit number is a count, not a year
    digit_mode: bool = False  # bare digits are part of a spoken digit sequence
    money_scale: bool = False  # "$5" before "million": emit the amount only
    ampm: bool = False  # "AM"/"pm" after a number: spell the letters
    after: list[str] = field(default_factory=list)  # words to append ("dollars")


def _money(cur: str, num: str, scale: str | None = None) -> list[str]:
    """Read a currency amount; cents only when there are exactly 1-2 decimals."""
    major_1, major_n, minor_1, minor_n = _CURRENCY[cur]
    if scale:
        return _quantity(num) + [scale, major_n]
    int_part, _, frac = num.partition(".")
    int_value = int(int_part.replace(",", "") or "0")
    if frac and (len(frac) > 2 or not minor_1):
        return _quantity(num) + [major_n]
    cents = int(frac.ljust(2, "0")) if frac else 0
    words: list[str] = []
    if int_value or not cents:
        words = _int_words(int_part or "0") + [major_1 if int_value == 1 else major_n]
    if cents:
        if words:
            words.append("and")
        words += _cardinal(cents) + [minor_1 if cents == 1 else minor_n]
    return words


def _time(h: str, m: str, s: str | None, ampm: str | None) -> list[str]:
    """Read clock times: "10:30" -> ten thirty, "9:05" -> nine oh five, "10:00" -> ten."""
    words = _cardinal(int(h))
    for part in (m, s):
        if part is None:
            continue
        value = int(part)
        if value == 0 and part is m and s is None:
            continue
        words += ["oh", _ONES[value]] if value < 10 else _cardinal(value)
    if ampm:
        words += [ampm.lower(), "m"]
    return words


def _fraction(num: int, den: int) -> list[str]:
    """Read a simple fraction: "one half", "three quarters", "two thirds"."""
    if den == 2:
        denom = "half" if num == 1 else "halves"
    elif den == 4:
        denom = "quarter" if num == 1 else "quarters"
    else:
        denom = _ordinalize(_cardinal(den))[-1] + ("s" if num > 1 else "")
    return _cardinal(num) + [denom]


def _numeric(core: str, ctx: _Ctx) -> list[str] | None:
    """Spell a core that is entirely a number form, or return None."""
    if (m := _RE_MONEY.fullmatch(core)) is not None:
        if m["cur"]:
            cur, num, suffix = m["cur"], m["num"], m["suffix"]
        else:
            cur, num, suffix = m["cur2"], m["num2"], None
        if ctx.money_scale and not suffix:
            return _quantity(num)
        return _money(cur, num, _MONEY_SUFFIX[suffix.lower()] if suffix else None)
    if (m := _RE_CENTS.fullmatch(core)) is not None:
        return _quantity(m["num"]) + (["cent"] if m["num"] == "1" else ["cents"])
    if (m := _RE_PERCENT.fullmatch(core)) is not None:
        return _quantity(m["num"]) + ["percent"]
    if (m := _RE_DEGREES.fullmatch(core)) is not None:
        words = _quantity(m["num"]) + (["degree"] if m["num"] == "1" else ["degrees"])
        if m["scale"]:
            words.append({"c": "celsius", "f": "fahrenheit", "k": "kelvin"}[m["scale"].lower()])
        return words
    if (m := _RE_ORDINAL.fullmatch(core)) is not None:
        return _ordinalize(_int_words(m["num"]))
    if (m := _RE_PLURAL.fullmatch(core)) is not None:
        s = m["num"]
        if _is_year(s):
            return _pluralize(_year(int(s)))
        return _pluralize(_bare_number(s, quantity=True))
    if (m := _RE_TIME.fullmatch(core)) is not None and int(m["m"]) < 60 and (
        m["s"] is None or int(m["s"]) < 60
    ):
        return _time(m["h"], m["m"], m["s"], m["ampm"])
    if (m := _RE_HOUR_AMPM.fullmatch(core)) is not None:
        return _cardinal(int(m["h"])) + [m["ampm"].lower(), "m"]
    if _RE_COMMA_NUM.fullmatch(core):
        return _quantity(core)
    if _RE_DECIMAL.fullmatch(core):
        return _quantity(core)
    if _RE_DIGITS.fullmatch(core):
        return _bare_number(core, quantity=ctx.quantity, digit_mode=ctx.digit_mode)
    if _RE_DASH_GROUPS.fullmatch(core):
        groups = core.split("-")
        if len(groups) == 2:
            a, b = groups
            if all(len(g) <= 2 and g[0] != "0" for g in groups):
                return _cardinal(int(a)) + _cardinal(int(b))
            if _is_year(a) and _is_year(b) and int(a) < int(b):
                return _year(int(a)) + _year(int(b))
        return _digits(core)
    if _RE_DOT_GROUPS.fullmatch(core):
        words = []
        for i, group in enumerate(core.split(".")):
            words += (["dot"] if i else []) + _digits(group)
        return words
    if _RE_SLASH_GROUPS.fullmatch(core):
        groups = core.split("/")
        if len(groups) == 2 and all(g[0] != "0" for g in groups):
            num, den = int(groups[0]), int(groups[1])
            if 2 <= den <= 10 and 1 <= num < den:
                return _fraction(num, den)
        return [w for g in groups for w in _bare_number(g)]
    if _RE_COLON_GROUPS.fullmatch(core):
        return [w for g in core.split(":") for w in _bare_number(g, quantity=True)]
    if (m := _RE_UNIT.fullmatch(core)) is not None:
        num = m["num"]
        number = _bare_number(num, quantity=True) if _RE_DIGITS.fullmatch(num) else _quantity(num)
        return number + [m["unit"].lower()]
    return None


def _runs(text: str) -> list[str]:
    """Split text into letter runs (inner apostrophes kept), digit runs and single other chars.

    Written by hand rather than with a regex word class, which does not cover combining
    marks (e.g. Devanagari vowel signs), which would otherwise break words apart.
    """
    runs: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        j = i + 1
        if _is_letter(c):
            while j < n and (
                _is_letter(text[j]) or (text[j] == "'" and j + 1 < n and _is_letter(text[j + 1]))
            ):
                j += 1
        elif _is_digit(c):
            while j < n and _is_digit(text[j]):
                j += 1
        runs.append(text[i:j])
        i = j
    return runs


def _spell_address(core: str) -> list[str]:
    """Read an e-mail address or URL: separators become words, digits one by one."""
    words: list[str] = []
    for piece in _runs(core):
        if _is_digit(piece[0]):
            words += _digits(piece)
        elif _is_letter(piece[0]):
            words.append(piece.lower())
        elif piece in _ADDRESS_SEPARATORS:
            words.append(_ADDRESS_SEPARATORS[piece])
    return words


def _is_url(core: str) -> bool:
    """Domain-like tokens ("assemblyai.com/docs"), not abbreviations ("U.S", "e.g", "p.m")."""
    m = _RE_URL.fullmatch(core)
    if m is None:
        return False
    if m["scheme"] or m["www"]:
        return True
    labels = m["host"].split(".")
    tld = labels[-1]
    return (
        tld.isascii()
        and tld.isalpha()
        and tld.islower()
        and 2 <= len(tld) <= 24
        and any(len(label) >= 2 for label in labels[:-1])
    )


def _spell_alnum(core: str) -> list[str]:
    """Letters, digits and apostrophes only: a word, a number, or an identifier."""
    has_digit = any(_is_digit(c) for c in core)
    if not has_digit:
        return [core.lower()]
    has_letter = any(_is_letter(c) for c in core)
    words: list[str] = []
    for run in _runs(core):
        if _is_digit(run[0]):
            # Only digits (e.g. "5'11"): bare-number rules; mixed ("A12"): identifier.
            words += _digits(run) if has_letter else _bare_number(run, quantity=True)
        elif _is_letter(run[0]):
            words.append(run.lower())
    return words


def _is_soft_separator(core: str, i: int) -> bool:
    """Whether core[i] splits words; number-internal punctuation ("415-555", "$5") does not."""
    c = core[i]
    if _is_alnum(c) or c == "'":
        return False
    prev = core[i - 1] if i > 0 else ""
    nxt = core[i + 1] if i + 1 < len(core) else ""
    if c in "-/.,:" and _is_digit(prev) and _is_digit(nxt):
        return False
    if c in _CUR and (_is_digit(nxt) or (nxt == "." and _is_digit(core[i + 2 : i + 3]))):
        return False
    if c in "%°¢" + _CUR and _is_digit(prev):
        return False
    if c == "." and _is_digit(nxt) and not _is_alnum(prev):
        return False
    return True


def _spell_core(core: str, ctx: _Ctx) -> list[str]:
    """Spell a token with its outer punctuation removed (see module doc for the rules)."""
    if not core:
        return []
    if "@" in core and _RE_EMAIL.fullmatch(core):
        return _spell_address(core)
    if "." in core and _is_url(core):
        return _spell_address(core)
    if ctx.ampm and core.lower() in ("am", "pm"):
        return [core[0].lower(), "m"]
    if core[0] in _SIGN_WORDS and len(core) > 1 and re.match(rf"[{_CUR}]?\.?\d", core[1:]):
        return [_SIGN_WORDS[core[0]]] + _spell_core(core[1:], ctx)
    numeric = _numeric(core, ctx)
    if numeric is not None:
        return numeric
    if all(_is_alnum(c) or c == "'" for c in core):
        return _spell_alnum(core)
    # Split at separators and spell each piece on its own.
    cuts = [i for i in range(len(core)) if _is_soft_separator(core, i)]
    if not cuts:
        # Nothing to split at (e.g. "1,2,3", "v1.2"): spell each alphanumeric run.
        return [w for run in _runs(core) if _is_alnum(run[0]) for w in _spell_core(run, _Ctx())]
    words: list[str] = []
    start = 0
    for i in cuts + [len(core)]:
        words += _spell_core(_strip_outer(core[start:i])[1], _Ctx())
        if i < len(core) and core[i] in "&@+=":
            words.append(_SYMBOL_WORDS[core[i]])
        start = i + 1
    return words


def _finalize(words: list[str]) -> list[str]:
    """Guarantee the output contract: lower-case letters and inner apostrophes, no digits."""
    out: list[str] = []
    for word in words:
        for run in _runs(word.lower()):
            if _is_letter(run[0]):
                out.append(run)
            elif _is_digit(run[0]):  # safety net; the rules above never emit digits
                out += _digits(run)
    return out


def _spell_tokens(tokens: list[str]) -> list[list[str]]:
    """Spell normalised whitespace-free tokens, using neighbours for context."""
    n = len(tokens)
    parts = [_strip_outer(t) for t in tokens]
    cores = [p[1] for p in parts]
    ctxs = [_Ctx() for _ in tokens]
    for i, core in enumerate(cores):
        nxt = cores[i + 1].lower() if i + 1 < n else ""
        m = _RE_MONEY.fullmatch(core.lstrip("+-"))
        if m is not None and m["cur"] and not m["suffix"] and nxt in _SCALE_WORDS:
            ctxs[i].money_scale = True
            ctxs[i + 1].after.append(_CURRENCY[m["cur"]][1])
        if re.fullmatch(r"[0-9]{4}", core) and nxt in _COUNT_NOUNS:
            ctxs[i].quantity = True
        if core.lower() in ("am", "pm") and i > 0 and _is_digit(cores[i - 1][-1:]):
            ctxs[i].ampm = True
    # Neighbouring digit groups ("4111 1111 1111 1111", "(415) 555-0137") are read digit
    # by digit; a lone pair of years ("1999 2000") is left alone.
    i = 0
    while i < n:
        j = i + 1
        if _RE_DIGIT_GROUP.fullmatch(cores[i]):
            while (
                j < n
                and _RE_DIGIT_GROUP.fullmatch(cores[j])
                and not any(c in ".,;:!?" for c in parts[j - 1][2] + parts[j][0])
            ):
                j += 1
        run = cores[i:j]
        if len(run) >= 3 or (len(run) == 2 and not all(_is_year(c) for c in run)):
            for k in range(i, j):
                ctxs[k].digit_mode = True
        i = j
    out: list[list[str]] = []
    for tok, core, ctx in zip(tokens, cores, ctxs, strict=True):
        if not core:
            words = [_SYMBOL_WORDS[tok]] if tok in _SYMBOL_WORDS else []
        else:
            words = _spell_core(core, ctx)
        out.append(_finalize(words + ctx.after))
    return out


# --------------------------------------------------------------------------- #
# Public API
# --------------------------------------------------------------------------- #


def spell_number_token(token: str) -> list[str]:
    """Spell one token without neighbours ("$25.50" -> twenty five dollars and fifty cents).

    Any token is accepted; numbers, money, times etc. follow the module rules and
    plain words are just lower-cased with punctuation stripped.
    """
    return [w for words in _spell_tokens(_normalize(token).split()) for w in words]


def unformat_text(text: str) -> str:
    """Unformat a plain string: "Hi, my name is Sonny." -> "hi my name is sonny"."""
    return " ".join(w for words in _spell_tokens(_normalize(text).split()) for w in words)


def unformat_words(words: Sequence[TimedWord]) -> list[TimedWord]:
    """See :func:`unformat_words_with_sources`; the output words only."""
    return unformat_words_with_sources(words)[0]


def unformat_words_with_sources(words: Sequence[TimedWord]) -> tuple[list[TimedWord], list[int]]:
    """Map Whisper's formatted words to AssemblyAI-style unformatted words.

    Each input word maps to zero or more output words. When it maps to several,
    its [start_ms, end_ms] span is split evenly with integer boundaries, so the
    output is monotonic, stays inside the input word's span and ends at its
    end_ms. Confidence is copied. Neighbouring words give context (e.g. "$5"
    "million" -> "five" "million dollars"), so the whole sequence is processed
    together. Also returns, for each output word, the index of the input word it came from
    (redaction uses it to keep the two renderings consistent).
    """
    tokens: list[str] = []
    owners: list[int] = []
    for index, word in enumerate(words):
        for tok in _normalize(word.text).split():
            tokens.append(tok)
            owners.append(index)
    per_word: list[list[str]] = [[] for _ in words]
    for owner, spelled in zip(owners, _spell_tokens(tokens), strict=False):
        per_word[owner].extend(spelled)
    out: list[TimedWord] = []
    sources: list[int] = []
    for index, (word, texts) in enumerate(zip(words, per_word, strict=True)):
        if not texts:
            continue
        sources.extend([index] * len(texts))
        start = int(word.start_ms)
        end = max(int(word.end_ms), start)
        count = len(texts)
        span = end - start
        for k, text in enumerate(texts):
            out.append(
                TimedWord(
                    text=text,
                    start_ms=start + span * k // count,
                    end_ms=start + span * (k + 1) // count,
                    confidence=word.confidence,
                )
            )
    return out, sources
