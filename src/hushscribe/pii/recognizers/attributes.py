"""Sensitive attributes: medical conditions, drugs, procedures, injuries, blood types, medical
codes, physical descriptions, gender, sexuality, religion, politics, marital status, zodiac
sign, language, nationality and occupation.

Most are word lists (:mod:`..lexicon`); words that are also ordinary English ("single",
"liberal", "christian") count only after a cue ("I'm a ...", "I voted ...").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .. import lexicon as lx
from .base import (
    Analysis,
    Pattern,
    PatternRecognizer,
    PhraseSet,
    Recognizer,
    SpanSink,
    Tok,
    sent_of,
)
from .context import context

__all__ = ["MEDICAL_CODE", "PhysicalRecognizer", "MedicalRecognizer", "PersonalAttributeRecognizer"]


def _icd_after_cue(a: Analysis, pat: Pattern, m: re.Match[str]) -> bool:
    ti, sent = sent_of(a.toks, m.start())
    cat, _, _ = context(a.trigs, ti, sent)
    return cat == "icd"


MEDICAL_CODE = PatternRecognizer(
    "medical_code", "medical_code", [Pattern("icd10", r"\b[A-TV-Z]\d[0-9AB](?:\.[0-9A-TV-Z]{1,4})?\b", 0.5)],
    ignore_case=False, validate=_icd_after_cue,
)


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


def _attr_lexicon(phrases: Iterable[str], *, ambiguous: Iterable[str] = (),
                  cue_words: tuple[str, ...] = ()) -> tuple[re.Pattern[str] | None, re.Pattern[str]]:
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


def _medical(text: str, toks: list[Tok], out: SpanSink) -> None:
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


def _personal(text: str, out: SpanSink) -> None:
    def lex(pair: tuple[re.Pattern[str] | None, re.Pattern[str]], policy: str, score: float = 0.7) -> None:
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


class PhysicalRecognizer(Recognizer):
    """Height, weight, eye and hair colour ("6 feet 2 inches tall", "blue eyes")."""

    name = "physical"
    policies = ("physical_attribute",)
    claims = False

    def analyze(self, a: Analysis) -> None:
        for m in _PHYS_RE.finditer(a.text):
            a.out.add(m.start(), m.end(), "physical_attribute", 0.65, "rule:physical")


class MedicalRecognizer(Recognizer):
    """Conditions, drugs, procedures, injuries and blood types."""

    name = "medical"
    policies = ("medical_condition", "drug", "medical_process", "injury", "blood_type")
    view = "original"
    claims = False

    def analyze(self, a: Analysis) -> None:
        _medical(a.original, a.otoks, a.oout)


class PersonalAttributeRecognizer(Recognizer):
    """Gender, sexuality, religion, politics, marital status, zodiac, language, nationality, occupation."""

    name = "personal_attributes"
    policies = ("gender", "sexuality", "religion", "political_affiliation", "marital_status", "zodiac_sign",
                "language", "nationality", "occupation")
    view = "original"
    claims = False

    def analyze(self, a: Analysis) -> None:
        _personal(a.original, a.oout)
