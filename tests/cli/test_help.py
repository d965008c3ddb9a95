"""Every ``--help`` text renders: no argparse formatting accident (a bare ``%`` in a help string makes
argparse print the action's dict, as ``serve --help`` once did under ``--candidate-delay-ms``)."""

from __future__ import annotations

import argparse

import pytest

from hushscribe.cli.main import build_parser
from hushscribe.settings import SETTINGS


def _parsers(parser: argparse.ArgumentParser, prog: str = "hushscribe") -> list[tuple[str, argparse.ArgumentParser]]:
    """The parser and every sub-command parser under it, depth first."""
    out = [(prog, parser)]
    for action in parser._actions:  # argparse has no public way to list sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += _parsers(sub, f"{prog} {name}")
    return out


PARSERS = _parsers(build_parser())


@pytest.mark.parametrize("prog,parser", PARSERS, ids=[p for p, _ in PARSERS])
def test_help_renders_without_argparse_internals(prog, parser):
    text = parser.format_help()
    assert "option_strings" not in text and "{'" not in text, prog
    for action in parser._actions:
        if action.help and action.help is not argparse.SUPPRESS:
            assert "%" not in action.help.replace("%%", "").replace("%(default)s", "").replace("%(prog)s", ""), (
                prog, action.dest)


def test_serve_help_keeps_a_literal_percent():
    serve = dict(PARSERS)["hushscribe serve"]
    text = " ".join(serve.format_help().split())
    candidate = next(s for s in SETTINGS if s.name == "candidate_delay_ms")
    assert "%" in candidate.help
    assert " ".join(candidate.help.split()) in text
    assert len(PARSERS) >= 8  # serve, stream, transcribe, models, bench and its sub-commands, ...
