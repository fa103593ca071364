"""Backups that cost little (issue 12): one automatic copy a day at most, kept by age (7 daily,
4 weekly, 12 monthly) within a disk budget, made in steps that report progress, can be
stopped, and copy one snapshot however the database is written meanwhile."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest

from desktop import cli
from desktop.domain.errors import UserError
from desktop.storage import backup, db
from desktop.storage.paths import backups_dir

NOW = dt.datetime(2026, 12, 1, 9, 30)
MB = backup.MB


def fake(db_path: Path, when: dt.datetime, reason: str = "daily", size: int = 1000) -> Path:
    """A file named as a backup made at ``when`` (the policy reads only names and sizes)."""
    folder = backups_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{db_path.stem}-{when:%Y%m%d-%H%M%S-%f}-{reason}.db"
    with p.open("wb") as f:
        f.truncate(size)
    return p


def days_ago(n: int, hour: int = 8) -> dt.datetime:
    return (NOW - dt.timedelta(days=n)).replace(hour=hour, minute=0)


def test_copies_are_kept_by_age_7_daily_4_weekly_12_monthly(tmp_path):
    db_path = tmp_path / "xa.db"
    made = {n: fake(db_path, days_ago(n)) for n in range(0, 500)}  # one copy a day
    extra_today = fake(db_path, NOW - dt.timedelta(hours=2), "manual")
    plan = backup.plan(backup.list_backups(db_path), backup.Policy(budget=100 * backup.GB),
                       NOW)
    kept = {k.backup.path: k.why for k in plan.kept}
    # The last 24 hours all, then the newest of each of the last 7 days…
    assert kept[made[0]] == "newest" and kept[extra_today] == "recent"
    assert all(kept.get(made[n]) == "daily" for n in range(1, 7))
    # …of each of the 4 last weeks (Sundays: the newest day of an ISO week)…
    weekly = sorted(n for p, why in kept.items() if why == "weekly"
                    for n, q in made.items() if q == p)
    assert len(weekly) <= 4 and all(days_ago(n).isoweekday() == 7 for n in weekly)
    # …and of the 12 last months: the last day of each month.
    monthly = [n for p, why in kept.items() if why == "monthly"
               for n, q in made.items() if q == p]
    assert len(monthly) <= 12 and all((days_ago(n) + dt.timedelta(days=1)).day == 1
                                      for n in monthly)
    assert len(plan.kept) <= 1 + 1 + 6 + 4 + 12
    oldest_kept = min(k.backup.created for k in plan.kept)
    assert oldest_kept > NOW - dt.timedelta(days=366)
    assert {b.path for b in plan.by_age} == set(made.values()) - set(kept)
    assert plan.by_budget == []


def test_the_budget_drops_the_oldest_first_never_the_newest(tmp_path):
    db_path = tmp_path / "xa.db"
    copies = [fake(db_path, days_ago(n), size=300 * MB) for n in range(5)]
    plan = backup.plan(backup.list_backups(db_path), backup.Policy(budget=1000 * MB), NOW)
    assert [k.backup.path for k in plan.kept] == copies[:3]
    assert [b.path for b in plan.by_budget] == copies[3:]
    assert plan.kept_size == 900 * MB and plan.used == 1500 * MB
    # A budget smaller than one copy still keeps the newest.
    small = backup.plan(backup.list_backups(db_path), backup.Policy(budget=100 * MB), NOW)
    assert [k.backup.path for k in small.kept] == [copies[0]]


def test_prune_deletes_what_the_plan_drops_and_old_part_files(tmp_path):
    db_path = tmp_path / "xa.db"
    copies = [fake(db_path, days_ago(n * 40)) for n in range(20)]  # every 40 days
    stale = backups_dir(db_path) / "xa-20261101-000000-000000-daily.db.part"
    stale.write_bytes(b"half")
    old = time.time() - 2 * backup.STALE_PART_SECONDS
    os.utime(stale, (old, old))
    live = backups_dir(db_path) / "xa-20261201-093000-000000-daily.db.part"
    live.write_bytes(b"being written")
    done = backup.prune(db_path, now=NOW)
    assert {b.path for b in done.dropped} == {p for p in copies if not p.exists()}
    assert copies[0].exists() and not copies[-1].exists()  # older than 12 months
    assert not stale.exists() and live.exists()


def test_the_policy_is_saved_beside_the_backups_and_checked(tmp_path):
    db_path = tmp_path / "xa.db"
    assert backup.load_policy(db_path) == backup.Policy()
    backup.save_policy(db_path, backup.Policy(budget=5 * backup.GB, daily=3))
    assert backup.load_policy(db_path) == backup.Policy(daily=3, budget=5 * backup.GB)
    with pytest.raises(UserError, match="Hạn mức"):
        backup.save_policy(db_path, backup.Policy(budget=10 * MB))
    (backups_dir(db_path) / backup.POLICY_FILE).write_text("{not json")
    assert backup.load_policy(db_path) == backup.Policy()
    assert backup.parse_size("2GB") == 2 * backup.GB
    assert backup.parse_size("500 MB") == 500 * MB
    assert backup.parse_size("1,5G") == int(1.5 * backup.GB)
    with pytest.raises(UserError, match="không phải dung lượng"):
        backup.parse_size("nhiều")


def test_the_automatic_copy_is_made_at_most_once_a_day(conn, db_path, commune_site):
    monday = dt.datetime(2026, 11, 30, 8, 0)
    made = backup.automatic_backup(db_path, now=monday)
    assert made is not None and made.name.startswith("test-20261130-080000")
    assert backup.automatic_backup(db_path, now=monday + dt.timedelta(hours=9)) is None
    # A copy made by hand counts for its day too.
    backup.backup_now(conn, db_path, "manual", now=monday + dt.timedelta(days=1, hours=1))
    assert not backup.automatic_due(db_path, monday + dt.timedelta(days=1, hours=5))
    later = backup.automatic_backup(db_path, now=monday + dt.timedelta(days=2))
    assert later is not None and backup.list_backups(db_path)[0].reason == "daily"
    check = db.open_file(later, db.key_for(later))
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()


def test_a_copy_reports_progress_and_is_one_snapshot_while_others_write(
        store, conn, db_path, monkeypatch):
    for i in range(300):
        store.add("person", {"full_name": f"Người thứ {i}", "notes": "x" * 2000})
    monkeypatch.setattr(backup, "STEP_PAGES", 10)
    other = db.connect(db_path)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        if not seen:  # a write by another connection while the copy runs
            other.execute("UPDATE person SET notes = 'sau' WHERE rowid IN "
                          "(SELECT rowid FROM person LIMIT 50)")
        seen.append((done, total))

    made = backup.backup_now(db.connect(db_path), db_path, "manual", progress=progress)
    other.close()
    assert len(seen) > 5 and seen[-1][0] == seen[-1][1]
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)  # never restarted
    check = db.open_file(made, db.key_for(made))
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert check.execute("SELECT count(*) FROM person WHERE notes = 'sau'").fetchone()[0] == 0
    check.close()


def test_a_stopped_copy_leaves_nothing(store, conn, db_path, monkeypatch):
    for i in range(100):
        store.add("person", {"full_name": f"Người thứ {i}", "notes": "x" * 2000})
    monkeypatch.setattr(backup, "STEP_PAGES", 5)
    calls = []
    with pytest.raises(backup.BackupCancelled):
        backup.backup_now(conn, db_path, "manual",
                          cancel=lambda: calls.append(1) or len(calls) > 2)
    assert list(backups_dir(db_path).iterdir()) == []
    assert not conn.in_transaction


def test_cli_backup_list_and_prune(conn, db_path, commune_site, capsys):
    conn.close()
    assert cli.main(["backup", "--db", str(db_path)]) == 0
    capsys.readouterr()
    for n in range(1, 30):
        fake(db_path, dt.datetime.now() - dt.timedelta(days=n), size=2 * MB)
    assert cli.main(["backup", "list", "--db", str(db_path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed["backups"]) == 30 and listed["used"] >= 29 * 2 * MB
    assert listed["budget"] == backup.Policy().budget
    dropping = {b["file"] for b in listed["backups"] if b["keep"] is None}
    assert dropping and all(not b["keep"] for b in listed["backups"]
                            if b["file"] in dropping)
    # --dry-run says what would go and deletes nothing; the budget given is remembered.
    assert cli.main(["backup", "prune", "--dry-run", "--budget", "5MB", "--db",
                     str(db_path)]) == 2
    assert "Hạn mức" in capsys.readouterr().err
    assert cli.main(["backup", "prune", "--dry-run", "--budget", "1GB", "--db",
                     str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "Sẽ xóa" in out and len(backup.list_backups(db_path)) == 30
    assert backup.load_policy(db_path).budget == backup.Policy().budget  # dry: not saved
    assert cli.main(["backup", "prune", "--budget", "1GB", "--db", str(db_path)]) == 0
    assert "Đã xóa" in capsys.readouterr().out
    assert {str(b.path) for b in backup.list_backups(db_path)}.isdisjoint(dropping)
    assert backup.load_policy(db_path).budget == backup.GB
    assert cli.main(["backup", "--list", "--db", str(db_path)]) == 0  # as before
    assert "manual" in capsys.readouterr().out
