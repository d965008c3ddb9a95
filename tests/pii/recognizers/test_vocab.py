"""Shared vocabularies: one definition of the months, used everywhere."""

import re

from hushscribe.pii import lexicon, vocab
from hushscribe.pii.recognizers.dates import DATE_PATTERNS


def test_months_map_names_and_abbreviations_to_numbers():
    assert vocab.MONTHS["september"] == vocab.MONTHS["sept"] == vocab.MONTHS["sep"] == 9
    assert len(vocab.MONTH_NAMES) == 12 and len(set(vocab.MONTHS.values())) == 12


def test_month_regex_matches_every_month_word_whole():
    rx = re.compile(rf"^{vocab.month_regex()}$", re.I)
    assert all(rx.match(m) for m in vocab.MONTHS)
    assert not re.match(rf"^{vocab.month_regex(abbreviations=False)}$", "sept")


def test_month_and_weekday_names_are_never_name_words():
    assert set(vocab.MONTH_NAMES) <= lexicon.NOT_NAME_WORDS  # "may" via the verbs
    assert vocab.WEEKDAYS <= lexicon.NOT_NAME_WORDS


def test_date_patterns_use_the_shared_months():
    assert any(vocab.month_regex() in p.regex for p in DATE_PATTERNS)
