"""The registry: declared run order, queries, errors, and the year read per turn."""

import datetime as dt

import pytest

from hushscribe.pii.priority import CLAIM_ORDER
from hushscribe.pii.recognizers import RecognizerRegistry, default_registry, find_rule_spans
from hushscribe.pii.recognizers.dates import DateRecognizer
from hushscribe.pii.recognizers.identifiers import IdentifierRecognizer
from hushscribe.pii.spoken import normalize_spoken

from .helpers import found


def test_run_order_comes_from_the_table_not_from_registration():
    text = "the delivery was on 05/15/2019"
    a = RecognizerRegistry([IdentifierRecognizer(), DateRecognizer()])
    b = RecognizerRegistry([DateRecognizer(), IdentifierRecognizer()])
    assert [r.name for r in a.get_recognizers()] == [r.name for r in b.get_recognizers()] == ["dates", "identifiers"]
    spans = {(s.policy, text[s.start:s.end]) for s in a.analyze(normalize_spoken(text), year=2026)}
    assert spans == {("date", "05/15/2019")}


def test_every_built_in_recogniser_is_in_the_table_in_table_order():
    names = [r.name for r in default_registry().get_recognizers()]
    assert names == [n for n in CLAIM_ORDER if n in names]
    assert set(names) == set(CLAIM_ORDER)


def test_registry_rejects_unknown_and_duplicate_recognisers():
    reg = RecognizerRegistry([DateRecognizer()])
    with pytest.raises(ValueError):
        reg.add_recognizer(DateRecognizer())
    with pytest.raises(TypeError):
        reg.add_recognizer(object())  # type: ignore[arg-type]
    unknown = DateRecognizer()
    unknown.name = "not-declared"  # type: ignore[misc]
    with pytest.raises(ValueError):
        reg.add_recognizer(unknown)


def test_remove_and_query_by_policy():
    reg = default_registry()
    assert [r.name for r in reg.get_recognizers(["person_age"])] == ["ages"]
    reg.remove_recognizer("ages")
    with pytest.raises(ValueError):
        reg.get_recognizers(["person_age"])
    with pytest.raises(KeyError):
        reg.remove_recognizer("ages")
    assert ("person_age", "42") not in {(s.policy, "42") for s in reg.analyze(normalize_spoken("I am 42 now"))}


def test_birth_year_rule_uses_the_year_of_the_turn_not_of_the_import():
    text = "It was March 3, 2011."
    assert ("date", "March 3, 2011") in found(text, year=2025)  # 14 years back: an event date
    assert ("date_of_birth", "March 3, 2011") in found(text, year=2026)  # 15 years back: a birth date


def test_default_year_is_today():
    text = f"It was March 3, {dt.date.today().year - 20}."
    assert {s.policy for s in find_rule_spans(normalize_spoken(text))} == {"date_of_birth"}


def test_empty_turn():
    assert find_rule_spans(normalize_spoken("   ")) == []
