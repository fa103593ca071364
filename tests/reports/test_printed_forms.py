"""The printed documents against Nghị định 30/2020, read back as an officer reads them: with
pdftotext (the words, in layout) and pdffonts (every font embedded)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from conftest import text_positions
from reportlab.lib.units import mm

from desktop.cli import main
from desktop.reports import fonts, periods
from desktop.reports.linebreak import split_phrases
from desktop.reports.minutes import render_minutes
from desktop.reports.movement import render_report
from desktop.reports.profiles import Profile
from desktop.reports.roster import CommuneOrgs, render_roster, roster_data
from desktop.storage.printouts import find_unit
from desktop.storage.rosters import Scope

DAY = dt.date(2026, 12, 1)


def _pdftotext(pdf: bytes, tmp_path: Path, name: str = "doc") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def _flat(text: str) -> str:
    return " ".join(text.split())


def _other_commune(conn) -> str:
    """A commune of Điện Biên with nothing in it."""
    return str(conn.execute("SELECT code FROM unit WHERE level = 'commune' AND code != '03160' "
                            "AND valid_to IS NULL AND code LIKE '03%' ORDER BY code "
                            "LIMIT 1").fetchone()[0])


def test_roster_prints_a_blank_number_to_fill_in_and_room_to_sign(commune, tmp_path):
    conn = commune.store.conn
    pdf = render_roster(conn, Scope("organization", commune.org), today=DAY)
    text = _pdftotext(pdf, tmp_path)
    assert "Số:" in text and "/DS-CAX" in text
    number_line = next(line for line in text.splitlines() if "/DS-CAX" in line)
    assert number_line.split("Số:")[1].split("/DS-CAX")[0].strip() == ""  # blank, by hand
    given = _flat(_pdftotext(render_roster(conn, Scope("organization", commune.org), today=DAY,
                                           number="15/DS-CAX"), tmp_path, "n"))
    assert "Số: 15/DS-CAX" in given
    runs = text_positions(pdf)
    notes = [y for t, _x, y in runs if t == "(Ký, ghi rõ họ tên)"]
    lines = [y for t, _x, y in runs if t.startswith("……")]
    assert len(notes) == 2 and len(lines) == 2  # both signers: a name line each
    assert all(note - line >= 20 * mm for note, line in zip(notes, lines, strict=True))


def test_a_named_signer_is_printed_under_the_room_to_sign(commune, tmp_path):
    pdf = render_minutes(commune.store.conn, commune.meeting)
    runs = text_positions(pdf)
    [secretary_title] = [y for t, _x, y in runs if t == "THƯ KÝ"]
    secretary = min(y for t, _x, y in runs if t == "Lò Thị Ánh")  # the last, lowest
    assert secretary_title - secretary >= 25 * mm


def test_the_issuing_body_breaks_between_phrases_never_inside_trat_tu(commune, tmp_path):
    text = _pdftotext(render_minutes(commune.store.conn, commune.meeting), tmp_path)
    head = [line.strip() for line in text.splitlines()[:4]]
    left = [h.split("   ")[0] for h in head]  # the left column of the letterhead
    assert "TỔ BẢO VỆ AN NINH," in left and "TRẬT TỰ BẢN HUỔI LẾCH" in left, head
    assert not any(line.endswith("TRẬT") for line in left)


@pytest.mark.parametrize(("name", "width", "expected"), [
    ("TỔ BẢO VỆ AN NINH, TRẬT TỰ BẢN QUÀI NƯA", 173,
     ["TỔ BẢO VỆ AN NINH,", "TRẬT TỰ BẢN QUÀI NƯA"]),
    ("TỔ BẢO VỆ AN NINH, TRẬT TỰ TỔ DÂN PHỐ SỐ 9", 120,
     ["TỔ BẢO VỆ", "AN NINH, TRẬT TỰ", "TỔ DÂN PHỐ SỐ 9"]),
    ("ĐỘI DÂN PHÒNG BẢN HUỔI LẾCH XÃ MƯỜNG NHÉ", 173,
     ["ĐỘI DÂN PHÒNG", "BẢN HUỔI LẾCH", "XÃ MƯỜNG NHÉ"]),
    ("CÔNG AN XÃ MƯỜNG CHÀ", 120, ["CÔNG AN", "XÃ MƯỜNG CHÀ"]),
    ("CÔNG AN XÃ MƯỜNG CHÀ", 173, ["CÔNG AN XÃ MƯỜNG CHÀ"]),
])
def test_agency_names_break_between_phrases(name, width, expected):
    fonts.register()
    from reportlab.pdfbase.pdfmetrics import stringWidth

    assert split_phrases(name, lambda s: stringWidth(s, fonts.BOLD, 12.5) <= width) == expected


def test_report_annexes_are_attached_by_number_and_numbered_in_order(commune, tmp_path):
    conn = commune.store.conn
    unit = str(find_unit(conn, "03160")["id"])
    text = _pdftotext(render_report(conn, unit, periods.parse("2026"), today=DAY), tmp_path)
    flat = _flat(text)
    assert "ANTQ Desk" not in flat and "chương trình" not in flat
    assert "NTVT" not in flat and "TV mới" not in flat and "MH mới" not in flat
    assert "Người tốt," in flat and "Khen" in flat  # the chart's words, written out
    assert "không đổi, không đổi" not in flat
    numbers = [w for w in ("Biểu 1", "Biểu 2", "Biểu 3", "Biểu 4", "Biểu 5", "Biểu 6",
                           "Biểu 7") if w in flat]
    assert numbers == ["Biểu 1", "Biểu 2", "Biểu 3", "Biểu 4", "Biểu 5", "Biểu 6"]
    attached = "(Kèm theo Báo cáo số /BC-CAX ngày 01/12/2026 của Công an xã Mường Nhé)"
    headings = [flat.index(f"Biểu {n} {title} (năm 2026) {attached}") for n, title in (
        (1, "Tổ chức quần chúng bảo vệ ANTT ở cơ sở"), (2, "Mô hình, điển hình tiên tiến"),
        (3, "Nguồn tin, tố giác tội phạm từ quần chúng"), (4, "Tình hình tội phạm, vi phạm"),
        (5, "Kết quả xây dựng «An toàn về an ninh, trật tự»"),
        (6, "Người tốt, việc tốt, khen thưởng"))]
    assert flat.count(attached) == 6
    # The annexes come after the signature, in order, each attached to the report.
    assert flat.index("TRƯỞNG CÔNG AN XÃ") < headings[0] < headings[1] < headings[2] \
        < headings[3] < headings[4] < headings[5]


def test_report_command_says_each_change_once(commune, db_path, capsys):
    assert main(["report", "--unit", "03160", "--period", "2026", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "không đổi, không đổi" not in out and "không đổi" in out
    assert all(line.count("không đổi") <= 1 for line in out.splitlines())


def test_an_empty_commune_roster_warns_but_prints(commune, db_path, tmp_path, capsys):
    code = _other_commune(commune.store.conn)
    out = tmp_path / "xa.pdf"
    assert main(["print", "roster", "--commune", code, "--out", str(out),
                 "--db", str(db_path)]) == 0
    err = capsys.readouterr().err
    assert "Cảnh báo: Danh sách có 0 người" in err and "chưa có Tổ bảo vệ an ninh, trật tự" in err
    assert out.exists()
    assert main(["print", "roster", "--commune", "03160", "--out", str(out),
                 "--db", str(db_path)]) == 0
    assert "Cảnh báo" not in capsys.readouterr().err
    data = roster_data(commune.store.conn, CommuneOrgs(str(find_unit(
        commune.store.conn, "03160")["id"])), search="không có ai tên này")
    assert data.warnings() == ["Danh sách có 0 người: không ai khớp với «không có ai tên này»"]


def test_public_roster_masks_phones_and_prints_the_birth_year_only(commune, tmp_path):
    pdf = render_roster(commune.store.conn, Scope("organization", commune.org),
                        profile=Profile.PUBLIC, today=DAY)
    flat = _flat(_pdftotext(pdf, tmp_path))
    assert "0912345678" not in flat and "09******78" in flat
    assert "05/03/1975" not in flat and "1975" in flat
    assert "011075000321" not in flat and "Kinh" not in flat


@pytest.mark.parametrize("what", ["roster", "public", "empty", "minutes", "report"])
def test_pdffonts_says_every_font_is_embedded(commune, tmp_path, what):
    conn = commune.store.conn
    if what in ("roster", "public"):
        pdf = render_roster(conn, Scope("organization", commune.org), today=DAY,
                            profile=Profile.PUBLIC if what == "public" else Profile.INTERNAL)
    elif what == "empty":
        pdf = render_roster(conn, CommuneOrgs(str(find_unit(conn, _other_commune(conn))["id"])),
                            today=DAY)
    elif what == "minutes":
        pdf = render_minutes(conn, commune.meeting)
    else:
        pdf = render_report(conn, str(find_unit(conn, "03160")["id"]), periods.parse("2026"),
                            today=DAY)
    path = tmp_path / f"{what}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                         text=True).stdout.splitlines()[2:]
    assert out, "no fonts listed"
    for line in out:
        name, emb = line.split()[0], line.split()[-4]
        assert "LiberationSerif" in name and emb == "yes", line
