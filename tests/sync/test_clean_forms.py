"""Incoming values in the form a local write stores (session 10 review's remaining findings):
a text is taken from a bundle exactly when the local write's cleaning would leave it as it is
(no space at either end, no two spaces running, no no-break or other odd space, «Đ» not the
Eth «Ð», NFC; in multi-line text line breaks, tabs and indents are kept), and no rule takes
another script's digits, in a local write or in a bundle. The short way's distinct checks
(validation.stored_all) ask the same. A value stored before these rules goes out in the form
a local write stores (validation.sent_form), so that no peer refuses it for ever."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain import results, tips, validation
from desktop.domain.errors import ValidationError
from desktop.domain.kinds import KINDS, PERSON, FieldType

TEXT_FIELDS = [(kind, f) for kind in KINDS.values() for f in kind.fields
               if f.type in (FieldType.TEXT, FieldType.CODE, FieldType.LONGTEXT)]
# What an officer's paste or a converter from TCVN3/VNI leaves, and what a hostile site sends.
PIECES = ["Lò", "Văn", "Đặng", "đ", "a", "x1", " ", " ", "\u00a0", "\u2009", "\u3000", "\u202f",
          "\t", "\n", "\r", "\r\n", "\x85", "\x1f", "\x0b", "\u2028", "\u200b", "\ufeff",
          "\u00ad", "\u200d", "\u00d0", "\u00f0", "\u0301", "o\u0301", "ó", "٣", "\x00", "\x1b"]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=7).map("".join)
TODAY = dt.date(2026, 12, 7)
_REFUSED = object()


def taken(kind, name: str, value: object) -> bool:
    try:
        validation.check_stored(kind, name, value)
    except ValidationError:
        return False
    return True


def locally(f, value: object) -> object:
    """What a local write of ``value`` stores (_REFUSED: it refuses it)."""
    try:
        return validation.clean_field(f, value, today=TODAY)
    except ValidationError:
        return _REFUSED


@settings(max_examples=1500, deadline=None)
@given(field=st.sampled_from(TEXT_FIELDS), value=TEXTS)
def test_a_text_is_taken_exactly_when_a_local_write_would_store_it_unchanged(field, value):
    kind, f = field
    stored = locally(f, value)
    assert taken(kind, f.name, value) == (stored == value), (f.name, ascii(value), stored)
    assert validation.stored_all(kind, f.name, [value]) == (stored == value)
    if stored is not _REFUSED:  # what is sent of a value held here: the local write's form
        assert validation.sent_form(kind, f.name, value) == stored, ascii(value)


@settings(max_examples=500, deadline=None)
@given(field=st.sampled_from(TEXT_FIELDS), values=st.lists(TEXTS | st.none(), max_size=6))
def test_the_distinct_check_agrees_with_the_checks_one_by_one(field, values):
    kind, f = field
    assert validation.stored_all(kind, f.name, values) == all(
        taken(kind, f.name, v) for v in values), [ascii(v) for v in values]


@pytest.mark.parametrize(("name", "value", "why"), [
    ("full_name", " Lò Văn Sáng", "ở đầu hoặc cuối"),
    ("full_name", "Lò Văn Sáng ", "ở đầu hoặc cuối"),
    ("full_name", "Lò Văn  Sáng", "hai khoảng trắng liền nhau"),
    ("full_name", "Lò Văn\u00a0Sáng", "U+00A0"),
    ("full_name", "Lò\u2009Văn Sáng", "U+2009"),
    ("full_name", "Lò Văn\u3000Sáng", "U+3000"),
    ("full_name", "\u00d0ặng Văn Sáng", "«Ð» (U+00D0"),
    ("full_name", "Lò Văn\u200b Sáng", "vô hình (U+200B)"),
    ("full_name", "\ufeffLò Văn Sáng", "vô hình (U+FEFF)"),
    ("notes", "dòng 1\ndòng\u00ad 2", "vô hình (U+00AD)"),
    ("full_name", "\u00f0ặng", "«đ»"),
    ("full_name", "", "rỗng"),
    ("notes", "dòng 1 \ndòng 2", "cuối dòng"),
    ("notes", "dòng 1\ndòng 2\n", "ở đầu hoặc cuối"),
    ("notes", "\ndòng 1", "ở đầu hoặc cuối"),
    ("notes", "Ông \u00d0ặng", "U+00D0"),
])
def test_each_refusal_says_what_a_local_write_would_have_changed(name, value, why):
    with pytest.raises(ValidationError) as e:
        validation.check_stored(PERSON, name, value)
    assert e.value.field == name and why in e.value.message, e.value.message


@pytest.mark.parametrize("value", ["dòng 1\n\tthụt vào\n  hai dấu cách  ở giữa\n\ndòng 4",
                                   "Ông Đặng Văn Sáng\u00a0(khách)", "một dòng"])
def test_multi_line_text_keeps_what_a_local_write_keeps(value):
    """Minutes keep their line breaks, blank lines, indents, tabs and inner runs of spaces."""
    assert locally(PERSON.field("notes"), value) == value
    assert taken(PERSON, "notes", value)


def test_a_local_write_stores_eth_as_d_with_stroke_in_every_text_field():
    """A converter from TCVN3/VNI leaves «Ð» (U+00D0) where «Đ» is meant: every local write
    stores «Đ», so an import is right to refuse the Eth."""
    for _kind, f in TEXT_FIELDS:
        assert locally(f, "\u00d0ặng \u00f0ức") == "Đặng đức", f.name


# -- digits: ASCII only, in a local write and in a bundle --------------------------------------

ZEROS = [chr(c) for c in range(0x80, 0x110000)
         if unicodedata.decimal(chr(c), None) == 0 and unicodedata.category(chr(c)) == "Nd"]


def in_script(zero: str, s: str) -> str:
    return "".join(chr(ord(zero) + int(c)) if c.isascii() and c.isdigit() else c for c in s)


def test_there_are_many_scripts_of_digits():
    assert len(ZEROS) > 50 and "٠" in ZEROS and "０" in ZEROS


@pytest.mark.parametrize(("kind_name", "name", "typed"), [
    ("person", "phone", "0912345678"), ("person", "phone", "+84912345678"),
    ("person", "citizen_id", "011085000123"), ("person", "birth_date", "05/03/1985"),
    ("meeting", "number", "42"), ("meeting", "started_at", "14:30 05/03/2024"),
])
def test_a_local_write_takes_ascii_digits_only(kind_name, name, typed):
    f = KINDS[kind_name].field(name)
    assert locally(f, typed) is not _REFUSED
    for zero in ZEROS:
        assert locally(f, in_script(zero, typed)) is _REFUSED, (name, zero)
    assert locally(f, typed[:-1] + "٣") is _REFUSED  # one digit of another script is enough
    if name in ("phone", "number"):  # the digit named: "8 to 12 digits" would not say it
        with pytest.raises(ValidationError, match="U\\+0663"):
            validation.clean_field(f, typed[:-1] + "٣")


@pytest.mark.parametrize(("kind_name", "name", "stored"), [
    ("person", "phone", "0912345678"), ("person", "citizen_id", "011085000123"),
    ("person", "birth_date", "1985-03-05"), ("meeting", "started_at", "2024-03-05T14:30"),
])
def test_a_bundle_s_value_has_ascii_digits_only(kind_name, name, stored):
    kind = KINDS[kind_name]
    assert taken(kind, name, stored)
    for zero in ZEROS:
        other = in_script(zero, stored)
        assert not taken(kind, name, other), (name, ascii(other))
        assert not validation.stored_all(kind, name, [stored, other])
    if name in ("phone", "citizen_id"):
        with pytest.raises(ValidationError, match="U\\+0663"):
            validation.check_stored(kind, name, stored[:-1] + "٣")


def test_source_codes_coordinates_and_periods_take_ascii_digits_only():
    arabic = "٠"
    assert tips.parse_source_code("NT-2026-0012") == (2026, 12)
    assert tips.parse_source_code(in_script(arabic, "NT-2026-0012")) is None
    with pytest.raises(ValidationError):
        tips.check_source_code(in_script(arabic, "NT-2026-0012"))
    assert results.parse_coordinates("21.3856, 103.0169") == (21.3856, 103.0169)
    assert results.parse_coordinates(in_script(arabic, "21.3856, 103.0169")) is None
    assert results.parse_stat_period("2025-Q1")[0] == "2025-Q1"
    with pytest.raises(ValidationError):
        results.parse_stat_period(in_script(arabic, "2025-Q1"))


def test_a_phone_or_cccd_held_in_other_digits_is_sent_in_ascii():
    """A phone typed before 7 December 2026 may be in other digits (a local write took «\\d»):
    it goes out as the same number in ASCII, which every peer takes."""
    for zero in ZEROS:
        phone = in_script(zero, "0912345678")
        sent = validation.sent_form(PERSON, "phone", phone)
        assert sent == "0912345678" and taken(PERSON, "phone", sent), ascii(phone)
        assert validation.sent_form(PERSON, "citizen_id",
                                    in_script(zero, "011085000123")) == "011085000123"


# -- a bundle from this site: values held from before these rules -------------------------------

OLD = ("\u00d0ặng  Văn\u00a0Sáng ", "dòng 1  \n\tdòng 2\n", "٠٩١٢٣٤٥٦٧٨")
ROW = "SELECT full_name, notes, phone FROM person WHERE id = ?"


def test_a_value_held_from_before_these_rules_is_sent_as_a_local_write_stores_it(network,
                                                                                 tmp_path):
    """The province holds text a bundle left before 7 December 2026 (and a phone typed in
    other digits then): its bundle is not refused, the commune stores what a local write
    would, and the province's copy is left as it is (nothing of it lost; an edit cleans it)."""
    prov, (a, _b) = network(2)
    pid = prov.store.add("person", {"full_name": "Đặng Văn Sáng", "phone": "0912345678",
                                    "notes": "dòng 1", "residence_unit_id": a.part}).id
    prov.conn.execute("UPDATE person SET full_name = ?, notes = ?, phone = ? WHERE id = ?",
                      (*OLD, pid))
    [path] = prov.export(tmp_path / "down", to=a)
    [r] = a.import_(path)
    assert r.status == "imported", r.message
    assert tuple(a.conn.execute(ROW, (pid,)).fetchone()) == ("Đặng Văn Sáng", "dòng 1\n\tdòng 2",
                                                             "0912345678")
    assert tuple(prov.conn.execute(ROW, (pid,)).fetchone()) == OLD
    [back] = a.export(tmp_path / "up", to=prov)  # the same versions: nothing to change
    [r] = prov.import_(back)
    assert r.status == "imported" and tuple(prov.conn.execute(ROW, (pid,)).fetchone()) == OLD


def test_a_local_write_drops_invisible_characters_pasted_with_a_name():
    """A zero-width space, a byte-order mark or a soft hyphen pasted from a web page or a
    document: a name holding one would not be found by a search for it nor seen as the same
    person, and a multi-line text does not need them either."""
    assert locally(PERSON.field("full_name"), "\ufeffLò\u200b Văn Sá\u00adng") == "Lò Văn Sáng"
    assert locally(PERSON.field("notes"), "dòng\u200d 1\n\u2060dòng 2") == "dòng 1\ndòng 2"
    assert locally(PERSON.field("full_name"), "\u200b") is None  # nothing left: no value
    # one between a letter and its accent: dropped first, then the two make one letter
    assert locally(PERSON.field("full_name"), "Lo\u200b\u0300") == "Lò"
