"""Detection per policy (formatted and spoken form), negatives, filtering, threads, offline."""

from __future__ import annotations

import socket
import threading

import pytest

from hushscribe.pii.detector import PiiDetector, PiiRedactor, resolve_overlaps
from hushscribe.pii.policies import compatible
from hushscribe.pii.types import Span

from .conftest import joined, words_of

CASES = [
    # (policy, text, expected fragment)
    ("person_name", "Hi, my name is John Smith and I'm calling about my bill.", "John Smith"),
    ("person_name", "hi my name is john smith and i'm calling about my bill", "john smith"),
    ("person_name", "Can I speak with Dr. Patel, please?", "Patel"),
    ("person_name", "Robert Kim, K, I, M.", "K, I, M"),
    ("phone_number", "My number is 555-123-4567.", "555-123-4567"),
    ("phone_number", "you can reach me at four one five eight six seven five three oh nine", "four one five eight six seven five three oh nine"),
    ("phone_number", "My cell is two zero six, five five five, zero one four three, call me tomorrow at ten.", "two zero six, five five five, zero one four three"),
    ("email_address", "My email is john.smith@gmail.com.", "john.smith@gmail.com"),
    ("email_address", "my email is john dot smith at gmail dot com", "john dot smith at gmail dot com"),
    ("credit_card_number", "My card number is 4111 1111 1111 1111.", "4111 1111 1111 1111"),
    ("credit_card_number", "my card number is four one one one one one one one one one one one one one one one", "four one one one one one one one one one one one one one one one"),
    ("credit_card_number", "It's the card ending in 4242.", "4242"),
    ("credit_card_cvv", "The security code on the back is 739.", "739"),
    ("credit_card_cvv", "the security code on the back is seven three nine", "seven three nine"),
    ("credit_card_expiration", "It expires oh nine, twenty seven.", "oh nine, twenty seven"),
    ("credit_card_expiration", "The Visa is 4532-0151-1283-0366, expiration 08/27, CVV 123.", "08/27"),
    ("us_social_security_number", "My social is 412-55-7391.", "412-55-7391"),
    ("us_social_security_number", "the last four of my social are seven three nine one", "seven three nine one"),
    ("date_of_birth", "My date of birth is March 7, 1961.", "March 7, 1961"),
    ("date_of_birth", "i was born on december fourth nineteen eighty five", "december fourth nineteen eighty five"),
    ("date", "The appointment is on December 18.", "December 18"),
    ("location", "I live at 1234 Elm Street, Springfield, Illinois.", "1234 Elm Street, Springfield, Illinois"),
    ("location", "ship it to fifty five water street apartment four b new york new york one zero zero four one", "fifty five water street"),
    ("location", "we're located in boston", "boston"),
    ("location", "My zip code is 94110.", "94110"),
    ("organization", "This is Maria Gonzalez from Acme Insurance.", "Acme Insurance"),
    ("organization", "i bank with wells fargo", "wells fargo"),
    ("account_number", "My member ID is HZ-5235-001.", "HZ-5235-001"),
    ("account_number", "policy number one zero zero four two nine nine two", "one zero zero four two nine nine two"),
    ("banking_information", "the routing number is zero two one zero zero zero zero two one", "zero two one zero zero zero zero two one"),
    ("banking_information", "My IBAN is GB82 WEST 1234 5698 7654 32.", "GB82 WEST 1234 5698 7654 32"),
    ("drivers_license", "My driver's license number is D1234567.", "D1234567"),
    ("passport_number", "passport number five three one two eight four seven seven six", "five three one two eight four seven seven six"),
    ("ip_address", "My IP address is 192.168.1.10.", "192.168.1.10"),
    ("ip_address", "my ip is one nine two dot one six eight dot one dot ten", "one nine two dot one six eight dot one dot ten"),
    ("url", "Check https://mybank.com/login and sign in.", "https://mybank.com/login"),
    ("url", "go to www dot example dot com slash account", "www dot example dot com slash account"),
    ("username", "My username is jsmith84.", "jsmith84"),
    ("password", "my password is sunshine one two three", "sunshine one two three"),
    ("person_age", "I'm sixty one and retired, so I'm home most days.", "sixty one"),
    ("person_age", "I'm 34 years old.", "34"),
    ("medical_condition", "I was diagnosed with type 2 diabetes last year.", "type 2 diabetes"),
    ("drug", "she's on lisinopril and ibuprofen", "lisinopril"),
    ("blood_type", "My blood type is O negative.", "O negative"),
    ("zodiac_sign", "My sign is Leo.", "Leo"),
    ("occupation", "I'm a registered nurse.", "nurse"),
    ("filename", "I attached scan_0412.pdf to the email.", "scan_0412.pdf"),
    ("gender", "My gender is female.", "female"),
    ("healthcare_number", "My Medicare number is 1EG4-TE5-MK73.", "1EG4-TE5-MK73"),
    ("injury", "I sprained my ankle last week.", "sprained my ankle"),
    ("language", "I only speak Spanish.", "Spanish"),
    ("location_address_street", "It's on Maple Avenue, near the school.", "Maple Avenue"),
    ("location_coordinate", "We're at 40.7128, -74.0060 right now.", "40.7128, -74.0060"),
    ("location_country", "We moved from Portugal.", "Portugal"),
    ("marital_status", "I'm divorced.", "divorced"),
    ("medical_code", "The diagnosis code is E11.9.", "E11.9"),
    ("medical_process", "I had knee surgery in May.", "knee surgery"),
    ("nationality", "I'm Italian.", "Italian"),
    ("organization_id", "Our EIN is 12-3456789.", "12-3456789"),
    ("organization_medical_facility", "Greenfield Pharmacy, how may I help you?", "Greenfield Pharmacy"),
    ("physical_attribute", "He has brown hair.", "brown hair"),
    ("political_affiliation", "I'm a registered Republican.", "Republican"),
    ("religion", "We're Muslim.", "Muslim"),
    ("sexuality", "I identify as bisexual.", "bisexual"),
    ("vehicle_id", "The VIN is 1HGCM82633A004352.", "1HGCM82633A004352"),
]


@pytest.mark.parametrize("policy, text, frag", CASES, ids=[f"{c[0]}:{c[1][:30]}" for c in CASES])
def test_detects(detector, policy, text, frag):
    a = text.index(frag)
    b = a + len(frag)
    spans = detector.detect(text)
    assert any(s.start < b and a < s.end and compatible(s.policy, policy) for s in spans), (
        [(s.policy, text[s.start : s.end]) for s in spans]
    )


NEGATIVES = [
    "Monday works, or maybe Friday.",
    "we open at nine and close at five thirty",
    "The total comes to $84.50.",
    "I have two kids.",
    "i have two kids and a dog",
    "call me tomorrow at ten",
    "I'll be there in five minutes.",
    "Press one for billing.",
    "version two point three of the app keeps crashing",
    "We have 345 employees.",
    "Will you bill me next month?",
    "May I have your account number, please?",
    "Thank you, the payment of forty nine ninety nine has been applied.",
    "it's about a twenty minute drive",
    "I ate an apple for lunch.",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_negatives_not_redacted(detector, text):
    assert detector.detect(text) == []


def test_opt_in_policies_only_when_named(detector):
    text = "Your appointment is at 3:30 on Tuesday and it costs $40."
    assert detector.detect(text) == []
    assert detector.detect(text, None) == []
    got = {s.policy for s in detector.detect(text, ["time", "day", "money_amount"])}
    assert {"time", "day", "money_amount"} <= got


@pytest.mark.parametrize(
    "policy, text",
    [("duration", "for ten years"), ("month", "in June"), ("year", "back in 2019"),
     ("statistics", "up 15% this year"), ("number_sequence", "the code 88412")],
)
def test_opt_in_spacy_labels(detector, policy, text):
    assert detector.detect(text) == []
    assert [s.policy for s in detector.detect(text, [policy])] == [policy]


def test_policy_filtering_and_umbrella(detector):
    text = "I'm Emily Clark, I live at 422 Maple Street, Springfield, Illinois, call 415-555-0192."
    only_phone = detector.detect(text, ["phone_number"])
    assert [s.policy for s in only_phone] == ["phone_number"]
    loc = detector.detect(text, ["location"])
    assert loc and all(s.policy == "location" for s in loc)
    city = detector.detect(text, ["location_address"])
    assert city and all(s.policy == "location_address" for s in city)


def test_redactor_entity_name(detector):
    red = PiiRedactor(detector)
    ws = words_of("Hi, my name is John Smith and my number is 415-555-0137.")
    out = red.redact(ws, ["person_name", "phone_number"], "entity_name")
    assert joined(out) == "Hi, my name is [PERSON_NAME] [PERSON_NAME] and my number is [PHONE_NUMBER]."
    assert [(w.start_ms, w.end_ms) for w in out] == [(w.start_ms, w.end_ms) for w in ws]
    out = red.redact(ws, ["phone_number"], "hash")
    assert joined(out) == "Hi, my name is John Smith and my number is ###-###-####."


def test_redactor_spoken_form(detector):
    red = PiiRedactor(detector)
    ws = words_of("my email is john dot smith at gmail dot com")
    assert joined(red.redact(ws, [], "entity_name")) == (
        "my email is " + " ".join(["[EMAIL_ADDRESS]"] * 7)
    )
    assert red.redact([], ["person_name"], "hash") == []


def test_resolve_overlaps():
    spans = [
        Span(0, 20, "email_address", 0.9, "rule:email"),
        Span(0, 5, "person_name", 0.85, "presidio:SpacyRecognizer"),
        Span(30, 50, "location_address", 0.8, "rule:address"),
        Span(40, 55, "location_city", 0.7, "rule:place"),
    ]
    assert resolve_overlaps(spans) == [
        Span(0, 20, "email_address", 0.9, "rule:email"),
        Span(30, 55, "location_address", 0.8, "rule:address"),
    ]


def test_thread_safety(detector):
    texts = [c[1] for c in CASES] + NEGATIVES
    expected = [detector.detect(t) for t in texts]
    results: dict[int, list] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            order = texts[k:] + texts[:k]
            got = [detector.detect(t) for t in order]
            results[k] = got[len(texts) - k :] + got[: len(texts) - k]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k * 7,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(results) == 4
    for got in results.values():
        assert got == expected


def test_no_network_access(monkeypatch):
    """Load a fresh detector and detect e-mails/URLs with every socket connection refused."""
    attempts: list = []

    def refuse(self, *args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, *a))
    det = PiiDetector()
    assert det.uses_presidio
    text = "Mail john.smith@gmail.com or see https://mybank.co.uk/login, I'm Sarah Lee in Boston."
    spans = det.detect(text)
    got = {s.policy for s in spans}
    assert {"email_address", "url", "person_name"} <= got
    # Presidio's own e-mail recogniser validated the domain too (offline tldextract)
    res = det._engine.analyze("write to info@example.org", frozenset({"email_address"}))
    assert any(s.policy == "email_address" for s in res)
    assert attempts == []
