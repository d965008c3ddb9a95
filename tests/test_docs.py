"""Docs that must match the code."""

import re
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


def _protocol_index() -> set[str]:
    text = (ROOT / "docs" / "protocol.md").read_text()
    index = text.split("## Section index", 1)[1]
    return set(re.findall(r"^\| (\d+(?:\.\d+)?) \|", index, re.M))


# TEMPORARY: src/hushscribe/pii and tests/pii still cite the old way (branch issue15-pii rewrites them); drop
# this exclusion after that merge.
_NOT_YET = ("src/hushscribe/pii/", "tests/pii/")


def test_protocol_citations_resolve_in_docs_protocol_md():
    """Code cites the protocol as `protocol §N.N`, a section of docs/protocol.md's index, never a file
    outside the repository."""
    index = _protocol_index()
    cited: dict[str, set[str]] = {}
    for path in [*ROOT.glob("src/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("docs/*.md"), ROOT / "README.md"]:
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text()
        assert "shared/" + "spec" not in text, f"{rel} cites a file outside the repository"
        if rel.startswith(_NOT_YET):
            continue
        assert not re.search(r"\bspec (§|section \d)", text), f"{rel}: cite the protocol as 'protocol §N.N'"
        for line in text.splitlines():
            if "protocol §" in line or rel == "docs/protocol.md":
                for number in re.findall(r"§ ?(\d+(?:\.\d+)?)", line):
                    cited.setdefault(number, set()).add(rel)
    missing = {n: sorted(files) for n, files in cited.items() if n not in index}
    assert not missing, f"not in the section index of docs/protocol.md: {missing}"
    assert len(cited) >= 20
