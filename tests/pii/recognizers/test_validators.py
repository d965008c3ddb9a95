"""Checksums and shape validators."""

import pytest

from hushscribe.pii.recognizers.validators import iban_ok, luhn_ok, nanp_phone, spoken_date


@pytest.mark.parametrize("digits, ok", [
    ("4111111111111111", True), ("4111111111111112", False), ("378282246310005", True),
    ("12345", False), ("41111111111111a1", False),
])
def test_luhn(digits, ok):
    assert luhn_ok(digits) is ok


@pytest.mark.parametrize("text, ok", [
    ("GB82 WEST 1234 5698 7654 32", True), ("GB82WEST12345698765432", True),
    ("GB83WEST12345698765432", False), ("DE8937", False),
])
def test_iban(text, ok):
    assert iban_ok(text) is ok


@pytest.mark.parametrize("digits, plus, ok", [
    ("4155550137", False, True), ("14155550137", False, True), ("1155550137", False, False),
    ("442071838750", True, True), ("12345", True, False),
])
def test_nanp_phone(digits, plus, ok):
    assert nanp_phone(digits, plus) is ok


def test_spoken_date_needs_a_real_date_not_far_after_the_year():
    assert spoken_date("05151990", 2026)
    assert spoken_date("5151990", 2026)
    assert not spoken_date("02301990", 2026)  # February 30th
    assert spoken_date("01012035", 2026) and not spoken_date("01012037", 2026)
