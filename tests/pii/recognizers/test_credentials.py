"""E-mail, URL, IP, file names, usernames and passwords."""

import pytest

from hushscribe.pii.recognizers.credentials import EMAIL, FILENAME, IP, URL, CredentialRecognizer, SplitIpRecognizer

from .helpers import found


@pytest.mark.parametrize("text, policy, value", [
    ("write to john.smith@gmail.com please", "email_address", "john.smith@gmail.com"),
    ("john at gmail dot com", "email_address", "john at gmail dot com"),
    ("go to https://example.org/help now", "url", "https://example.org/help"),
    ("visit acme-store.com today", "url", "acme-store.com"),
    ("my ip address is 192.168.1.45", "ip_address", "192.168.1.45"),
    ("the ip address is 192.1, 68.1.45", "ip_address", "192.1, 68.1.45"),
    ("I attached taxes-2024.pdf", "filename", "taxes-2024.pdf"),
    ("my username is jdoe42", "username", "jdoe42"),
    ("the password is hunter2, thanks", "password", "hunter2"),
])
def test_credentials(text, policy, value):
    assert (policy, value) in found(text, EMAIL, IP, SplitIpRecognizer(), URL, FILENAME, CredentialRecognizer())


def test_email_claims_its_domain_before_the_url_pattern():
    assert found("mail kim@acme.com", EMAIL, URL) == {("email_address", "kim@acme.com")}


@pytest.mark.parametrize("text", [
    "my password is incorrect", "it ran 1.5.2.5 miles", "e.g. this one", "the price is 3.50",
])
def test_not_credentials(text):
    assert found(text, EMAIL, IP, SplitIpRecognizer(), URL, FILENAME, CredentialRecognizer()) == set()
