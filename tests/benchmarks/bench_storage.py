"""Storage benchmark: bulk insert through the one write path, search as you type, roster pages.

Run from the repository root, either way:

    .venv/bin/python tests/benchmarks/bench_storage.py [--people 100000]
    .venv/bin/python -m tests.benchmarks.bench_storage [--people 100000]

It prints figures and their ratio to a baseline measured in the same run (DESIGN.md,
"Performance budgets"); it never asserts a timing. ``--profile N`` instead profiles the insert
of N people with cProfile and prints the top entries by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import platform
import pstats
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop.storage import dbapi

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a plain script
    sys.path.insert(0, str(ROOT))

from desktop.domain import text  # noqa: E402
from desktop.domain.ids import new_id  # noqa: E402
from desktop.storage import db, rosters, site, walk  # noqa: E402
from desktop.storage import search as search_mod  # noqa: E402
from desktop.storage.records import fts_query  # noqa: E402
from desktop.storage.writer import Store  # noqa: E402

COMMUNE_CODE = "03160"  # xã Mường Nhé, Điện Biên
BATCH = 5_000
VILLAGES = 150
SEARCH_BUDGET_MS = 20.0

# --------------------------------------------------------------------------------------------
# Realistic people of a mountain commune of Điện Biên

# ethnicity code: (share, family names with weights, middle male, middle female,
#                  given male, given female)
_GROUPS: dict[str, tuple[float, list[tuple[str, int]], list[str], list[str], list[str],
                         list[str]]] = {
    "kinh": (0.34,
             [("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Vũ", 4),
              ("Đặng", 3), ("Bùi", 3), ("Đỗ", 3), ("Hồ", 2), ("Ngô", 2), ("Dương", 2),
              ("Đinh", 2), ("Đào", 2), ("Lý", 1), ("Trịnh", 1)],
             ["Văn", "Văn", "Văn", "Đức", "Hữu", "Minh", "Quang", "Công", "Thành", "Xuân"],
             ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Minh", "Kim"],
             ["An", "Anh", "Bình", "Cường", "Chiến", "Dũng", "Đức", "Đạt", "Giang", "Hải",
              "Hùng", "Huy", "Khánh", "Long", "Mạnh", "Nam", "Phong", "Phúc", "Quân", "Sơn",
              "Thắng", "Tiến", "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Đông", "Hiếu", "Lộc"],
             ["Anh", "Ánh", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền",
              "Hoa", "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Mai", "Ngân", "Nga",
              "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo", "Thủy", "Trang", "Tuyết", "Yến",
              "Đào"]),
    "thai": (0.26,
             [("Lò", 30), ("Lường", 18), ("Quàng", 12), ("Cà", 10), ("Tòng", 8), ("Lù", 6),
              ("Điêu", 5), ("Vì", 5), ("Cầm", 4), ("Hoàng", 2)],
             ["Văn"], ["Thị"],
             ["Ánh", "An", "Bun", "Chăm", "Chiến", "Chung", "Cường", "Dũng", "Đôi", "Hặc",
              "Hùng", "Inh", "Khăm", "Lả", "Minh", "Ngọc", "Panh", "Pấng", "Sương", "Thanh",
              "Thoan", "Thưởng", "Tiến", "Ún", "Xiêng", "Xôm", "Đức", "Pọm"],
             ["Ân", "Biên", "Chinh", "Dín", "Ểng", "Hoa", "Hom", "Kim", "Lả", "Mai", "Nhung",
              "Ơn", "Pánh", "Phương", "Quyên", "Sen", "Tiên", "Ương", "Xuân", "Yến", "Ọn"]),
    "mong": (0.30,
             [("Giàng", 15), ("Sùng", 13), ("Vàng", 13), ("Mùa", 10), ("Thào", 10),
              ("Lý", 8), ("Hạng", 7), ("Lầu", 6), ("Vừ", 6), ("Cứ", 5), ("Mua", 4), ("Hờ", 3)],
             ["A"], ["Thị", "Thị", "Y"],
             ["Páo", "Dình", "Chá", "Chứ", "Sử", "Lử", "Dế", "Dơ", "Dua", "Tủa", "Lồng",
              "Sình", "Chu", "Của", "Dì", "Giàng", "Kháng", "Lềnh", "Nhà", "Pó", "Sào", "Tòng",
              "Vư", "Xá", "Dào", "Dền"],
             ["Mỷ", "Máy", "Sua", "Dợ", "Chư", "Ly", "Mai", "Mua", "Pà", "Say", "Sy", "Chú",
              "Di", "Dinh", "Dê", "Nhìa", "Pằng", "Vá", "Xày", "Dung"]),
    "kho_mu": (0.04,
               [("Lò", 30), ("Quàng", 20), ("Vì", 15), ("Cà", 12), ("Lường", 10)],
               ["Văn"], ["Thị"],
               ["Bun", "Chăm", "Dũng", "Hải", "Hùng", "Inh", "Khăm", "Sẻo", "Thoong"],
               ["Hương", "Hoa", "Inh", "Ón", "Phăn", "Sen"]),
    "ha_nhi": (0.03,
               [("Pờ", 35), ("Lỳ", 25), ("Chu", 20), ("Sừng", 10), ("Lò", 5)],
               ["Xè", "Hừ", "Gò", ""], ["Mé", "Mỳ", "Lỳ", ""],
               ["Gia", "Xá", "Chừ", "Hờ", "Gò", "Phì", "Khừ", "Hừ", "Chà"],
               ["Mé", "Xó", "Pó", "Hà", "Sá", "Mơ"]),
    "dao": (0.03,
            [("Triệu", 30), ("Bàn", 20), ("Đặng", 15), ("Phùng", 12), ("Lý", 10)],
            ["Văn", "Tiến", "Quầy"], ["Thị", "Mùi"],
            ["Phin", "Sinh", "Chiêu", "Quẩy", "Phú", "Tiến", "Vần", "Chàn"],
            ["Mây", "Sạnh", "Nái", "Chạn", "Mẩy"]),
}

# About 10 % of people share one of these full names (commune rosters really look like that).
_COMMON = [
    ("Nguyễn Văn Đức", "male", "kinh"), ("Nguyễn Thị Hương", "female", "kinh"),
    ("Nguyễn Văn Dũng", "male", "kinh"), ("Trần Văn Hùng", "male", "kinh"),
    ("Lò Văn Đức", "male", "thai"), ("Lò Thị Xuân", "female", "thai"),
    ("Lường Văn Thưởng", "male", "thai"), ("Giàng A Páo", "male", "mong"),
    ("Sùng A Dình", "male", "mong"), ("Vàng Thị Mỷ", "female", "mong"),
    ("Giàng A Dế", "male", "mong"), ("Lý Thị Sua", "female", "mong"),
]
_PHONE_PREFIXES = ("086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038",
                   "039", "081", "082", "083", "084", "085", "088", "091", "094", "070", "076",
                   "077", "078", "079", "089", "090", "093", "056", "058")
_BIRTH_FIRST = dt.date(1940, 1, 1).toordinal()
_BIRTH_LAST = dt.date(2010, 12, 31).toordinal()


@dataclass(frozen=True)
class Person:
    full_name: str
    birth: dt.date
    gender: str
    ethnicity: str
    citizen_id: str | None
    phone: str | None
    village: str

    def as_input(self) -> dict[str, object]:
        """What an officer (or a spreadsheet) gives the write path."""
        return {"full_name": self.full_name, "birth_date": self.birth.strftime("%d/%m/%Y"),
                "gender": self.gender, "ethnicity": self.ethnicity,
                "citizen_id": self.citizen_id, "phone": self.phone,
                "residence_unit_id": self.village}

    def as_raw_row(self, record_id: str) -> tuple[object, ...]:
        """The same values as the person table stores them."""
        return (record_id, self.full_name, self.birth.isoformat(), self.gender, self.ethnicity,
                self.citizen_id, self.phone, self.village)


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def make_people(rng: random.Random, n: int, villages: Sequence[str]) -> list[Person]:
    groups = list(_GROUPS)
    shares = [_GROUPS[g][0] for g in groups]
    out = []
    for _ in range(n):
        if rng.random() < 0.10:
            name, gender, eth = rng.choice(_COMMON)
        else:
            eth = rng.choices(groups, shares)[0]
            _share, family, mid_m, mid_f, given_m, given_f = _GROUPS[eth]
            gender = "male" if rng.random() < 0.5 else "female"
            male = gender == "male"
            middle = rng.choice(mid_m if male else mid_f)
            parts = (_weighted(rng, family), middle, rng.choice(given_m if male else given_f))
            name = " ".join(p for p in parts if p)
        birth = dt.date.fromordinal(rng.randint(_BIRTH_FIRST, _BIRTH_LAST))
        citizen_id = None
        if rng.random() < 0.92:
            century = (birth.year // 100 - 19) * 2 + (1 if gender == "female" else 0)
            citizen_id = f"011{century}{birth.year % 100:02d}{rng.randrange(10**6):06d}"
        phone = None
        if rng.random() < 0.80:
            phone = rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10**7):07d}"
        out.append(Person(name, birth, gender, eth, citizen_id, phone, rng.choice(villages)))
    return out


# --------------------------------------------------------------------------------------------
# Search-as-you-type queries


def typing_queries(rng: random.Random, people: Sequence[Person], n: int) -> list[str]:
    """What the search box sees while users type: every keystroke of some typing sessions.

    A session types the start of a real name (1-3 words, the last one cut short), with
    diacritics or without; one query in ten comes from typing the first digits of a citizen id.
    """
    fixed = ["ng", "nguyen v", "nguyễn văn đ", "lo van a", "giang a d"]

    def name_session() -> list[str]:
        p = rng.choice(people)
        style = rng.random()
        if style < 0.5:
            name = text.fold(p.full_name)  # "nguyen van duc"
        elif style < 0.85:
            name = p.full_name.lower()  # "nguyễn văn đức"
        else:
            name = p.full_name  # "Nguyễn Văn Đức"
        words = name.split()
        k = rng.randint(1, min(3, len(words)))
        last = words[k - 1]
        cut = rng.randint(min(2, len(last)) if k == 1 else 1, len(last))
        typed = " ".join([*words[: k - 1], last[:cut]])
        return [typed[:i] for i in range(2, len(typed) + 1)]

    def digit_session() -> list[str]:
        number = rng.choice([p.citizen_id for p in people[:1000] if p.citizen_id])
        typed = number[: rng.randint(6, 12)]
        return [typed[:i] for i in range(3, len(typed) + 1)]

    def sessions(make: Callable[[], list[str]], quota: int) -> list[list[str]]:
        out: list[list[str]] = []
        total = 0
        while total < quota:
            s = make()[: quota - total]
            out.append(s)
            total += len(s)
        return out

    n_digits = n // 10
    typed = sessions(name_session, n - n_digits - len(fixed)) + sessions(digit_session, n_digits)
    rng.shuffle(typed)
    return fixed + [q for s in typed for q in s]


# --------------------------------------------------------------------------------------------
# Helpers


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def pct(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 1_048_576:,.1f} MB"


def file_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def build_site(path: Path) -> tuple[dbapi.Connection, Store, list[str], float]:
    """A fresh commune database with its villages; returns the open time too."""
    t0 = time.perf_counter()
    conn = db.open_database(path)
    opened = time.perf_counter() - t0
    site.init_site(conn, name="Công an xã Mường Nhé (benchmark)", commune_code=COMMUNE_CODE)
    store = Store(conn, actor="benchmark")
    villages = [store.add("unit", {"name": f"Bản Huổi {i + 1:03d}", "level": "village",
                                   "parent_id": COMMUNE_CODE}).id for i in range(VILLAGES)]
    return conn, store, villages, opened


def insert_people(store: Store, people: Sequence[Person]) -> list[float]:
    """Through the one write path in batches; returns the seconds of each batch."""
    times = []
    for start in range(0, len(people), BATCH):
        batch = [p.as_input() for p in people[start:start + BATCH]]
        times.append(timed(lambda b=batch: store.add_many("person", b)))
    return times


def raw_insert(path: Path, rows: Sequence[tuple[object, ...]]) -> float:
    """Baseline: one executemany of the same values into a plain table, one transaction."""
    conn = dbapi.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")  # as desktop.storage.db.configure
    conn.execute("CREATE TABLE person (id TEXT, full_name TEXT, birth_date TEXT, gender TEXT, "
                 "ethnicity TEXT, citizen_id TEXT, phone TEXT, residence_unit_id TEXT)")
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO person VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


# --------------------------------------------------------------------------------------------
# The benchmark


def run(n_people: int, seed: int, keep: bool) -> None:
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="antq-bench-"))
    print(f"ANTQ Desk storage benchmark: {n_people:,} people, {VILLAGES} villages of commune "
          f"{COMMUNE_CODE}, batches of {BATCH:,}")
    print(f"Python {platform.python_version()}, SQLite {dbapi.sqlite_version}, "
          f"{os.cpu_count()} CPUs, {platform.platform()}")
    print(f"temporary databases in {tmp}{' (kept)' if keep else ''}")
    try:
        _run(tmp, n_people, seed)
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"\ntotal run time {time.perf_counter() - started:.1f} s")


def _run(tmp: Path, n_people: int, seed: int) -> None:
    rng = random.Random(seed)
    db_path = tmp / "bench.db"
    conn, store, villages, opened = build_site(db_path)
    people = make_people(rng, n_people, villages)
    raw_rows = [p.as_raw_row(new_id()) for p in people]

    # 1. Insert -----------------------------------------------------------------------------
    print("\n1. Insert")
    print(f"   setup: open_database (schema, catalogues, 2025 units) {opened:.2f} s; "
          f"init_site; {VILLAGES} villages through Store.add")
    batch_times = insert_people(store, people)
    write_s = sum(batch_times)
    raw_runs = [raw_insert(tmp / f"raw{i}.db", raw_rows) for i in range(3)]
    raw_s = statistics.median(raw_runs)
    rates = [min(BATCH, n_people - i * BATCH) / t for i, t in enumerate(batch_times)]
    first, last = rates[0], rates[-1]
    print(f"   write path  Store.add_many('person')    {n_people:>9,} rows {write_s:7.2f} s "
          f"{n_people / write_s:>10,.0f} rows/s   (first batch {first:,.0f}, "
          f"last batch {last:,.0f} rows/s)")
    print(f"   baseline    raw sqlite3 executemany     {n_people:>9,} rows {raw_s:7.2f} s "
          f"{n_people / raw_s:>10,.0f} rows/s   (median of 3; plain 8-column table, no "
          f"index, one transaction, WAL, synchronous=NORMAL)")
    print(f"   write path rows/s per batch of {BATCH:,}: "
          + " ".join(f"{r / 1000:.1f}k" for r in rates))
    print(f"   ratio write path time / raw time: {write_s / raw_s:.1f}x "
          f"(the write path runs at {100 * raw_s / write_s:.1f} % of the raw speed)")
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("person", "sync_cell", "audit_log")}
    print(f"   rows in the database: person {counts['person']:,}, sync_cell (field versions) "
          f"{counts['sync_cell']:,}, audit_log {counts['audit_log']:,}")
    print("   on top of the raw insert, for every person the write path: cleans and checks each "
          "field\n"
          "     (NFC, dd/mm/yyyy parse, phone, CCCD decoded twice: shape, then against birth "
          "year and gender),\n"
          "     resolves the ethnicity code and the residence village (a query each), looks up "
          "the partition\n"
          "     of the village (a query), looks for a duplicate citizen id (a query), makes 2 "
          "UUIDv7s, computes\n"
          "     name_key (Vietnamese name order) and the folded _search text, writes one "
          "sync_cell version per\n"
          "     set field + _deleted (HLC, origin, sequence) and one audit_log row (JSON of the "
          "values); the\n"
          "     FTS5 trigger indexes _search (prefixes 1-3) and SQLite maintains 4 person "
          "indexes, 2 sync_cell\n"
          "     and 3 audit_log b-trees")

    # 2. Search -----------------------------------------------------------------------------
    print("\n2. Search as you type")
    queries = typing_queries(rng, people, 500)
    raw_sql = "SELECT rowid FROM person_fts WHERE person_fts MATCH ? LIMIT 50"
    ranked_sql = "SELECT rowid FROM person_fts WHERE person_fts MATCH ? ORDER BY rank LIMIT 50"

    def app(q: str) -> object:
        return search_mod.search(conn, q, kinds=("person",), limit=50)

    def raw(q: str, sql: str = raw_sql) -> object:
        return conn.execute(sql, (fts_query(q),)).fetchall()

    for q in queries[:20]:  # warm the page cache and the statement cache
        app(q)
        raw(q)
    app_t = [timed(lambda q=q: app(q)) for q in queries]
    raw_t = [timed(lambda q=q: raw(q)) for q in queries]
    ranked_t = [timed(lambda q=q: raw(q, ranked_sql)) for q in queries]
    words = [len(q.split()) for q in queries]
    print(f"   {len(queries)} queries typed keystroke by keystroke: 1 word {words.count(1)}, "
          f"2 words {words.count(2)}, 3 words {words.count(3)}, citizen-id digits "
          f"{sum(q.isdigit() for q in queries)}; e.g. "
          + ", ".join(repr(q) for q in queries[:5] + queries[40:43]))
    print("   search.search(conn, q, kinds=('person',), limit=50):")
    print(f"     median {ms(statistics.median(app_t))}   p95 {ms(pct(app_t, 95))}   "
          f"max {ms(max(app_t))}")
    print(f"   baseline raw FTS5 ({raw_sql!r}, query from fts_query):")
    print(f"     median {ms(statistics.median(raw_t))}   p95 {ms(pct(raw_t, 95))}   "
          f"max {ms(max(raw_t))}")
    print(f"   ratio p95 search / p95 raw: {pct(app_t, 95) / pct(raw_t, 95):.1f}x")
    print("   for diagnosis, raw FTS5 ranked ('... ORDER BY rank LIMIT 50', bm25 over every "
          "match):")
    print(f"     median {ms(statistics.median(ranked_t))}   p95 {ms(pct(ranked_t, 95))}   "
          f"max {ms(max(ranked_t))}")
    def p95_of(pick: Callable[[str], bool]) -> str:
        sel = [t for q, t in zip(queries, app_t, strict=True) if pick(q)]
        return f"p95 {pct(sel, 95) * 1000:.1f} ms (n={len(sel)})" if sel else "none"

    print("   search p95 by kind of query: citizen-id digits "
          + p95_of(str.isdigit) + ", names of 2-3 characters "
          + p95_of(lambda q: not q.isdigit() and len(q.strip()) <= 3) + ", longer names "
          + p95_of(lambda q: not q.isdigit() and len(q.strip()) > 3))
    worst: dict[str, int] = {}  # slowest distinct queries -> index of their slowest run
    for i in sorted(range(len(queries)), key=lambda i: app_t[i], reverse=True):
        worst.setdefault(queries[i], i)
        if len(worst) == 5:
            break
    print("   slowest distinct queries (search ms / raw ms / matches):")
    for i in worst.values():
        matches = conn.execute("SELECT count(*) FROM person_fts WHERE person_fts MATCH ?",
                               (fts_query(queries[i]),)).fetchone()[0]
        print(f"     {queries[i]!r:24} {app_t[i] * 1000:7.1f} {raw_t[i] * 1000:7.2f} "
              f"{matches:>8,}")

    everyone = rosters.Scope()
    deep = max(0, min(99_000, n_people - 1_000))
    page0 = [timed(lambda: rosters.people_page(conn, everyone, offset=0, limit=500))
             for _ in range(20)]
    page_deep = [timed(lambda: rosters.people_page(conn, everyone, offset=deep, limit=500))
                 for _ in range(20)]
    count_t = [timed(lambda: rosters.count_people(conn, everyone)) for _ in range(20)]
    print("   roster of the whole commune in Vietnamese name order, rosters.people_page(limit=500),"
          " median of 20:")
    print(f"     offset 0      {ms(statistics.median(page0))}")
    print(f"     offset {deep:<6,} {ms(statistics.median(page_deep))}")
    print(f"     (rosters.count_people, the row count a lazy table needs: "
          f"{ms(statistics.median(count_t)).strip()})")
    roster_search(conn, queries, rng, people)

    # 3. Size and memory ---------------------------------------------------------------------
    print("\n3. Size and memory")
    wal = Path(str(db_path) + "-wal")
    before = file_size(db_path) + file_size(wal)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"   database file {mb(file_size(db_path))} after checkpoint "
          f"({mb(before)} with its WAL before); raw baseline file "
          f"{mb(file_size(tmp / 'raw0.db') + file_size(tmp / 'raw0.db-wal'))}")
    try:
        sizes = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name "
                             "ORDER BY 2 DESC LIMIT 8").fetchall()
        print("   largest b-trees: " + ", ".join(f"{r[0]} {mb(r[1])}" for r in sizes))
    except dbapi.OperationalError:
        pass  # SQLite built without dbstat
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_bytes = rss if sys.platform == "darwin" else rss * 1024
    print(f"   peak RSS of this process {mb(rss_bytes)} (includes the {n_people:,} generated "
          f"people kept in memory twice)")
    conn.close()

    p95 = pct(app_t, 95)
    verdict = "OK" if p95 <= SEARCH_BUDGET_MS / 1000 else "OVER"
    print(f"\nbudget: search p95 ≤ {SEARCH_BUDGET_MS:.0f} ms → {verdict} "
          f"(p95 {p95 * 1000:.1f} ms at {n_people:,} people)")


def roster_search(conn: dbapi.Connection, queries: Sequence[str], rng: random.Random,
                  people: Sequence[Person]) -> None:
    """The roster's first page (100 rows in name order) for each query, by the plan rosters
    chooses and by each plan forced: through the index, or walking the name index."""
    # Officers also type a given name alone: its people sit together in name order (given
    # name first), the case where a walk from the top finds nothing for a long time.
    given = sorted({p.full_name.split()[-1] for p in people})
    typed_given = [text.fold(g)[:i] for g in rng.sample(given, min(30, len(given)))
                   for i in range(2, len(text.fold(g)) + 1)]
    asked = [*queries, *typed_given]
    everyone = rosters.Scope()

    def first_page(q: str) -> object:
        return rosters.people_page(conn, everyone, search=q, limit=100)

    saved = walk.BROAD_SEARCH, walk.WALK_ROWS
    figures = {}
    for plan, settings in (("chosen", saved), ("index only", (10**9, saved[1])),
                           ("walk only", (1, 10**9))):
        walk.BROAD_SEARCH, walk.WALK_ROWS = settings
        for q in asked:  # the page cache warm for this plan's pages, as in a day's use
            first_page(q)
        figures[plan] = [timed(lambda q=q: first_page(q)) for q in asked]
    walk.BROAD_SEARCH, walk.WALK_ROWS = saved
    print(f"   roster search, first page of 100 in name order, {len(asked)} queries "
          f"({len(typed_given)} of them a given name alone; BROAD_SEARCH "
          f"{walk.BROAD_SEARCH:,}, WALK_ROWS {walk.WALK_ROWS:,}):")
    for plan, t in figures.items():
        print(f"     {plan:<11} median {ms(statistics.median(t))}   p95 {ms(pct(t, 95))}   "
              f"max {ms(max(t))}")
    slowest = sorted(range(len(asked)), key=lambda i: figures["chosen"][i], reverse=True)
    print("     slowest as chosen (chosen / index only / walk only ms, matches): " + ", ".join(
        f"{asked[i]!r} {figures['chosen'][i] * 1000:.1f}/{figures['index only'][i] * 1000:.1f}"
        f"/{figures['walk only'][i] * 1000:.1f} "
        f"{rosters.count_people(conn, everyone, asked[i]):,}" for i in slowest[:6]))


class _TimedConnection:
    """Forwards to a connection and adds up the time spent in each SQL statement."""

    def __init__(self, conn: dbapi.Connection) -> None:
        self._conn = conn
        self.spent: dict[str, list[float]] = {}  # statement -> [seconds, calls, rows]

    def _add(self, sql: str, seconds: float, rows: int) -> None:
        key = " ".join(sql.split())
        key = key if len(key) <= 90 else key[:87] + "..."
        entry = self.spent.setdefault(key, [0.0, 0, 0])
        entry[0] += seconds
        entry[1] += 1
        entry[2] += rows

    def execute(self, sql: str, params: Sequence[object] = ()) -> dbapi.Cursor:
        t0 = time.perf_counter()
        cur = self._conn.execute(sql, params)
        self._add(sql, time.perf_counter() - t0, 1)
        return cur

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> dbapi.Cursor:
        rows = list(rows)
        t0 = time.perf_counter()
        cur = self._conn.executemany(sql, rows)
        self._add(sql, time.perf_counter() - t0, len(rows))
        return cur

    def __getattr__(self, name: str) -> object:
        return getattr(self._conn, name)


def sql_time_by_statement(n_people: int, seed: int, top: int) -> None:
    """Without the profiler: where the SQL time of the insert goes, statement by statement."""
    tmp = Path(tempfile.mkdtemp(prefix="antq-bench-sql-"))
    try:
        conn, _store, villages, _opened = build_site(tmp / "sql.db")
        people = make_people(random.Random(seed), n_people, villages)
        timed_conn = _TimedConnection(conn)
        store = Store(timed_conn, actor="benchmark")  # type: ignore[arg-type]
        total = sum(insert_people(store, people))
        conn.close()
        sql_total = sum(e[0] for e in timed_conn.spent.values())
        print(f"\nSQL time by statement for {n_people:,} people (no profiler): "
              f"{total:.2f} s in add_many, {sql_total:.2f} s of it in SQLite "
              f"({100 * sql_total / total:.0f} %), the rest in Python")
        print(f"   {'seconds':>8} {'calls':>7} {'rows':>9}  statement")
        for key, (sec, calls, rows) in sorted(timed_conn.spent.items(),
                                              key=lambda kv: kv[1][0], reverse=True)[:top]:
            print(f"   {sec:8.3f} {calls:7,} {rows:9,}  {key}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def profile_insert(n_people: int, seed: int, top: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="antq-bench-prof-"))
    try:
        conn, store, villages, _opened = build_site(tmp / "prof.db")
        people = make_people(random.Random(seed), n_people, villages)
        batches = [[p.as_input() for p in people[i:i + BATCH]]
                   for i in range(0, len(people), BATCH)]
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        for batch in batches:
            prof.runcall(store.add_many, "person", batch)
        elapsed = time.perf_counter() - t0
        conn.close()
        print(f"cProfile of Store.add_many('person') for {n_people:,} people in batches of "
              f"{BATCH:,}: {elapsed:.2f} s under the profiler")
        stats = pstats.Stats(prof, stream=sys.stdout)
        stats.strip_dirs().sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sql_time_by_statement(n_people, seed, top)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000, help="people to insert")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the temporary databases")
    parser.add_argument("--profile", type=int, metavar="N",
                        help="only profile the insert of N people (cProfile) and print the top")
    parser.add_argument("--top", type=int, default=10, help="entries shown by --profile")
    args = parser.parse_args(argv)
    if args.people < BATCH:
        parser.error(f"--people must be at least {BATCH:,}")
    if args.profile:
        profile_insert(args.profile, args.seed, args.top)
    else:
        run(args.people, args.seed, args.keep)


if __name__ == "__main__":
    main()
