"""A stick full of bundles imported in one action at the province (issue 15): per sender,
earliest first whatever the files are called, one line per commune and a total; bundles for
other sites, this site's own, files that are not bundles and corrupted files are counted and
left as they were; a Cancel between bundles leaves each file wholly imported or untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from synckit import Node, rewrite, tamper

from desktop import cli
from desktop.sync import files, folder_import


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def person(node: Node, name: str) -> str:
    return node.store.add("person", {"full_name": name}).id


def has(node: Node, pid: str) -> bool:
    return node.conn.execute("SELECT 1 FROM person WHERE id = ?", (pid,)).fetchone() is not None


def imported_ids(node: Node) -> set[str]:
    return {r[0] for r in node.conn.execute("SELECT bundle_id FROM sync_import_log")}


@pytest.fixture
def stick(network, tmp_path: Path):
    """Commune A's two bundles (the later one named to sort first), B's bundle and a copy of
    it, a bundle for another site, a truncated bundle, a genuine bundle of A carrying a bad
    value, the province's own outgoing bundle and a document."""
    prov, (a, b) = network(2)
    out = tmp_path / "out"
    first_pid = person(a, "Lò Văn Sáng")
    [a1] = a.export(out / "a1", to=prov)
    second_pid = person(a, "Quàng Thị Hoa")
    [a2] = a.export(out / "a2", to=prov)
    b_pid = person(b, "Vàng A Dơ")
    [b1] = b.export(out / "b1", to=prov)
    s = tmp_path / "stick"
    s.mkdir()
    (s / "z-a-earlier.vsb").write_bytes(a1.read_bytes())
    (s / "a-a-later.vsb").write_bytes(a2.read_bytes())
    (s / "m-b.vsb").write_bytes(b1.read_bytes())
    (s / "m-b-copy.vsb").write_bytes(b1.read_bytes())  # the same bundle twice
    (s / "for-b.vsb").write_bytes(tamper(a, a1, b))  # encrypted to commune B only
    (s / "cut.vsb").write_bytes(a2.read_bytes()[:-200])

    def bad_name(o):
        if o["f"] == "full_name":
            o["v"] = "A\x00B"

    def new_id(m):
        m["bundle_id"] = "01a00000-0000-7000-8000-00000000bad0"

    (s / "a-bad.vsb").write_bytes(rewrite(a, a2, prov, line=bad_name, manifest=new_id))
    prov.export(s, to=a)  # the province's own, to A

    def as_province(m):  # a file that only claims to be the province's (signed by A)
        m["sender_site"] = prov.site_id

    (s / "forged-own.vsb").write_bytes(tamper(a, a1, prov, manifest=as_province))
    (s / "ghi-chu.vsb").write_bytes(b"PK\x03\x04 not a bundle")  # named like one
    return prov, a, b, s, (first_pid, second_pid, b_pid)


def test_a_stick_imports_per_commune_in_order_with_a_total(stick):
    prov, a, b, s, (p1, p2, pb) = stick
    before = snapshot(s)
    done = folder_import.import_folder(prov.conn, prov.keys, [s])
    # Per sender, earliest first: A's earlier bundle before its later one although its file
    # sorts last by name.
    order = [r.path.name for r in done.results if r.status == "imported"]
    assert order.index("z-a-earlier.vsb") < order.index("a-a-later.vsb")
    assert has(prov, p1) and has(prov, p2) and has(prov, pb)
    by_name = {g.name: g for g in done.senders}
    ga, gb = by_name["c0"], by_name["c1"]
    assert (ga.imported, gb.imported, gb.already) == (2, 1, 1)
    assert ga.records == 2 and gb.records == 1
    # The genuine but bad bundle is A's refusal, with why; the truncated one has no sender.
    [(bad_file, why)] = ga.refused
    assert bad_file == "a-bad.vsb" and "full_name" in why
    unknown = dict(by_name["Không rõ người gửi"].refused)
    assert "cắt cụt" in unknown["cut.vsb"]
    assert "chưa đăng ký" in unknown["forged-own.vsb"]  # not taken for this site's own
    assert (done.elsewhere, done.own, done.not_bundles) == (1, 1, 1)
    lines = done.lines()
    assert lines[0].startswith("c0: 2 gói đã nhập, 2 bản ghi, 0 xung đột mới")
    assert "1 tệp bị từ chối" in lines[0]
    assert any(line.startswith("  từ chối a-bad.vsb: ") for line in lines)
    assert any(line.startswith("c1: 1 gói đã nhập, 1 bản ghi") and "1 gói đã nhập trước đây"
               in line for line in lines)
    total = lines[-1]
    assert total.startswith("Tổng: 3 gói đã nhập, 3 bản ghi, 0 xung đột mới, 0 cảnh báo "
                            "đồng hồ, 3 tệp bị từ chối, 1 gói đã nhập trước đây, 1 gói của "
                            "điểm khác bỏ qua, 1 gói do điểm này gửi đi, 1 tệp không phải gói")
    # Nothing on the stick changed; only the refused files were copied aside.
    assert snapshot(s) == before
    quarantined = {p.name for p in files.quarantine_dir(prov.path).glob("*.vsb")}
    assert quarantined == {"a-bad.vsb", "cut.vsb", "forged-own.vsb"}
    # Again: everything is already there, nothing is decrypted twice or refused anew
    # except the three bad files.
    again = folder_import.import_folder(prov.conn, prov.keys, [s])
    assert again.imported == 0 and sum(g.already for g in again.senders) == 4


def test_the_command_line_prints_one_line_per_commune_and_the_total(stick, capsys):
    prov, a, b, s, _pids = stick
    assert cli.main(["import-bundle", str(s), "--db", str(prov.path)]) == 2  # refusals
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("c0: 2 gói đã nhập") and out[-1].startswith("Tổng: 3 gói")
    assert any(line.startswith("c1: 1 gói đã nhập") for line in out)
    assert any("cut.vsb" in line and "cắt cụt" in line for line in out)


def test_a_clean_stick_exits_zero_and_json_lists_the_senders(network, tmp_path, capsys):
    import json

    prov, (a, b) = network(2)
    person(a, "Lò Văn Sáng")
    s = tmp_path / "stick"
    a.export(s, to=prov)
    prov.export(s)  # bundles for both communes: this site's own, left alone
    assert cli.main(["import-bundle", str(s), "--db", str(prov.path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    [sender] = data["senders"]
    assert (sender["name"], sender["imported"], sender["records"]) == ("c0", 1, 1)
    assert data["own"] == 2 and data["total"].startswith("Tổng: 1 gói đã nhập")


def test_cancel_between_bundles_leaves_each_file_imported_or_untouched(network, tmp_path):
    prov, communes = network(2)
    s = tmp_path / "stick"
    pids = []
    for c in communes:
        for i in range(2):
            pids.append(person(c, f"Người {c.name} {i}"))
            c.export(s, to=prov)
    before = snapshot(s)
    asked = []

    def cancel() -> bool:  # the officer presses Cancel while the second bundle is imported
        asked.append(1)
        return len(asked) > 2

    done = folder_import.import_folder(prov.conn, prov.keys, [s], cancel=cancel)
    assert done.cancelled and done.imported == 2
    assert sum(g.cancelled for g in done.senders) == 2
    assert "đã dừng giữa chừng" in done.total_line()
    imported = [r for r in done.results if r.status == "imported"]
    assert {r.bundle_id for r in imported} == imported_ids(prov)  # whole, or not at all
    assert [has(prov, p) for p in pids] == [True, True, False, False]
    assert snapshot(s) == before and not files.quarantine_dir(prov.path).exists()
    rest = folder_import.import_folder(prov.conn, prov.keys, [s])  # the rest, later
    assert rest.imported == 2 and all(has(prov, p) for p in pids)
