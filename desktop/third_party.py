"""What the program ships from others, and under which licence: the distributions it bundles
(the closure of ``pyproject.toml``'s dependencies, read from their installed metadata), the
fonts in ``resources/fonts`` and the pieces no wheel describes (Python, PyInstaller's
bootloader).

The installer spec calls :func:`write_notices` at build time: ``THIRD_PARTY_LICENSES`` (name,
version, licence, homepage and every licence text a distribution ships) and
``third_party.json`` (the same list, read by the About box of the frozen program, which has no
installed metadata to read). From the source tree the About box reads the metadata itself.

The project is GPL-3.0-or-later because ``vietnam-provinces`` is; every licence below must be
one that GPL-3.0 can be combined with, which ``tests/test_third_party.py`` checks.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from desktop.resources import resource_path

ROOT = Path(__file__).resolve().parent.parent
NOTICES_FILE = "THIRD_PARTY_LICENSES"
LIST_FILE = "third_party.json"
PROJECT_LICENCE = "GPL-3.0-or-later"

# Distributions whose metadata says nothing usable about their licence, with what it is and
# where that was read. A distribution missing here and in its own metadata fails the test.
OVERRIDES: dict[str, tuple[str, str]] = {
    "vietnam-provinces": (
        "GPL-3.0-or-later",
        "its wheels declare no licence; the upstream repository (github.com/sunshine-tech/"
        "VietnamProvinces, LICENSE and README) states GPL-3.0-or-later"),
    "sqlcipher3": (
        "Zlib AND BSD-3-Clause AND Apache-2.0",
        "declares nothing in its metadata and ships only pysqlite's zlib licence text; the "
        "module is Zlib, the SQLCipher it links is Zetetic's BSD-3-Clause, OpenSSL 3 is "
        "Apache-2.0"),
    "pyrage": (
        "MIT",
        "declares nothing in its metadata; its LICENSE file is the MIT licence (the Rust age "
        "crate inside is MIT OR Apache-2.0)"),
    "click-default-group": (
        "BSD-3-Clause",
        "its metadata says only 'License :: Public Domain'; its LICENSE file is the BSD "
        "3-clause licence"),
    "reportlab": (
        "BSD-3-Clause",
        "its License field is a sentence; its LICENSE file is the BSD 3-clause licence (the "
        "reportlab/fonts it carries are not used: the program ships its own)"),
    "sqlite-fts4": ("Apache-2.0", "its License field spells out 'Apache License, Version 2.0'"),
    "pypdfium2": (
        "BSD-3-Clause AND Apache-2.0",
        "its License field adds 'dependency licenses': PDFium's own (BSD-3-Clause, Apache-2.0 "
        "and the permissive licences in BUILD_LICENSES, all reproduced below)"),
}
# Licences GPL-3.0-or-later can be combined with (FSF's list; LGPL/GPL-3 "only" included).
COMPATIBLE = (
    "MIT", "MIT-0", "MIT-CMU", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "PSF-2.0",
    "Zlib", "LGPL-3.0", "GPL-3.0", "GPL-2.0-or-later", "Unicode", "ISC", "OFL-1.1",
    "Bitstream-Vera", "Public-Domain",
)
# What no wheel describes: (name, version, licence, homepage, why it is in the program).
EXTRA = (
    ("Python", sys.version.split()[0], "PSF-2.0", "https://www.python.org/",
     "the interpreter and standard library inside the frozen program"),
    ("PyInstaller bootloader", "", "GPL-2.0-or-later WITH Bootloader-exception",
     "https://pyinstaller.org/", "starts the frozen program (the exception covers the "
     "bootloader in any program)"),
    ("Liberation Serif", "2.1.5", "OFL-1.1 (SIL Open Font License 1.1)",
     "https://github.com/liberationfonts",
     "PDF font, resources/fonts/OFL-LiberationSerif.txt"),
    ("DejaVu Sans", "2.37", "Bitstream-Vera (DejaVu changes public domain)",
     "https://dejavu-fonts.github.io/", "window font, resources/fonts/ui/LICENSE-DejaVu.txt"),
)
_JOINERS = re.compile(r"\s+AND\s+|;|,|\s+WITH\s+\S+|\(.*?\)")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_CLASSIFIER_SPDX = {
    "MIT License": "MIT", "BSD License": "BSD", "Apache Software License": "Apache-2.0",
    "Python Software Foundation License": "PSF-2.0", "ISC License (ISCL)": "ISC",
}


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str
    homepage: str
    note: str = ""


def compatible(licence: str) -> bool:
    """True if one of the alternatives (OR) is made only of licences in :data:`COMPATIBLE`."""
    for alternative in re.split(r"\s+OR\s+", licence):
        parts = [p.strip() for p in _JOINERS.split(alternative) if p and p.strip()]
        if parts and all(any(p == c or p.startswith(c + "-") or p.startswith(c + " ")
                             for c in COMPATIBLE) for p in parts):
            return True
    return False


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement(spec: str) -> str | None:
    """The distribution a requirement names, or None when it applies only to an extra or to
    another platform/Python than this one."""
    head, _sep, marker = spec.partition(";")
    if "extra" in marker:
        return None
    if marker.strip():
        try:
            from packaging.markers import Marker  # present wherever the build runs
        except ImportError:  # keep it: listing one too many is harmless
            pass
        else:
            if not Marker(marker.strip()).evaluate():
                return None
    m = _NAME.match(head.strip())
    return canonical(m.group(0)) if m else None


def project_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return [r for r in (_requirement(s) for s in data["project"]["dependencies"]) if r]


def bundled_distributions(pyproject: Path = ROOT / "pyproject.toml") -> list[metadata.Distribution]:
    """Every installed distribution the program needs at run time: the closure of the
    project's dependencies (what the installer spec can freeze)."""
    seen: dict[str, metadata.Distribution] = {}
    todo = project_requirements(pyproject)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise RuntimeError(f"{name}: required by the program but not installed") from None
        seen[name] = dist
        todo += [r for r in (_requirement(s) for s in dist.requires or []) if r]
    return sorted(seen.values(), key=lambda d: canonical(d.metadata["Name"]))


def licence_of(dist: metadata.Distribution) -> str:
    """SPDX expression if declared (PEP 639), else the License field when short, else the
    classifiers; the override when the metadata says nothing usable; "UNKNOWN" otherwise."""
    name = canonical(dist.metadata["Name"])
    if name in OVERRIDES:
        return OVERRIDES[name][0]
    meta = dist.metadata
    if meta.get("License-Expression"):
        return meta["License-Expression"]
    field = (meta.get("License") or "").strip()
    if field and "\n" not in field and len(field) <= 100 and field.upper() != "UNKNOWN":
        return field
    classifiers = [c.rsplit(" :: ", 1)[-1] for c in meta.get_all("Classifier") or []
                   if c.startswith("License :: OSI Approved ::")]
    if classifiers:
        return " OR ".join(_CLASSIFIER_SPDX.get(c, c) for c in classifiers)
    return "UNKNOWN"


def homepage_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    if meta.get("Home-page"):
        return meta["Home-page"]
    urls = [u.split(",", 1) for u in meta.get_all("Project-URL") or []]
    for wanted in ("homepage", "home", "source", "repository", "source code", "documentation"):
        for label, url in urls:
            if label.strip().lower() == wanted:
                return url.strip()
    return urls[0][1].strip() if urls else ""


def licence_files(dist: metadata.Distribution) -> list[tuple[str, str]]:
    """(path, text) of each licence file the distribution ships in its metadata folder."""
    out = []
    for f in dist.files or []:
        parts = f.parts
        if not parts or not parts[0].endswith(".dist-info"):
            continue
        stem = f.name.upper()
        if stem.startswith(("LICEN", "COPYING", "NOTICE", "AUTHORS")) or "licenses" in parts:
            try:
                out.append((str(f), f.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError):
                continue
    return out


def components(pyproject: Path = ROOT / "pyproject.toml") -> list[Component]:
    comps = [Component(d.metadata["Name"], d.version, licence_of(d), homepage_of(d),
                       OVERRIDES.get(canonical(d.metadata["Name"]), ("", ""))[1])
             for d in bundled_distributions(pyproject)]
    return comps + [Component(*extra) for extra in EXTRA]


def shipped() -> list[Component]:
    """For the About box: the list written at build time when frozen, else read now."""
    frozen_list = resource_path("licences", LIST_FILE)
    if getattr(sys, "frozen", False) or frozen_list.is_file():
        try:
            return [Component(**c) for c in
                    json.loads(frozen_list.read_text(encoding="utf-8"))["components"]]
        except (OSError, ValueError, TypeError, KeyError):
            return []
    return components()


def notices_text(pyproject: Path = ROOT / "pyproject.toml") -> str:
    from desktop import APP_NAME, __version__

    lines = [f"{APP_NAME} {__version__} is free software under {PROJECT_LICENCE} (LICENSE).",
             "It includes the following components, each under its own licence.", ""]
    for c in components(pyproject):
        lines += [f"{c.name} {c.version}".rstrip(), f"  Licence: {c.licence}",
                  f"  Homepage: {c.homepage or '-'}"]
        if c.note:
            lines.append(f"  Note: {c.note}")
        lines.append("")
    lines += ["=" * 72, "Licence texts shipped by the distributions", "=" * 72, ""]
    for d in bundled_distributions(pyproject):
        for path, text in licence_files(d):
            lines += [f"----- {d.metadata['Name']} {d.version}: {path} -----", text.rstrip(),
                      ""]
    for font in (ROOT / "resources" / "fonts" / "OFL-LiberationSerif.txt",
                 ROOT / "resources" / "fonts" / "ui" / "LICENSE-DejaVu.txt"):
        lines += [f"----- {font.relative_to(ROOT)} -----",
                  font.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(lines) + "\n"


def write_notices(folder: Path, pyproject: Path = ROOT / "pyproject.toml") -> list[Path]:
    """Writes THIRD_PARTY_LICENSES and third_party.json into ``folder`` (build time)."""
    folder.mkdir(parents=True, exist_ok=True)
    notices = folder / NOTICES_FILE
    notices.write_text(notices_text(pyproject), encoding="utf-8")
    listing = folder / LIST_FILE
    listing.write_text(json.dumps({"project_licence": PROJECT_LICENCE,
                                   "components": [asdict(c) for c in components(pyproject)]},
                                  ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return [notices, listing]


if __name__ == "__main__":  # python -m desktop.third_party FOLDER
    for written in write_notices(Path(sys.argv[1] if len(sys.argv) > 1 else "build/licences")):
        print(written)
