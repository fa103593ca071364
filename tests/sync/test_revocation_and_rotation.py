"""Revocation and key rotation travel as signed reference data: the province's list of sites
rides in the signed manifest of its bundles; a site's new keys ride in its own bundles, signed
by the key they replace (SYNC §3.8, §3.9)."""

from __future__ import annotations

import json
from pathlib import Path

import pyrage
import pytest
from dbkit import logical_dump
from synckit import Node, make_legacy, tamper

from desktop import cli
from desktop.domain.errors import UserError
from desktop.storage.site import get_meta
from desktop.sync import enrol, files, keys
from desktop.sync.enrol import canonical


def dump(node: Node) -> list[str]:
    return logical_dump(node.conn)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / "bad" / name
    p.parent.mkdir(exist_ok=True)
    p.write_bytes(data)
    return p


def refused(node: Node, path: Path, *expected: str) -> str:
    before = dump(node)
    [result] = node.import_(path)
    assert result.status == "refused", result
    for text in expected:
        assert text in result.message, result.message
    assert dump(node) == before
    assert result.quarantined_to is not None and result.quarantined_to.exists()
    assert result.quarantined_to.parent == files.quarantine_dir(node.path)
    return result.message


def listed(node: Node, site_id: str) -> dict | None:
    row = node.conn.execute("SELECT * FROM sync_site_list WHERE site_id = ?",
                            (site_id,)).fetchone()
    return None if row is None else dict(row)


def addressed_to(node: Node):
    def change(m: dict) -> None:
        m["recipients"] = [{"site": node.site_id, "x25519": node.keys.public.recv_pub}]
    return change


def test_revocation_at_the_province_reaches_the_communes(network, tmp_path):
    prov, (a, b) = network(2)
    a.store.add("person", {"full_name": "Lò Văn Sáng"})
    [for_prov] = a.export(tmp_path / "a")
    relayed = tamper(a, for_prov, b)  # A's own file, carried on to B
    direct = tamper(a, for_prov, b, manifest=addressed_to(b))  # A writing to B itself
    assert prov.import_(for_prov)[0].status == "imported"
    [old_list] = prov.export(tmp_path / "p1", to=b)
    enrol.revoke_site(prov.conn, a.site_id)
    [new_list] = prov.export(tmp_path / "p2", to=b)

    assert b.import_(new_list)[0].status == "imported"
    entry = listed(b, a.site_id)
    assert entry is not None and entry["status"] == "revoked"
    assert entry["sign_pub"] == a.keys.public.sign_pub
    version = int(get_meta(b.conn, enrol.SITE_LIST_META) or 0)
    assert version > 0
    for i, data in enumerate((relayed, direct)):
        msg = refused(b, write(tmp_path, f"from-a-{i}.vsb", data), "thu hồi", a.name)
        assert a.part in msg

    # The older list, replayed (or the province's database rolled back), is ignored.
    assert b.import_(old_list)[0].status == "imported"
    assert listed(b, a.site_id)["status"] == "revoked"
    assert int(get_meta(b.conn, enrol.SITE_LIST_META)) == version
    refused(b, write(tmp_path, "again.vsb", tamper(a, for_prov, b)), "thu hồi")


def test_a_listed_commune_is_still_not_enrolled_at_another_commune(network, tmp_path):
    prov, (a, b) = network(2)
    [for_prov] = a.export(tmp_path / "a")
    direct = tamper(a, for_prov, b, manifest=addressed_to(b))
    [to_b] = prov.export(tmp_path / "p", to=b)
    assert b.import_(to_b)[0].status == "imported"
    assert listed(b, a.site_id)["status"] == "active"
    assert listed(b, b.site_id) is None and listed(b, prov.site_id) is None
    refused(b, write(tmp_path, "direct.vsb", direct), "chưa đăng ký")


def test_every_enrolment_and_revocation_gives_a_greater_list_version(network):
    prov, (a, b) = network(2)
    v1 = enrol.site_list(prov.conn)["version"]
    enrol.revoke_site(prov.conn, a.site_id)
    listing = enrol.site_list(prov.conn)
    assert listing["version"] > v1
    status = {e["site_id"]: e["status"] for e in listing["sites"]}
    assert status == {prov.site_id: "active", a.site_id: "revoked", b.site_id: "active"}
    assert enrol.site_list(a.conn) is None


def test_a_site_list_only_from_the_province_and_well_formed(network, tmp_path):
    prov, (a, b) = network(2)
    [for_prov] = a.export(tmp_path / "a")
    listing = enrol.site_list(prov.conn)
    listing["issuer"] = a.site_id

    def from_commune(m: dict) -> None:
        m["site_list"] = listing
    refused(prov, write(tmp_path, "l.vsb", tamper(a, for_prov, prov, manifest=from_commune)),
            "chỉ tỉnh")
    [to_b] = prov.export(tmp_path / "p", to=b)
    for i, bad in enumerate(({"version": "9"}, {"version": 0, "issuer": prov.site_id,
                                               "sites": []},
                             {**enrol.site_list(prov.conn), "issuer": a.site_id})):
        def broken(m: dict, bad=bad) -> None:
            m["site_list"] = bad
        refused(b, write(tmp_path, f"b{i}.vsb", tamper(prov, to_b, b, manifest=broken)),
                "danh sách điểm")


def test_key_rotation_round_trip(network, tmp_path):
    prov, (a, b) = network(2)
    a.store.add("person", {"full_name": "Lò Văn Sáng"})
    [before_rotation] = a.export(tmp_path / "a0")  # signed by the old key, still on a stick
    [to_old_a] = prov.export(tmp_path / "p0", to=a)  # encrypted to A's old key
    old, new = keys.rotate_keys(a.conn)
    assert old == a.keys.public and new != old
    a.keys = keys.unlock(a.conn)
    assert a.keys.public == new and a.keys.old_recv_pubs == (old.recv_pub,)
    assert a.import_(to_old_a)[0].status == "imported"

    a.store.add("person", {"full_name": "Quàng Thị Hoa"})
    [after] = a.export(tmp_path / "a1")
    [result] = prov.import_(after)
    assert result.status == "imported", result
    peer = enrol.find_peer(prov.conn, a.site_id)
    assert peer.public == new and peer.fingerprint == keys.fingerprint(a.site_id, new)
    assert enrol.retired_sign_pubs(prov.conn, a.site_id) == (old.sign_pub,)
    names = {r[0] for r in prov.conn.execute("SELECT full_name FROM person")}
    assert {"Lò Văn Sáng", "Quàng Thị Hoa"} <= names
    assert prov.import_(after)[0].status == "already"
    # No grace: once the new key is known, the old one is refused (nothing is lost: the
    # changes came again in the newer bundle).
    refused(prov, before_rotation, "khóa cũ", a.name)

    # The province's next site list spreads the new keys.
    [to_b] = prov.export(tmp_path / "p1", to=b)
    assert b.import_(to_b)[0].status == "imported"
    entry = listed(b, a.site_id)
    assert entry["sign_pub"] == new.sign_pub and entry["recv_pub"] == new.recv_pub
    assert json.loads(entry["retired_sign_pubs"]) == [old.sign_pub]

    # The province now writes to the new key only.
    [to_a] = prov.export(tmp_path / "p2", to=a)
    pyrage.decrypt(to_a.read_bytes(), [a.keys.identity])
    assert a.import_(to_a)[0].status == "imported"


def test_a_rotation_signed_by_someone_else_is_refused(network, tmp_path):
    prov, (a, b) = network(2)
    [good] = a.export(tmp_path / "a")
    body = canonical({"format": keys.ROTATION_FORMAT, "site_id": a.site_id, "generation": 1,
                      "old_sign_pub": a.keys.public.sign_pub, "old_recv_pub": "x",
                      "new_sign_pub": b.keys.public.sign_pub,
                      "new_recv_pub": b.keys.public.recv_pub, "rotated_local": "now"})
    forged = {"body": body.decode(), "sig": keys.b64(b.keys.sign(body))}

    data = tamper(a, good, prov, signer=b.keys, rotations=[forged])
    refused(prov, write(tmp_path, "forged.vsb", data), "chữ ký")
    assert enrol.find_peer(prov.conn, a.site_id).public == a.keys.public


def test_two_rotations_before_the_peer_hears_of_either(network, tmp_path):
    prov, (a, _b) = network(2)
    keys.rotate_keys(a.conn)
    _old, newest = keys.rotate_keys(a.conn)
    a.keys = keys.unlock(a.conn)
    assert len(a.keys.old_identities) == 2
    [bundle] = a.export(tmp_path / "a")
    assert prov.import_(bundle)[0].status == "imported"
    assert enrol.find_peer(prov.conn, a.site_id).public == newest
    assert len(enrol.retired_sign_pubs(prov.conn, a.site_id)) == 1  # the one it knew


def test_the_province_rotates_too(network, tmp_path):
    prov, (a, _b) = network(2)
    _old, new = keys.rotate_keys(prov.conn)
    prov.keys = keys.unlock(prov.conn)
    [to_a] = prov.export(tmp_path / "p", to=a)
    assert a.import_(to_a)[0].status == "imported"
    assert enrol.find_peer(a.conn, prov.site_id).public == new
    a.store.add("person", {"full_name": "Lò Văn Sáng"})
    [up] = a.export(tmp_path / "a")
    pyrage.decrypt(up.read_bytes(), [prov.keys.identity])
    assert prov.import_(up)[0].status == "imported"


def test_keys_rotate_on_the_command_line(network, monkeypatch, capsys):
    _prov, (a,) = network(1)
    assert cli.main(["keys", "rotate", "--db", str(a.path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["old_fingerprint"] == keys.fingerprint(a.site_id, a.keys.public)
    assert out["fingerprint"] == keys.fingerprint(a.site_id, keys.public_keys(a.conn))
    # Keys sealed under the database key: the old passphrase variable plays no part.
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "sai mật khẩu rồi")
    assert cli.main(["keys", "rotate", "--db", str(a.path)]) == 0
    assert "vân tay mới" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["commune", "province"])
def test_rotation_keeps_the_database_unchanged_on_a_wrong_legacy_passphrase(network, kind):
    prov, (a,) = network(1)
    node = a if kind == "commune" else prov
    make_legacy(node, "mật khẩu cũ đúng")
    before = dump(node)
    with pytest.raises(UserError, match="Sai mật khẩu"):
        keys.rotate_keys(node.conn, legacy_passphrase="không đúng đâu")
    assert dump(node) == before
