"""Rule-based PII recognisers, one module per family, assembled by :mod:`.registry`.

Why rules next to spaCy: identifiers (phones, cards, SSNs, account numbers) are defined by
their shape and by what was said just before them ("my routing number is ..."), not by
grammar, and in spoken ASR text they arrive as words ("four one five ..."). The rules run on
the output of :mod:`..spoken` (spoken numbers already turned into digits), and every span is
mapped back to the original text.

Families (each module has its own test module under ``tests/pii/recognizers/``):

* :mod:`.identifiers` -- cards, CVVs, SSNs, phones, account/bank/ID numbers, IBAN, VIN;
* :mod:`.dates` -- dates, birth dates, expiry dates, ages;
* :mod:`.names` -- person names and their spellings;
* :mod:`.organizations` -- organisations and medical facilities;
* :mod:`.locations` -- addresses, streets, coordinates, cities/states/countries;
* :mod:`.attributes` -- medical and personal attributes, ICD codes;
* :mod:`.credentials` -- e-mail, URL, IP, file names, usernames, passwords.

Shared pieces: :mod:`.base` (tokens, the per-turn :class:`~.base.Analysis`, the recogniser
contract), :mod:`.context` (trigger phrases), :mod:`.validators` (checksums),
:mod:`..vocab` (months, number words) and :mod:`..priority` (the precedence tables).
"""

from __future__ import annotations

from .base import Analysis, Pattern, PatternRecognizer, Recognizer
from .registry import RecognizerRegistry, default_registry, find_rule_spans

__all__ = ["Analysis", "Pattern", "PatternRecognizer", "Recognizer", "RecognizerRegistry", "default_registry",
           "find_rule_spans"]
