"""Fixtures shared by more than one test folder: the live servers of tests/server/conftest.py, for the
README and CLI tests (a fixture imported into a test module would be shadowed by the parameter of the
same name, which ruff reports as F811)."""

from tests.server.conftest import live_server, make_server  # noqa: F401  (re-exported fixtures)
