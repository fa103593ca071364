"""Reports benchmark: a 1,000-member roster PDF against a bare reportlab LongTable of the same
rows (goal ≤ 1.5×), and a 10,000-row Excel roster import, in databases of 10k, 100k and 300k
people and at the province of Điện Biên's size.

    .venv/bin/python tests/benchmarks/bench_reports.py [--quick] [--members 1000] [--reps 4]

Into a copy of each database (builders.py) an organization of ``--members`` residents is
added through the write path. The PDF is then made alternately (ABAB…, the order flipping
every pair) by ``render_roster`` (the official layout of Nghị định 30: national motto, headings,
role groups, signatures, page numbers) and by a bare ``LongTable`` of the same cells with a
repeated header (the baseline: no layout, no grouping, no signatures, rows read already). It
prints the median of the paired ratios with their spread. Then the Excel import: a workbook
of ``--import-rows`` rows is previewed (read and checked) and imported in one transaction.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import benchkit as bk
import builders
import openpyxl
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, SimpleDocTemplate, TableStyle

from desktop.reports import fonts
from desktop.reports.roster import render_roster, roster_data
from desktop.reports.roster_import import import_roster, preview_roster
from desktop.storage.rosters import Scope
from desktop.storage.writer import Store

TODAY = builders.TODAY
PDF_GOAL = 1.5
FAMILY = ["Nguyễn", "Lò", "Quàng", "Vàng", "Giàng", "Lường", "Cầm", "Đặng", "Trần", "Mùa"]
MIDDLE = ["Văn", "Thị", "A", "Ngọc", "Đức", "Thị Thu"]
GIVEN = ["Đức", "Ánh", "Dơ", "Hường", "Thắng", "Mỷ", "Sùng", "Ơn", "Xuân", "Khôi", "Ẩn"]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def bench_roster(store: Store, village: str, members: int, reps: int, warmup: int
                 ) -> dict[str, float]:
    conn = store.conn
    rng = random.Random(5)
    pool = [r[0] for r in conn.execute(  # adults: a member is 18 or older
        "SELECT id FROM person WHERE _deleted = 0 AND birth_date < ? LIMIT ?",
        (str(builders.ADULT_BEFORE), members * 3))]
    chosen = rng.sample(pool, min(members, len(pool)))
    org = store.add("organization", {"name": "Đội dân phòng (benchmark)",
                                     "org_type": "doi_dan_phong", "unit_id": village}).id
    roles = ["doi_truong", "doi_pho"] + ["doi_vien"] * (len(chosen) - 2)
    store.add_many("membership", [{"person_id": p, "organization_id": org, "role": r}
                                  for p, r in zip(chosen, roles, strict=True)])
    scope = Scope("organization", org)
    fonts.register()
    data = roster_data(conn, scope)
    rows = [[r[c.key] for c in data.columns] for _h, g in data.groups for r in g]
    headings = [c.heading for c in data.columns]
    made: dict[str, bytes] = {}

    def bare() -> float:
        t0 = time.perf_counter()
        buf = io.BytesIO()
        doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=30 * mm,
                                rightMargin=15 * mm, topMargin=20 * mm, bottomMargin=20 * mm)
        t = LongTable([headings, *rows], repeatRows=1)
        t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), fonts.REGULAR, 12),
                               ("GRID", (0, 0), (-1, -1), 0.5, "black")]))
        doc.build([t])
        made["bare"] = buf.getvalue()
        return time.perf_counter() - t0

    def ours() -> float:
        t0 = time.perf_counter()
        made["ours"] = render_roster(conn, scope, today=TODAY, progress=lambda d, t: None)
        return time.perf_counter() - t0

    pairs = bk.alternate(bare, ours, reps, warmup=warmup)
    bare_pages = len(PdfReader(io.BytesIO(made["bare"])).pages)
    ours_pages = len(PdfReader(io.BytesIO(made["ours"])).pages)
    subject = statistics.median(pairs.subject)
    print(f"   roster PDF of {len(chosen):,} members: render_roster median {subject:.3f} s "
          f"({ours_pages} pages, {len(made['ours']) // 1024} KiB); bare LongTable median "
          f"{statistics.median(pairs.baseline):.3f} s ({bare_pages} pages); "
          f"{pairs.describe()}; goal ≤ {PDF_GOAL}: {bk.verdict(pairs.ratio <= PDF_GOAL)}")
    return {"pdf": subject, "pdf ratio": pairs.ratio}


def bench_import(store: Store, village: str, village_name: str, rows: int, work: Path
                 ) -> dict[str, float]:
    path = _workbook(village_name, rows, work)
    org = store.add("organization", {"name": "Tổ tự quản (benchmark)",
                                     "org_type": "to_tu_quan", "unit_id": village}).id
    # Processor time beside the wall: on a shared machine the wall clock is mostly waiting.
    t, c = time.perf_counter(), time.process_time()
    preview = preview_roster(store.conn, path, org, today=TODAY)
    t_preview, c_preview = time.perf_counter() - t, time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    result = import_roster(store, preview)
    t_import, c_import = time.perf_counter() - t, time.process_time() - c
    total = t_preview + t_import
    print(f"   Excel import of {rows:,} rows ({path.stat().st_size // 1024} KiB): preview "
          f"{t_preview:.2f} s, processor {c_preview:.2f} s ({len(preview.errors)} errors), "
          f"import {t_import:.2f} s, processor {c_import:.2f} s "
          f"({result.people_added:,} people, {result.memberships_added:,} memberships): "
          f"{rows / total:,.0f} rows/s")
    return {"excel": total}


def _workbook(village_name: str, rows: int, work: Path) -> Path:
    """The roster workbook of ``rows`` people of ``village_name``: the same bytes for every
    database whose first village has that name, so written once a run (openpyxl takes about
    2.5 s for 10,000 rows) and read by each import as the officer's file."""
    path = work / f"roster-{rows}-{zlib.crc32(village_name.encode()):08x}.xlsx"
    if path.exists():
        return path
    rng = random.Random(7)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH THÀNH VIÊN"])
    ws.merge_cells("A1:H1")
    ws.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Số CCCD", "Thôn/Bản",
               "Chức danh"])
    for i in range(rows):
        birth = dt.date(1950 + rng.randrange(55), 1 + rng.randrange(12), 1 + rng.randrange(28))
        gender = rng.choice(("male", "female"))
        ws.append([i + 1, f"{_name(rng)} {i}", birth if i % 3 else birth.strftime("%d/%m/%Y"),
                   "Nam" if gender == "male" else "Nữ", rng.choice(("Thái", "Mông", "Kinh")),
                   builders.citizen_id(birth.year, gender, 950_000 + i), village_name,
                   "Tổ viên" if i else "Tổ trưởng"])
    part = path.with_suffix(".part")  # whole or not at all
    wb.save(part)
    part.replace(path)
    return path


def measure(built: builders.Built, work: Path, args: argparse.Namespace, *, first: bool
            ) -> dict[str, float]:
    print(f"\n{builders.describe(built)}")
    copy = built.copy_to(work, "reports.db")
    conn = copy.open()
    try:
        store = Store(conn, actor="bench", today=TODAY)
        village, village_name = conn.execute(
            "SELECT id, name FROM unit WHERE level = 'village' AND _deleted = 0 "
            "ORDER BY name LIMIT 1").fetchone()
        # One pair to warm up in the process's first database (imports, fonts, reportlab's
        # caches); later ones find them warm, and roster_data reads each one's rows first.
        out = bench_roster(store, village, args.members, args.reps, 1 if first else 0)
        out |= bench_import(store, village, village_name, args.import_rows, work)
    finally:
        conn.close()
        for p in work.glob("reports.db*"):
            p.unlink(missing_ok=True)
    sys.stdout.flush()
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bk.add_size_options(parser)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=4, help="PDF pairs per size")
    args = parser.parse_args(argv)
    if args.quick:
        args.reps, args.import_rows = min(args.reps, 4), min(args.import_rows, 2_000)
    started = bk.header("ANTQ Desk reports benchmark: roster PDF and Excel import")
    results: dict[str, dict[str, float]] = {}
    with bk.run_folder("reports") as folder, bk.scratch(folder, "reports") as work:
        for built in builders.databases(folder, bk.sizes_of(args), bk.province_scale(args),
                                        seed=args.seed):
            name = bk.label(built.people) if built.site_kind == "commune" else "province"
            results[name] = measure(built, work, args, first=not results)
    print("\ngrowth with the database's size:")
    print("   roster PDF: " + ", ".join(f"{k} {v['pdf']:.3f} s (×{v['pdf ratio']:.2f} bare)"
                                        for k, v in results.items()))
    print("   Excel import: " + ", ".join(f"{k} {v['excel']:.2f} s" for k, v in results.items()))
    bk.footer(started)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
