"""Every user-visible string has a translation in both catalogs; the language comes from
ANTQ_LANG or the settings file (Vietnamese by default); numbers and dates follow it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from desktop import i18n, i18n_catalogs, settings
from desktop.domain import formatting
from desktop.reports import fmt
from desktop.resources import resource_path

ROOT = Path(__file__).resolve().parent.parent


def test_every_string_of_the_code_is_translated_and_compiled():
    problems = i18n_catalogs.problems()
    assert problems == [], (
        "Catalogs out of step with the code: run `make messages`, then translate the empty "
        "entries of resources/translations/en/LC_MESSAGES/messages.po and run it again.\n"
        + "\n".join(problems[:40]))


def test_the_check_catches_a_missing_string_and_a_changed_placeholder(monkeypatch):
    real_extract = i18n_catalogs.extract

    def extract_with_one_more():
        catalog = real_extract()
        catalog.add("Một chuỗi mới chưa dịch {n}", None, [("desktop/x.py", 1)])
        return catalog

    monkeypatch.setattr(i18n_catalogs, "extract", extract_with_one_more)
    problems = i18n_catalogs.problems()
    assert "vi: missing 'Một chuỗi mới chưa dịch {n}'" in problems
    assert "en: missing 'Một chuỗi mới chưa dịch {n}'" in problems
    assert i18n_catalogs._fields("{n} người") == i18n_catalogs._fields("{n} people")
    assert i18n_catalogs._fields("{n} người") != i18n_catalogs._fields("{m} people")


def test_vietnamese_by_default_english_from_settings_and_env(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTQ_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ANTQ_LANG", raising=False)
    assert i18n.configured_language() == "vi"
    settings.save(language="en")
    assert i18n.configured_language() == "en"
    assert settings.load() == {"language": "en"}
    monkeypatch.setenv("ANTQ_LANG", "vi")
    assert i18n.configured_language() == "vi"
    monkeypatch.setenv("ANTQ_LANG", "xx")  # unknown: the saved setting
    assert i18n.configured_language() == "en"
    (tmp_path / settings.SETTINGS_FILE).write_text("{broken", "utf-8")
    assert i18n.configured_language() == "vi"  # a damaged file means the defaults
    (tmp_path / settings.SETTINGS_FILE).write_bytes(b'{"language": "en\xff"}')
    assert i18n.configured_language() == "vi"  # so does one that is not UTF-8


def test_english_catalog_is_used_when_active():
    try:
        assert i18n.activate("en") == "en"
        assert i18n._("Sẵn sàng") == "Ready"
        assert i18n._("&Tệp") == "&File"
        assert i18n.babel_locale() == "en_US"
        assert fmt.number(4400) == "4,400" and fmt.percent(9, 40) == "22.5%"
    finally:
        i18n.activate("vi")
    assert i18n._("Sẵn sàng") == "Sẵn sàng"
    assert fmt.number(4400) == "4.400" and fmt.percent(9, 40) == "22,5%"


@pytest.mark.parametrize(("locale", "expected"), [
    ("vi_VN", ("4.400", "1.234,5", "22,5", "25", "-3,3", "22,5%", "100%",
               "05/01/2026", "08:03 05/01/2026")),
    ("en_US", ("4,400", "1,234.5", "22.5", "25", "-3.3", "22.5%", "100%",
               "05/01/2026", "08:03 05/01/2026")),
])
def test_formatting_uses_explicit_patterns_in_both_languages(locale, expected):
    got = (formatting.count(4400, locale=locale), formatting.number(1234.5, locale=locale),
           formatting.decimal(22.5, locale=locale), formatting.decimal(25, locale=locale),
           formatting.decimal(-3.25, locale=locale), formatting.percent(0.225, locale=locale),
           formatting.percent(1, locale=locale),
           formatting.date(dt.date(2026, 1, 5), locale=locale),
           formatting.date_time(dt.datetime(2026, 1, 5, 8, 3), locale=locale))
    assert got == expected
    assert formatting.decimal(22.25, locale=locale) in ("22,3", "22.3")  # half up, not even


def test_the_command_line_speaks_english_when_asked(tmp_path):
    env = {**os.environ, "ANTQ_LANG": "en", "ANTQ_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "desktop", "show", "person", "x",
                          "--db", str(tmp_path / "none.db")], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=60)
    assert out.returncode == 2
    assert out.stderr.startswith("Error: There is no database file")


def test_qt_catalog_is_complete_and_compiled(tmp_path):
    ts = resource_path("translations", "qtbase_vi.ts")
    messages = ET.parse(ts).getroot().iter("message")
    unfinished = [m.findtext("source") for m in messages
                  if not (m.findtext("translation") or "").strip()
                  or m.find("translation").get("type") == "unfinished"]
    assert unfinished == []
    contexts = {c.findtext("name") for c in ET.parse(ts).getroot().iter("context")}
    assert {"QPlatformTheme", "QDialogButtonBox", "QFileDialog", "QMessageBox", "QPrintDialog",
            "QPrintPreviewDialog", "QLineEdit", "QProgressDialog", "QWizard"} <= contexts
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    if not lrelease.exists():
        pytest.skip("pyside6-lrelease is not in this environment")
    fresh = tmp_path / "qtbase_vi.qm"
    subprocess.run([str(lrelease), "-silent", str(ts), "-qm", str(fresh)], check=True,
                   timeout=60)
    assert fresh.read_bytes() == resource_path("translations", "qtbase_vi.qm").read_bytes(), \
        "qtbase_vi.qm is older than qtbase_vi.ts: run `make messages`"


def test_argparse_speaks_vietnamese_every_word_it_has(tmp_path):
    """The command line's own words (usage, sections, errors) come from argparse in English;
    each one argparse can say has a Vietnamese entry, with the same placeholders."""
    import re

    from babel.messages.pofile import read_po

    with i18n_catalogs.argparse_po().open("rb") as f:
        catalog = read_po(f, locale="vi")
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    placeholder = re.compile(r"%(?:\(\w+\))?[rsd]")
    for message in sorted(i18n_catalogs.argparse_messages()):
        entry = entries.get(message)
        assert entry is not None, f"argparse.po lacks {message!r}"
        said = entry.string if isinstance(entry.string, str) else entry.string[0]
        assert said and sorted(placeholder.findall(said)) == sorted(
            placeholder.findall(message)), message
    compiled = i18n_catalogs.argparse_po().with_suffix(".mo").read_bytes()
    assert i18n_catalogs.argparse_mo_bytes() == compiled  # `make messages` was run
    env = {**os.environ, "ANTQ_LANG": "vi", "ANTQ_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "desktop", "list"], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=60)
    assert out.returncode == 2
    assert out.stderr.startswith("cách dùng: antq list")
    assert "lỗi: còn thiếu tham số bắt buộc: kind" in out.stderr
