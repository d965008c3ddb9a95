"""The declared precedence tables of PII detection, in one place.

Two questions, two tables:

* :data:`CLAIM_ORDER` -- inside the rule pass, which recogniser may *claim* characters first.
  A claimed range is off limits to every later claiming recogniser: "john@acme.com" is an
  e-mail, so the URL pattern must not see "acme.com"; a date must not also be read as an
  account number. Recognisers run in this order whatever order they were registered in;
  a claiming recogniser missing from the table is an error (see :mod:`.recognizers.registry`).
  Recognisers that do not claim (word lists, descriptive attributes) run after, in the order
  listed here too, and any overlaps among their spans are settled by the next table.
* :data:`POLICY_PRIORITY` -- after every detector (rules and spaCy/Presidio) has run, which
  detection wins an overlap (:func:`.detector.resolve_overlaps`): structured identifiers beat
  dates, dates beat names, rules beat the statistical NER (penalised by
  :data:`NER_PENALTY`), and a value labelled by what was said before it beats a shape-only
  guess (:data:`CONTEXT_BONUS`).
"""

from __future__ import annotations

__all__ = ["CLAIM_ORDER", "POLICY_PRIORITY", "DEFAULT_POLICY_PRIORITY", "NER_PENALTY", "CONTEXT_BONUS"]

#: Recogniser names, first claims first.
CLAIM_ORDER: tuple[str, ...] = (
    # unmistakable shapes
    "email", "ip", "ip_split", "url", "iban", "coordinate", "filename", "vin", "medical_code",
    # values after a field name
    "credentials",
    # dates before numbers: "05/15/1990" is a date, not three identifiers
    "dates", "ages",
    # "420 Maple Street": the house number is part of the address, not an identifier
    "addresses",
    # digit groups last: what is left is an identifier if its trigger and shape fit
    "split_identifiers", "identifiers",
    # non-claiming: spans may overlap anything; resolved by POLICY_PRIORITY
    "physical", "names", "organizations", "places", "medical", "personal_attributes",
)

#: Which detection wins an overlap, by policy (higher wins).
POLICY_PRIORITY: dict[str, int] = {
    "email_address": 100, "url": 95, "ip_address": 95, "username": 93, "password": 93,
    "credit_card_number": 90, "credit_card_cvv": 90, "us_social_security_number": 90,
    "banking_information": 90, "passport_number": 90, "healthcare_number": 90,
    "phone_number": 88, "drivers_license": 88, "vehicle_id": 88, "organization_id": 88,
    "credit_card_expiration": 88, "date_of_birth": 86, "account_number": 85,
    "location_address": 84, "location_zip": 84, "location_coordinate": 84, "person_age": 82,
    "date": 80, "filename": 80, "medical_code": 80, "zodiac_sign": 76, "language": 75,
    "blood_type": 75, "injury": 72, "drug": 72, "medical_condition": 70, "medical_process": 70,
    "occupation": 66, "person_name": 62, "organization_medical_facility": 61, "organization": 60,
    "location_address_street": 60, "location_city": 58, "location_state": 58, "location_country": 58,
    "location": 55,
}
#: Priority of a policy not in the table.
DEFAULT_POLICY_PRIORITY = 65
#: spaCy's statistical NER loses to a rule on the same text.
NER_PENALTY = 15
#: "call me back at 415-55-0192" (a cue) beats Presidio's SSN pattern on the 3-2-4 shape an ASR digit drop leaves.
CONTEXT_BONUS = 6
