"""Organisations and medical facilities."""

import pytest

from hushscribe.pii.recognizers.organizations import OrganizationRecognizer

from .helpers import found


@pytest.mark.parametrize("text, policy, value", [
    ("This is Maria from Acme Insurance.", "organization", "Acme Insurance"),
    ("i'm calling from blue ridge insurance", "organization", "blue ridge insurance"),
    ("I bank with Wells Fargo.", "organization", "Wells Fargo"),
    ("I was treated at Mercy Hospital.", "organization_medical_facility", "Mercy Hospital"),
])
def test_organizations(text, policy, value):
    assert (policy, value) in found(text, OrganizationRecognizer())


@pytest.mark.parametrize("text", ["Please transfer me to the Claims Department.", "I need car insurance"])
def test_generic_words_are_not_organizations(text):
    assert found(text, OrganizationRecognizer()) == set()
