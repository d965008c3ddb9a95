"""PII detection and rendering for streaming redaction (spec section 7).

Pure parts (``policies``, ``render``, ``spoken``, ``recognizers``) import nothing heavy; the
Presidio/spaCy adapter loads lazily, once per process, on the first detection (or on
:func:`warm_up`).

Public API::

    from hushscribe.pii import PiiRedactor, get_detector, warm_up, Span
    PiiRedactor().redact(words, policies, "entity_name")
    get_detector().detect("My number is 555-123-4567.", ["phone_number"])
"""

from __future__ import annotations

from typing import Any

from .types import Span

__all__ = ["Span", "PiiDetector", "PiiRedactor", "get_detector", "warm_up"]


def __getattr__(name: str) -> Any:
    """Lazy: ``import hushscribe.pii.render`` must not pay for the detector (numpy via core.ports,
    ~0.3 s of compiled rules); the detector module loads on first use of its names."""
    if name in ("PiiDetector", "PiiRedactor", "get_detector", "warm_up"):
        from . import detector  # noqa: PLC0415 - deliberate lazy import, see docstring

        return getattr(detector, name)
    raise AttributeError(name)
