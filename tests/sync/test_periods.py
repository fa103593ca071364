"""Period approval (issue 15, as DHIS2's data approval): the province approves a commune's
figures for a period, the approval goes down with the next bundle, and records dated in the
period are locked at both ends until a chief unlocks it (audited, synced)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from synckit import Node, rewrite

from desktop import cli
from desktop.domain.errors import UserError, ValidationError
from desktop.storage import audit, periods


def exchange(sender: Node, recipient: Node, folder: Path) -> None:
    for path in sender.export(folder, to=recipient):
        [r] = recipient.import_(path)
        assert r.status == "imported", r.message


@pytest.fixture
def figures(network, tmp_path):
    """Commune A has minutes of 15/08/2026 (Q3) and 10/10/2026 (Q4); all have exchanged."""
    prov, (a, b) = network(2)
    org = a.store.add("organization", {"name": "Tổ tự quản số 1", "org_type": "to_tu_quan",
                                       "unit_id": a.part}).id
    q3 = a.store.add("meeting", {"organization_id": org, "title": "Họp quý III",
                                 "started_at": "08:00 15/08/2026"}).id
    q4 = a.store.add("meeting", {"organization_id": org, "title": "Họp quý IV",
                                 "started_at": "08:00 10/10/2026"}).id
    exchange(a, prov, tmp_path / "up")
    exchange(prov, a, tmp_path / "down")
    return prov, a, b, org, q3, q4


def test_periods_are_read_as_quarters_months_and_years():
    q = periods.parse_period("2026-q3")
    assert (q.name, q.start, q.end) == ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    m = periods.parse_period("2026-2")
    assert (m.name, m.start, m.end) == ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert periods.parse_period("2026").end == dt.date(2026, 12, 31)
    for bad in ("2026-Q5", "2026-13", "Q3", ""):
        with pytest.raises(ValidationError, match="kỳ số liệu"):
            periods.parse_period(bad)


def test_an_approved_period_is_locked_at_the_province_and_at_the_commune(figures, tmp_path):
    prov, a, b, org, q3, q4 = figures
    periods.approve(prov.store, a.part, "2026-Q3")
    with pytest.raises(UserError, match=r"thuộc kỳ 2026-Q3 của Xã Mường Nhé.*unlock-period"):
        prov.store.edit("meeting", q3, {"place": "Nhà văn hóa"})
    prov.store.edit("meeting", q4, {"place": "Nhà văn hóa"})  # Q4 is open
    a.store.edit("meeting", q3, {"place": "Trụ sở"})  # the commune has not heard yet
    exchange(prov, a, tmp_path / "down")
    for node in (prov, a):
        with pytest.raises(UserError, match="2026-Q3"):
            node.store.edit("meeting", q3, {"place": "Hội trường"})
        with pytest.raises(UserError, match="2026-Q3"):
            node.store.delete("meeting", q3)
        with pytest.raises(UserError, match="2026-Q3"):  # moved out of the period: no
            node.store.edit("meeting", q3, {"started_at": "08:00 01/10/2026"})
        with pytest.raises(UserError, match="2026-Q3"):  # moved into it: no
            node.store.edit("meeting", q4, {"started_at": "08:00 01/09/2026"})
        with pytest.raises(UserError, match="2026-Q3"):
            node.store.add("meeting", {"organization_id": org, "title": "Họp bổ sung",
                                       "started_at": "08:00 20/09/2026"})
    # The edit made at the commune before the approval arrived still reaches the province,
    # which is told.
    [path] = a.export(tmp_path / "up")
    [r] = prov.import_(path)
    assert r.status == "imported"
    assert any("1 bản ghi thuộc kỳ 2026-Q3 của Xã Mường Nhé" in w for w in r.warnings), \
        r.warnings
    assert prov.conn.execute("SELECT place FROM meeting WHERE id = ?", (q3,)).fetchone()[0] \
        == "Trụ sở"
    # Another commune's figures are not locked by it.
    org_b = b.store.add("organization", {"name": "Tổ B", "org_type": "to_tu_quan",
                                         "unit_id": b.part}).id
    b.store.add("meeting", {"organization_id": org_b, "title": "Họp",
                            "started_at": "08:00 20/09/2026"})


def test_a_chief_unlocks_a_period_and_the_unlock_syncs_audited(figures, tmp_path):
    prov, a, _b, _org, q3, _q4 = figures
    periods.approve(prov.store, a.part, "2026-Q3")
    exchange(prov, a, tmp_path / "down")
    with pytest.raises(ValidationError, match="lý do"):
        periods.unlock(a.store, a.part, "2026-Q3", " ")
    got = periods.unlock(a.store, a.part, "2026-Q3", "Sửa địa điểm ghi nhầm")
    assert got.unlocked and not got.locks and got.unlocked_by == "c0"
    a.store.edit("meeting", q3, {"place": "Hội trường"})
    unlocks = [e for e in audit.entries(a.conn, limit=50)
               if e.tbl == "period_approval" and e.field == "unlock_reason"]
    assert unlocks and unlocks[0].actor == "c0", unlocks
    exchange(a, prov, tmp_path / "up")
    [row] = periods.approvals(prov.conn, a.part)
    assert row.unlocked and row.unlock_reason == "Sửa địa điểm ghi nhầm"
    prov.store.edit("meeting", q3, {"place": "Trụ sở xã"})
    # Approving again locks it again, at both ends.
    periods.approve(prov.store, a.part, "2026-Q3")
    exchange(prov, a, tmp_path / "down2")
    for node in (prov, a):
        with pytest.raises(UserError, match="2026-Q3"):
            node.store.edit("meeting", q3, {"place": "Sân"})
    periods.withdraw(prov.store, a.part, "2026-Q3")
    exchange(prov, a, tmp_path / "down3")
    a.store.edit("meeting", q3, {"place": "Sân"})


def test_only_the_province_approves(figures, tmp_path):
    prov, a, _b, _org, _q3, _q4 = figures
    with pytest.raises(UserError, match="Chỉ Công an tỉnh"):
        periods.approve(a.store, a.part, "2026-Q3")
    periods.approve(prov.store, a.part, "2026-Q3")
    exchange(prov, a, tmp_path / "down")
    [appr] = periods.approvals(a.conn)
    with pytest.raises(UserError, match="Chỉ Công an tỉnh"):
        a.store.edit("period_approval", appr.id, {"status": "withdrawn"})
    # A commune's bundle that withdraws an approval is refused at the province.
    periods.unlock(a.store, a.part, "2026-Q3", "cần sửa")
    [path] = a.export(tmp_path / "up")

    def line(o):
        if o["t"] == "period_approval" and o["f"] == "unlocked_by":
            o["f"], o["v"] = "status", "withdrawn"
    bad = tmp_path / "bad.vsb"
    bad.write_bytes(rewrite(a, path, prov, line=line))
    [r] = prov.import_(bad)
    assert r.status == "refused" and "chỉ tỉnh phê duyệt" in r.message, r.message
    assert periods.approvals(prov.conn)[0].status == "approved"


def test_the_command_line_approves_unlocks_and_lists(figures, tmp_path, capsys):
    prov, a, _b, _org, q3, _q4 = figures
    capsys.readouterr()
    assert cli.main(["approve", "--unit", a.part, "--period", "2026-Q3",
                     "--db", str(prov.path)]) == 0
    assert "Đã phê duyệt số liệu kỳ 2026-Q3 của Xã Mường Nhé" in capsys.readouterr().out
    code = cli.main(["edit", "meeting", q3, "place=Sân", "--db", str(prov.path)])
    err = capsys.readouterr().err
    assert code == 2 and "2026-Q3" in err and len(err.strip().splitlines()) == 1, err
    assert cli.main(["unlock-period", "--unit", a.part, "--period", "2026-Q3", "--reason",
                     "ghi nhầm", "--db", str(prov.path)]) == 0
    assert cli.main(["approvals", "--db", str(prov.path)]) == 0
    out = capsys.readouterr().out
    assert "2026-Q3" in out and "đã mở khóa" in out, out
    assert cli.main(["unapprove", "--unit", a.part, "--period", "2026-Q3",
                     "--db", str(prov.path)]) == 0
