"""The roster, the minutes and the movement report as printed: text, pages, layout."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from conftest import MEMBERS, pdf_text, text_positions
from pypdf import PdfReader
from reportlab.lib.units import mm

from desktop.reports import page
from desktop.reports.minutes import render_minutes
from desktop.reports.profiles import Profile
from desktop.reports.roster import CommuneOrgs, render_roster
from desktop.storage.printouts import find_unit
from desktop.storage.rosters import Scope

DAY = dt.date(2026, 1, 5)


def _big_org(commune, n: int = 80) -> str:
    store = commune.store
    org = store.add("organization", {"name": "Đội dân phòng bản Nậm Pố",
                                     "org_type": "doi_dan_phong", "unit_id": commune.village2,
                                     "founded_date": "2025"}).id
    ids = store.add_many("person", [{"full_name": f"Lường Văn Thắng {i:03d}",
                                     "birth_date": "1990", "residence_unit_id": commune.village2}
                                    for i in range(n)])
    store.add_many("membership", [{"person_id": p, "organization_id": org,
                                   "role": "doi_vien"} for p in ids])
    return org


def test_roster_names_exact_sorted_by_role_then_name(commune):
    pdf = render_roster(commune.store.conn, Scope("organization", commune.org), today=DAY)
    [text] = pdf_text(pdf)
    for name, *_rest in MEMBERS:
        assert name in text
    order = [text.index(n) for n in ("Nguyễn Văn Đức", "Quàng Thị Hường", "Lò Thị Ánh",
                                     "Đặng Ngọc Ẩn", "Vàng A Dơ")]
    assert order == sorted(order)  # Tổ trưởng, Tổ phó, then tổ viên by given name: Ánh, Ẩn, Dơ
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "CÔNG AN XÃ MƯỜNG NHÉ", "Mường Nhé, ngày 05 tháng 01 năm 2026",
                     "DANH SÁCH", "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch", "011075000321",
                     "Dân tộc", "Mông", "NGƯỜI LẬP DANH SÁCH", "TRƯỞNG CÔNG AN XÃ",
                     "12/03/1980", "Tổ trưởng"):
        assert expected in text, expected


def test_roster_is_landscape_a4_with_the_margins(commune):
    pdf = render_roster(commune.store.conn, Scope("organization", commune.org), today=DAY)
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    runs = text_positions(pdf)
    xs = [x for _t, x, _y in runs]
    ys = [y for _t, _x, y in runs]
    assert min(xs) >= 30 * mm - 1  # left margin 30 mm
    assert max(ys) <= float(box.height) - 20 * mm  # nothing in the top margin on page 1
    assert min(ys) >= 20 * mm  # bottom margin 20 mm
    assert 15 * mm == page.MARGIN_RIGHT


def test_long_roster_repeats_the_header_and_numbers_pages_from_two(commune):
    org = _big_org(commune)
    done = []
    pdf = render_roster(commune.store.conn, Scope("organization", org), today=DAY,
                        progress=lambda d, t: done.append((d, t)))
    pages = pdf_text(pdf)
    assert len(pages) >= 3
    assert all("Họ và tên" in p and "Ngày sinh" in p for p in pages[:-1])
    assert sum(p.count("Lường Văn Thắng") for p in pages) == 80
    assert done[-1] == (80, 80) and done[0] == (0, 80)
    height = 595.276
    first = text_positions(pdf, 0)
    assert not [t for t, _x, y in first if y > height - 20 * mm]
    for n in range(1, len(pages)):
        top = [(t, x) for t, x, y in text_positions(pdf, n) if y > height - 20 * mm]
        assert [t for t, _x in top] == [str(n + 1)]
        assert abs(top[0][1] - 842 / 2) < 10  # centred


def test_roster_can_be_cancelled(commune):
    org = _big_org(commune)
    with pytest.raises(page.Cancelled):
        render_roster(commune.store.conn, Scope("organization", org), cancelled=lambda: True)


def test_public_roster_leaves_out_citizen_ids_and_ethnicity(commune):
    pdf = render_roster(commune.store.conn, Scope("organization", commune.org),
                        profile=Profile.PUBLIC, today=DAY)
    [text] = pdf_text(pdf)
    for _n, _b, _g, _e, cid, _r in MEMBERS:
        if cid:
            assert cid not in text and cid[-4:] not in text
    assert "Số định danh" not in text
    assert "Dân tộc" not in text and "Mông" not in text and "Kinh" not in text
    assert "Bản niêm yết công khai" in text
    assert "Nguyễn Văn Đức" in text


def test_commune_roster_groups_every_tbv(commune):
    store = commune.store
    other = store.add("organization", {"name": "Tổ bảo vệ an ninh, trật tự bản Nậm Pố",
                                       "org_type": "to_bao_ve_antt",
                                       "unit_id": commune.village2}).id
    pid = store.add("person", {"full_name": "Giàng Thị Dở", "residence_unit_id":
                               commune.village2}).id
    store.add("membership", {"person_id": pid, "organization_id": other, "role": "to_truong"})
    store.add("organization", {"name": "Tổ hòa giải bản Nậm Pố", "org_type": "to_hoa_giai",
                               "unit_id": commune.village2})
    commune_id = str(find_unit(store.conn, "03160")["id"])
    [text] = pdf_text(render_roster(store.conn, CommuneOrgs(commune_id), today=DAY))
    assert "Thành viên các Tổ bảo vệ an ninh, trật tự xã Mường Nhé" in text
    assert "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch (5 người)" in text
    assert "Tổ bảo vệ an ninh, trật tự bản Nậm Pố (1 người)" in text
    assert "Tổ hòa giải" not in text and "Giàng Thị Dở" in text
    assert text.index("bản Huổi Lếch (5") < text.index("bản Nậm Pố (1")


def test_people_of_a_village_have_no_role_column(commune):
    [text] = pdf_text(render_roster(commune.store.conn, Scope("unit", commune.village),
                                    search="thi", today=DAY))
    assert "Lò Thị Ánh" in text and "Quàng Thị Hường" in text and "Vàng A Dơ" not in text
    assert "Chức danh" not in text


def test_minutes_follow_mau_1_9(commune):
    pdf = render_minutes(commune.store.conn, commune.meeting)
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = "\n".join(pdf_text(pdf))
    flat = " ".join(text.split())
    for expected in (
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 01/BB-TBV", "BIÊN BẢN",
            "Họp triển khai công tác bảo đảm an ninh, trật tự dịp Tết Nguyên đán",
            "Thời gian bắt đầu: 08 giờ 00, ngày 05 tháng 01 năm 2026",
            "Địa điểm: Nhà văn hóa bản Huổi Lếch", "Thành phần tham dự: 4/5",
            "Vắng mặt (1): Vàng A Dơ (tổ viên), lý do: Đi làm nương",
            "Chủ trì (chủ tọa): Nguyễn Văn Đức", "Thư ký (người ghi biên bản): Lò Thị Ánh",
            "Phân công tuần tra", "đề nghị tăng cường tuần tra ở đầu bản",
            "Thống nhất tuần tra 2 đêm một tuần", "Tán thành 4/4 (100%)",
            "Cuộc họp kết thúc vào 10 giờ 30, ngày 05 tháng 01 năm 2026./.",
            "THƯ KÝ", "CHỦ TỌA", "Nơi nhận:", "Lưu: VT, hồ sơ"):
        assert expected in flat, expected
    runs = text_positions(pdf)
    assert min(x for _t, x, _y in runs) >= 30 * mm - 1


def test_minutes_without_end_time_leave_blanks(commune):
    commune.store.edit("meeting", commune.meeting, {"ended_at": ""})
    flat = " ".join(" ".join(pdf_text(render_minutes(commune.store.conn,
                                                     commune.meeting))).split())
    assert "Cuộc họp kết thúc vào … giờ …, ngày … tháng … năm …./." in flat


def test_a_roster_of_former_members_says_when_and_why_each_left(commune):
    store, conn = commune.store, commune.store.conn
    pid = commune.people["Vàng A Dơ"]
    membership = conn.execute("SELECT id FROM membership WHERE person_id = ?",
                              (pid,)).fetchone()[0]
    store.edit("membership", membership, {"left_date": "15/10/2026",
                                          "exit_reason": "tu_nguyen"})
    [text] = pdf_text(render_roster(conn, Scope("organization", commune.org, former=True),
                                    today=DAY))
    assert "Những người đã thôi tham gia Tổ bảo vệ an ninh, trật tự bản Huổi Lếch" in text
    assert "Vàng A Dơ" in text and "Nguyễn Văn Đức" not in text
    assert "Thôi tham gia 15/10/2026: Tự nguyện xin thôi tham gia" in " ".join(text.split())
