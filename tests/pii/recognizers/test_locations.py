"""Addresses, streets, coordinates and gazetteer places."""

import pytest

from hushscribe.pii.recognizers.locations import COORDINATE, AddressRecognizer, PlaceRecognizer

from .helpers import found


@pytest.mark.parametrize("text, policy, value", [
    ("I live at 420 Maple Street, Springfield, Illinois", "location_address", "420 Maple Street, Springfield, Illinois"),
    ("send it to P.O. Box 1234", "location_address", "P.O. Box 1234"),
    ("deliver to 1850 O'Cavin please", "location_address", "1850 O'Cavin"),
    ("the shop on Baker Street", "location_address_street", "Baker Street"),
])
def test_addresses(text, policy, value):
    assert (policy, value) in found(text, AddressRecognizer())


@pytest.mark.parametrize("text", ["it's a twenty minute drive", "we open at 9 and close at 5"])
def test_not_addresses(text):
    assert found(text, AddressRecognizer()) == set()


@pytest.mark.parametrize("text, policy, value", [
    ("We're relocating from Chicago to Dallas.", "location_city", "Chicago"),
    ("i'm calling from san diego", "location_city", "san diego"),
    ("I moved from Toronto, Canada last year.", "location_country", "Canada"),
])
def test_places(text, policy, value):
    assert (policy, value) in found(text, PlaceRecognizer())


def test_coordinates():
    assert found("we are at 37.7749, -122.4194 now", COORDINATE) == {("location_coordinate", "37.7749, -122.4194")}
