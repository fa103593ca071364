"""Issue 14, finding 13: what a newcomer gets with a clone — the README's pointers resolve
inside the project, it says where `antq` is, and installing prints no deprecation warning of
our own making."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("DESIGN.md", "DOMAIN.md", "SYNC.md", "TOOLCHAIN.md")


def test_the_readme_points_only_inside_the_project():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "../" not in readme and "shared/" not in readme
    linked = set(re.findall(r"\]\(([^)#]+)\)", readme)) | set(re.findall(r"`(docs/[^`]+)`",
                                                                       readme))
    assert {f"docs/{d}" for d in DOCS} <= linked
    assert [p for p in linked if not (ROOT / p).exists()] == []


def test_every_document_the_code_cites_is_in_docs():
    cited = set()
    for path in [*ROOT.glob("desktop/**/*.py"), *ROOT.glob("tests/**/*.py"),
                 ROOT / "build_installer.spec"]:
        cited |= set(re.findall(r"\b([A-Z]+\.md)\b", path.read_text("utf-8")))
    cited -= {"README.md"}
    assert cited <= set(DOCS), cited
    assert all((ROOT / "docs" / d).is_file() for d in DOCS)


def test_the_readme_says_where_antq_is_after_make_run():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert ".venv/bin/antq" in readme and "source .venv/bin/activate" in readme


def test_the_licence_is_an_spdx_expression():
    """setuptools ≥ 77 warns (twice, at every install) about a licence given as a table."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert isinstance(project["project"]["license"], str)
    assert "setuptools>=77" in project["build-system"]["requires"]
