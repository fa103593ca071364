"""The benchmark databases, built through the program's write path (``Store.add_many``) from a
fixed seed, so anyone can rebuild the figures:

- a **commune** (xã Mường Nhé, 03160, 150 villages) of N people, and for every 1,000 people
  10 organizations (their members from the village), 20 minutes with the members' attendance,
  and 10 good deeds;
- the **province** of Điện Biên's size (issue 12): its 45 communes, 14 villages each, 60,000
  people, 4,400 organizations, 60,000 memberships, 10,000 minutes, 136,000 attendance rows,
  600 good deeds (``scale`` shrinks every count, for ``--quick``).

People come in chunks of 1,000, each from its own seed, so the commune of 100,000 people is the
same whether built at once or grown from the 10,000-person one: :func:`commune` grows the
largest smaller commune already built in the folder. Each database has a chief account
(``ACCOUNT``/``PASSWORD``, the real key derivation) and its key in a ``.json`` beside it, so
another benchmark process of the same run opens it without a login. Everything lives in the
run's temporary folder (benchkit.run_folder) and goes with it.

Once built, each database has its duplicates scan run once (``duplicates.scan``, untimed, not
in ``build_s``): a database in use has had its people looked at by the Trùng lặp page or
``antq duplicates scan``, so what is benchmarked on it (an import above all) does not pay for
the backlog a bulk build leaves, every person still to scan.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import benchkit  # noqa: F401  (puts the repository on sys.path when run as a script)

from desktop.domain import text
from desktop.storage import accounts, db, dbapi, duplicates, keyfile, rosters, site
from desktop.storage.writer import Store

COMMUNE_CODE = "03160"  # xã Mường Nhé, Điện Biên
PROVINCE_CODE = "11"  # Điện Biên
VILLAGES = 150
CHUNK = 1_000  # people generated from one seed
BATCH = 5_000  # people per add_many while building
ACCOUNT, PASSWORD = "chihuy", "mat khau benchmark 2026"
TODAY = dt.date(2026, 11, 30)
ADULT_BEFORE = 2006  # born before: 18 or older whenever the benchmarks run (members, attendees)

# The province of issue 12 (Điện Biên after the 2025 merger).
PROVINCE = {"communes": 45, "villages_per_commune": 14, "person": 60_000, "organization": 4_400,
            "membership": 60_000, "meeting": 10_000, "attendance": 136_000, "deed": 600}

# --------------------------------------------------------------------------------------------
# People of a mountain commune of Điện Biên

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


def citizen_id(birth_year: int, gender: str, index: int) -> str:
    """A CCCD of Điện Biên (011) that agrees with the birth year and gender (the write path
    refuses one that does not) and never repeats: its last six digits are ``index``
    (< 1,000,000) scrambled one to one. Indexes: a database's own people from 0, people
    the benchmarks add from 900,000 on."""
    century = (birth_year // 100 - 19) * 2 + (1 if gender == "female" else 0)
    return f"011{century}{birth_year % 100:02d}{(index * 7919 + 104729) % 10**6:06d}"


def make_people(rng: random.Random, n: int, villages: Sequence[str],
                first: int = 0) -> list[Person]:
    """``n`` people, the first of them person number ``first`` of the database."""
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
        number = None
        if rng.random() < 0.92:
            rng.randrange(10**6)  # drawn as before, so every other value stays the same
            number = citizen_id(birth.year, gender, first + len(out))
        phone = None
        if rng.random() < 0.80:
            phone = rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10**7):07d}"
        out.append(Person(name, birth, gender, eth, number, phone, rng.choice(villages)))
    return out


def people_chunk(seed: int, chunk: int, villages: Sequence[str]) -> list[Person]:
    """People ``chunk * CHUNK`` to ``(chunk + 1) * CHUNK - 1`` of a commune: always the same."""
    return make_people(random.Random(f"people:{seed}:{chunk}"), CHUNK, villages,
                       first=chunk * CHUNK)


def commune_people(seed: int, n: int, villages: Sequence[str]) -> list[Person]:
    """The first ``n`` people of the commune built with ``seed`` (``n`` a multiple of CHUNK)."""
    return [p for c in range(n // CHUNK) for p in people_chunk(seed, c, villages)]


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


def sample_people(conn: dbapi.Connection, n: int = 2_000) -> list[Person]:
    """About ``n`` people read back from a database, spread over it: queries are typed from
    names and numbers really there."""
    total = int(conn.execute("SELECT count(*) FROM person").fetchone()[0])
    return [Person(r[0], TODAY, "", "", r[1], r[2], "") for r in conn.execute(
        "SELECT full_name, citizen_id, phone FROM person WHERE _deleted = 0 AND _rowid % ? = 0 "
        "LIMIT ?", (max(1, total // n), n))]


def digit_queries(rng: random.Random, people: Sequence[Person], n: int) -> list[str]:
    """CCCD and phone numbers typed digit by digit (every prefix from 3 digits on)."""
    out: list[str] = []
    numbers = [p.citizen_id for p in people if p.citizen_id] + [p.phone for p in people
                                                                 if p.phone]
    while len(out) < n:
        number = rng.choice(numbers)
        out += [number[:i] for i in range(3, len(number) + 1)]
    return out[:n]


# --------------------------------------------------------------------------------------------
# Databases

_ORG_ROLES = {  # organization type: (lead, deputy, member) roles
    "to_bao_ve_antt": ("to_truong", "to_pho", "to_vien"),
    "to_hoa_giai": ("to_truong_hoa_giai", "hoa_giai_vien", "hoa_giai_vien"),
    "to_tu_quan": ("to_truong", "to_pho", "to_vien"),
    "doi_dan_phong": ("doi_truong", "doi_pho", "doi_vien"),
    "clb_giao_duc_con_em": ("chu_nhiem_clb", "pho_chu_nhiem_clb", "thanh_vien"),
}
_ORG_NAMES = {"to_bao_ve_antt": "Tổ bảo vệ an ninh, trật tự", "to_hoa_giai": "Tổ hòa giải",
              "to_tu_quan": "Tổ tự quản", "doi_dan_phong": "Đội dân phòng",
              "clb_giao_duc_con_em": "Câu lạc bộ giáo dục con em"}
_TITLES = ("Họp định kỳ quý {q}", "Sinh hoạt tổ tháng {m}", "Triển khai phong trào toàn dân bảo "
           "vệ an ninh Tổ quốc", "Hòa giải mâu thuẫn tại {v}", "Tuần tra đêm tháng {m}")
_DEEDS = ("Phát hiện, tố giác đối tượng trộm cắp tài sản", "Tham gia chữa cháy rừng",
          "Hòa giải thành vụ tranh chấp đất đai", "Giúp đỡ người gặp nạn trên đường")


@dataclass
class Built:
    """A database made by this module: where it is, its key, what it holds."""

    path: Path
    key: bytes
    site_kind: str  # "commune" or "province"
    unit_code: str
    people: int
    counts: dict[str, int] = field(default_factory=dict)
    build_s: float = 0.0
    name: str = ""

    def open(self) -> dbapi.Connection:
        return db.open_database(self.path, key=self.key)

    def scope(self, conn: dbapi.Connection) -> rosters.Scope:
        """The roster this site opens on: its own commune's (or province's) residents."""
        unit_id = rosters.unit_of_site(conn, self.unit_code)
        return rosters.Scope("unit", unit_id)

    def copy_to(self, folder: Path, name: str | None = None) -> Built:
        """A copy with its key file (the copy opens with the same key and login)."""
        target = folder / (name or self.path.name)
        shutil.copyfile(self.path, target)
        if keyfile.exists(self.path):
            shutil.copyfile(keyfile.keyfile_path(self.path), keyfile.keyfile_path(target))
        db.remember_key(target, self.key)
        return Built(target, self.key, self.site_kind, self.unit_code, self.people,
                     dict(self.counts), self.build_s, self.name)

    def save(self) -> None:
        meta = asdict(self) | {"path": str(self.path), "key": self.key.hex()}
        self.path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> Built | None:
        meta_path = path.with_suffix(".json")
        if not (path.exists() and meta_path.exists()):
            return None
        meta = json.loads(meta_path.read_text())
        built = cls(**(meta | {"path": path, "key": bytes.fromhex(meta["key"])}))
        db.remember_key(path, built.key)
        return built


def counts(conn: dbapi.Connection) -> dict[str, int]:
    return {t: int(conn.execute(f"SELECT count(*) FROM {t} WHERE _deleted = 0").fetchone()[0])
            for t in ("person", "organization", "membership", "meeting", "attendance", "deed")}


def _in_use(conn: dbapi.Connection, name: str, quiet: bool) -> None:
    """The duplicates scan a database in use has had (module docstring); not timed."""
    t0 = time.perf_counter()
    r = duplicates.scan(conn)
    if not quiet:
        _say(f"{name}: duplicates scan of {r.checked:,} people, {r.found:,} candidates, "
             f"{time.perf_counter() - t0:.0f} s (not in the build time)")


def _finish(conn: dbapi.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _new_database(path: Path) -> dbapi.Connection:
    for suffix in ("", "-wal", "-shm", keyfile.SUFFIX, ".json"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.with_suffix(".json").unlink(missing_ok=True)
    db.forget_key(path)
    conn = db.open_database(path)
    accounts.create_first(conn, ACCOUNT, PASSWORD)  # the window's login (real key derivation)
    return conn


def _say(msg: str) -> None:
    print(f"   [build] {msg}", flush=True)


def commune(folder: Path, n: int, *, seed: int = 2026, quiet: bool = False) -> Built:
    """The commune of ``n`` people (a multiple of 1,000), built or found in ``folder``; grown
    from the largest smaller one there, if any."""
    if n % CHUNK:
        raise ValueError(f"a commune's people come by {CHUNK:,}: {n:,}")
    path = folder / f"commune-{seed}-{n}.db"
    found = Built.load(path)
    if found is not None:
        return found
    t0 = time.perf_counter()
    smaller = sorted((b for b in (Built.load(p) for p in folder.glob(f"commune-{seed}-*.db"))
                      if b is not None and b.people < n), key=lambda b: b.people)
    if smaller:
        base = smaller[-1]
        base.copy_to(folder, path.name)
        conn = db.open_database(path, key=base.key)
        start, key = base.people, base.key
        villages = [r[0] for r in conn.execute(
            "SELECT id FROM unit WHERE level = 'village' AND parent_id = ? AND _deleted = 0 "
            "ORDER BY name", (rosters.unit_of_site(conn, COMMUNE_CODE),))]
    else:
        conn = _new_database(path)
        key = db.known_key(path)
        assert key is not None
        site.init_site(conn, name="Công an xã Mường Nhé (benchmark)", commune_code=COMMUNE_CODE)
        villages = Store(conn, actor="bench", today=TODAY).add_many("unit", [
            {"name": f"Bản Huổi {i + 1:03d}", "level": "village", "parent_id": COMMUNE_CODE}
            for i in range(VILLAGES)])
        start = 0
    try:
        store = Store(conn, actor="bench", today=TODAY)
        for first in range(start, n, BATCH):
            chunks = range(first // CHUNK, min(n, first + BATCH) // CHUNK)
            people = [p for c in chunks for p in people_chunk(seed, c, villages)]
            ids = store.add_many("person", [p.as_input() for p in people])
            for c in chunks:
                lo = (c - first // CHUNK) * CHUNK
                _commune_extras(store, random.Random(f"extras:{seed}:{c}"),
                                people[lo:lo + CHUNK], ids[lo:lo + CHUNK])
            done = min(n, first + BATCH)
            if not quiet and (done % 50_000 == 0 or done == n):
                _say(f"commune {done:,}/{n:,} people, "
                     f"{time.perf_counter() - t0:.0f} s")
        built = Built(path, key, "commune", COMMUNE_CODE, n, counts(conn),
                      time.perf_counter() - t0, f"commune of {benchkit.label(n)} people")
        if smaller:
            built.build_s += smaller[-1].build_s
        _in_use(conn, built.name, quiet)
    finally:
        _finish(conn)
    built.save()
    return built


def _commune_extras(store: Store, rng: random.Random, people: Sequence[Person],
                    ids: Sequence[str]) -> None:
    """For 1,000 people: 10 organizations of their villages with their members, 2 minutes
    of each with the members' attendance, 10 good deeds."""
    by_village: dict[str, list[str]] = {}
    adults = [p for p in people if p.birth.year < ADULT_BEFORE]
    for p, pid in zip(people, ids, strict=True):
        if p.birth.year < ADULT_BEFORE:  # members are adults (Luật 30/2023: from 18)
            by_village.setdefault(p.village, []).append(pid)
    kinds = list(_ORG_ROLES)
    orgs, members_of = [], []
    for j in range(10):
        village = adults[rng.randrange(len(adults))].village
        residents = by_village[village]
        members = rng.sample(residents, min(len(residents), rng.randint(4, 8)))
        kind = kinds[j % len(kinds)]
        orgs.append({"name": f"{_ORG_NAMES[kind]} {rng.randrange(10**4)}", "org_type": kind,
                     "unit_id": village, "status": "active",
                     "founded_date": dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(1500))})
        members_of.append((kind, members))
    org_ids = store.add_many("organization", orgs)
    memberships, meetings, attendees = [], [], []
    for org_id, (kind, members) in zip(org_ids, members_of, strict=True):
        lead, deputy, member = _ORG_ROLES[kind]
        roles = [lead, deputy] + [member] * len(members)
        memberships += [{"person_id": p, "organization_id": org_id, "role": r}
                        for p, r in zip(members, roles, strict=False)]
        for _m in range(2):
            meetings.append(_meeting(rng, org_id, members, "bản"))
            attendees.append(members)
    store.add_many("membership", memberships)
    meeting_ids = store.add_many("meeting", meetings)
    store.add_many("attendance", [{"meeting_id": m, "person_id": p, "present": rng.random() < 0.9}
                                  for m, ps in zip(meeting_ids, attendees, strict=True)
                                  for p in ps])
    store.add_many("deed", [_deed(rng, pid) for pid in rng.sample(list(ids), 10)])


def _meeting(rng: random.Random, org_id: str, members: Sequence[str], where: str
             ) -> dict[str, object]:
    start = dt.datetime(2024, 1, 1, rng.choice((8, 14, 19))) + dt.timedelta(
        days=rng.randrange(1000))
    return {"organization_id": org_id, "kind": "sinh_hoat_dinh_ky", "issuer": "TBV",
            "title": rng.choice(_TITLES).format(q=1 + start.month // 4, m=start.month, v=where),
            "started_at": start, "ended_at": start + dt.timedelta(hours=2),
            "place": "Nhà văn hóa " + where, "chair_id": members[0],
            "secretary_id": members[-1],
            "content": "Triển khai phong trào toàn dân bảo vệ an ninh Tổ quốc; rà soát tình "
                       "hình an ninh, trật tự trên địa bàn",
            "conclusions": "Thống nhất thực hiện"}


def _deed(rng: random.Random, person_id: str) -> dict[str, object]:
    return {"person_id": person_id, "description": rng.choice(_DEEDS),
            "deed_date": dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(1700))}


def _split(total: int, parts: int) -> list[int]:
    q, r = divmod(total, parts)
    return [q + (1 if i < r else 0) for i in range(parts)]


def province(folder: Path, *, scale: float = 1.0, seed: int = 2026,
             quiet: bool = False) -> Built:
    """Điện Biên's province database (PROVINCE's counts times ``scale``), built or found."""
    path = folder / f"province-{seed}-{scale:g}.db"
    found = Built.load(path)
    if found is not None:
        return found
    t0 = time.perf_counter()
    want = {k: max(1, round(v * scale)) for k, v in PROVINCE.items()
            if k not in ("communes", "villages_per_commune")}
    conn = _new_database(path)
    key = db.known_key(path)
    assert key is not None
    try:
        site.init_site(conn, name="Công an tỉnh Điện Biên (benchmark)",
                       province_code=PROVINCE_CODE)
        store = Store(conn, actor="bench", today=TODAY)
        communes = [r[0] for r in conn.execute(
            "SELECT u.id FROM unit u JOIN unit p ON p.id = u.parent_id WHERE p.code = ? "
            "AND u.level = 'commune' AND u.valid_to IS NULL ORDER BY u.code", (PROVINCE_CODE,))]
        n_c = len(communes)
        if n_c != PROVINCE["communes"]:
            _say(f"the reference data has {n_c} communes in province {PROVINCE_CODE}, not "
                 f"{PROVINCE['communes']}")
        shares = {k: _split(v, n_c) for k, v in want.items()}
        rng = random.Random(f"province:{seed}")
        for ci, commune_id in enumerate(communes):
            _province_commune(store, rng, ci, commune_id, {k: v[ci] for k, v in shares.items()},
                              first=sum(shares["person"][:ci]))
            if not quiet and (ci + 1) % 15 == 0:
                _say(f"province {ci + 1}/{n_c} communes, {time.perf_counter() - t0:.0f} s")
        built = Built(path, key, "province", PROVINCE_CODE, want["person"], counts(conn),
                      time.perf_counter() - t0,
                      "province of Điện Biên's size" if scale == 1 else
                      f"province at {scale:g} of Điện Biên's size")
        _in_use(conn, built.name, quiet)
    finally:
        _finish(conn)
    built.save()
    return built


def _province_commune(store: Store, rng: random.Random, ci: int, commune_id: str,
                      want: dict[str, int], first: int) -> None:
    villages = store.add_many("unit", [
        {"name": f"Bản {ci + 1:02d}-{v + 1:02d}", "level": "village", "parent_id": commune_id}
        for v in range(PROVINCE["villages_per_commune"])])
    people = make_people(rng, want["person"], villages, first=first)
    everyone = store.add_many("person", [p.as_input() for p in people])
    residents: dict[str, list[str]] = {}  # the adults: members and attendees
    ids = []
    for p, pid in zip(people, everyone, strict=True):
        if p.birth.year < ADULT_BEFORE:
            residents.setdefault(p.village, []).append(pid)
            ids.append(pid)
    kinds = list(_ORG_ROLES)
    orgs = [{"name": f"{_ORG_NAMES[kinds[i % len(kinds)]]} {ci + 1}-{i + 1}",
             "org_type": kinds[i % len(kinds)], "unit_id": villages[i % len(villages)],
             "status": "active",
             "founded_date": dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(2000))}
            for i in range(want["organization"])]
    org_ids = store.add_many("organization", orgs)
    members: list[list[str]] = []
    memberships = []
    for org, org_id, quota in zip(orgs, org_ids, _split(want["membership"], len(orgs)),
                                  strict=True):
        pool = residents.get(str(org["unit_id"]), [])
        chosen = rng.sample(pool, min(quota, len(pool)))
        if len(chosen) < quota:  # a small village: neighbours of the commune join
            taken = set(chosen)
            others = [p for p in ids if p not in taken]
            chosen += rng.sample(others, min(quota - len(chosen), len(others)))
        lead, deputy, member = _ORG_ROLES[str(org["org_type"])]
        roles = [lead, deputy] + [member] * len(chosen)
        memberships += [{"person_id": p, "organization_id": org_id, "role": r}
                        for p, r in zip(chosen, roles, strict=False)]
        members.append(chosen)
    store.add_many("membership", memberships)
    meetings, attendance_of = [], []
    for i, quota in enumerate(_split(want["attendance"], want["meeting"])):
        o = i % len(org_ids)
        present = list(members[o][:quota])
        if len(present) < quota:  # a village meeting: residents come besides the members
            taken = set(present)
            pool = [p for p in residents.get(str(orgs[o]["unit_id"]), ids)
                    if p not in taken] or ids
            present += rng.sample(pool, min(quota - len(present), len(pool)))
        meetings.append(_meeting(rng, org_ids[o], members[o] or present, "bản"))
        attendance_of.append(present)
    meeting_ids = store.add_many("meeting", meetings)
    store.add_many("attendance", [{"meeting_id": m, "person_id": p, "present": True}
                                  for m, ps in zip(meeting_ids, attendance_of, strict=True)
                                  for p in ps])
    store.add_many("deed", [_deed(rng, pid) for pid in rng.sample(ids, min(len(ids),
                                                                         want["deed"]))])


def describe(built: Built) -> str:
    c = built.counts
    return (f"{built.name}: {c.get('person', 0):,} people, {c.get('organization', 0):,} "
            f"organizations, {c.get('membership', 0):,} memberships, {c.get('meeting', 0):,} "
            f"minutes, {c.get('attendance', 0):,} attendance rows, {c.get('deed', 0):,} deeds "
            f"(built through Store.add_many in {built.build_s:.0f} s)")


def databases(folder: Path, sizes: Sequence[int], province_scale: float | None, *,
              seed: int = 2026) -> list[Built]:
    """The communes of ``sizes`` (smallest first, each grown from the one before) and the
    province when ``province_scale`` is given."""
    out = [commune(folder, n, seed=seed) for n in sorted(sizes)]
    if province_scale is not None:
        out.append(province(folder, scale=province_scale, seed=seed))
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """Build the databases of a run into its folder (``ANTQ_BENCH_DIR``): run_all.py builds
    the communes and the province in two processes at once, before any timing starts."""
    import argparse
    import os

    parser = argparse.ArgumentParser(description=main.__doc__)
    benchkit.add_size_options(parser)
    parser.add_argument("--what", choices=("communes", "province"), required=True)
    parser.add_argument("--setups", default="",
                        help="then the untimed databases of these benchmarks, comma-separated: "
                             "sync:PEOPLE (the two sending sites), undo:SCALE:PEOPLE (the "
                             "province enrolled with a commune, its bundles), "
                             "province_import:SCALE (its province, the 45 communes' bundles)")
    args = parser.parse_args(argv)
    folder = Path(os.environ[benchkit.RUN_DIR_ENV])
    if args.what == "communes":
        built = [commune(folder, n, seed=args.seed) for n in benchkit.sizes_of(args)]
    else:
        scale = benchkit.province_scale(args)
        built = [] if scale is None else [province(folder, scale=scale, seed=args.seed)]
    for b in built:
        print(f"   built {describe(b)}", flush=True)
    for item in filter(None, args.setups.split(",")):
        try:
            setup(folder, *item.split(":", 1))
        except Exception as e:  # noqa: BLE001 — the benchmark builds it, or fails, itself
            print(f"   [build] {item} not made ahead ({type(e).__name__}: {e}); its benchmark "
                  f"makes it", flush=True)


def setup(folder: Path, name: str, arg: str) -> None:
    """What a benchmark builds for itself before timing anything, made ahead into the run's
    folder, where the benchmark finds it: run_all.py has the province's builder make it once
    the province is built, while the communes (the longer build) still take the other core."""
    t0 = time.perf_counter()
    if name == "sync":
        import bench_sync

        for kind in ("province", "commune"):
            bench_sync.sender(folder, kind, int(arg))
        what = f"bench_sync's two sending sites of {int(arg):,} people"
    elif name == "undo":
        import bench_undo

        scale, people = (float(x) for x in arg.split(":"))
        bench_undo.prepared(folder, province(folder, scale=scale), int(people))
        what = f"bench_undo's enrolled province and two bundles ({int(people):,} people)"
    elif name == "province_import":
        import bench_province_import

        bench_province_import.build(folder, float(arg))
        what = f"bench_province_import's province and 45 communes' bundles at {float(arg):g}"
    else:
        raise SystemExit(f"no setup for {name!r}")
    print(f"   built {what} in {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
