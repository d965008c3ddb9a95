"""Medical and personal attributes, ICD codes."""

import pytest

from hushscribe.pii.recognizers.attributes import (
    MEDICAL_CODE,
    MedicalRecognizer,
    PersonalAttributeRecognizer,
    PhysicalRecognizer,
)

from .helpers import found

ALL = (MedicalRecognizer(), PersonalAttributeRecognizer(), PhysicalRecognizer())


@pytest.mark.parametrize("text, policy, value", [
    ("I was diagnosed with type 2 diabetes", "medical_condition", "type 2 diabetes"),
    ("I take metformin daily", "drug", "metformin"),
    ("I broke my left wrist", "injury", "broke my left wrist"),
    ("my blood type is O negative", "blood_type", "O negative"),
    ("I'm a registered democrat", "political_affiliation", "democrat"),
    ("I work as a nurse", "occupation", "nurse"),
    ("she speaks Portuguese", "language", "Portuguese"),
    ("he has blue eyes", "physical_attribute", "blue eyes"),
])
def test_attributes(text, policy, value):
    assert (policy, value) in found(text, *ALL)


def test_ambiguous_condition_needs_a_medical_cue():
    assert found("press the add button twice", *ALL) == set()
    assert ("medical_condition", "add") in found("I was diagnosed with add", *ALL)


def test_icd_code_only_after_a_code_cue():
    assert found("the diagnosis code is E11.9", MEDICAL_CODE) == {("medical_code", "E11.9")}
    assert found("seat E11 please", MEDICAL_CODE) == set()
