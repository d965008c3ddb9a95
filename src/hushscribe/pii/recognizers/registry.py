"""The recogniser registry: which recognisers exist, in which order they claim text, one turn's run.

Built the way Presidio's ``RecognizerRegistry`` is: a list of recogniser objects plus queries
(:meth:`RecognizerRegistry.add_recognizer`, :meth:`~RecognizerRegistry.remove_recognizer`,
:meth:`~RecognizerRegistry.get_recognizers`). Unlike Presidio, claiming recognisers share one
list of claimed ranges, so the order matters; it comes from the declared table
:data:`..priority.CLAIM_ORDER`, never from registration order.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from ..priority import CLAIM_ORDER
from ..spoken import Normalized
from ..types import Span
from .attributes import (
    MEDICAL_CODE,
    MedicalRecognizer,
    PersonalAttributeRecognizer,
    PhysicalRecognizer,
)
from .base import Analysis, Recognizer, SpanSink, is_formatted, tokenize
from .context import BANK_TURN, find_triggers
from .credentials import (
    EMAIL,
    FILENAME,
    IP,
    URL,
    CredentialRecognizer,
    SplitIpRecognizer,
)
from .dates import AgeRecognizer, DateRecognizer
from .identifiers import IBAN, VIN, IdentifierRecognizer, SplitIdentifierRecognizer
from .locations import COORDINATE, AddressRecognizer, PlaceRecognizer
from .names import NameRecognizer
from .organizations import OrganizationRecognizer

__all__ = ["RecognizerRegistry", "default_registry", "find_rule_spans"]


class RecognizerRegistry:
    """An ordered set of recognisers, run over one turn at a time (pure, thread-safe to call)."""

    def __init__(self, recognizers: Iterable[Recognizer] = (), order: tuple[str, ...] = CLAIM_ORDER) -> None:
        self._order = order
        self._recognizers: list[Recognizer] = []
        for r in recognizers:
            self.add_recognizer(r)

    def add_recognizer(self, recognizer: Recognizer) -> None:
        """Register ``recognizer``; its name must be in the order table and not yet registered."""
        if not isinstance(recognizer, Recognizer):
            raise TypeError(f"not a Recognizer: {recognizer!r}")
        if recognizer.name not in self._order:
            raise ValueError(f"recogniser {recognizer.name!r} is not in the declared order table")
        if any(r.name == recognizer.name for r in self._recognizers):
            raise ValueError(f"recogniser {recognizer.name!r} is already registered")
        self._recognizers.append(recognizer)
        self._recognizers.sort(key=lambda r: self._order.index(r.name))

    def remove_recognizer(self, name: str) -> None:
        """Drop the recogniser called ``name`` (KeyError if none is)."""
        kept = [r for r in self._recognizers if r.name != name]
        if len(kept) == len(self._recognizers):
            raise KeyError(name)
        self._recognizers = kept

    def get_recognizers(self, policies: Iterable[str] | None = None) -> list[Recognizer]:
        """Recognisers in run order; with ``policies``, only those that can emit one of them."""
        if policies is None:
            return list(self._recognizers)
        wanted = set(policies)
        found = [r for r in self._recognizers if wanted & set(r.policies)]
        if not found:
            raise ValueError(f"no recogniser for {sorted(wanted)}")
        return found

    def analyze(self, norm: Normalized, *, year: int | None = None) -> list[Span]:
        """All detections for one turn, in original-text coordinates (overlaps allowed).

        ``year`` is "now" for rules that look back in time (birth years); default: today's.
        """
        toks = tokenize(norm.text)
        if not toks:
            return []
        if norm.changed:
            orig = norm.original
            oout = SpanSink(Normalized(orig, orig, tuple(range(len(orig))), tuple(range(1, len(orig) + 1))))
            otoks = tokenize(orig)
        else:
            oout, otoks = None, toks
        out = SpanSink(norm)
        a = Analysis(
            norm=norm,
            year=_dt.date.today().year if year is None else year,
            toks=toks,
            otoks=otoks,
            out=out,
            oout=oout if oout is not None else out,
            formatted=is_formatted(norm.original),
            trigs=find_triggers(toks),
            bank_turn=bool(BANK_TURN.find_all(toks)),
        )
        for r in self._recognizers:
            r.analyze(a)
        return out.spans + (oout.spans if oout is not None else [])


def default_registry() -> RecognizerRegistry:
    """Every built-in recogniser."""
    return RecognizerRegistry([
        EMAIL, IP, SplitIpRecognizer(), URL, IBAN, COORDINATE, FILENAME, VIN, MEDICAL_CODE,
        CredentialRecognizer(), DateRecognizer(), AgeRecognizer(), AddressRecognizer(),
        SplitIdentifierRecognizer(), IdentifierRecognizer(), PhysicalRecognizer(),
        NameRecognizer(), OrganizationRecognizer(), PlaceRecognizer(), MedicalRecognizer(),
        PersonalAttributeRecognizer(),
    ])


_DEFAULT = default_registry()


def find_rule_spans(norm: Normalized, *, year: int | None = None) -> list[Span]:
    """All rule detections for one turn with the default registry (see :meth:`RecognizerRegistry.analyze`)."""
    return _DEFAULT.analyze(norm, year=year)
