"""System packages some tests need (redis-server, nginx, espeak-ng, chromium): tests never install them.

Why: a test that runs apt-get depends on the machine, needs root, and hides minutes of install time
inside one test. ``scripts/test`` installs them once, before pytest, with the ``scripts/install-*``
helpers and says so. A test whose package is missing fails under CI (``CI=true``: the install step
should have made it) and skips elsewhere with the command that installs it.
"""

from __future__ import annotations

import os

import pytest


def require(what: str, present: bool, installer: str) -> None:
    """Fail (CI) or skip (elsewhere) unless ``present``; ``installer`` is the scripts/ helper for ``what``."""
    if present:
        return
    how = f"scripts/{installer} installs it (scripts/test runs it before pytest)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"not installed although CI=true: {what}; {how}")
    pytest.skip(f"not installed: {what}; {how}")
