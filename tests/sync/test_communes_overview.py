"""The province's overview of its communes (issue 15, *Các xã*, ``antq communes``): the last
bundle received and its age, late past the threshold the province sets (stored), the last
bundle sent, the figures of each commune's partitions, open conflicts, clock warnings, the key's
replacement date and the months a commune sent nothing in."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from synckit import Node

from desktop import cli
from desktop.domain.errors import UserError
from desktop.storage import rosters
from desktop.sync import folder_import, overview


def fill(node: Node) -> str:
    """A village, a Tổ with one member, a meeting this month and a tip; returns the person."""
    unit = rosters.unit_of_site(node.conn, node.part)
    village = node.store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                      "parent_id": unit}).id
    org = node.store.add("organization", {"name": "Tổ bảo vệ ANTT bản Huổi Lếch",
                                          "org_type": "to_bao_ve_antt",
                                          "unit_id": village}).id
    pid = node.store.add("person", {"full_name": "Lò Văn Sáng",
                                    "residence_unit_id": village}).id
    gone = node.store.add("person", {"full_name": "Quàng Văn Nọi"}).id
    node.store.add("membership", {"person_id": pid, "organization_id": org, "role": "to_vien"})
    node.store.add("membership", {"person_id": gone, "organization_id": org, "role": "to_vien",
                                  "left_date": "01/01/2026"})
    today = dt.date.today()
    node.store.add("meeting", {"organization_id": org, "title": "Họp tổ",
                               "started_at": today.strftime("08:00 %d/%m/%Y")})
    last_year = dt.date(today.year - 1, today.month, min(today.day, 28))  # (29 February)
    node.store.add("meeting", {"organization_id": org, "title": "Họp năm trước",
                               "started_at": last_year.strftime("08:00 %d/%m/%Y")})
    node.store.add("tip", {"received_at": today.strftime("08:00 %d/%m/%Y"),
                           "channel": "dien_thoai", "unit_id": unit, "summary": "Tin báo"})
    return pid


def send(sender: Node, receiver: Node, folder: Path) -> None:
    sender.export(folder, to=receiver)
    done = folder_import.import_folder(receiver.conn, receiver.keys, [folder])
    assert done.refused == 0


@pytest.fixture
def province(network, tmp_path: Path):
    prov, (a, b) = network(2)
    pid = fill(a)
    send(a, prov, tmp_path / "1")
    return prov, a, b, pid


def row_of(view: overview.Overview, name: str) -> overview.CommuneRow:
    [row] = [r for r in view.rows if r.name == name]
    return row


def test_each_commune_with_its_bundles_and_figures(province, tmp_path):
    prov, a, b, pid = province
    view = overview.overview(prov.conn)
    ra, rb = row_of(view, "c0"), row_of(view, "c1")
    assert ra.last_received is not None and ra.age_days == 0 and not ra.late
    assert ra.last_sent is None  # nothing written for it yet
    # The member who left and last year's meeting are not counted; B holds nothing here.
    assert ra.counts == {"organizations": 1, "members": 1, "minutes": 1, "tips": 1,
                         "cameras": 0}
    assert set(rb.counts.values()) == {0} and rb.last_received is None
    assert ra.key_due == ra.key_since + dt.timedelta(days=overview.KEY_LIFETIME_DAYS)
    assert not ra.key_overdue and ra.missing_months == []
    prov.export(tmp_path / "down", to=a)
    assert row_of(overview.overview(prov.conn), "c0").last_sent is not None
    # A conflict over A's person (both edited it) is A's, not B's.
    a.store.edit("person", pid, {"birth_date": "1990"})
    prov.store.edit("person", pid, {"birth_date": "1991"})
    send(a, prov, tmp_path / "2")
    view = overview.overview(prov.conn)
    assert row_of(view, "c0").open_conflicts == 1 and row_of(view, "c1").open_conflicts == 0


def test_late_past_the_threshold_the_province_sets(province):
    prov, a, b, pid = province
    twenty_days_ago = (dt.datetime.now() - dt.timedelta(days=20)).isoformat(timespec="seconds")
    prov.conn.execute("UPDATE sync_import_log SET imported_local_time = ?", (twenty_days_ago,))
    assert row_of(overview.overview(prov.conn), "c0").late is False  # default: 35 days
    overview.set_late_after(prov.conn, "10")
    view = overview.overview(prov.conn)
    ra = row_of(view, "c0")
    assert ra.late and ra.age_days == 20 and view.rows[0] is ra  # the late first
    assert view.lines()[1].startswith("TRỄ c0 (")
    # B never sent anything, but was enrolled today: not late yet.
    assert not row_of(view, "c1").late
    for bad in ("0", "-3", "mười", "99999"):
        with pytest.raises(UserError, match="--late-after"):
            overview.set_late_after(prov.conn, bad)
    assert overview.late_after(prov.conn) == 10


def test_the_command_line_stores_the_threshold_and_prints_json(province, capsys):
    prov, a, b, pid = province
    ten_days_ago = (dt.datetime.now() - dt.timedelta(days=12)).isoformat(timespec="seconds")
    prov.conn.execute("UPDATE sync_import_log SET imported_local_time = ?", (ten_days_ago,))
    args = ["communes", "--db", str(prov.path), "--json"]
    assert cli.main([*args, "--late-after", "7"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["late_after_days"] == 7
    [c0] = [c for c in data["communes"] if c["name"] == "c0"]
    assert c0["late"] is True and c0["age_days"] == 12 and c0["counts"]["members"] == 1
    assert c0["last_received_shown"] == (dt.date.today() - dt.timedelta(days=12)).strftime(
        "%d/%m/%Y")
    assert cli.main(args) == 0  # the threshold was kept
    assert json.loads(capsys.readouterr().out)["late_after_days"] == 7
    assert cli.main(["communes", "--db", str(prov.path), "--late-after", "30"]) == 0
    out = capsys.readouterr().out
    assert "c0 (03160): nhận" in out and "TRỄ" not in out
    assert cli.main(["communes", "--db", str(a.path)]) == 2  # a commune has no such page
    assert "Chỉ tỉnh" in capsys.readouterr().err


def test_key_due_and_the_months_sent_nothing_in(province):
    prov, a, b, pid = province
    three_years = (dt.datetime.now() - dt.timedelta(days=3 * 365)).isoformat(timespec="seconds")
    prov.conn.execute("UPDATE sync_site SET enrolled_local_time = ? WHERE name = 'c0'",
                      (three_years,))
    ra = row_of(overview.overview(prov.conn), "c0")
    assert ra.key_overdue and "khóa quá hạn thay" in ra.line({})
    # Every finished month of the last twelve is missing but for the one a bundle was
    # written in (this month is not finished).
    assert len(ra.missing_months) == overview.MONTHS_BACK
    enrolled = dt.datetime(2026, 8, 20)
    sent = [dt.datetime(2026, 9, 3), dt.datetime(2026, 11, 30, 23, 0)]
    assert overview.missing_months(sent, enrolled, dt.date(2026, 12, 6)) == [
        "2026-08", "2026-10"]
    assert overview.missing_months([], None, dt.date(2026, 1, 15))[0] == "2025-01"


def test_only_the_province_has_the_overview(province):
    prov, a, b, pid = province
    with pytest.raises(UserError, match="Chỉ tỉnh"):
        overview.overview(a.conn)
