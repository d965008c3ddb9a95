"""Identifiers and numbers: trigger + shape decide the policy."""

import pytest

from hushscribe.pii.recognizers.identifiers import IBAN, VIN, IdentifierRecognizer, SplitIdentifierRecognizer

from .helpers import found

IDS = (SplitIdentifierRecognizer(), IdentifierRecognizer())


@pytest.mark.parametrize("text, policy, value", [
    ("my card number is 4111 1111 1111 1111", "credit_card_number", "4111 1111 1111 1111"),
    ("the security code is 123", "credit_card_cvv", "123"),
    ("my social is 123-45-6789", "us_social_security_number", "123-45-6789"),
    ("call me at 415-555-0137", "phone_number", "415-555-0137"),
    ("my number is 206 ,55, 0143", "phone_number", "206 ,55, 0143"),
    ("my member id is 88213470", "account_number", "88213470"),
    ("the routing number for my checking is 021000021", "banking_information", "021000021"),
    ("my passport number is X1234567", "passport_number", "X1234567"),
    ("my zip code is 94110", "location_zip", "94110"),
    ("my card ending in 4242", "credit_card_number", "4242"),
    ("four one five five five five zero one three seven", "phone_number", "four one five five five five zero one three seven"),
])
def test_identifier_by_trigger_and_shape(text, policy, value):
    assert (policy, value) in found(text, *IDS)


@pytest.mark.parametrize("text", [
    "I paid 500 dollars for 3 items",
    "rooms 104, 105, 106 are free",
    "we met in 2019",
    "it costs 1,234.56 in total",
])
def test_amounts_lists_and_years_are_not_identifiers(text):
    assert found(text, *IDS) == set()


def test_iban_needs_a_valid_checksum():
    assert found("IBAN GB82 WEST 1234 5698 7654 32", IBAN) == {("banking_information", "GB82 WEST 1234 5698 7654 32")}
    assert found("IBAN GB83 WEST 1234 5698 7654 32", IBAN) == set()


def test_vin():
    assert found("the VIN is 1HGCM82633A004352", VIN) == {("vehicle_id", "1HGCM82633A004352")}
