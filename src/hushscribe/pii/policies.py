"""The 65 AssemblyAI PII policy names, their umbrella relations, and policy filtering.

Why a module of its own: detectors emit the most specific label they can ("location_city"),
clients ask for whatever subset they like ("location"), and the benchmark compares predicted
labels with gold labels. All three questions -- is this span wanted, under which name is it
rendered, does this prediction match that gold span -- go through the same relation here.

Umbrella rules (``UMBRELLAS``; an umbrella covers each of its children, transitively):

* ``location`` covers ``location_address``, ``location_address_street``, ``location_city``,
  ``location_coordinate``, ``location_country``, ``location_state``, ``location_zip``
  (spec section 7.3); ``location_address`` also covers ``location_address_street`` (a street
  is part of an address).
* ``organization`` covers ``organization_medical_facility`` (a hospital is an organisation;
  ``organization_id`` is an identifier, not an organisation, so it is not covered).
* ``gender_sexuality`` covers ``gender`` and ``sexuality`` (the older combined policy).

``date``/``date_of_birth``, ``number_sequence``/the specific ID policies etc. stay separate:
they are distinct policies in AssemblyAI's enum, and a client asking for ``date`` must not
silently lose birth dates or vice versa.

Safe side for generic labels: a span labelled with an umbrella (``location``, e.g. from spaCy,
which cannot tell a city from a country) is redacted when the client asked for the umbrella
*or any of its children*: better to over-redact "Boston" for a ``location_city`` request than
to leak it.

Opt-in policies (``OPT_IN``): the numeric/temporal categories that are not personal on their
own (``time``, ``day``, ``money_amount``, ``duration``...). A call-centre transcript is full of
"call me back in ten minutes" and "$49.99"; redacting them by default destroys the
transcript for no privacy gain. They are detected only when the client names them
explicitly. "All policies" (``redact_pii_policies`` omitted, which the session resolves to
the full list of 65) means the default set, i.e. everything except ``OPT_IN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from hushscribe.core.params import PII_POLICIES

if TYPE_CHECKING:  # pragma: no cover
    from .types import Span

__all__ = [
    "POLICIES",
    "UMBRELLAS",
    "OPT_IN",
    "DEFAULT_POLICIES",
    "covers",
    "compatible",
    "same_family",
    "effective_policies",
    "resolve_label",
    "filter_spans",
]

POLICIES: tuple[str, ...] = PII_POLICIES

UMBRELLAS: dict[str, frozenset[str]] = {
    "location": frozenset(
        {
            "location_address",
            "location_address_street",
            "location_city",
            "location_coordinate",
            "location_country",
            "location_state",
            "location_zip",
        }
    ),
    "location_address": frozenset({"location_address_street"}),
    "organization": frozenset({"organization_medical_facility"}),
    "gender_sexuality": frozenset({"gender", "sexuality"}),
}

OPT_IN: frozenset[str] = frozenset(
    {
        "time",
        "day",
        "month",
        "year",
        "duration",
        "date_interval",
        "money_amount",
        "number_sequence",
        "statistics",
        "financial_metric",
        "trend",
        "effect",
        "corporate_action",
        "event",
        "product",
        "project",
    }
)

DEFAULT_POLICIES: frozenset[str] = frozenset(POLICIES) - OPT_IN
_ALL = frozenset(POLICIES)


def _descendants(policy: str) -> frozenset[str]:
    out: set[str] = set()
    stack = list(UMBRELLAS.get(policy, ()))
    while stack:
        child = stack.pop()
        if child not in out:
            out.add(child)
            stack.extend(UMBRELLAS.get(child, ()))
    return frozenset(out)


_DESC = {p: _descendants(p) for p in POLICIES}
# Ancestors, nearest first ("location_address_street" -> location_address, location).
_ANC: dict[str, tuple[str, ...]] = {}
for _p in POLICIES:
    _anc = [u for u in UMBRELLAS if _p in UMBRELLAS[u]]
    _chain: list[str] = []
    while _anc:
        _u = _anc.pop(0)
        if _u not in _chain:
            _chain.append(_u)
            _anc.extend(u for u in UMBRELLAS if _u in UMBRELLAS[u])
    _ANC[_p] = tuple(_chain)


def covers(umbrella: str, policy: str) -> bool:
    """True when ``umbrella`` is ``policy`` or (transitively) an umbrella of it."""
    return umbrella == policy or policy in _DESC.get(umbrella, frozenset())


def compatible(predicted: str, gold: str) -> bool:
    """Benchmark match: same policy, or one label is an umbrella of the other.

    Both directions count: gold ``location`` vs predicted ``location_city`` is the same
    entity seen at two granularities, and a client asking for ``location`` gets it redacted.
    """
    return covers(predicted, gold) or covers(gold, predicted)


def _root(policy: str) -> str:
    anc = _ANC.get(policy, ())
    return anc[-1] if anc else policy


def same_family(a: str, b: str) -> bool:
    """Both labels sit under the same top umbrella ("location_city" ~ "location_address")."""
    return _root(a) == _root(b)


def effective_policies(requested: Iterable[str] | None) -> frozenset[str]:
    """The policies to detect for a client request (see module doc for the defaults).

    ``None``, an empty list, or the complete list of 65 mean "all" = :data:`DEFAULT_POLICIES`.
    Unknown names are ignored (validation is the protocol layer's job).
    """
    if requested is None:
        return DEFAULT_POLICIES
    req = frozenset(p.strip().lower() for p in requested if p and p.strip())
    req &= _ALL
    if not req or req == _ALL:
        return DEFAULT_POLICIES
    return req


def resolve_label(label: str, wanted: frozenset[str]) -> str | None:
    """The policy name a span labelled ``label`` is rendered under, or None if not wanted.

    Order: the label itself; else its nearest requested umbrella; else (safe side, for a
    generic umbrella label) the first requested child in canonical order.
    """
    if label in wanted:
        return label
    for anc in _ANC.get(label, ()):
        if anc in wanted:
            return anc
    desc = _DESC.get(label)
    if desc:
        for p in POLICIES:
            if p in desc and p in wanted:
                return p
    return None


def filter_spans(spans: Iterable[Span], requested: Iterable[str] | None) -> list[Span]:
    """Keep the spans the client asked for, relabelled to the requested policy names."""
    wanted = effective_policies(requested)
    out = []
    for s in spans:
        name = resolve_label(s.policy, wanted)
        if name is None:
            continue
        out.append(s if name == s.policy else replace(s, policy=name))
    return out
