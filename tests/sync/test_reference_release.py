"""Issue 15, reference data going down: the province publishes a numbered, signed release of
its catalogues, An toàn criteria and remote communes; a commune applies a newer one, sees
what changed, keeps its older records valid; a file that is not the province's, or changed,
or older, is refused with nothing applied."""

from __future__ import annotations

import json

import pytest

from desktop.domain.errors import UserError
from desktop.storage import reference_releases, seed
from desktop.sync import reference_release

MUONG_NHE = "03160"


def cat_id(catalogue: str, code: str) -> str:
    return seed.reference_id(f"catalogue:{catalogue}:{code}")


def item(conn, catalogue: str, code: str):
    return conn.execute("SELECT name, active, attrs FROM catalogue_item WHERE catalogue = ? AND "
                        "code = ?", (catalogue, code)).fetchone()


def remote(conn, code: str) -> int:
    return conn.execute("SELECT coalesce(remote, 0) FROM unit WHERE code = ? AND level = "
                        "'commune' AND valid_to IS NULL", (code,)).fetchone()[0]


@pytest.fixture
def sites(network, tmp_path):
    prov, (c0, c1) = network()
    village = c0.store.add("unit", {"name": "Bản Nậm Kè", "level": "village",
                                    "parent_id": MUONG_NHE}).id
    old_eval = c0.store.add("safety_evaluation", {
        "subject_kind": "residential", "unit_id": village, "year": "2025",
        "criteria_met": "kdc_dang_ky; kdc_chap_hanh", "result": "chưa đạt"}).id
    # The province's edits of its reference data (versioned there, as any edit)
    prov.store.edit("catalogue", cat_id("safety_criterion", "kdc_chap_hanh"), {"active": 0})
    prov.store.edit("catalogue", cat_id("tip_category", "ma_tuy"),
                    {"name": "Ma túy, tiền chất"})
    prov.store.add("catalogue", {"catalogue": "tip_category", "code": "xam_hai_tre_em",
                                 "name": "Xâm hại trẻ em"})
    prov.store.edit("unit", seed.unit_id(MUONG_NHE, seed.CODE_VERSION_2025), {"remote": 1})
    return prov, c0, c1, village, old_eval


def test_a_release_goes_down_shows_what_changed_and_keeps_old_records_valid(sites, tmp_path):
    prov, c0, _c1, village, old_eval = sites
    path, release = reference_release.publish(prov.conn, prov.keys, tmp_path / "usb")
    assert release.version == 1 and path.name == "antq-danh-muc-11-v1.json"
    assert reference_releases.last_version(prov.conn, "published") == 1

    preview = reference_release.apply(c0.conn, path, dry_run=True)
    lines = [c.line() for c in preview.changes]
    assert "Loại nguồn tin: thêm «Xâm hại trẻ em» (xam_hai_tre_em)" in lines
    assert "Loại nguồn tin: «Ma túy» đổi tên thành «Ma túy, tiền chất»" in lines
    assert any(line.startswith("Tiêu chí An toàn về ANTT: thôi áp dụng «Thực hiện chủ trương")
               and line.endswith("(bản ghi cũ vẫn giữ)") for line in lines)
    assert "Xã vùng sâu, vùng xa (hạn 48 giờ): thêm Xã Mường Nhé" in lines
    assert item(c0.conn, "tip_category", "xam_hai_tre_em") is None  # a dry run writes nothing
    assert reference_releases.last_version(c0.conn, "applied") == 0

    done = reference_release.apply(c0.conn, path)
    assert [c.line() for c in done.changes] == lines
    assert item(c0.conn, "tip_category", "xam_hai_tre_em")["name"] == "Xâm hại trẻ em"
    assert item(c0.conn, "tip_category", "ma_tuy")["name"] == "Ma túy, tiền chất"
    assert item(c0.conn, "safety_criterion", "kdc_chap_hanh")["active"] == 0  # kept, retired
    assert remote(c0.conn, MUONG_NHE) == 1
    (applied,) = reference_releases.history(c0.conn)
    assert applied["version"] == 1 and applied["role"] == "applied"
    assert "Loại nguồn tin: thêm «Xâm hại trẻ em» (xam_hai_tre_em)" in applied["changes"]

    # the old evaluation stays valid when edited, though a criterion it met was retired
    c0.store.edit("safety_evaluation", old_eval, {"notes": "Bổ sung hồ sơ"})
    with pytest.raises(UserError, match="kdc_chap_hanh"):  # not for a new one
        c0.store.add("safety_evaluation", {
            "subject_kind": "residential", "unit_id": village, "year": "2026",
            "criteria_met": "kdc_chap_hanh", "result": "chưa đạt"})

    with pytest.raises(UserError, match="đã áp dụng danh mục bản 1"):
        reference_release.apply(c0.conn, path)
    path2, release2 = reference_release.publish(prov.conn, prov.keys, tmp_path / "usb")
    assert release2.version == 2
    assert reference_release.apply(c0.conn, path2).changes == []  # nothing new


def test_a_changed_or_foreign_release_is_refused_before_anything_is_applied(sites, tmp_path):
    prov, c0, c1, _village, _ev = sites
    path, _r = reference_release.publish(prov.conn, prov.keys, tmp_path / "usb")
    envelope = json.loads(path.read_text("utf-8"))
    body = json.loads(envelope["body"])
    body["catalogues"]["tip_category"][0]["name"] = "Đã bị sửa"
    envelope["body"] = json.dumps(body, ensure_ascii=False)
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(envelope, ensure_ascii=False), "utf-8")
    before = item(c0.conn, "tip_category", "ma_tuy")["name"]
    with pytest.raises(UserError, match="chữ ký"):
        reference_release.apply(c0.conn, changed)
    assert item(c0.conn, "tip_category", "ma_tuy")["name"] == before
    assert reference_releases.last_version(c0.conn, "applied") == 0

    # a commune cannot publish, and cannot pass its own file off as the province's
    with pytest.raises(UserError, match="Chỉ Công an tỉnh"):
        reference_release.publish(c1.conn, c1.keys, tmp_path / "c1")
    forged = dict(envelope)
    from desktop.sync import enrol

    forged.update(enrol._signed(body | {"publisher": c1.site_id}, c1.keys))
    (tmp_path / "forged.json").write_text(json.dumps(forged, ensure_ascii=False), "utf-8")
    with pytest.raises(UserError, match="chữ ký"):
        reference_release.apply(c0.conn, tmp_path / "forged.json")

    big = tmp_path / "big.json"
    big.write_bytes(b"{" + b" " * (reference_release.MAX_BYTES + 1) + b"}")
    with pytest.raises(UserError, match="quá giới hạn"):
        reference_release.apply(c0.conn, big)
    with pytest.raises(UserError, match="không phải tệp danh mục"):
        reference_release.apply(c0.conn, _not_a_release(tmp_path))
    with pytest.raises(UserError, match="tỉnh không áp dụng"):
        reference_release.apply(prov.conn, path)


def _not_a_release(tmp_path):
    p = tmp_path / "notes.json"
    p.write_text('{"format": "antq-enrol-request"}', "utf-8")
    return p


def test_values_are_checked_as_a_local_write_would(sites, tmp_path, monkeypatch):
    """A release signed by the province but carrying a bad value (a code with a space, a
    commune of another province) is refused naming the item; nothing applied."""
    prov, c0, _c1, _v, _e = sites
    real = reference_release.current

    def bad_code(conn, code):
        data = real(conn, code)
        data["catalogues"]["org_type"].append({"code": "mã có dấu cách", "name": "X",
                                               "aliases": "", "attrs": None, "active": 1,
                                               "sort_order": 99})
        return data

    monkeypatch.setattr(reference_release, "current", bad_code)
    path, _r = reference_release.publish(prov.conn, prov.keys, tmp_path / "a")
    with pytest.raises(UserError, match=r"org_type, mục \d+: mã «mã có dấu cách»"):
        reference_release.apply(c0.conn, path)

    def stranger(conn, code):
        data = real(conn, code)
        data["remote_communes"].append("00004")  # Phường Ba Đình, Hà Nội
        return data

    monkeypatch.setattr(reference_release, "current", stranger)
    path, _r = reference_release.publish(prov.conn, prov.keys, tmp_path / "b")
    with pytest.raises(UserError, match="không thuộc tỉnh: 00004"):
        reference_release.apply(c0.conn, path)
    assert reference_releases.last_version(c0.conn, "applied") == 0
    assert remote(c0.conn, MUONG_NHE) == 0


def test_the_commands(sites, tmp_path, capsys):
    from desktop import cli

    prov, c0, _c1, _v, _e = sites
    usb = tmp_path / "usb"
    assert cli.main(["publish-reference", "--out", str(usb), "--db", str(prov.path),
                     "--json"]) == 0, capsys.readouterr().err
    out = json.loads(capsys.readouterr().out)
    assert out["version"] == 1 and out["file"].endswith("antq-danh-muc-11-v1.json")
    assert cli.main(["apply-reference", out["file"], "--dry-run", "--db", str(c0.path)]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == "Danh mục bản 1 sẽ thay đổi (chưa áp dụng):"
    assert "  Loại nguồn tin: thêm «Xâm hại trẻ em» (xam_hai_tre_em)" in shown
    assert cli.main(["apply-reference", out["file"], "--db", str(c0.path)]) == 0
    assert capsys.readouterr().out.startswith("Đã áp dụng danh mục bản 1:")
    assert cli.main(["apply-reference", out["file"], "--db", str(c0.path)]) == 2
    assert "đã áp dụng danh mục bản 1" in capsys.readouterr().err
    assert cli.main(["references", "--db", str(c0.path)]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("Bản 1 (đã áp dụng ")
    assert "  Xã vùng sâu, vùng xa (hạn 48 giờ): thêm Xã Mường Nhé" in listed
