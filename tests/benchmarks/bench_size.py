"""Size benchmark (issue 12): what the database file is made of, at 10k, 100k and 300k people
and at the province of Điện Biên's size.

    .venv/bin/python tests/benchmarks/bench_size.py [--quick] [--sizes 10000,100000]

For each database (builders.py, through the write path) it prints the encrypted file's size,
then, on a plain copy (``sqlcipher_export``: SQLCipher has no ``dbstat``; the copy is deleted
after), the bytes of each part: the records and their indexes, the field versions (``sync_*``
tables and their indexes), the audit log (``audit*``), the full-text indexes (``*_fts*``),
the rest. Then the goals, each a ratio to a baseline computed from the same database:

- versions + audit (with their indexes) / the raw field bytes (the values of every field of
  every record written, as text, excluding what a new database already ships): goal ≤ 1.5;
- the whole file / the same rows in plain tables (every record table copied with
  ``CREATE TABLE … AS SELECT``: no index, no version, no audit, no FTS): goal ≤ 3;
- the province file ≤ 125 MB.

The plain copy is compact (an export rewrites every b-tree); the file as built is not. So the
encrypted file itself is read too, every page decrypted as SQLCipher 4 wrote it under the raw
key (AES-256-CBC, the IV at the start of the page's reserve) into a plain file of the same
layout: ``dbstat`` there gives the bytes its b-tree pages leave unused (inserts in an order
other than the tree's leave pages part-filled), and page 1 the bytes each page sets aside,
beside the bytes the cipher uses of them. "not measured" if the pages do not decrypt so.

It never asserts; sizes do not need alternation (they do not wander).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import benchkit as bk
import builders

from desktop.domain.kinds import KINDS
from desktop.storage import db

PARTS = ("data + indexes", "versions + indexes", "audit + indexes", "full-text (FTS)", "other")
VERSIONS_GOAL, PLAIN_GOAL, PROVINCE_GOAL_MB = 1.5, 3.0, 125


def part_of(table: str) -> str:
    if table in {k.table for k in KINDS.values()}:
        return "data + indexes"
    if "_fts" in table:
        return "full-text (FTS)"
    if table.startswith("sync_"):
        return "versions + indexes"
    if table.startswith("audit"):
        return "audit + indexes"
    return "other"


def btree_bytes(plain: sqlite3.Connection) -> dict[str, tuple[str, int]]:
    """b-tree name -> (its table, bytes), by the stdlib sqlite3's dbstat."""
    owner = {name: tbl for name, tbl in plain.execute(
        "SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")}
    out = {}
    for name, size in plain.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        out[name] = (owner.get(name, name), int(size))
    return out


def raw_field_bytes(plain: sqlite3.Connection) -> int:
    """The values of every field of every record, as text (what a version stands for)."""
    total = 0
    for kind in KINDS.values():
        cols = {r[1] for r in plain.execute(f"PRAGMA table_info({kind.table})")}
        names = [f.name for f in kind.fields if f.name in cols]
        if not names:
            continue
        expr = " + ".join(f"coalesce(sum(length(CAST({n} AS BLOB))), 0)" for n in names)
        total += int(plain.execute(f"SELECT {expr} FROM {kind.table}").fetchone()[0])
    return total


def plain_rows_bytes(plain_db: Path, target: Path) -> int:
    """The record tables' rows alone, in plain tables (no index, trigger, version, audit)."""
    conn = sqlite3.connect(plain_db, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS r", (str(target),))
        conn.execute("BEGIN")
        for kind in KINDS.values():
            conn.execute(f"CREATE TABLE r.{kind.table} AS SELECT * FROM main.{kind.table}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE r")
    finally:
        conn.close()
    return target.stat().st_size


PAGE = 4096


@dataclass
class AsBuilt:
    btree: int  # bytes of b-tree pages
    unused: int  # of them unused
    set_aside: int  # bytes each page's b-tree leaves at its end (the header's reserve)
    cipher: int  # of them, what the cipher writes (IV and HMAC)
    pages: int


def _decrypt(page: bytes, key: bytes, first: bool, reserve: int) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    start = 16 if first else 0  # page 1 begins with the salt
    iv = page[PAGE - reserve:PAGE - reserve + 16]
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return dec.update(page[start:PAGE - reserve]) + dec.finalize()


def as_built(path: Path, key: bytes, work: Path) -> AsBuilt | None:
    """The encrypted file's b-trees as they lie in it (the module's text)."""
    data = path.read_bytes()
    cipher = next((r for r in (80, 64, 48, 32) if _decrypt(data[:PAGE], key, True, r)[:2]
                   == PAGE.to_bytes(2, "big")), None)  # header bytes 16-17: the page size
    if cipher is None or len(data) % PAGE:
        return None
    out = bytearray()
    for n in range(len(data) // PAGE):
        plain = _decrypt(data[n * PAGE:(n + 1) * PAGE], key, n == 0, cipher)
        out += (b"SQLite format 3\x00" + plain if n == 0 else plain) + bytes(cipher)
    out[18] = out[19] = 1  # a rollback-journal header: read without looking for a WAL
    target = work / "as-built.db"
    target.write_bytes(bytes(out))
    try:
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            size, unused = conn.execute("SELECT sum(pgsize), sum(unused) FROM dbstat").fetchone()
        finally:
            conn.close()
    finally:
        target.unlink(missing_ok=True)
    return AsBuilt(int(size), int(unused), out[20], cipher, len(data) // PAGE)


def measure(built: builders.Built, work: Path, shipped_bytes: int) -> dict[str, float]:
    file_bytes = built.path.stat().st_size
    conn = built.open()
    try:
        free = int(conn.execute("PRAGMA freelist_count").fetchone()[0]) * int(
            conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()
    rows_path = work / "rows.db"
    plain_path = bk.shared_plain_copy(built.path, built.key)  # bench_cipher reads it too
    try:
        plain = sqlite3.connect(plain_path)
        try:
            trees = btree_bytes(plain)
            compact_unused = int(plain.execute("SELECT sum(unused) FROM dbstat").fetchone()[0])
            raw = raw_field_bytes(plain) - shipped_bytes
        finally:
            plain.close()
        rows_bytes = plain_rows_bytes(plain_path, rows_path)
        plain_bytes = plain_path.stat().st_size
    finally:
        rows_path.unlink(missing_ok=True)
    by_part: dict[str, int] = defaultdict(int)
    largest: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for name, (table, size) in trees.items():
        by_part[part_of(table)] += size
        largest[part_of(table)].append((size, name))
    people = built.counts.get("person", built.people)
    print(f"\n{builders.describe(built)}")
    print(f"   file {bk.mb(file_bytes)} encrypted ({file_bytes / max(people, 1):,.0f} bytes a "
          f"person; free pages {bk.mb(free)}); its plain copy {bk.mb(plain_bytes)}, of which:")
    total = sum(by_part.values()) or 1
    for part in PARTS:
        top = ", ".join(f"{n} {bk.mb(s)}" for s, n in sorted(largest[part], reverse=True)[:4])
        print(f"   {part:<20} {bk.mb(by_part[part]):>10} {100 * by_part[part] / total:5.1f} %"
              f"   ({top})")
    bookkeeping = by_part["versions + indexes"] + by_part["audit + indexes"]
    v_ratio = bookkeeping / raw if raw > 0 else float("nan")
    f_ratio = file_bytes / rows_bytes
    built_as = as_built(built.path, built.key, work)
    if built_as is None:
        print("   as built: not measured (the pages do not decrypt as SQLCipher 4's)")
    else:
        idle = (built_as.set_aside - built_as.cipher) * built_as.pages
        print(f"   as built: b-tree pages {bk.mb(built_as.btree)}, {bk.mb(built_as.unused)} of "
              f"them unused ({100 * built_as.unused / max(built_as.btree, 1):.1f} %; in the "
              f"plain copy's compact b-trees {bk.mb(compact_unused)}); each page sets "
              f"{built_as.set_aside} bytes aside, the cipher writes {built_as.cipher} of them "
              f"({bk.mb(idle)} never written)")
    print(f"   raw field bytes (the values written, as text) {bk.mb(raw)}: versions + audit "
          f"{bk.mb(bookkeeping)} = {v_ratio:.2f}× (goal ≤ {VERSIONS_GOAL}: "
          f"{bk.verdict(v_ratio <= VERSIONS_GOAL)}); versions alone "
          f"{by_part['versions + indexes'] / raw:.2f}×, audit alone "
          f"{by_part['audit + indexes'] / raw:.2f}×")
    print(f"   the same rows in plain tables {bk.mb(rows_bytes)}: the file is {f_ratio:.2f}× "
          f"(goal ≤ {PLAIN_GOAL:g}: {bk.verdict(f_ratio <= PLAIN_GOAL)})")
    if built.site_kind == "province":
        print(f"   province file {bk.mb(file_bytes)} (goal ≤ {PROVINCE_GOAL_MB} MB: "
              f"{bk.verdict(file_bytes <= PROVINCE_GOAL_MB * 1_048_576)})")
    sys.stdout.flush()
    return {"file": file_bytes, "per_person": file_bytes / max(people, 1),
            "versions_ratio": v_ratio, "plain_ratio": f_ratio,
            **{part: by_part[part] for part in PARTS}}


def shipped(work: Path) -> int:
    """The raw field bytes a new database already holds (units, catalogues): not written."""
    path = work / "new.db"
    db.open_database(path).close()
    key = db.known_key(path)
    assert key is not None
    bk.plain_copy(path, key, work / "new-plain.db")
    plain = sqlite3.connect(work / "new-plain.db")
    try:
        return raw_field_bytes(plain)
    finally:
        plain.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bk.add_size_options(parser)
    args = parser.parse_args(argv)
    started = bk.header("ANTQ Desk size benchmark: what the file is made of")
    results: dict[str, dict[str, float]] = {}
    with bk.run_folder("size") as folder, bk.scratch(folder, "size") as work:
        base = shipped(work)
        for built in builders.databases(folder, bk.sizes_of(args), bk.province_scale(args),
                                        seed=args.seed):
            name = bk.label(built.people) if built.site_kind == "commune" else "province"
            results[name] = measure(built, work, base)
    communes = {k: v for k, v in results.items() if k != "province"}
    print("\ngrowth with the number of people (communes):")
    print("   bytes a person: " + ", ".join(f"{k} {v['per_person']:,.0f}"
                                            for k, v in communes.items()))
    print("   versions + audit / raw field bytes: " + ", ".join(
        f"{k} {v['versions_ratio']:.2f}×" for k, v in results.items()))
    print("   file / same rows in plain tables: " + ", ".join(
        f"{k} {v['plain_ratio']:.2f}×" for k, v in results.items()))
    bk.footer(started)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
