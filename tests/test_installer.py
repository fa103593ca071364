"""The frozen program (``make installer``) starts on its own, offscreen: ``--version``, a demo
database, the window and the first-run wizard, English, babel formatting, its own resources.

Slow (builds nothing itself, but needs ``dist/antq``): runs only with ANTQ_TEST_INSTALLER=1,
as ``make installer-test`` does after building.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WINDOWS = sys.platform == "win32"  # the same test on the hosted Windows runner
FROZEN = ROOT / "dist" / "antq" / ("antq.exe" if WINDOWS else "antq")

pytestmark = pytest.mark.skipif(os.environ.get("ANTQ_TEST_INSTALLER") != "1",
                                reason="set ANTQ_TEST_INSTALLER=1 (make installer-test)")


def run(tmp_path: Path, *args: str, lang: str = "vi") -> subprocess.CompletedProcess:
    # No Python, no PYTHONPATH, no venv: only what a bare machine has in its environment.
    # The demo database is encrypted: scripts give its chief's password in ANTQ_PASSWORD.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
           "ANTQ_DATA_DIR": str(tmp_path / "data"), "ANTQ_LANG": lang,
           "LANG": "C.UTF-8", "ANTQ_PASSWORD": "dulieumau"}
    if WINDOWS:  # what every Windows process has; the profile folders point into tmp_path
        env |= {"PATH": os.environ["SYSTEMROOT"] + "\\System32",
                "SYSTEMROOT": os.environ["SYSTEMROOT"], "USERPROFILE": str(tmp_path),
                "LOCALAPPDATA": str(tmp_path / "local"), "APPDATA": str(tmp_path / "roaming"),
                "TEMP": str(tmp_path), "TMP": str(tmp_path), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([str(FROZEN), *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=180, encoding="utf-8")


def test_the_frozen_program_exists():
    assert FROZEN.is_file(), "build it first: make installer"


def test_version_demo_window_and_wizard(tmp_path):
    out = run(tmp_path, "--version")
    assert out.returncode == 0 and out.stdout.strip().startswith("ANTQ Desk ")
    db = tmp_path / "x.db"
    out = run(tmp_path, "demo", "--db", str(db), "--communes", "2")
    assert out.returncode == 0, out.stderr
    assert "Đã tạo cơ sở dữ liệu mẫu" in out.stdout
    assert not db.read_bytes().startswith(b"SQLite format 3")  # encrypted by SQLCipher
    out = run(tmp_path, "--self-test", "--db", str(db))
    assert out.returncode == 0, out.stderr
    assert "self-test: window painted" in out.stdout
    if WINDOWS:  # Segoe UI when the platform plugin sees the system's fonts (platform_os)
        assert "_internal\\resources; font " in out.stdout
        assert "; font Segoe UI;" in out.stdout or "; font DejaVu Sans;" in out.stdout
    else:
        assert "_internal/resources; font DejaVu Sans; language vi" in out.stdout  # _MEIPASS
    out = run(tmp_path, "--self-test")  # a new database: the first-run wizard
    assert out.returncode == 0, out.stderr
    assert "self-test: first-run wizard painted" in out.stdout
    out = run(tmp_path, "backup", "--list", "--db", str(db))
    # the self-test made the day's background copy (desktop/storage/backup.py schedule)
    assert out.returncode == 0 and "daily" in out.stdout and "/20" in out.stdout  # babel date


def test_english_and_pdf_in_the_frozen_program(tmp_path):
    out = run(tmp_path, "show", "person", "x", "--db", str(tmp_path / "none.db"), lang="en")
    assert out.returncode == 2 and out.stderr.startswith("Error: There is no database file")
    db = tmp_path / "x.db"
    assert run(tmp_path, "demo", "--db", str(db), "--communes", "1").returncode == 0
    pdf = tmp_path / "r.pdf"
    out = run(tmp_path, "print", "roster", "--commune", "03160", "--db", str(db), "--out",
              str(pdf))
    if out.returncode != 0 and "03160" in out.stderr:
        pytest.skip("the demo has no commune 03160")
    assert out.returncode == 0, out.stderr
    assert pdf.read_bytes().startswith(b"%PDF")


def test_every_frozen_distribution_is_in_third_party_licenses():
    """What PyInstaller froze (the modules in the PYZ, the packages and extension modules in
    _internal) maps to distributions, and each is in the list written at build time."""
    import ast
    import json
    from importlib import metadata

    from desktop import third_party

    internal = FROZEN.parent / "_internal"
    licences = internal / "resources" / "licences"
    assert (licences / "LICENSE").read_text("utf-8").lstrip().startswith(
        "GNU GENERAL PUBLIC LICENSE")
    assert "GPL-3.0-or-later" in (licences / "THIRD_PARTY_LICENSES").read_text("utf-8")
    listed = {third_party.canonical(c["name"]) for c in
              json.loads((licences / "third_party.json").read_text("utf-8"))["components"]}
    toc = ROOT / "build" / "installer" / "build_installer" / "PYZ-00.toc"
    modules = {entry[0].split(".")[0] for entry in ast.literal_eval(toc.read_text())[1]}
    modules |= {p.name.split(".")[0] for p in internal.iterdir()}
    owners = metadata.packages_distributions()
    frozen = {third_party.canonical(d) for m in modules for d in owners.get(m, [])}
    frozen.discard("antq-desk")
    assert {"vietnam-provinces", "pyside6-essentials", "sqlcipher3"} <= frozen
    assert frozen <= listed, sorted(frozen - listed)


def test_every_module_of_the_program_is_frozen():
    """The window imports its dialogs by name when a menu entry is first used, and the
    command line its command modules: the analysis cannot follow either, so a module left out
    shows only when an officer opens that menu. Every module of desktop/ is in the archive."""
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(FROZEN))
    pyz = archive.open_embedded_archive(next(n for n in archive.toc if n.endswith(".pyz")))
    package = ROOT / "desktop"
    source = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
              for p in package.rglob("*.py") if "__pycache__" not in p.parts}
    source.discard("desktop.__main__")  # the entry script, frozen as the program itself
    source.discard("desktop.i18n_catalogs")  # `make messages` (babel extraction), not run time
    assert source - set(pyz.toc) == set()
