"""Docs that must match the code."""

from pathlib import Path

from hushscribe.settings import SECURITY_SETTINGS, SETTINGS, settings_table_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_readme_settings_table_matches_the_settings_module():
    assert settings_table_markdown() in (ROOT / "README.md").read_text()


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one():
    head = (ROOT / "README.md").read_text().split("```")[1]
    assert "scripts/serve" in head and "scripts/test" in head
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in ci


def test_security_doc_lists_every_limit_setting_with_its_default():
    doc = (ROOT / "docs" / "security.md").read_text()
    assert settings_table_markdown(SECURITY_SETTINGS) in doc
    assert set(SECURITY_SETTINGS) <= {s.name for s in SETTINGS}
    assert "docs/security.md" in (ROOT / "README.md").read_text()
