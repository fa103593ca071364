"""Issue 15, "a program the province may hand out": the project is GPL-3.0-or-later (as its
unit list, vietnam-provinces, is), every distribution the program bundles is listed with a
licence GPL-3.0 can be combined with, and THIRD_PARTY_LICENSES carries their texts.

The frozen program's own contents are checked against the list in tests/test_installer.py.
"""

from __future__ import annotations

import json
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from desktop import third_party

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def comps() -> list[third_party.Component]:
    return third_party.components()


def test_the_project_is_gpl3_or_later_with_the_full_text():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["license"] == third_party.PROJECT_LICENCE == "GPL-3.0-or-later"
    assert "LICENSE" in project["license-files"]
    text = (ROOT / "LICENSE").read_text("utf-8")
    assert text.lstrip().startswith("GNU GENERAL PUBLIC LICENSE")
    assert "Version 3, 29 June 2007" in text and "END OF TERMS AND CONDITIONS" in text
    assert len(text) > 30_000  # the whole text, not a pointer to it
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "GPL-3.0-or-later" in readme and "THIRD_PARTY_LICENSES" in readme


def test_every_bundled_distribution_is_listed_with_a_known_compatible_licence(comps):
    listed = {third_party.canonical(c.name): c for c in comps}
    bundled = third_party.bundled_distributions()
    for dist in bundled:
        name = third_party.canonical(dist.metadata["Name"])
        assert name in listed, name
        licence = listed[name].licence
        assert licence and "UNKNOWN" not in licence.upper(), name
        assert third_party.compatible(licence), f"{name}: {licence}"
    # each direct dependency of the program is in the closure
    assert set(third_party.project_requirements()) <= set(listed)
    assert {"vietnam-provinces", "pyside6-essentials", "sqlcipher3", "reportlab"} <= set(listed)
    assert listed["vietnam-provinces"].licence == "GPL-3.0-or-later"
    # test tools are not part of the program
    assert not {"pytest", "hypothesis", "ruff", "pyinstaller"} & set(listed)
    for extra in ("python", "pyinstaller-bootloader", "liberation-serif", "dejavu-sans"):
        assert extra in {third_party.canonical(c.name.replace(" ", "-")) for c in comps}


def test_every_override_is_reasoned_and_still_needed():
    bundled = {third_party.canonical(d.metadata["Name"]): d
               for d in third_party.bundled_distributions()}
    for name, (licence, reason) in third_party.OVERRIDES.items():
        assert name in bundled, f"{name}: override for a distribution no longer bundled"
        assert third_party.compatible(licence) and len(reason) > 30, name


def test_a_distribution_that_says_nothing_is_unknown_and_incompatible(tmp_path):
    info = tmp_path / "mystery-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mystery\nVersion: 1.0\n")
    dist = metadata.PathDistribution(info)
    assert third_party.licence_of(dist) == "UNKNOWN"
    assert not third_party.compatible("UNKNOWN")
    for bad in ("LicenseRef-Proprietary", "GPL-2.0-only", "SSPL-1.0", "MIT AND GPL-2.0-only"):
        assert not third_party.compatible(bad), bad
    for good in ("MIT", "Apache-2.0 OR BSD-3-Clause", "LGPL-3.0-only OR GPL-2.0-only",
                 "GPL-2.0-or-later WITH Bootloader-exception", "Zlib AND BSD-3-Clause"):
        assert third_party.compatible(good), good


def test_the_notices_carry_each_licence_text_and_the_list_the_about_box_reads(
        tmp_path, monkeypatch, comps):
    written = third_party.write_notices(tmp_path)
    assert [p.name for p in written] == ["THIRD_PARTY_LICENSES", "third_party.json"]
    text = written[0].read_text("utf-8")
    assert "GPL-3.0-or-later" in text.splitlines()[0]
    for c in comps:
        assert f"{c.name} {c.version}".rstrip() in text and f"Licence: {c.licence}" in text
    assert "----- openpyxl 3." in text and "Permission is hereby granted" in text  # MIT text
    assert "----- cryptography" in text and "Apache License" in text
    assert "SIL OPEN FONT LICENSE" in text.upper() and "Bitstream" in text
    listing = json.loads(written[1].read_text("utf-8"))
    assert listing["project_licence"] == "GPL-3.0-or-later"
    # the frozen program's About box reads the list written at build time
    frozen = tmp_path / "resources"
    (frozen / "licences").mkdir(parents=True)
    (frozen / "licences" / "third_party.json").write_text(written[1].read_text("utf-8"))
    monkeypatch.setattr("desktop.third_party.resource_path",
                        lambda *parts: frozen.joinpath(*parts))
    assert third_party.shipped() == comps
