"""Credentials and addresses on the network: e-mail, URL, IP, file names, usernames, passwords.

E-mail, URL and IP are regex shapes (the spoken forms "john at gmail dot com" arrive here
already written out by :mod:`..spoken`). IPv4 addresses that ASR split ("192.1, 68.1.45")
are rejoined by :class:`SplitIpRecognizer`. Usernames and passwords are the words after a
credential field name ("my password is ..."), up to punctuation or a stop word.
"""

from __future__ import annotations

import itertools
import re

from ..spoken import TLDS
from .base import (
    UNIT_AFTER,
    Analysis,
    Pattern,
    PatternRecognizer,
    Recognizer,
    SpanSink,
    Tok,
    free,
    tok_range,
)
from .context import Trigger, contexts

__all__ = ["EMAIL", "URL", "IP", "FILENAME", "SplitIpRecognizer", "CredentialRecognizer"]


def _url_valid(a: Analysis, pat: Pattern, m: re.Match[str]) -> bool:
    if pat.name != "url bare":
        return True
    host = m.group().split("/")[0]
    # "e.g", "St." or a decimal are not URLs; require a letter label of 2+ chars
    if not re.search(r"[A-Za-z]{2,}\.", host + "."):
        return False
    return not (host.count(".") == 1 and host.split(".")[0].isdigit())


def _ip_valid(a: Analysis, pat: Pattern, m: re.Match[str]) -> bool:
    return not UNIT_AFTER.match(a.text, m.end())  # "1.5.2.5 miles": decimals run together, not an address


EMAIL = PatternRecognizer("email", "email_address", [
    Pattern("email", r"(?<![\w.+-])[A-Za-z0-9][\w.+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w@])", 0.95),
    # ASR writes a dictated "dot" with a space before it: "john .smith@gmail .com"
    Pattern("email spaced", r"(?<![\w.+-])[A-Za-z0-9][\w+'-]*(?: ?\.[\w+'-]+)*@[A-Za-z0-9-]+(?: ?\.[A-Za-z0-9-]+)* ?\.[A-Za-z]{2,}(?![\w@])", 0.9),
])
URL = PatternRecognizer("url", "url", [
    Pattern("url scheme", r"\b(?:https?|ftp)://[^\s<>\"']+[^\s<>\"'.,;:!?)]", 0.95),
    Pattern("url www", r"(?<![\w@.])www\d?(?: ?\.[A-Za-z0-9-]+){2,}(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)])?", 0.9),
    Pattern(
        "url bare",
        r"(?<![\w@.])[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.(?:" + "|".join(sorted(TLDS)) + r")"
        r"(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)])?(?![\w@]|\.\w)",
        0.75,
    ),
], validate=_url_valid)
IP = PatternRecognizer("ip", "ip_address", [
    Pattern("ipv4", r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]\d)", 0.9),
    Pattern("ipv6", r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\w:])", 0.9),
], validate=_ip_valid)
FILENAME = PatternRecognizer("filename", "filename", [
    Pattern(
        "filename",
        r"(?<![\w./])[\w-]+\.(?:pdf|docx?|xlsx?|csv|txt|jpe?g|png|gif|heic|zip|pptx?|mp3|wav|mp4|mov|json|xml|log|rtf|odt)\b",
        0.8,
    ),
])

_LOOSE_IP = re.compile(r"(?<![\w.,/:-])\d{1,3}(?:(?:\s*[.,]\s*|\s+)\d{1,3}){3,7}(?![\w@%]|[.,/:]\d)")


def _octet(g: str) -> bool:
    return g.isdigit() and (g == "0" or not g.startswith("0")) and int(g) <= 255


def _ip_partition(groups: list[str], dots: list[bool], any_cut: bool) -> str | None:
    """Join ``groups`` into four valid octets. Cuts go at dot boundaries (``dots[k]``: between
    groups k and k+1); the other boundaries are ASR splits inside an octet. ``any_cut`` (an IP
    cue was said) also allows cuts at comma/space boundaries and merges across dots."""


    n = len(groups)
    options = [tuple(k for k in range(n - 1) if dots[k])]
    if any_cut:
        options += sorted(itertools.combinations(range(n - 1), 3), key=lambda c: -sum(dots[k] for k in c))
    for cuts in options:
        if len(cuts) != 3:
            continue
        bounds = [0, *[k + 1 for k in cuts], n]
        octets = ["".join(groups[bounds[q] : bounds[q + 1]]) for q in range(4)]
        if all(_octet(o) for o in octets):
            return ".".join(octets)
    return None


def _split_ips(text: str, toks: list[Tok], trigs: list[Trigger], out: SpanSink, taken: list[tuple[int, int]]) -> None:
    """IPv4 addresses that ASR split: "192.1, 68.1.45", "192 .1, 68 .1 .45"."""
    for m in _LOOSE_IP.finditer(text):
        a, b = m.span()
        if not free(taken, a, b) or UNIT_AFTER.match(text, b):
            continue
        s = m.group()
        groups = re.findall(r"\d+", s)
        seps = re.findall(r"\D+", s)
        dots = ["." in sep for sep in seps]
        first, last = tok_range(toks, a, b)
        sent = toks[first].sent if first < len(toks) else 0
        cats, _, _ = contexts(trigs, first, sent, last)
        cue = "ip" in cats
        if not cue and (sum(dots) != 3 or len(dots) > 4 or sum(len(g) for g in groups) < 7 or len(groups[0]) < 2):
            # without a cue: three dots and one stray split; "10.1, 10.2, 10.3" is a list
            continue
        if _ip_partition(groups, dots, cue) is None:
            continue
        out.add(a, b, "ip_address", 0.85 if cue else 0.8, "rule:ipv4:split")
        taken.append((a, b))


# --- credentials ------------------------------------------------------------ #

_CRED = re.compile(
    r"\b(?P<kind>user\s?name|user\s?id|login(?:\s+id)?|handle|screen\s?name|password|passcode|"
    r"pass\s?code|passphrase|pin(?:\s+number|\s+code)?|security\s+answer)"
    r"(?:\s+(?:is|was|would be|will be|should be)|\s*[:=]|'s)\s+",
    re.IGNORECASE,
)
_CRED_STOP = frozenset(
    "and but so or please thanks thank then okay ok is was if because which that".split()
)
_CRED_NOT_VALUE = frozenset(
    """incorrect wrong correct invalid expired not too the same required case locked blank empty
    working reset changed right fine ok okay still also just a an my your his her their our what
    different new old long short weak strong saved stored""".split()
)


def _credentials(text: str, out: SpanSink, taken: list[tuple[int, int]]) -> None:
    for m in _CRED.finditer(text):
        kind = m.group("kind").lower()
        policy = "username" if kind.startswith(("user", "login", "handle", "screen")) else "password"
        pos = m.end()
        start: int | None = None
        end = 0
        count = 0
        for tm in re.finditer(r"\S+", text[pos:]):
            raw = tm.group()
            core = raw.rstrip(".,!?;:")
            low = core.lower()
            if count == 0 and low in _CRED_NOT_VALUE:
                break
            if low in _CRED_STOP or not core:
                break
            s, e = pos + tm.start(), pos + tm.start() + len(core)
            start = s if start is None else start
            end = e
            count += 1
            if core != raw or count >= 4:  # punctuation ends the value
                break
        if start is not None:
            if not free(taken, start, end):
                continue
            out.add(start, end, policy, 0.9, f"rule:{policy}")
            taken.append((start, end))


class SplitIpRecognizer(Recognizer):
    """IPv4 addresses that ASR split: "192.1, 68.1.45", "192 .1, 68 .1 .45"."""

    name = "ip_split"
    policies = ("ip_address",)

    def analyze(self, a: Analysis) -> None:
        _split_ips(a.text, a.toks, a.trigs, a.out, a.taken)


class CredentialRecognizer(Recognizer):
    """Usernames and passwords after their field name."""

    name = "credentials"
    policies = ("username", "password")

    def analyze(self, a: Analysis) -> None:
        _credentials(a.text, a.out, a.taken)
