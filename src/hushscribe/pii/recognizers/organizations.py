"""Organisations: known names ("Wells Fargo") and name + suffix ("Northwind Energy",
"calling from acme insurance"); hospitals, clinics and pharmacies are the medical-facility
sub-type."""

from __future__ import annotations

import re

from .. import lexicon as lx
from .base import Analysis, PhraseSet, Recognizer, SpanSink, Tok

__all__ = ["OrganizationRecognizer"]


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


def _orgs(toks: list[Tok], out: SpanSink, formatted: bool) -> None:
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
            elif p.low in lx.NOT_NAME_WORDS or not p.low.isalpha() or p.low in _ORG_CUES:
                break
            j -= 1
        if not formatted:
            # generic words may sit inside a name ("cascade water company"), not lead it ("car insurance")
            while j < i and toks[j].low in _GENERIC_ORG_WORDS:
                j += 1
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


class OrganizationRecognizer(Recognizer):
    """Organisations from the known list and from a company/facility suffix."""

    name = "organizations"
    policies = ("organization", "organization_medical_facility")
    view = "original"
    claims = False

    def analyze(self, a: Analysis) -> None:
        _orgs(a.otoks, a.oout, a.formatted)
