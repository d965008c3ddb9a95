"""Person names: trigger phrases ("my name is", "this is", "my wife", "Dr.") plus the name lists,
and letter-by-letter spellings ("K, I, M") after a name or a spelling cue.

Words that are also English words ("will", "may", "bill") need a strong cue (see
:mod:`..lexicon`). Runs on the words as heard: spelled-out digits are not names either way.
"""

from __future__ import annotations

import re

from .. import lexicon as lx
from ..spoken import ACRONYMS
from ..vocab import MONTHS, WEEKDAYS
from .base import Analysis, PhraseSet, Recognizer, SpanSink, Tok

__all__ = ["NameRecognizer"]


_NAME_TRIGGERS_STRONG = PhraseSet((
    "my name is", "my name's", "name is", "name's", "first name is", "last name is", "surname is",
    "full name is", "middle name is", "maiden name is", "i'm called", "named", "by the name of",
    "under the name", "under the name of", "goes by", "cardholder is", "account holder is",
    "holder is", "policy holder is", "policyholder is", "the insured is", "primary holder is",
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
    return t.low not in MONTHS and t.low not in WEEKDAYS


def _name_word(toks: list[Tok], t: Tok, *, formatted: bool) -> bool:
    """Could t continue a name? (surname or first name, or a capitalised unknown word)."""
    if t.low in lx.NOT_NAME_WORDS or not t.text.replace("'", "").isalpha():
        return False
    if len(t.low) == 1:
        return False
    if formatted:
        return _is_capname(toks, t) or (_is_lexname(t) and not t.text.islower() and t.low not in lx.AMBIGUOUS_SURNAMES)
    return _is_lexname(t) and (t.low not in lx.AMBIGUOUS_SURNAMES or t.low in lx.SURNAMES and t.low not in lx.AMBIGUOUS_SURNAMES)


_GREETING_END = frozenset(("how", "speaking", "here", "and", "what", "who"))


def _agent_greeting(toks: list[Tok], i: int) -> bool:
    """Is toks[i:] preceded by an agent's greeting, "for calling <company>" ("thanks for calling
    back, this is great" names no company: no greeting)?"""
    for q in range(1, i):
        if toks[q].low == "calling" and toks[q - 1].low == "for":
            return any(_plain_word(t) for t in toks[q + 1 : i])
    return False


def _plain_word(t: Tok) -> bool:
    return t.low not in lx.NOT_NAME_WORDS and t.text.replace("'", "").isalpha() and len(t.low) > 1


def _clause_end(toks: list[Tok], j: int) -> bool:
    """Does the clause end after toks[j] or after toks[j+1] (a first name, or first + last name)?"""
    for k in (j, j + 1):
        if k + 1 >= len(toks) or toks[k + 1].sent != toks[k].sent or re.search(r"[,.;:!?]", toks[k].after):
            return True
        if toks[k + 1].low in _GREETING_END:
            return True
        if k == j and not _plain_word(toks[k + 1]):
            return False
    return False


def _names(toks: list[Tok], out: SpanSink, formatted: bool) -> list[tuple[int, int]]:
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
                        and (nxt.low not in lx.AMBIGUOUS_SURNAMES or (formatted and t.cap and nxt.cap))
                    ):
                        ok = True  # "this is siobhan o'neill": unknown first name + known surname
                    if not ok and trig_low in ("under", "named", "called", "surname") and t.low in lx.SURNAMES and t.low not in lx.AMBIGUOUS_SURNAMES:
                        ok = True  # "the account's under kowalski"
                    if (not ok and trig_low in ("this is", "it's") and (t.cap or not formatted) and _agent_greeting(toks, i)
                            and _plain_word(t) and _clause_end(toks, j)):
                        ok = True  # "thank you for calling acme, this is ingrid": the agent says their name
                if ok:
                    k = j + 1
                    if can_follow(j):
                        k = max(k, extend(j + 1, 2) if j + 1 < n and toks[j + 1].sent == t.sent else k)
                        if ns and k == j + 1 and k < n and toks[k].sent == t.sent and toks[k].low in lx.SURNAMES:
                            k += 1  # "my name is amara miller": after "name is", even a common-noun surname
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


def _spelled(toks: list[Tok], out: SpanSink, name_ranges: list[tuple[int, int]]) -> None:
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


class NameRecognizer(Recognizer):
    """Person names from cues and name lists, then the spellings that follow them."""

    name = "names"
    policies = ("person_name",)
    view = "original"
    claims = False

    def analyze(self, a: Analysis) -> None:
        name_ranges = _names(a.otoks, a.oout, a.formatted)
        _spelled(a.otoks, a.oout, name_ranges)
