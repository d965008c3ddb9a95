"""Policy names, umbrellas and filtering."""

from __future__ import annotations

from hushscribe.core.params import PII_POLICIES
from hushscribe.pii.policies import (
    DEFAULT_POLICIES,
    OPT_IN,
    POLICIES,
    compatible,
    covers,
    effective_policies,
    filter_spans,
    resolve_label,
)
from hushscribe.pii.types import Span


def test_65_policies_in_sync_with_params():
    assert POLICIES == PII_POLICIES and len(POLICIES) == 65
    assert OPT_IN <= set(POLICIES)
    assert DEFAULT_POLICIES == set(POLICIES) - OPT_IN


def test_location_umbrella():
    for sub in ("location_address", "location_address_street", "location_city", "location_coordinate",
                "location_country", "location_state", "location_zip"):
        assert covers("location", sub)
        assert not covers(sub, "location")
    assert covers("location_address", "location_address_street")
    assert covers("organization", "organization_medical_facility")
    assert covers("gender_sexuality", "gender")
    assert not covers("date", "date_of_birth")
    assert compatible("location_city", "location") and compatible("location", "location_city")
    assert not compatible("date", "date_of_birth")


def test_effective_policies():
    assert effective_policies(None) == DEFAULT_POLICIES
    assert effective_policies([]) == DEFAULT_POLICIES
    assert effective_policies(list(PII_POLICIES)) == DEFAULT_POLICIES  # "all" = the default set
    assert effective_policies(["person_name", "TIME", "bogus"]) == {"person_name", "time"}


def test_resolve_label_umbrella_and_safe_side():
    assert resolve_label("location_city", frozenset({"location"})) == "location"
    assert resolve_label("location_city", frozenset({"location_city"})) == "location_city"
    assert resolve_label("location_city", frozenset({"location_state"})) is None
    # generic label, specific request: redact under the requested name (safe side)
    assert resolve_label("location", frozenset({"location_city"})) == "location_city"
    assert resolve_label("location_address_street", frozenset({"location_address"})) == "location_address"
    assert resolve_label("person_name", frozenset({"phone_number"})) is None


def test_filter_spans():
    spans = [Span(0, 4, "person_name"), Span(5, 9, "location_city"), Span(10, 14, "time")]
    assert filter_spans(spans, None) == spans[:2]  # time is opt-in
    assert filter_spans(spans, ["location"]) == [Span(5, 9, "location")]
    assert filter_spans(spans, ["time", "person_name"]) == [spans[0], spans[2]]
