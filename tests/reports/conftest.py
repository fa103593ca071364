"""A small hand-made commune: two villages, a Tổ bảo vệ ANTT with members, a meeting."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from pypdf import PdfReader

from desktop.storage.writer import Store

MEMBERS = [  # name, birth, gender, ethnicity, citizen id, role
    ("Vàng A Dơ", "12/03/1980", "male", "mong", "011080001234", "to_vien"),
    ("Lò Thị Ánh", "01/02/1990", "female", "thai", "011190004567", "to_vien"),
    ("Nguyễn Văn Đức", "05/03/1975", "male", "kinh", "011075000321", "to_truong"),
    ("Quàng Thị Hường", "1988", "female", "thai", "011188007654", "to_pho"),
    ("Đặng Ngọc Ẩn", "30/12/1969", "male", "kinh", None, "to_vien"),
]


@dataclass
class Commune:
    store: Store
    village: str
    village2: str
    org: str
    people: dict[str, str]  # name → id
    meeting: str


@pytest.fixture
def commune(store: Store, village: str) -> Commune:
    village2 = store.add("unit", {"name": "Bản Nậm Pố", "level": "village",
                                  "parent_id": "03160"}).id
    org = store.add("organization", {"name": "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch",
                                     "org_type": "to_bao_ve_antt", "unit_id": village,
                                     "founded_date": "01/03/2026", "status": "active"}).id
    people = {}
    for name, birth, gender, eth, cid, role in MEMBERS:
        values = {"full_name": name, "birth_date": birth, "gender": gender, "ethnicity": eth,
                  "residence_unit_id": village, "phone": "0912345678"}
        if cid:
            values["citizen_id"] = cid
        pid = store.add("person", values).id
        people[name] = pid
        store.add("membership", {"person_id": pid, "organization_id": org, "role": role,
                                 "joined_date": "01/03/2026"})
    meeting = store.add("meeting", {
        "organization_id": org, "kind": "sinh_hoat_dinh_ky", "issuer": "TBV",
        "title": "Họp triển khai công tác bảo đảm an ninh, trật tự dịp Tết Nguyên đán",
        "started_at": "08:00 05/01/2026", "ended_at": "10:30 05/01/2026",
        "place": "Nhà văn hóa bản Huổi Lếch", "chair_id": people["Nguyễn Văn Đức"],
        "secretary_id": people["Lò Thị Ánh"],
        "agenda": "1. Đánh giá tình hình.\n2. Phân công tuần tra.",
        "content": "Tổ trưởng Nguyễn Văn Đức quán triệt kế hoạch tuần tra đêm.\n"
                   "Ý kiến của tổ viên Vàng A Dơ: đề nghị tăng cường tuần tra ở đầu bản.",
        "conclusions": "Thống nhất tuần tra 2 đêm một tuần.",
        "votes_for": 4, "votes_against": 0, "votes_abstain": 0}).id
    for name, pid in people.items():
        present = name != "Vàng A Dơ"
        store.add("attendance", {"meeting_id": meeting, "person_id": pid, "present": present,
                                 "absence_reason": None if present else "Đi làm nương"})
    return Commune(store, village, village2, org, people, meeting)


def pdf_text(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def text_positions(pdf: bytes, page_no: int = 0) -> list[tuple[str, float, float]]:
    """(text, x, y) of every text run on a page, in PDF points."""
    out: list[tuple[str, float, float]] = []
    page = PdfReader(io.BytesIO(pdf)).pages[page_no]

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            out.append((text.strip(), x, y))

    page.extract_text(visitor_text=visit)
    return out
