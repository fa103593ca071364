"""Reports benchmark: a 1,000-member roster PDF against a bare reportlab LongTable of the same
rows (goal: ratio ≤ 1.5, DESIGN.md "Performance budgets"), and a 10,000-row Excel import.

    .venv/bin/python tests/benchmarks/bench_reports.py [--members 1000] [--import-rows 10000]

Prints figures only; it never asserts a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a plain script
    sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.platypus import LongTable, SimpleDocTemplate, TableStyle  # noqa: E402

from desktop.reports import fonts  # noqa: E402
from desktop.reports.roster import render_roster, roster_data  # noqa: E402
from desktop.reports.roster_import import import_roster, preview_roster  # noqa: E402
from desktop.storage import db, site  # noqa: E402
from desktop.storage.rosters import Scope  # noqa: E402
from desktop.storage.writer import Store  # noqa: E402

TODAY = dt.date(2026, 12, 1)
FAMILY = ["Nguyễn", "Lò", "Quàng", "Vàng", "Giàng", "Lường", "Cầm", "Đặng", "Trần", "Mùa"]
MIDDLE = ["Văn", "Thị", "A", "Ngọc", "Đức", "Thị Thu"]
GIVEN = ["Đức", "Ánh", "Dơ", "Hường", "Thắng", "Mỷ", "Sùng", "Ơn", "Xuân", "Khôi", "Ẩn"]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _setup(path: Path) -> tuple[Store, str, str]:
    conn = db.open_database(path)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160")
    store = Store(conn, actor="bench", today=TODAY)
    village = store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                 "parent_id": "03160"}).id
    org = store.add("organization", {"name": "Đội dân phòng bản Huổi Lếch",
                                     "org_type": "doi_dan_phong", "unit_id": village}).id
    return store, village, org


def _best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def bench_roster(store: Store, village: str, org: str, members: int, repeat: int) -> None:
    rng = random.Random(5)
    ids = store.add_many("person", [{
        "full_name": _name(rng),
        "birth_date": dt.date(1950 + rng.randrange(55), 1 + rng.randrange(12),
                              1 + rng.randrange(28)),
        "gender": rng.choice(("male", "female")),
        "ethnicity": rng.choice(("thai", "mong", "kinh")),
        "citizen_id": f"0110{rng.randrange(10**8):08d}", "residence_unit_id": village,
        "phone": f"09{rng.randrange(10**8):08d}"} for _ in range(members)])
    roles = ["doi_truong", "doi_pho"] + ["doi_vien"] * (members - 2)
    store.add_many("membership", [{"person_id": p, "organization_id": org, "role": r}
                                  for p, r in zip(ids, roles, strict=True)])
    conn = store.conn
    scope = Scope("organization", org)
    fonts.register()
    data = roster_data(conn, scope)
    rows = [[r[c.key] for c in data.columns] for _h, g in data.groups for r in g]
    headings = [c.heading for c in data.columns]

    def bare() -> bytes:
        buf = io.BytesIO()
        doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=30 * mm,
                                rightMargin=15 * mm, topMargin=20 * mm, bottomMargin=20 * mm)
        t = LongTable([headings, *rows], repeatRows=1)
        t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), fonts.REGULAR, 12),
                               ("GRID", (0, 0), (-1, -1), 0.5, "black")]))
        doc.build([t])
        return buf.getvalue()

    def ours() -> bytes:
        return render_roster(conn, scope, today=TODAY, progress=lambda d, t: None)

    bare_t, bare_pdf = _best(bare, repeat)
    ours_t, ours_pdf = _best(ours, repeat)
    bare_pages = len(PdfReader(io.BytesIO(bare_pdf)).pages)  # type: ignore[arg-type]
    ours_pages = len(PdfReader(io.BytesIO(ours_pdf)).pages)  # type: ignore[arg-type]
    print(f"roster PDF, {members} members (best of {repeat}):")
    print(f"  bare reportlab LongTable : {bare_t:6.3f} s, {bare_pages} pages")
    print(f"  render_roster (NĐ 30)    : {ours_t:6.3f} s, {ours_pages} pages, "
          f"{len(ours_pdf) // 1024} KiB")  # type: ignore[arg-type]
    print(f"  ratio                    : {ours_t / bare_t:6.2f}  (goal ≤ 1.5; budget 1.5 s)")


def bench_import(store: Store, village: str, rows: int) -> None:
    rng = random.Random(7)
    tmp = Path(tempfile.mkdtemp())
    path = tmp / "roster.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH THÀNH VIÊN"])
    ws.merge_cells("A1:H1")
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Số CCCD", "Thôn/Bản",
               "Chức danh"])
    for i in range(rows):
        birth = dt.date(1950 + rng.randrange(55), 1 + rng.randrange(12), 1 + rng.randrange(28))
        ws.append([i + 1, f"{_name(rng)} {i}", birth if i % 3 else birth.strftime("%d/%m/%Y"),
                   rng.choice(("Nam", "Nữ")), rng.choice(("Thái", "Mông", "Kinh")),
                   f"0111{i:08d}", "Bản Huổi Lếch", "Tổ viên" if i else "Tổ trưởng"])
    wb.save(path)
    org = store.add("organization", {"name": "Tổ tự quản bản Huổi Lếch",
                                     "org_type": "to_tu_quan", "unit_id": village}).id
    t = time.perf_counter()
    preview = preview_roster(store.conn, path, org, today=TODAY)
    t_preview = time.perf_counter() - t
    t = time.perf_counter()
    result = import_roster(store, preview)
    t_import = time.perf_counter() - t
    t = time.perf_counter()
    again = preview_roster(store.conn, path, org, today=TODAY)
    t_again = time.perf_counter() - t
    print(f"Excel import, {rows} rows ({path.stat().st_size // 1024} KiB .xlsx):")
    print(f"  preview (read + check)   : {t_preview:6.3f} s, {len(preview.errors)} errors")
    print(f"  import (one transaction) : {t_import:6.3f} s, {result.people_added} people, "
          f"{result.memberships_added} memberships")
    print(f"  re-import preview        : {t_again:6.3f} s, {again.counts()['skip']} skipped, "
          f"{again.counts()['new']} new")
    print(f"  total                    : {t_preview + t_import:6.3f} s "
          f"({rows / (t_preview + t_import):,.0f} rows/s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--import-rows", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        store, village, org = _setup(Path(d) / "bench.db")
        bench_roster(store, village, org, args.members, args.repeat)
        bench_import(store, village, args.import_rows)
        store.conn.close()


if __name__ == "__main__":
    main()
